// echoserver: echoes every line back to its client as it arrives, serving
// many clients at once (CS:APP's echoserveri / echoservert / echoservert_pre).
//
// Run it:
//
//     cargo run --example echoserver               # port 15213, a thread per client
//     cargo run --example echoserver 8000          # port 8000 (0: any free port)
//     cargo run --example echoserver --pool 4      # 4 prethreaded workers
//
// then, in another terminal, `cargo run --example echoclient localhost 15213`
// (or `nc localhost 15213`). It listens dual-stack (IPv6 and IPv4) through
// `rionet::open_listenfd`, prints `listening on ADDR`, and logs each client's
// address and how many bytes it echoed.

mod common;

use std::io::Write;
use std::net::SocketAddr;

use rionet::{RioReader, TimedStream};

fn main() {
    let args = common::server_args(
        "echoserver",
        "Echoes every line back to its client, serving many clients at once.",
    );
    common::serve("echoserver", &args, echo);
}

/// CS:APP's `echo`: read a line with `readlineb`, write it back, until the
/// client closes, vanishes, or sends a line over the maximum (64 KiB).
fn echo(stream: TimedStream, peer: SocketAddr) {
    common::log(format_args!("{peer}: connected"));
    let mut rio = RioReader::new(&stream);
    let mut out = &stream;
    let mut line = Vec::new();
    let (mut bytes, mut lines) = (0u64, 0u64);
    let end = loop {
        line.clear();
        match rio.readlineb(&mut line) {
            Ok(0) => break "closed".to_string(),
            Ok(n) => {
                if let Err(err) = out.write_all(&line) {
                    break format!("gone ({err})");
                }
                bytes += n as u64;
                lines += 1;
            }
            Err(err) => break format!("dropped ({err})"),
        }
    };
    common::log(format_args!(
        "{peer}: {end}; echoed {bytes} bytes in {lines} lines"
    ));
}
