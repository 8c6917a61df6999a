//! End to end over loopback TCP: `FrameWriter` → socket → `FrameReader`,
//! frames as `Bytes` (`rionet`, the iterator) or borrowed from the reader's
//! buffer (`rionet_borrowed`, `read_frame_slice`), next to two peers of the
//! very same bytes in the same group:
//!
//! - `raw`, the limit: the whole stream as bytes, `write_all` of 64 KiB
//!   pieces and 64 KiB `read`s, no per-message work at all;
//! - `raw-messages`, the same messages by hand: a 64 KiB `BufWriter` that
//!   gets each 4-byte header and payload with `write_all`, and a reader
//!   that reads 64 KiB at a time and walks the headers across read
//!   boundaries (no copy, no allocation; what any framing must at least do).
//!
//! All sides use 64 KiB buffers: the `FrameWriter` has a 64 KiB buffer (so
//! 64 KiB payloads go out with one vectored write each) and `FrameReader`
//! reads a 64 KiB chunk (its default), or the rest of a frame plus a chunk.
//!
//! The `pingpong` group times one 64 B round trip (`TCP_NODELAY` on):
//! length-prefixed frames through `FrameWriter` / `FrameReader` to an echo
//! thread that answers with the same codec, next to `write_all` /
//! `read_exact` of the same 68 bytes to a raw echo thread.
//!
//! Run: `cargo bench --bench loopback -- --warm-up-time 1 --measurement-time 3`

use std::io::{BufWriter, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use criterion::measurement::WallTime;
use criterion::{
    BenchmarkGroup, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main,
};
use rionet::frame::{Encoder, FrameReader, FrameWriter, LengthPrefix};

/// Payload bytes per iteration.
const STREAM: usize = 4 << 20;
const TIMEOUT: Option<Duration> = Some(Duration::from_secs(30));

fn pair() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (server, _) = listener.accept().unwrap();
    for s in [&client, &server] {
        s.set_read_timeout(TIMEOUT).unwrap();
        s.set_write_timeout(TIMEOUT).unwrap();
    }
    (client, server)
}

/// How the reading thread takes one frame: returns its payload's length.
type ReadFrame = fn(&mut FrameReader<TcpStream, LengthPrefix>) -> usize;

/// Benches `frames` of `size` bytes sent through a `FrameWriter` and taken
/// off a `FrameReader` by `read` on another thread, as `name` in the group.
fn rionet_stream(
    group: &mut BenchmarkGroup<'_, WallTime>,
    name: &str,
    size: usize,
    frames: &[Bytes],
    read: ReadFrame,
) {
    group.bench_function(BenchmarkId::new(name, size), |b| {
        let (client, server) = pair();
        let (go, todo) = mpsc::channel::<usize>();
        let (done, finished) = mpsc::channel::<usize>();
        let reader = thread::spawn(move || {
            let mut frames = FrameReader::new(server, LengthPrefix::new());
            for count in todo {
                let mut n = 0;
                for _ in 0..count {
                    n += read(&mut frames);
                }
                done.send(n).unwrap();
            }
        });
        let mut out = FrameWriter::with_capacity(64 * 1024, client, LengthPrefix::new());
        b.iter_custom(|iters| {
            let start = Instant::now();
            for _ in 0..iters {
                go.send(frames.len()).unwrap();
                for frame in frames {
                    out.send(&frame[..]).unwrap();
                }
                out.flush().unwrap();
                assert_eq!(finished.recv().unwrap(), STREAM / size * size);
            }
            start.elapsed()
        });
        drop(go);
        reader.join().unwrap();
    });
}

fn loopback(c: &mut Criterion) {
    let mut group = c.benchmark_group("loopback");
    for size in [64, 64 * 1024] {
        let frames: Vec<Bytes> = (0..STREAM / size)
            .map(|i| Bytes::from(vec![i as u8; size]))
            .collect();
        let mut wire = BytesMut::new();
        for frame in &frames {
            Encoder::encode(&mut LengthPrefix::new(), frame.clone(), &mut wire).unwrap();
        }
        let wire = wire.freeze();
        group.throughput(Throughput::Bytes(wire.len() as u64));

        rionet_stream(&mut group, "rionet", size, &frames, |frames| {
            frames.next().unwrap().unwrap().len()
        });
        rionet_stream(&mut group, "rionet_borrowed", size, &frames, |frames| {
            frames.read_frame_slice().unwrap().unwrap().len()
        });

        group.bench_function(BenchmarkId::new("raw-messages", size), |b| {
            let (client, mut server) = pair();
            let (go, todo) = mpsc::channel::<usize>();
            let (done, finished) = mpsc::channel::<usize>();
            let reader = thread::spawn(move || {
                let mut buf = vec![0u8; 64 * 1024];
                let mut walker = Walker::default();
                for count in todo {
                    let mut payload = 0;
                    while walker.messages < count {
                        let n = server.read(&mut buf).unwrap();
                        assert!(n > 0);
                        payload += walker.walk(&buf[..n]);
                    }
                    walker.messages = 0;
                    done.send(payload).unwrap();
                }
            });
            let mut out = BufWriter::with_capacity(64 * 1024, client);
            b.iter_custom(|iters| {
                let start = Instant::now();
                for _ in 0..iters {
                    go.send(frames.len()).unwrap();
                    for frame in &frames {
                        out.write_all(&(frame.len() as u32).to_be_bytes()).unwrap();
                        out.write_all(frame).unwrap();
                    }
                    out.flush().unwrap();
                    assert_eq!(finished.recv().unwrap(), STREAM / size * size);
                }
                start.elapsed()
            });
            drop(go);
            reader.join().unwrap();
        });

        group.bench_function(BenchmarkId::new("raw", size), |b| {
            let (mut client, mut server) = pair();
            let (go, todo) = mpsc::channel::<usize>();
            let (done, finished) = mpsc::channel::<()>();
            let reader = thread::spawn(move || {
                let mut buf = vec![0u8; 64 * 1024];
                for mut left in todo {
                    while left > 0 {
                        let n = server.read(&mut buf).unwrap();
                        assert!(n > 0);
                        left -= n;
                    }
                    done.send(()).unwrap();
                }
            });
            b.iter_custom(|iters| {
                let start = Instant::now();
                for _ in 0..iters {
                    go.send(wire.len()).unwrap();
                    for piece in wire.chunks(64 * 1024) {
                        client.write_all(piece).unwrap();
                    }
                    finished.recv().unwrap();
                }
                start.elapsed()
            });
            drop(go);
            reader.join().unwrap();
        });
    }
    group.finish();
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

/// Bytes of payload per ping-pong message.
const PING: usize = 64;

fn pingpong(c: &mut Criterion) {
    let mut group = c.benchmark_group("pingpong");
    let payload = [7u8; PING];

    group.bench_function(BenchmarkId::new("rionet", PING), |b| {
        let (client, server) = pair();
        for s in [&client, &server] {
            s.set_nodelay(true).unwrap();
        }
        let echo = thread::spawn(move || {
            let mut out = FrameWriter::new(server.try_clone().unwrap(), LengthPrefix::new());
            let frames = FrameReader::new(server, LengthPrefix::new());
            for frame in frames {
                out.send(&frame.unwrap()[..]).unwrap();
                out.flush().unwrap();
            }
        });
        let mut out = FrameWriter::new(client.try_clone().unwrap(), LengthPrefix::new());
        let mut frames = FrameReader::new(client, LengthPrefix::new());
        b.iter(|| {
            out.send(&payload[..]).unwrap();
            out.flush().unwrap();
            assert_eq!(frames.next().unwrap().unwrap().len(), PING);
        });
        drop(out);
        drop(frames);
        echo.join().unwrap();
    });

    group.bench_function(BenchmarkId::new("raw", PING), |b| {
        // The framed message's bytes: LengthPrefix's 4-byte header, payload.
        let mut message = [7u8; 4 + PING];
        message[..4].copy_from_slice(&(PING as u32).to_be_bytes());
        let (mut client, mut server) = pair();
        for s in [&client, &server] {
            s.set_nodelay(true).unwrap();
        }
        let echo = thread::spawn(move || {
            let mut buf = [0u8; 4 + PING];
            while server.read_exact(&mut buf).is_ok() {
                server.write_all(&buf).unwrap();
            }
        });
        let mut buf = [0u8; 4 + PING];
        b.iter(|| {
            client.write_all(&message).unwrap();
            client.read_exact(&mut buf).unwrap();
        });
        drop(client);
        echo.join().unwrap();
    });
    group.finish();
}

criterion_group!(benches, loopback, pingpong);
criterion_main!(benches);
