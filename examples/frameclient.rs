// frameclient: sends each line of stdin as one length-prefixed frame and
// prints each frame the server sends back (FrameReader / FrameWriter with
// LengthPrefix).
//
// Run it, with `cargo run --example frameserver` running in another
// terminal:
//
//     cargo run --example frameclient localhost 15213
//
// Exits 0 at the end of its input; a server that vanishes is reported on
// stderr with exit status 1.

mod common;

use std::io::{self, BufRead, Write};
use std::process::ExitCode;

use rionet::frame::{FrameReader, FrameWriter, LengthPrefix};

fn main() -> ExitCode {
    let (host, port) = common::client_args(
        "frameclient",
        "Sends each line of stdin as one length-prefixed frame and prints each frame\nthe server sends back.",
    );
    let program = "frameclient";
    let stream =
        rionet::open_clientfd(&host, port).unwrap_or_else(|err| common::fail(program, err));
    if let Err(err) = stream.set_read_timeout(Some(common::IDLE_TIMEOUT)) {
        common::fail(program, err);
    }
    let mut frames = FrameReader::new(&stream, LengthPrefix::new());
    let mut out = FrameWriter::new(&stream, LengthPrefix::new());
    let mut stdout = io::stdout().lock();
    for line in io::stdin().lock().split(b'\n') {
        let line =
            line.unwrap_or_else(|err| common::fail(program, format_args!("reading stdin: {err}")));
        // The frame is the line without its '\n'.
        if let Err(err) = out.send(&line).and_then(|()| Ok(out.flush()?)) {
            common::fail(program, format_args!("sending to the server: {err}"));
        }
        let echo = match frames.read_frame() {
            Ok(Some(echo)) => echo,
            Ok(None) => common::fail(program, "the server closed the connection"),
            Err(err) => common::fail(program, format_args!("reading from the server: {err}")),
        };
        let printed = stdout
            .write_all(&echo)
            .and_then(|()| stdout.write_all(b"\n"));
        if let Err(err) = printed.and_then(|()| stdout.flush()) {
            common::fail(program, format_args!("writing stdout: {err}"));
        }
    }
    ExitCode::SUCCESS
}
