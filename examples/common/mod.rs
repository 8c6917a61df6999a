//! What the example programs share: CS:APP-style argument parsing, the
//! server set-up, and the line-by-line client. Each example uses part of it.
#![allow(dead_code)]

use std::fmt::Display;
use std::io::{self, BufRead, Write};
use std::net::{Shutdown, SocketAddr};
use std::process::{self, ExitCode};
use std::time::Duration;

use rionet::{RioReader, Server, TimedStream};

/// CS:APP's port for the echo server.
pub const DEFAULT_PORT: u16 = 15213;

/// A server drops a client that has sent nothing for this long, and a client
/// gives up on a server that has not answered for this long: a peer that
/// vanished without a FIN or RST must not hold a thread forever.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(300);

/// How long a write may block on a peer that does not read.
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(30);

/// Prints the usage line on stderr and exits with status 2.
pub fn usage(synopsis: &str) -> ! {
    eprintln!("usage: {synopsis}");
    process::exit(2)
}

/// Prints one log line on stdout. Unlike `println!`, it ignores a failed
/// write: a server goes on serving after whoever read its log (a pipe, a
/// terminal) has gone, where `println!` would panic in every handler.
pub fn log(line: std::fmt::Arguments<'_>) {
    let _ = writeln!(io::stdout(), "{line}");
}

/// Prints `program: err` on stderr and exits with status 1.
pub fn fail(program: &str, err: impl Display) -> ! {
    eprintln!("{program}: {err}");
    process::exit(1)
}

/// A server's command line: `[--pool N] [PORT]`.
pub struct ServerArgs {
    /// The port to listen on; 0 picks a free one.
    pub port: u16,
    /// `Some(n)` for a pool of `n` workers, `None` for a thread per client.
    pub pool: Option<usize>,
}

/// Parses `[--pool N] [PORT]`; bad arguments print `synopsis` and exit 2.
pub fn server_args(synopsis: &str) -> ServerArgs {
    let mut port = None;
    let mut pool = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--pool" {
            let workers = args.next().and_then(|n| n.parse::<usize>().ok());
            match workers {
                Some(n) if n > 0 && pool.is_none() => pool = Some(n),
                _ => usage(synopsis),
            }
        } else if port.is_none() && !arg.starts_with('-') {
            port = Some(arg.parse::<u16>().unwrap_or_else(|_| usage(synopsis)));
        } else {
            usage(synopsis);
        }
    }
    ServerArgs {
        port: port.unwrap_or(DEFAULT_PORT),
        pool,
    }
}

/// Parses `HOST PORT`; bad arguments print `synopsis` and exit 2.
pub fn client_args(synopsis: &str) -> (String, u16) {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [host, port] => match port.parse::<u16>() {
            Ok(port) if port > 0 && !host.is_empty() => (host.clone(), port),
            _ => usage(synopsis),
        },
        _ => usage(synopsis),
    }
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

/// Whether a line ends a reverse session: `bye`, or a line that starts
/// with ESC.
pub fn is_goodbye(line: &[u8]) -> bool {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    line == b"bye" || line.first() == Some(&0x1b)
}

/// Connects to `host:port` (`rionet::open_clientfd`), sends stdin line by
/// line and prints each reply line on stdout, until stdin ends (exit 0) or
/// a line for which `ends_session` is true has been answered (exit 0).
///
/// At the end of stdin it half-closes the connection and prints what is
/// left until the server closes, so an unterminated last line is echoed
/// too. A server that vanishes is reported on stderr, with exit status 1.
pub fn line_client(
    program: &str,
    host: &str,
    port: u16,
    ends_session: fn(&[u8]) -> bool,
) -> ExitCode {
    let stream = rionet::open_clientfd(host, port).unwrap_or_else(|err| fail(program, err));
    if let Err(err) = stream.set_read_timeout(Some(IDLE_TIMEOUT)) {
        fail(program, err);
    }
    let mut replies = RioReader::new(&stream);
    let mut to_server = &stream;
    let mut stdin = io::stdin().lock();
    let mut stdout = io::stdout().lock();
    let mut line = Vec::new();
    let mut reply = Vec::new();
    loop {
        line.clear();
        match stdin.read_until(b'\n', &mut line) {
            Ok(0) => break,
            Ok(_) => {}
            Err(err) => fail(program, format_args!("reading stdin: {err}")),
        }
        if let Err(err) = to_server.write_all(&line) {
            fail(program, format_args!("sending to the server: {err}"));
        }
        if !line.ends_with(b"\n") {
            // The last line, unterminated: its reply comes after the half-close.
            break;
        }
        reply.clear();
        match replies.readlineb(&mut reply) {
            Ok(0) => fail(program, "the server closed the connection"),
            Ok(_) => print(program, &mut stdout, &reply),
            Err(err) => fail(program, format_args!("reading from the server: {err}")),
        }
        if ends_session(&line) {
            return ExitCode::SUCCESS;
        }
    }
    if let Err(err) = stream.shutdown(Shutdown::Write) {
        fail(program, format_args!("closing the connection: {err}"));
    }
    loop {
        reply.clear();
        match replies.readlineb(&mut reply) {
            Ok(0) => return ExitCode::SUCCESS,
            Ok(_) => print(program, &mut stdout, &reply),
            Err(err) => fail(program, format_args!("reading from the server: {err}")),
        }
    }
}

/// Writes `bytes` to stdout as they are (they need not be UTF-8).
fn print(program: &str, stdout: &mut impl Write, bytes: &[u8]) {
    if let Err(err) = stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        fail(program, format_args!("writing stdout: {err}"));
    }
}
