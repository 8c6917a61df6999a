//! Tiny's command line:
//! `[--head-timeout SECS] [--cgi-timeout SECS] [--max-connections N] [PORT] [ROOT]`.

use std::path::PathBuf;
use std::process;
use std::time::Duration;

use crate::limits::Limits;

/// CS:APP's port.
const DEFAULT_PORT: u16 = 15213;

const USAGE: &str = "\
usage: tiny [--head-timeout SECS] [--cgi-timeout SECS] [--max-connections N] [PORT] [ROOT]

Serves the files under ROOT (default: the current directory) on PORT
(default 15213; 0 picks a free port) over HTTP/1.0 and HTTP/1.1.

  --head-timeout SECS    a request head must arrive in full within SECS
                         seconds (default 20; decimals allowed), else 408
  --cgi-timeout SECS     a ROOT/cgi-bin/ program must finish within SECS
                         seconds (default 10), else it is killed and 504
  --max-connections N    serve at most N connections at once (default 1024);
                         more are answered 503 and closed
  -h, --help             print this help and exit
";

/// What the command line asks for.
#[derive(Debug, Clone, PartialEq)]
pub struct Args {
    /// The port to listen on; 0 picks a free one.
    pub port: u16,
    /// The directory whose files are served.
    pub root: PathBuf,
    /// How long a request head may take to arrive.
    pub head_timeout: Duration,
    /// How many connections are served at once.
    pub max_connections: usize,
    /// How long a CGI program may run.
    pub cgi_timeout: Duration,
}

/// What parsing found instead of [`Args`].
#[derive(Debug, PartialEq)]
pub enum Parsed {
    /// Run with these.
    Run(Args),
    /// `--help`: print the usage and exit 0.
    Help,
    /// A bad argument; the message names it.
    Bad(String),
}

/// Parses the process's arguments; `--help` prints the usage and exits 0,
/// a bad argument is named on stderr with the usage, exit 2.
pub fn parse_or_exit() -> Args {
    match parse(std::env::args().skip(1)) {
        Parsed::Run(args) => args,
        Parsed::Help => {
            print!("{USAGE}");
            process::exit(0)
        }
        Parsed::Bad(message) => {
            eprintln!("tiny: {message}\n{USAGE}");
            process::exit(2)
        }
    }
}

/// Parses arguments (without the program name).
pub fn parse(args: impl IntoIterator<Item = String>) -> Parsed {
    let defaults = Limits::default();
    let mut port = None;
    let mut root = None;
    let mut head_timeout = defaults.head_timeout;
    let mut max_connections = defaults.max_connections;
    let mut cgi_timeout = defaults.cgi_timeout;
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-h" | "--help" => return Parsed::Help,
            "--head-timeout" => match args.next().as_deref().map(seconds) {
                Some(Ok(timeout)) => head_timeout = timeout,
                Some(Err(message)) => return Parsed::Bad(format!("bad --head-timeout: {message}")),
                None => return Parsed::Bad("--head-timeout needs SECS".into()),
            },
            "--cgi-timeout" => match args.next().as_deref().map(seconds) {
                Some(Ok(timeout)) => cgi_timeout = timeout,
                Some(Err(message)) => return Parsed::Bad(format!("bad --cgi-timeout: {message}")),
                None => return Parsed::Bad("--cgi-timeout needs SECS".into()),
            },
            "--max-connections" => match args.next().map(|n| n.parse::<usize>()) {
                Some(Ok(n)) if n > 0 => max_connections = n,
                Some(_) => {
                    return Parsed::Bad(
                        "bad --max-connections: expected a whole number above 0".into(),
                    );
                }
                None => return Parsed::Bad("--max-connections needs N".into()),
            },
            flag if flag.starts_with('-') && flag.len() > 1 => {
                return Parsed::Bad(format!("unknown option {flag}"));
            }
            _ if port.is_none() => match arg.parse::<u16>() {
                Ok(p) => port = Some(p),
                Err(_) => return Parsed::Bad(format!("bad PORT {arg:?}: expected 0 to 65535")),
            },
            _ if root.is_none() => root = Some(PathBuf::from(arg)),
            _ => return Parsed::Bad(format!("unexpected argument {arg:?}")),
        }
    }
    Parsed::Run(Args {
        port: port.unwrap_or(DEFAULT_PORT),
        root: root.unwrap_or_else(|| PathBuf::from(".")),
        head_timeout,
        max_connections,
        cgi_timeout,
    })
}

/// Seconds as a duration: a decimal from a microsecond to an hour.
fn seconds(text: &str) -> Result<Duration, String> {
    match text.parse::<f64>() {
        // A socket timeout counts microseconds; a zero one is refused.
        Ok(secs) if (1e-6..=3600.0).contains(&secs) => Ok(Duration::from_secs_f64(secs)),
        _ => Err(format!(
            "{text:?} is not a number of seconds from 0.000001 to 3600"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(args: &[&str]) -> Parsed {
        parse(args.iter().map(|a| a.to_string()))
    }

    #[test]
    fn defaults_are_cs_app_port_and_current_directory() {
        let Parsed::Run(args) = run(&[]) else {
            panic!("no args must run")
        };
        assert_eq!(args.port, 15213);
        assert_eq!(args.root, PathBuf::from("."));
        assert!(args.head_timeout <= Duration::from_secs(20));
    }

    #[test]
    fn port_root_and_flags_in_any_order() {
        let parsed = run(&[
            "--head-timeout",
            "0.5",
            "0",
            "/srv",
            "--max-connections",
            "7",
        ]);
        let Parsed::Run(args) = parsed else {
            panic!("{parsed:?}")
        };
        assert_eq!(args.port, 0);
        assert_eq!(args.root, PathBuf::from("/srv"));
        assert_eq!(args.head_timeout, Duration::from_millis(500));
        assert_eq!(args.max_connections, 7);
    }

    #[test]
    fn bad_arguments_are_named() {
        for (args, named) in [
            (&["70000"][..], "PORT"),
            (&["--head-timeout", "-1"][..], "--head-timeout"),
            (&["--head-timeout"][..], "--head-timeout"),
            (&["--max-connections", "0"][..], "--max-connections"),
            (&["--bogus"][..], "--bogus"),
            (&["1", "/", "extra"][..], "extra"),
        ] {
            match run(args) {
                Parsed::Bad(message) => assert!(message.contains(named), "{message}"),
                other => panic!("{args:?} gave {other:?}"),
            }
        }
        assert_eq!(run(&["--help"]), Parsed::Help);
    }
}
