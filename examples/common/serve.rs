//! The servers' shared command line and set-up: the port, the pool, the
//! limits that keep a hostile client from holding the server (idle timeout,
//! connection limit, overload policy, line deadline), and the counters.

use std::net::SocketAddr;
use std::num::NonZeroUsize;
use std::process;
use std::thread;
use std::time::Duration;

use rionet::{Overload, Server, ServerHandle, TimedStream};

use super::args::{Arg, Cli, Matches, Value};
use super::report::{fail, log};

/// CS:APP's port for the echo server.
pub const DEFAULT_PORT: u16 = 15213;

/// A server drops a client that has sent nothing for this long (by
/// default; `--idle-timeout`), and a client gives up on a server that has
/// not answered for this long: a peer that vanished without a FIN or RST
/// must not hold a thread forever.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(300);

/// How long a write may block on a peer that does not read.
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(30);

/// A line that has started must be complete this long after its first
/// byte arrived (by default; `--line-timeout`): a client trickling bytes
/// cannot hold a connection by never finishing its line.
pub const LINE_TIMEOUT: Duration = Duration::from_secs(10);

/// Connections served at once by default (`--max-connections`), as the
/// library's own default: CS:APP's `LISTENQ`.
pub const MAX_CONNECTIONS: usize = 1024;

/// What a refused client reads before the server closes its connection.
pub const BUSY_LINE: &str = "busy: the server is full, try again later\n";

/// What the server does with a client beyond `--max-connections` (or a
/// full pool queue).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OverloadPolicy {
    /// Leave it in the listen backlog until a connection ends.
    Wait,
    /// Accept it, write [`BUSY_LINE`], close.
    Refuse,
}

impl Value for OverloadPolicy {
    fn parse(name: &str, text: &str) -> Result<Self, String> {
        match text {
            "wait" => Ok(OverloadPolicy::Wait),
            "refuse" => Ok(OverloadPolicy::Refuse),
            _ => Err(format!("{name} {text:?} is not a policy: wait or refuse")),
        }
    }
    fn show(&self) -> String {
        match self {
            OverloadPolicy::Wait => "wait",
            OverloadPolicy::Refuse => "refuse",
        }
        .to_owned()
    }
}

/// A number of seconds above 0 (`30`, `0.5`): a socket timeout of 0 would
/// mean "none". At most `Seconds::MAX` (about 31 years), so that "now plus
/// it" is always a valid `Instant`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seconds(pub Duration);

impl Seconds {
    /// The largest value taken: 10^9 seconds.
    pub const MAX: Duration = Duration::from_secs(1_000_000_000);
}

impl Value for Seconds {
    fn parse(name: &str, text: &str) -> Result<Self, String> {
        match Duration::parse(name, text)? {
            Duration::ZERO => Err(format!(
                "{name} {text} is out of range: must be more than 0 seconds"
            )),
            secs if secs > Seconds::MAX => Err(format!(
                "{name} {text} is out of range: at most {} seconds",
                Seconds::MAX.as_secs()
            )),
            secs => Ok(Seconds(secs)),
        }
    }
    fn show(&self) -> String {
        self.0.show()
    }
}

/// A server's command line: `[--pool N] [--idle-timeout SECS]
/// [--max-connections N] [--overload POLICY] [--stats SECS]
/// [--line-timeout SECS] [PORT]` (the last option for line servers only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerArgs {
    /// The port to listen on; 0 picks a free one.
    pub port: u16,
    /// `Some(n)` for a pool of `n` workers, `None` for a thread per client.
    pub pool: Option<usize>,
    /// A client silent this long is dropped.
    pub idle_timeout: Duration,
    /// At most this many connections at once.
    pub max_connections: usize,
    /// What happens to the next one.
    pub overload: OverloadPolicy,
    /// Print the server's counters this often.
    pub stats: Option<Duration>,
    /// For a line server: how long a started line may take to complete
    /// (`None` for servers that do not read lines).
    pub line_timeout: Option<Duration>,
}

/// The arguments `ServerArgs::declare` added to a `Cli`.
#[derive(Clone, Copy)]
pub struct ServerArgSpec {
    port: Arg<u16>,
    pool: Arg<Option<NonZeroUsize>>,
    idle_timeout: Arg<Seconds>,
    max_connections: Arg<NonZeroUsize>,
    overload: Arg<OverloadPolicy>,
    stats: Arg<Option<Seconds>>,
    line_timeout: Option<Arg<Seconds>>,
}

impl ServerArgs {
    /// Declares every server's arguments on `cli`: a server with options
    /// of its own declares them on the same `cli`, then parses once.
    pub fn declare(cli: &mut Cli) -> ServerArgSpec {
        ServerArgs::declare_with(cli, false)
    }

    /// As `declare`, plus `--line-timeout SECS` for a server that reads
    /// lines.
    pub fn declare_line_server(cli: &mut Cli) -> ServerArgSpec {
        ServerArgs::declare_with(cli, true)
    }

    fn declare_with(cli: &mut Cli, lines: bool) -> ServerArgSpec {
        ServerArgSpec {
            pool: cli.optional(
                "--pool",
                "N",
                "serve with N prethreaded worker threads (default: a thread per client)",
            ),
            idle_timeout: cli.option(
                "--idle-timeout",
                "SECS",
                "drop a client that sends nothing for SECS seconds",
                Seconds(IDLE_TIMEOUT),
            ),
            max_connections: cli.option(
                "--max-connections",
                "N",
                "serve at most N clients at once",
                NonZeroUsize::new(MAX_CONNECTIONS).expect("not 0"),
            ),
            overload: cli.option(
                "--overload",
                "POLICY",
                "beyond --max-connections: `wait` (in the listen backlog) or `refuse` (a `busy` line)",
                OverloadPolicy::Wait,
            ),
            stats: cli.optional(
                "--stats",
                "SECS",
                "print the counters (accepted, active, refused, timed out...) every SECS seconds (default: never)",
            ),
            line_timeout: lines.then(|| {
                cli.option(
                    "--line-timeout",
                    "SECS",
                    "drop a client whose line is not complete SECS seconds after its first byte",
                    Seconds(LINE_TIMEOUT),
                )
            }),
            port: cli.positional_or(
                "PORT",
                "the port to listen on, IPv6 and IPv4; 0 picks a free one",
                DEFAULT_PORT,
            ),
        }
    }
}

impl ServerArgSpec {
    /// The parsed values of the arguments `ServerArgs::declare` added.
    pub fn take(self, matches: &mut Matches) -> ServerArgs {
        ServerArgs {
            port: matches.take(self.port),
            pool: matches.take(self.pool).map(NonZeroUsize::get),
            idle_timeout: matches.take(self.idle_timeout).0,
            max_connections: matches.take(self.max_connections).get(),
            overload: matches.take(self.overload),
            stats: matches.take(self.stats).map(|s| s.0),
            line_timeout: self.line_timeout.map(|arg| matches.take(arg).0),
        }
    }
}

/// Parses the server arguments (`ServerArgs::declare`) for `program`;
/// `--help` prints the usage (`about` says what the server does) and exits
/// 0, a bad argument says what is wrong and exits 2.
pub fn server_args(program: &str, about: &'static str) -> ServerArgs {
    let mut cli = Cli::new(program, about);
    let spec = ServerArgs::declare(&mut cli);
    spec.take(&mut cli.parse_env())
}

/// As `server_args`, with `--line-timeout` (`ServerArgs::declare_line_server`).
pub fn line_server_args(program: &str, about: &'static str) -> ServerArgs {
    let mut cli = Cli::new(program, about);
    let spec = ServerArgs::declare_line_server(&mut cli);
    spec.take(&mut cli.parse_env())
}

/// Listens dual-stack on the port in `args` (`rionet::open_listenfd`),
/// prints `listening on ADDR (MODE)` and then the limits in force on
/// stdout, and serves `handler` on every client until the listener fails.
/// With `--stats`, a thread prints the counters every so often.
pub fn serve<H>(program: &str, args: &ServerArgs, handler: H) -> !
where
    H: Fn(TimedStream, SocketAddr) + Send + Sync + 'static,
{
    let listener = rionet::open_listenfd(args.port).unwrap_or_else(|err| fail(program, err));
    let addr = listener
        .local_addr()
        .unwrap_or_else(|err| fail(program, err));
    let mut server = Server::new(listener);
    // A peer that vanished must not hold a thread forever.
    server
        .read_timeout(Some(args.idle_timeout))
        .write_timeout(Some(WRITE_TIMEOUT))
        .max_connections(args.max_connections)
        .overload(match args.overload {
            OverloadPolicy::Wait => Overload::Wait,
            OverloadPolicy::Refuse => Overload::RefuseWith(BUSY_LINE.into()),
        });
    match args.pool {
        Some(workers) => {
            server.pool(workers);
            log(format_args!(
                "listening on {addr} ({workers} worker threads)"
            ));
        }
        None => log(format_args!("listening on {addr} (a thread per client)")),
    }
    log(format_args!("limits: {}", limits(args)));
    if let Some(every) = args.stats {
        let handle = server.handle().unwrap_or_else(|err| fail(program, err));
        let spawned = thread::Builder::new()
            .name("stats".into())
            .spawn(move || print_stats(&handle, every));
        if let Err(err) = spawned {
            fail(
                program,
                format_args!("cannot start the stats thread: {err}"),
            );
        }
    }
    match server.serve(handler) {
        Ok(()) => process::exit(0),
        Err(err) => fail(program, err),
    }
}

/// The limits line: `idle timeout 300s, line timeout 10s, write timeout
/// 30s, at most 1024 connections, then wait`.
fn limits(args: &ServerArgs) -> String {
    let mut text = format!("idle timeout {:?}", args.idle_timeout);
    if let Some(line) = args.line_timeout {
        text += &format!(", line timeout {line:?}");
    }
    text += &format!(
        ", write timeout {WRITE_TIMEOUT:?}, at most {} connections, then {}",
        args.max_connections,
        match args.overload {
            OverloadPolicy::Wait => "wait",
            OverloadPolicy::Refuse => "refuse",
        }
    );
    text
}

/// Prints the counters every `every`, forever (the process ends with the
/// server).
fn print_stats(handle: &ServerHandle, every: Duration) {
    loop {
        thread::sleep(every);
        log(format_args!(
            "stats: accepted {}, active {}, refused {}, timed out {}, panicked {}",
            handle.accepted(),
            handle.active(),
            handle.refused(),
            handle.timed_out(),
            handle.panicked()
        ));
    }
}
