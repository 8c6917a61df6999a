//! End to end over loopback TCP: `FrameWriter` → socket → `FrameReader`,
//! frames as `Bytes` or borrowed from the reader's buffer, next to a
//! hand-written reader of the same messages and the raw byte stream, in
//! one criterion group (the streams are described in `streams.rs`).
//!
//! Criterion times each stream on its own, one after the other: on a
//! shared machine their ratio then also measures what the neighbours did
//! in between. `benches/loopback/paired.rs` times the same streams round
//! by round, in turns, and reports the ratio of each round; the README's
//! loopback rows come from there.
//!
//! The `pingpong` group times one 64 B round trip (`TCP_NODELAY` on):
//! length-prefixed frames through `FrameWriter` / `FrameReader` to an echo
//! thread that answers with the same codec, next to `write_all` /
//! `read_exact` of the same 68 bytes to a raw echo thread.
//!
//! Run: `cargo bench --bench loopback -- --warm-up-time 1 --measurement-time 3`

use std::io::{Read, Write};
use std::thread;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use rionet::frame::{FrameReader, FrameWriter, LengthPrefix};

mod streams;

use streams::{NAMES, Stream, pair};

fn loopback(c: &mut Criterion) {
    let mut group = c.benchmark_group("loopback");
    for size in [64, 64 * 1024] {
        let wire = streams::wire(&streams::payloads(size));
        group.throughput(Throughput::Bytes(wire.len() as u64));
        for (name, mut stream) in NAMES.into_iter().zip(Stream::all(size)) {
            group.bench_function(BenchmarkId::new(name, size), |b| {
                b.iter_custom(|iters| (0..iters).map(|_| stream.round()).sum())
            });
        }
    }
    group.finish();
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
