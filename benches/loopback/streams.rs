//! The ways of moving one stream of length-prefixed messages across a
//! loopback connection that the loopback benches compare. Each
//! [`Stream`] keeps its connection pair and its reading thread between
//! rounds; a round writes the whole stream and waits until the reader has
//! taken every message of it.
//!
//! - `rionet` / `rionet_borrowed`: `FrameWriter` → socket → `FrameReader`,
//!   frames as `Bytes` (the iterator) or borrowed (`read_frame_slice`);
//! - `raw-messages`, the same messages by hand: a 64 KiB `BufWriter` that
//!   gets each 4-byte header and payload with `write_all`, and a reader
//!   that reads 64 KiB at a time and walks the headers across read
//!   boundaries (no copy, no allocation; what any framing must at least do);
//! - `raw`, the limit: the whole stream as bytes, `write_all` of 64 KiB
//!   pieces and 64 KiB `read`s, no per-message work at all.
//!
//! All sides use 64 KiB buffers: the `FrameWriter` has a 64 KiB buffer (so
//! 64 KiB payloads go out with one vectored write each) and `FrameReader`
//! reads a 64 KiB chunk (its default), or the rest of a frame plus a chunk.

use std::io::{BufWriter, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::mpsc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use rionet::frame::{Encoder, FrameReader, FrameWriter, LengthPrefix};

/// Payload bytes of one round.
pub const STREAM: usize = 4 << 20;
const TIMEOUT: Option<Duration> = Some(Duration::from_secs(30));
const BUFFER: usize = 64 * 1024;

/// The names of the streams, in the order [`Stream::all`] makes them.
pub const NAMES: [&str; 4] = ["rionet", "rionet_borrowed", "raw-messages", "raw"];

/// A connected loopback pair, both ends with read and write timeouts.
pub fn pair() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (server, _) = listener.accept().unwrap();
    for s in [&client, &server] {
        s.set_read_timeout(TIMEOUT).unwrap();
        s.set_write_timeout(TIMEOUT).unwrap();
    }
    (client, server)
}

/// The messages of one round: [`STREAM`] bytes of `size`-byte payloads.
pub fn payloads(size: usize) -> Vec<Bytes> {
    (0..STREAM / size)
        .map(|i| Bytes::from(vec![i as u8; size]))
        .collect()
}

/// The bytes of one round on the wire: each payload behind
/// `LengthPrefix`'s 4-byte big-endian header.
pub fn wire(frames: &[Bytes]) -> Bytes {
    let mut wire = BytesMut::new();
    for frame in frames {
        Encoder::encode(&mut LengthPrefix::new(), frame.clone(), &mut wire).unwrap();
    }
    wire.freeze()
}

/// One way of moving the round's messages; see the module docs.
pub struct Stream {
    go: Option<mpsc::Sender<()>>,
    finished: mpsc::Receiver<usize>,
    write: Box<dyn FnMut()>,
    reader: Option<JoinHandle<()>>,
    /// What the reader reports at the end of a round: payload bytes.
    payload: usize,
}

/// How the reading thread takes one frame: returns its payload's length.
type ReadFrame = fn(&mut FrameReader<TcpStream, LengthPrefix>) -> usize;

impl Stream {
    /// Every stream of [`NAMES`], for `size`-byte payloads, in that order.
    pub fn all(size: usize) -> Vec<Stream> {
        let frames = payloads(size);
        vec![
            Stream::rionet(&frames, |frames| frames.next().unwrap().unwrap().len()),
            Stream::rionet(&frames, |frames| {
                frames.read_frame_slice().unwrap().unwrap().len()
            }),
            Stream::raw_messages(&frames),
            Stream::raw(&frames),
        ]
    }

    /// `FrameWriter` to `FrameReader`, each frame taken by `read`.
    fn rionet(frames: &[Bytes], read: ReadFrame) -> Stream {
        let payload = payload_of(frames);
        let (client, server) = pair();
        let count = frames.len();
        let reader = move |todo: mpsc::Receiver<()>, done: mpsc::Sender<usize>| {
            let mut frames = FrameReader::new(server, LengthPrefix::new());
            for () in todo {
                let n = (0..count).map(|_| read(&mut frames)).sum();
                done.send(n).unwrap();
            }
        };
        let frames = frames.to_vec();
        let mut out = FrameWriter::with_capacity(BUFFER, client, LengthPrefix::new());
        let write = move || {
            for frame in &frames {
                out.send(&frame[..]).unwrap();
            }
            out.flush().unwrap();
        };
        Stream::start(reader, write, payload)
    }

    /// The same messages written and walked by hand.
    fn raw_messages(frames: &[Bytes]) -> Stream {
        let payload = payload_of(frames);
        let (client, mut server) = pair();
        let count = frames.len();
        let reader = move |todo: mpsc::Receiver<()>, done: mpsc::Sender<usize>| {
            let mut buf = vec![0u8; BUFFER];
            let mut walker = Walker::default();
            for () in todo {
                let mut payload = 0;
                while walker.messages < count {
                    let n = server.read(&mut buf).unwrap();
                    assert!(n > 0);
                    payload += walker.walk(&buf[..n]);
                }
                walker.messages = 0;
                done.send(payload).unwrap();
            }
        };
        let frames = frames.to_vec();
        let mut out = BufWriter::with_capacity(BUFFER, client);
        let write = move || {
            for frame in &frames {
                out.write_all(&(frame.len() as u32).to_be_bytes()).unwrap();
                out.write_all(frame).unwrap();
            }
            out.flush().unwrap();
        };
        Stream::start(reader, write, payload)
    }

    /// The round's wire bytes as a plain byte stream.
    fn raw(frames: &[Bytes]) -> Stream {
        let (mut client, mut server) = pair();
        let wire = wire(frames);
        let len = wire.len();
        let reader = move |todo: mpsc::Receiver<()>, done: mpsc::Sender<usize>| {
            let mut buf = vec![0u8; BUFFER];
            for () in todo {
                let mut left = len;
                while left > 0 {
                    let n = server.read(&mut buf).unwrap();
                    assert!(n > 0);
                    left -= n;
                }
                done.send(len).unwrap();
            }
        };
        let write = move || {
            for piece in wire.chunks(BUFFER) {
                client.write_all(piece).unwrap();
            }
        };
        Stream::start(reader, write, len)
    }

    /// Starts `reader` on its own thread, with the channel that starts a
    /// round and the one its payload count comes back on.
    fn start(
        reader: impl FnOnce(mpsc::Receiver<()>, mpsc::Sender<usize>) + Send + 'static,
        write: impl FnMut() + 'static,
        payload: usize,
    ) -> Stream {
        let (go, todo) = mpsc::channel();
        let (done, finished) = mpsc::channel();
        Stream {
            go: Some(go),
            finished,
            write: Box::new(write),
            reader: Some(thread::spawn(move || reader(todo, done))),
            payload,
        }
    }

    /// Moves one round's messages; returns how long that took.
    pub fn round(&mut self) -> Duration {
        let start = Instant::now();
        self.go.as_ref().unwrap().send(()).unwrap();
        (self.write)();
        assert_eq!(self.finished.recv().unwrap(), self.payload);
        start.elapsed()
    }
}

/// The payload bytes of `frames`.
fn payload_of(frames: &[Bytes]) -> usize {
    frames.iter().map(Bytes::len).sum()
}

impl Drop for Stream {
    fn drop(&mut self) {
        // The reader's loop ends with the channel; then it can be joined.
        drop(self.go.take());
        if let Some(reader) = self.reader.take() {
            reader.join().unwrap();
        }
    }
}

/// The per-message work of a hand-written reader of the same stream: finds
/// each 4-byte big-endian header across read boundaries and steps over the
/// payload it announces (no copy, no allocation).
#[derive(Default)]
struct Walker {
    head: [u8; 4],
    have: usize,
    body: usize,
    messages: usize,
}

impl Walker {
    /// Walks `bytes`; returns the payload bytes of the messages it ended.
    fn walk(&mut self, mut bytes: &[u8]) -> usize {
        let mut payload = 0;
        while !bytes.is_empty() {
            if self.have < 4 {
                let take = (4 - self.have).min(bytes.len());
                self.head[self.have..self.have + take].copy_from_slice(&bytes[..take]);
                self.have += take;
                bytes = &bytes[take..];
                if self.have == 4 {
                    self.body = u32::from_be_bytes(self.head) as usize;
                }
            }
            if self.have == 4 {
                let take = self.body.min(bytes.len());
                bytes = &bytes[take..];
                self.body -= take;
                payload += take;
                if self.body == 0 {
                    self.have = 0;
                    self.messages += 1;
                }
            }
        }
        payload
    }
}
