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
//! The `pingpong` group times one 64 B round trip, framed and raw
//! (`pingpong.rs`).
//!
//! Run: `cargo bench --bench loopback -- --warm-up-time 1 --measurement-time 3`

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

mod pingpong;
mod streams;

use pingpong::{PING, PINGERS};
use streams::{NAMES, Stream};

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

fn pingpong(c: &mut Criterion) {
    let mut group = c.benchmark_group("pingpong");
    for (name, make) in PINGERS {
        group.bench_function(BenchmarkId::new(name, PING), |b| {
            let mut pinger = make();
            b.iter(|| pinger.trip())
        });
    }
    group.finish();
}

criterion_group!(benches, loopback, pingpong);
criterion_main!(benches);
