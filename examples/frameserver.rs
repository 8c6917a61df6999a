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
// at once (the next ones wait in the listen backlog). The maximum frame and
// the connection limit bound its worst-case memory: `--help` states the
// bound and the start-up lines print it for the settings in force.

mod common;

use std::io;
use std::net::SocketAddr;
use std::num::{NonZeroU32, NonZeroUsize};
use std::process;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{Cli, Stop};
use rionet::frame::{FrameReader, FrameWriter, LengthPrefix};
use rionet::{Server, TimedStream};

const PROGRAM: &str = "frameserver";

/// Defaults, printed by `--help` and at start.
const IDLE_TIMEOUT: Duration = Duration::from_secs(60);
const FRAME_TIMEOUT: Duration = Duration::from_secs(10);
const MAX_FRAME: u32 = 1 << 20;
const MAX_CONNECTIONS: usize = 128;

/// The length header, in bytes.
const HEADER: u64 = 4;
/// `FrameReader`'s read chunk (its default) and `FrameWriter`'s send buffer.
const READ_CHUNK: u64 = 64 * 1024;
const SEND_BUFFER: u64 = 8 * 1024;

/// What one connection's frames can hold at most, per the `FrameReader`
/// docs: the memory it touches stays within twice the bytes of the frame
/// arriving (header included) plus one read chunk; add the send buffer.
fn per_connection(max_frame: u32) -> u64 {
    2 * (u64::from(max_frame) + HEADER) + READ_CHUNK + SEND_BUFFER
}

fn mib(bytes: u128) -> String {
    format!("{:.1} MiB", bytes as f64 / f64::from(1 << 20))
}

/// The settings in force.
struct Config {
    idle_timeout: Duration,
    frame_timeout: Duration,
    max_frame: u32,
    max_connections: usize,
}

impl Config {
    /// The worst case of all connections' frame buffers together.
    fn memory_bound(&self) -> u128 {
        self.max_connections as u128 * u128::from(per_connection(self.max_frame))
    }
}

fn about() -> &'static str {
    let text = format!(
        "Echoes every length-prefixed frame (4-byte big-endian length, then the bytes)
back to its client. A client silent between frames for the idle timeout is
dropped; a frame that has started must be complete within the frame timeout.

Memory: a connection's frame buffers hold at most 2 x (max frame + 4) + 72 KiB
(a frame arriving, one 64 KiB read chunk, the 8 KiB send buffer), so the worst
case is max connections x (2 x (max frame + 4) + 72 KiB): {} with the
defaults. Connections beyond the limit wait in the listen backlog.",
        mib(Config {
            idle_timeout: IDLE_TIMEOUT,
            frame_timeout: FRAME_TIMEOUT,
            max_frame: MAX_FRAME,
            max_connections: MAX_CONNECTIONS,
        }
        .memory_bound())
    );
    // Built once, for the one parser of this process.
    Box::leak(text.into_boxed_str())
}

fn main() {
    let mut cli = Cli::new(PROGRAM, about());
    let server_spec = common::ServerArgs::declare(&mut cli);
    let idle = cli.option(
        "--idle-timeout",
        "SECS",
        "drop a client silent between frames this long",
        IDLE_TIMEOUT,
    );
    let frame = cli.option(
        "--frame-timeout",
        "SECS",
        "a frame that has started must be complete within this",
        FRAME_TIMEOUT,
    );
    let max_frame = cli.option(
        "--max-frame",
        "BYTES",
        "the longest frame, header excluded; a longer one ends the session",
        NonZeroU32::new(MAX_FRAME).expect("not 0"),
    );
    let max_connections = cli.option(
        "--max-connections",
        "N",
        "serve at most N clients at once",
        NonZeroUsize::new(MAX_CONNECTIONS).expect("not 0"),
    );
    let synopsis = cli.synopsis();
    let mut m = cli.parse_env();
    let args = server_spec.take(&mut m);
    let config = Config {
        idle_timeout: positive(m.take(idle), "--idle-timeout", &synopsis),
        frame_timeout: positive(m.take(frame), "--frame-timeout", &synopsis),
        max_frame: m.take(max_frame).get(),
        max_connections: m.take(max_connections).get(),
    };
    serve(&args, config)
}

/// `secs`, or exit 2 if it is zero (a socket refuses a zero timeout).
fn positive(secs: Duration, name: &str, synopsis: &str) -> Duration {
    if secs.is_zero() {
        Stop::Bad(format!(
            "{PROGRAM}: {name} 0 is out of range: must be more than 0 seconds\nusage: {synopsis}\n(`{PROGRAM} --help` says more)\n"
        ))
        .exit()
    }
    secs
}

fn serve(args: &common::ServerArgs, config: Config) -> ! {
    let listener =
        rionet::open_listenfd(args.port).unwrap_or_else(|err| common::fail(PROGRAM, err));
    let addr = listener
        .local_addr()
        .unwrap_or_else(|err| common::fail(PROGRAM, err));
    let mut server = Server::new(listener);
    server
        .read_timeout(Some(config.idle_timeout))
        .write_timeout(Some(common::WRITE_TIMEOUT))
        .max_connections(config.max_connections);
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
        "idle timeout {:?}, frame timeout {:?}, frames up to {} bytes, at most {} connections: at most {} of frame buffers",
        config.idle_timeout,
        config.frame_timeout,
        config.max_frame,
        config.max_connections,
        mib(config.memory_bound())
    ));
    let config = Arc::new(config);
    let result = server.serve(move |stream, peer| echo_frames(&stream, peer, &config));
    match result {
        Ok(()) => process::exit(0),
        Err(err) => common::fail(PROGRAM, err),
    }
}

fn echo_frames(stream: &TimedStream, peer: SocketAddr, config: &Config) {
    common::log(format_args!("{peer}: connected"));
    let codec = || {
        LengthPrefix::builder()
            .max_frame_len(config.max_frame as usize)
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
        let frame = match frames.read_frame_by(Instant::now() + config.frame_timeout) {
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
