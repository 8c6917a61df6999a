// echoserver: echoes every line back to its client as it arrives, serving
// many clients at once (CS:APP's echoserveri / echoservert / echoservert_pre).
//
// Run it:
//
//     cargo run --example echoserver               # port 15213, a thread per client
//     cargo run --example echoserver 8000          # port 8000 (0: any free port)
//     cargo run --example echoserver --pool 4      # 4 prethreaded workers
//     cargo run --example echoserver -- --max-connections 100 --overload refuse --stats 10
//
// then, in another terminal, `cargo run --example echoclient localhost 15213`
// (or `nc localhost 15213`). It listens dual-stack (IPv6 and IPv4) through
// `rionet::open_listenfd`, prints `listening on ADDR` and the limits in
// force, and logs each client's address and how many bytes it echoed.
//
// Hostile clients are cut: one silent for `--idle-timeout` seconds, one
// whose line is not complete `--line-timeout` seconds after its first byte
// (a trickler), one beyond `--max-connections` waits or, with `--overload
// refuse`, reads a `busy: ...` line. A line over 64 KiB gets an
// `error: ...` reply and the session goes on. `--stats SECS` prints the
// server's counters every SECS seconds.

mod common;

use std::io::Write;
use std::net::SocketAddr;

use std::time::Duration;

use rionet::{RioError, TimedStream};

fn main() {
    let args = common::line_server_args(
        "echoserver",
        "Echoes every line back to its client, serving many clients at once.",
    );
    let line_timeout = args.line_timeout.unwrap_or(common::LINE_TIMEOUT);
    common::serve("echoserver", &args, move |stream, peer| {
        echo(&stream, peer, line_timeout)
    });
}

/// CS:APP's `echo`: read a line with `readlineb`, write it back, until the
/// client closes, vanishes, or is too slow; a line over the maximum
/// (64 KiB) is answered with an error line.
fn echo(stream: &TimedStream, peer: SocketAddr, line_timeout: Duration) {
    common::log(format_args!("{peer}: connected"));
    let mut lines_in = common::LineReader::new(stream, line_timeout);
    let mut out = stream;
    let mut line = Vec::new();
    let (mut bytes, mut lines) = (0u64, 0u64);
    let end = loop {
        line.clear();
        let reply = match lines_in.read_line(&mut line) {
            Ok(0) => break "closed".to_string(),
            Ok(n) => {
                bytes += n as u64;
                lines += 1;
                &line[..]
            }
            Err(err @ RioError::LineTooLong { .. }) => {
                line = format!("error: {err}\n").into_bytes();
                &line[..]
            }
            Err(err) => break format!("dropped ({err})"),
        };
        if let Err(err) = out.write_all(reply) {
            break format!("gone ({err})");
        }
    };
    common::log(format_args!(
        "{peer}: {end}; echoed {bytes} bytes in {lines} lines"
    ));
}
