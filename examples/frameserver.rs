// frameserver: a length-prefixed echo server; every frame it receives goes
// back as a frame (FrameReader / FrameWriter with LengthPrefix).
//
// Run it:
//
//     cargo run --example frameserver              # port 15213
//     cargo run --example frameserver -- 8000 --pool 4 --max-frame 65536
//
// then `cargo run --example frameclient localhost 15213` in another
// terminal. On the wire each frame is a 4-byte big-endian length and that
// many bytes (tokio-util's LengthDelimitedCodec).
//
// It survives hostile clients: a client silent between frames for the idle
// timeout is dropped; a frame that has started must be complete within the
// frame timeout, however slowly its bytes trickle in (a deadline from its
// first byte, `FrameReader::read_frame_by`); a frame over the maximum ends
// the session with an error; at most --max-connections clients are served
// at once (the next ones wait in the listen backlog, or get a `busy` frame
// with --overload refuse). The maximum frame and the connection limit bound
// its worst-case memory: `--help` states the bound and the `limits:` line
// printed at start gives it for the settings in force.

mod common;

use std::io;
use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::process;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use common::{Cli, OverloadPolicy, Seconds, ServerArgs};
use rionet::frame::{FrameReader, FrameWriter, LengthPrefix};
use rionet::{Overload, Server, ServerHandle, TimedStream};

const PROGRAM: &str = "frameserver";

/// Defaults of frameserver's own options, shown by `--help` and at start;
/// the idle timeout and the connection limit are every server's
/// (`common::ServerArgs`).
const FRAME_TIMEOUT: Duration = Duration::from_secs(10);
const MAX_FRAME: u32 = 256 * 1024;

/// The length header, in bytes.
const HEADER: u64 = 4;
/// `FrameReader`'s read chunk (its default) and `FrameWriter`'s send buffer.
const READ_CHUNK: u64 = 64 * 1024;
const SEND_BUFFER: u64 = 8 * 1024;

/// What one connection's frame buffers hold at most, per the `FrameReader`
/// docs: a normal region of four read chunks, or, while a frame larger than
/// that arrives, 1.25 x the frame (header included) plus one read chunk; add
/// the send buffer.
fn per_connection(max_frame: u32) -> u64 {
    let large = (5 * (u64::from(max_frame) + HEADER)).div_ceil(4) + READ_CHUNK;
    large.max(4 * READ_CHUNK) + SEND_BUFFER
}

/// The worst case of all connections' frame buffers together.
fn memory_bound(max_connections: usize, max_frame: u32) -> u128 {
    max_connections as u128 * u128::from(per_connection(max_frame))
}

fn mib(bytes: u128) -> String {
    format!("{:.1} MiB", bytes as f64 / f64::from(1 << 20))
}

/// frameserver's own settings.
struct Frames {
    timeout: Duration,
    max: u32,
}

fn about() -> &'static str {
    let text = format!(
        "Echoes every length-prefixed frame (4-byte big-endian length, then the bytes)
back to its client. A client silent between frames for the idle timeout is
dropped; a frame that has started must be complete within the frame timeout.

Memory: a connection's frame buffers hold at most
max(256 KiB, 1.25 x (max frame + 4) + 64 KiB) + 8 KiB (a frame arriving, one
64 KiB read chunk, the 8 KiB send buffer), so the worst case is max connections
times that: {} with the defaults.",
        mib(memory_bound(common::MAX_CONNECTIONS, MAX_FRAME))
    );
    // Built once, for the one parser of this process.
    Box::leak(text.into_boxed_str())
}

fn main() {
    let mut cli = Cli::new(PROGRAM, about());
    let server_spec = ServerArgs::declare(&mut cli);
    let frame_timeout = cli.option(
        "--frame-timeout",
        "SECS",
        "drop a client whose frame is not complete SECS seconds after its first byte",
        Seconds(FRAME_TIMEOUT),
    );
    let max_frame = cli.option(
        "--max-frame",
        "BYTES",
        "the longest frame, header excluded; a longer one ends the session",
        NonZeroU32::new(MAX_FRAME).expect("not 0"),
    );
    let mut m = cli.parse_env();
    let args = server_spec.take(&mut m);
    let frames = Frames {
        timeout: m.take(frame_timeout).0,
        max: m.take(max_frame).get(),
    };
    serve(&args, frames)
}

/// `common::serve` with frameserver's limits line: listens, prints
/// `listening on ADDR (MODE)` and the limits in force (the memory bound
/// included), serves until the listener fails.
fn serve(args: &ServerArgs, frames: Frames) -> ! {
    let listener =
        rionet::open_listenfd(args.port).unwrap_or_else(|err| common::fail(PROGRAM, err));
    let addr = listener
        .local_addr()
        .unwrap_or_else(|err| common::fail(PROGRAM, err));
    let mut server = Server::new(listener);
    server
        .read_timeout(Some(args.idle_timeout))
        .write_timeout(Some(common::WRITE_TIMEOUT))
        .max_connections(args.max_connections)
        .overload(match args.overload {
            OverloadPolicy::Wait => Overload::Wait,
            OverloadPolicy::Refuse => Overload::RefuseWith(busy_frame().into()),
        });
    match args.pool {
        Some(workers) => {
            server.pool(workers);
            common::log(format_args!(
                "listening on {addr} ({workers} worker threads)"
            ));
        }
        None => common::log(format_args!("listening on {addr} (a thread per client)")),
    }
    common::log(format_args!(
        "limits: idle timeout {:?}, frame timeout {:?}, write timeout {:?}, frames up to {} bytes, at most {} connections, then {}: at most {} of frame buffers",
        args.idle_timeout,
        frames.timeout,
        common::WRITE_TIMEOUT,
        frames.max,
        args.max_connections,
        match args.overload {
            OverloadPolicy::Wait => "wait",
            OverloadPolicy::Refuse => "refuse",
        },
        mib(memory_bound(args.max_connections, frames.max))
    ));
    if let Some(every) = args.stats {
        let handle = server
            .handle()
            .unwrap_or_else(|err| common::fail(PROGRAM, err));
        let spawned = thread::Builder::new()
            .name("stats".into())
            .spawn(move || print_stats(&handle, every));
        if let Err(err) = spawned {
            common::fail(
                PROGRAM,
                format_args!("cannot start the stats thread: {err}"),
            );
        }
    }
    let frames = Arc::new(frames);
    let result = server.serve(move |stream, peer| echo_frames(&stream, peer, &frames));
    match result {
        Ok(()) => process::exit(0),
        Err(err) => common::fail(PROGRAM, err),
    }
}

/// What a refused client reads: the busy line as one frame (its client
/// speaks frames, not lines).
fn busy_frame() -> Vec<u8> {
    let text = common::BUSY_LINE.trim_end().as_bytes();
    let mut frame = (text.len() as u32).to_be_bytes().to_vec();
    frame.extend_from_slice(text);
    frame
}

/// Prints the counters every `every`, forever (the process ends with the
/// server).
fn print_stats(handle: &ServerHandle, every: Duration) {
    loop {
        thread::sleep(every);
        common::log(format_args!(
            "stats: accepted {}, active {}, refused {}, timed out {}, panicked {}",
            handle.accepted(),
            handle.active(),
            handle.refused(),
            handle.timed_out(),
            handle.panicked()
        ));
    }
}

fn echo_frames(stream: &TimedStream, peer: SocketAddr, frames_cfg: &Frames) {
    common::log(format_args!("{peer}: connected"));
    let codec = || {
        LengthPrefix::builder()
            .max_frame_len(frames_cfg.max as usize)
            .build()
    };
    let mut frames = FrameReader::new(stream, codec());
    let mut out = FrameWriter::new(stream, codec());
    let (mut count, mut bytes) = (0u64, 0u64);
    let end = loop {
        // Between frames the idle timeout rules; a frame whose first byte
        // may already be buffered has started.
        if frames.buffer().is_empty() {
            match wait_for_data(stream) {
                Ok(true) => {}
                Ok(false) => break "closed".to_string(),
                Err(err) => break format!("dropped ({err})"),
            }
        }
        let frame = match frames.read_frame_by(Instant::now() + frames_cfg.timeout) {
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

/// Waits, under the idle read timeout, until the client sends the first
/// byte of a frame (`Ok(true)`, the byte left in the socket) or closes
/// (`Ok(false)`).
fn wait_for_data(stream: &TimedStream) -> io::Result<bool> {
    loop {
        // `peek` on the socket itself: `TimedStream` has no peek, so its
        // timeout is the socket's own `WouldBlock`, given its context here.
        match stream.get_ref().peek(&mut [0]) {
            Ok(n) => return Ok(n > 0),
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(err)
                if matches!(
                    err.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!(
                        "idle: no frame started for {:?} (the idle timeout)",
                        stream.read_timeout().unwrap_or_default()
                    ),
                ));
            }
            Err(err) => return Err(err),
        }
    }
}
