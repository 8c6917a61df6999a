// reverseclient: sends stdin to a reverse server line by line and prints
// each reversed line.
//
// Run it, with `cargo run --example reverseserver` running in another
// terminal:
//
//     cargo run --example reverseclient localhost 15213
//
// Type lines; `bye` (or a line starting with ESC) ends the session, as does
// the end of input. Exits 0 then.

mod common;

use std::process::ExitCode;

fn main() -> ExitCode {
    let (host, port) = common::client_args(
        "reverseclient",
        "Sends stdin to a reverse server line by line and prints each reply;\n`bye` ends the session.",
    );
    common::line_client("reverseclient", &host, port, common::is_goodbye)
}
