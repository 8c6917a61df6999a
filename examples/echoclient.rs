// echoclient: sends stdin to an echo server line by line and prints each
// echo (CS:APP's echoclient).
//
// Run it, with `cargo run --example echoserver` running in another terminal:
//
//     cargo run --example echoclient localhost 15213
//     printf 'one\ntwo\n' | cargo run --example echoclient ::1 15213
//
// It connects with `rionet::open_clientfd` (every address the name resolves
// to, raced the RFC 8305 way) and exits 0 at the end of its input.

mod common;

use std::process::ExitCode;

fn main() -> ExitCode {
    let (host, port) = common::client_args(
        "echoclient",
        "Sends stdin to an echo server line by line and prints each echo.",
    );
    common::line_client("echoclient", &host, port, |_| false)
}
