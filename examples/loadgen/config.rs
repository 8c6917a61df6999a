//! loadgen's command line.

use std::ffi::OsString;
use std::num::{NonZeroU16, NonZeroU64, NonZeroUsize};
use std::time::Duration;

use crate::common::{Cli, Stop};

/// The longest line loadgen sends, without its `\n`: echoserver's
/// maximum line is 64 KiB with the `\n`.
pub const MAX_LINE: usize = 65535;

/// With a window over 1, at most this many bytes are in flight on a
/// connection, well under what loopback socket buffers hold, so the client
/// and the server can never both block writing to a full buffer.
pub const MAX_IN_FLIGHT: usize = 65536;

/// What the user asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub host: String,
    pub port: u16,
    pub clients: usize,
    pub lines: u64,
    pub min_len: usize,
    pub max_len: usize,
    pub window: usize,
    pub timeout: Duration,
    pub connect_timeout: Duration,
    /// `None`: picked from the clock (and printed).
    pub seed: Option<u64>,
}

const ABOUT: &str = "Runs N concurrent clients against an echo-style line server (echoserver): \
each connects, waits until all are connected, then sends M lines of random printable ASCII \
and checks every byte of every echo. Prints lines/s, bytes, p50/p99 round-trip latency, \
errors and lost or corrupted bytes; exits 1 if any client failed or any byte was lost or \
corrupted. Loopback servers only.";

/// Parses `args` (without the program name).
///
/// # Errors
///
/// `Stop::Help` for `--help`; `Stop::Bad` for a bad argument (one that
/// is not UTF-8 included), or
/// arguments that do not fit together (a minimum length over the
/// maximum, a window too large for the line length).
pub fn parse(args: Vec<OsString>) -> Result<Config, Stop> {
    let mut cli = Cli::new("loadgen", ABOUT);
    let clients = cli.option(
        "--clients",
        "N",
        "concurrent clients, one thread each",
        NonZeroUsize::new(10).expect("not 0"),
    );
    let lines = cli.option(
        "--lines",
        "M",
        "lines each client sends",
        NonZeroU64::new(100).expect("not 0"),
    );
    let min_len = cli.option(
        "--min-len",
        "BYTES",
        "shortest line, without its \\n",
        1usize,
    );
    let max_len = cli.option(
        "--max-len",
        "BYTES",
        "longest line, without its \\n (at most 65535)",
        80usize,
    );
    let window = cli.option(
        "--window",
        "W",
        "lines a client may send ahead of their echoes (W x (max-len + 1) at most 65536 when W > 1)",
        NonZeroUsize::new(1).expect("not 0"),
    );
    let timeout = cli.option(
        "--timeout",
        "SECS",
        "the whole run stops after this long, connecting included",
        Duration::from_secs(60),
    );
    let connect_timeout = cli.option(
        "--connect-timeout",
        "SECS",
        "clients not connected by then fail, and the rest start",
        Duration::from_secs(10),
    );
    let seed = cli.optional::<u64>(
        "--seed",
        "S",
        "seed of the random lines, to repeat a run (default: from the clock, printed)",
    );
    let host = cli.option(
        "--host",
        "HOST",
        "the server's name or loopback address (::1, 127.0.0.1)",
        "localhost".to_owned(),
    );
    let port = cli.positional_or(
        "PORT",
        "the server's port",
        NonZeroU16::new(15213).expect("not 0"),
    );
    let synopsis = cli.synopsis();
    let mut m = cli.parse_os(args)?;
    let config = Config {
        host: m.take(host),
        port: m.take(port).get(),
        clients: m.take(clients).get(),
        lines: m.take(lines).get(),
        min_len: m.take(min_len),
        max_len: m.take(max_len),
        window: m.take(window).get(),
        timeout: m.take(timeout),
        connect_timeout: m.take(connect_timeout),
        seed: m.take(seed),
    };
    check(&config).map_err(|message| {
        Stop::Bad(format!(
            "loadgen: {message}\nusage: {synopsis}\n(`loadgen --help` says more)\n"
        ))
    })?;
    Ok(config)
}

/// The rules between arguments.
fn check(config: &Config) -> Result<(), String> {
    if config.max_len > MAX_LINE {
        return Err(format!(
            "--max-len {} is out of range 0..={MAX_LINE}",
            config.max_len
        ));
    }
    if config.min_len > config.max_len {
        return Err(format!(
            "--min-len {} is more than --max-len {}",
            config.min_len, config.max_len
        ));
    }
    let in_flight = config.window.saturating_mul(config.max_len + 1);
    if config.window > 1 && in_flight > MAX_IN_FLIGHT {
        return Err(format!(
            "--window {} with --max-len {} puts up to {in_flight} bytes in flight: \
             at most {MAX_IN_FLIGHT} are allowed, so neither side blocks on a full socket buffer",
            config.window, config.max_len
        ));
    }
    if config.timeout.is_zero() {
        return Err("--timeout 0 leaves no time to run".to_owned());
    }
    if config.connect_timeout.is_zero() {
        return Err("--connect-timeout 0 leaves no time to connect".to_owned());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_line(line: &str) -> Result<Config, String> {
        parse(line.split_whitespace().map(OsString::from).collect()).map_err(|stop| match stop {
            Stop::Bad(text) => text.lines().next().unwrap().to_owned(),
            Stop::Help(_) => "help".to_owned(),
        })
    }

    #[test]
    fn defaults_and_values() {
        let c = parse_line("").unwrap();
        assert_eq!((c.host.as_str(), c.port), ("localhost", 15213));
        assert_eq!((c.clients, c.lines, c.window), (10, 100, 1));
        assert_eq!((c.min_len, c.max_len, c.seed), (1, 80, None));
        let c =
            parse_line("--clients 20 --lines=50 --min-len 0 --max-len 0 --seed 9 8000").unwrap();
        assert_eq!(
            (c.clients, c.lines, c.port, c.seed),
            (20, 50, 8000, Some(9))
        );
        assert_eq!((c.min_len, c.max_len), (0, 0));
        assert_eq!(parse_line("--window 8 --max-len 8191").unwrap().window, 8);
        assert_eq!(parse_line("--max-len 65535").unwrap().max_len, 65535);
        assert_eq!(parse_line("x --help").unwrap_err(), "help");
    }

    #[test]
    fn bad_arguments_are_named() {
        assert_eq!(
            parse_line("--clients 0").unwrap_err(),
            "loadgen: --clients 0 is out of range: must be at least 1"
        );
        assert_eq!(
            parse_line("--min-len 9 --max-len 3").unwrap_err(),
            "loadgen: --min-len 9 is more than --max-len 3"
        );
        assert_eq!(
            parse_line("--max-len 65536").unwrap_err(),
            "loadgen: --max-len 65536 is out of range 0..=65535"
        );
        let window = parse_line("--window 8 --max-len 8192").unwrap_err();
        assert!(
            window.starts_with("loadgen: --window 8 with --max-len 8192 puts up to 65544 bytes"),
            "{window}"
        );
        assert_eq!(
            parse_line("--timeout 0").unwrap_err(),
            "loadgen: --timeout 0 leaves no time to run"
        );
        assert_eq!(
            parse_line("0").unwrap_err(),
            "loadgen: port 0 is out of range 1..=65535"
        );
    }
}
