//! The servers' shared command line and set-up.

use std::net::SocketAddr;
use std::num::NonZeroUsize;
use std::process;
use std::time::Duration;

use rionet::{Server, TimedStream};

use super::args::{Arg, Cli, Matches};
use super::report::{fail, log};

/// CS:APP's port for the echo server.
pub const DEFAULT_PORT: u16 = 15213;

/// A server drops a client that has sent nothing for this long, and a client
/// gives up on a server that has not answered for this long: a peer that
/// vanished without a FIN or RST must not hold a thread forever.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(300);

/// How long a write may block on a peer that does not read.
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(30);

/// A server's command line: `[--pool N] [PORT]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerArgs {
    /// The port to listen on; 0 picks a free one.
    pub port: u16,
    /// `Some(n)` for a pool of `n` workers, `None` for a thread per client.
    pub pool: Option<usize>,
}

/// The arguments `ServerArgs::declare` added to a `Cli`.
#[derive(Clone, Copy)]
pub struct ServerArgSpec {
    port: Arg<u16>,
    pool: Arg<Option<NonZeroUsize>>,
}

impl ServerArgs {
    /// Declares every server's arguments on `cli`: a server with options
    /// of its own declares them on the same `cli`, then parses once.
    pub fn declare(cli: &mut Cli) -> ServerArgSpec {
        ServerArgSpec {
            pool: cli.optional(
                "--pool",
                "N",
                "serve with N prethreaded worker threads (default: a thread per client)",
            ),
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
        }
    }
}

/// Parses `[--pool N] [PORT]` for `program`; `--help` prints the usage
/// (`about` says what the server does) and exits 0, a bad argument says
/// what is wrong and exits 2.
pub fn server_args(program: &str, about: &'static str) -> ServerArgs {
    let mut cli = Cli::new(program, about);
    let spec = ServerArgs::declare(&mut cli);
    spec.take(&mut cli.parse_env())
}

/// Listens dual-stack on the port in `args` (`rionet::open_listenfd`),
/// prints `listening on ADDR` on stdout, and serves `handler` on every
/// client until the listener fails.
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
        .read_timeout(Some(IDLE_TIMEOUT))
        .write_timeout(Some(WRITE_TIMEOUT));
    match args.pool {
        Some(workers) => {
            server.pool(workers);
            log(format_args!(
                "listening on {addr} ({workers} worker threads)"
            ));
        }
        None => log(format_args!("listening on {addr} (a thread per client)")),
    }
    match server.serve(handler) {
        Ok(()) => process::exit(0),
        Err(err) => fail(program, err),
    }
}
