// frameserver: a length-prefixed echo server; every frame it receives goes
// back as a frame (FrameReader / FrameWriter with LengthPrefix).
//
// Run it:
//
//     cargo run --example frameserver              # port 15213
//     cargo run --example frameserver 8000 --pool 4
//
// then `cargo run --example frameclient localhost 15213` in another
// terminal. On the wire each frame is a 4-byte big-endian length and that
// many bytes (tokio-util's LengthDelimitedCodec); frames over 8 MiB end the
// session with an error, a peer that vanishes mid-frame is logged.

mod common;

use std::net::SocketAddr;

use rionet::TimedStream;
use rionet::frame::{FrameReader, FrameWriter, LengthPrefix};

fn main() {
    let args = common::server_args(
        "frameserver",
        "Echoes every length-prefixed frame (4-byte big-endian length, then the bytes)\nback to its client.",
    );
    common::serve("frameserver", &args, echo_frames);
}

fn echo_frames(stream: TimedStream, peer: SocketAddr) {
    common::log(format_args!("{peer}: connected"));
    let mut frames = FrameReader::new(&stream, LengthPrefix::new());
    let mut out = FrameWriter::new(&stream, LengthPrefix::new());
    let (mut count, mut bytes) = (0u64, 0u64);
    let end = loop {
        let frame = match frames.read_frame() {
            Ok(Some(frame)) => frame,
            Ok(None) => break "closed".to_string(),
            Err(err) => break format!("dropped ({err})"),
        };
        bytes += frame.len() as u64;
        count += 1;
        // Flush each echo: the client waits for it before sending more.
        if let Err(err) = out.send(frame).and_then(|()| Ok(out.flush()?)) {
            break format!("gone ({err})");
        }
    };
    common::log(format_args!(
        "{peer}: {end}; echoed {count} frames, {bytes} bytes"
    ));
}
