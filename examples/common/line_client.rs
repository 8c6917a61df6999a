//! The clients' shared command line, and the line-by-line client.

use std::io::{self, BufRead, Write};
use std::net::Shutdown;
use std::num::NonZeroU16;
use std::process::ExitCode;

use rionet::RioReader;

use super::args::Cli;
use super::report::fail;
use super::serve::IDLE_TIMEOUT;

/// Parses `HOST PORT` for `program`; `--help` prints the usage (`about`
/// says what the client does) and exits 0, a bad argument says what is
/// wrong and exits 2.
pub fn client_args(program: &str, about: &'static str) -> (String, u16) {
    let mut cli = Cli::new(program, about);
    let host = cli.positional::<String>("HOST", "the server's name or address (localhost, ::1)");
    let port = cli.positional::<NonZeroU16>("PORT", "the server's port");
    let mut args = cli.parse_env();
    (args.take(host), args.take(port).get())
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
