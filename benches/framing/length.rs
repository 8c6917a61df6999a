//! Length-prefix decode and encode at 16 B .. 64 KiB frames: rionet next to
//! tokio-util `LengthDelimitedCodec`, and a plain copy of the same bytes.

use std::hint::black_box;

use bytes::{Buf, Bytes, BytesMut};
use criterion::{BenchmarkId, Criterion, Throughput};
use rionet::frame::{BorrowDecoder, Decoder, Encoder, LengthPrefix};
use tokio_util::codec::{Decoder as TokioDecoder, Encoder as TokioEncoder, LengthDelimitedCodec};

/// Payload bytes per iteration.
const STREAM: usize = 1 << 20;
/// Bytes appended to the decoder's buffer at a time, as a 64 KiB read would.
const FEED: usize = 64 * 1024;
const SIZES: [usize; 4] = [16, 256, 4096, 64 * 1024];

fn payloads(size: usize) -> Vec<Bytes> {
    (0..STREAM / size)
        .map(|i| Bytes::from(vec![i as u8; size]))
        .collect()
}

fn wire(frames: &[Bytes]) -> Vec<u8> {
    let mut codec = LengthPrefix::new();
    let mut dst = BytesMut::new();
    for frame in frames {
        Encoder::encode(&mut codec, frame.clone(), &mut dst).unwrap();
    }
    dst.to_vec()
}

/// Appends `wire` to `buf` 64 KiB at a time, as reads would, calling
/// `drain` after each chunk; returns the sum of what `drain` returned.
fn feed(buf: &mut BytesMut, wire: &[u8], mut drain: impl FnMut(&mut BytesMut) -> usize) -> usize {
    // Back to the front of the buffer, where the copy writes.
    buf.reserve(wire.len());
    let mut n = 0;
    for chunk in wire.chunks(FEED) {
        buf.extend_from_slice(chunk);
        n += drain(buf);
    }
    n
}

/// Length-prefix decode: the wire arrives 64 KiB at a time into the
/// decoder's buffer, as reads would; every frame is split off. "copy"
/// appends the same chunks and throws them away: the floor any framer sits
/// on, the limit row at every size. The buffer has room for the whole stream, so what is measured is
/// framing, not the moves of partial frames that any buffer policy makes
/// (FrameReader's is in benches/loopback.rs).
fn length_decode(c: &mut Criterion) {
    let mut group = c.benchmark_group("length_decode");
    for size in SIZES {
        let frames = payloads(size);
        let wire = wire(&frames);
        group.throughput(Throughput::Bytes(wire.len() as u64));
        group.bench_with_input(BenchmarkId::new("rionet", size), &wire, |b, wire| {
            let mut codec = LengthPrefix::new();
            let mut buf = BytesMut::with_capacity(wire.len() + FEED);
            b.iter(|| {
                let n = feed(&mut buf, wire, |buf| {
                    let mut n = 0;
                    while let Some(frame) = Decoder::decode(&mut codec, buf).unwrap() {
                        n += black_box(frame).len();
                    }
                    n
                });
                assert_eq!(n, STREAM / size * size);
            });
        });
        // The borrowed path: each frame a slice of the buffer, the consumed
        // bytes dropped once per chunk, as `FrameReader::read_frame_slice`.
        group.bench_with_input(
            BenchmarkId::new("rionet_borrowed", size),
            &wire,
            |b, wire| {
                let mut codec = LengthPrefix::new();
                let mut buf = BytesMut::with_capacity(wire.len() + FEED);
                b.iter(|| {
                    let n = feed(&mut buf, wire, |buf| {
                        let (mut n, mut pos) = (0, 0);
                        loop {
                            let found = codec.decode_slice(&buf[pos..], false);
                            let Some(range) = found.result.unwrap() else {
                                break;
                            };
                            n += black_box(&buf[pos + range.start..pos + range.end]).len();
                            pos += found.consumed;
                        }
                        buf.advance(pos);
                        n
                    });
                    assert_eq!(n, STREAM / size * size);
                });
            },
        );
        group.bench_with_input(BenchmarkId::new("tokio-util", size), &wire, |b, wire| {
            let mut codec = LengthDelimitedCodec::new();
            let mut buf = BytesMut::with_capacity(wire.len() + FEED);
            b.iter(|| {
                let n = feed(&mut buf, wire, |buf| {
                    let mut n = 0;
                    while let Some(frame) = TokioDecoder::decode(&mut codec, buf).unwrap() {
                        n += black_box(frame.freeze()).len();
                    }
                    n
                });
                assert_eq!(n, STREAM / size * size);
            });
        });
        group.bench_with_input(BenchmarkId::new("copy", size), &wire, |b, wire| {
            let mut buf = BytesMut::with_capacity(wire.len() + FEED);
            b.iter(|| {
                buf.clear();
                for chunk in wire.chunks(FEED) {
                    buf.extend_from_slice(chunk);
                    black_box(&buf);
                }
            });
        });
    }
    group.finish();
}

/// Length-prefix encode of `Bytes` payloads (and, for rionet, of the same
/// payloads borrowed as `&[u8]`) into one buffer. "copy" appends the
/// payloads alone: the limit row at every size.
fn length_encode(c: &mut Criterion) {
    let mut group = c.benchmark_group("length_encode");
    for size in SIZES {
        let frames = payloads(size);
        let mut dst = BytesMut::with_capacity(wire(&frames).len());
        group.throughput(Throughput::Bytes(STREAM as u64));
        group.bench_with_input(BenchmarkId::new("rionet", size), &frames, |b, frames| {
            let mut codec = LengthPrefix::new();
            b.iter(|| {
                dst.clear();
                for frame in frames {
                    Encoder::encode(&mut codec, frame.clone(), &mut dst).unwrap();
                }
                black_box(&dst);
            });
        });
        // rionet also encodes borrowed payloads: no `Bytes` to clone and
        // drop, which is most of the work at small sizes. tokio-util's codec
        // only takes `Bytes`.
        group.bench_with_input(
            BenchmarkId::new("rionet_slice", size),
            &frames,
            |b, frames| {
                let mut codec = LengthPrefix::new();
                b.iter(|| {
                    dst.clear();
                    for frame in frames {
                        Encoder::encode(&mut codec, &frame[..], &mut dst).unwrap();
                    }
                    black_box(&dst);
                });
            },
        );
        group.bench_with_input(
            BenchmarkId::new("tokio-util", size),
            &frames,
            |b, frames| {
                let mut codec = LengthDelimitedCodec::new();
                b.iter(|| {
                    dst.clear();
                    for frame in frames {
                        TokioEncoder::encode(&mut codec, frame.clone(), &mut dst).unwrap();
                    }
                    black_box(&dst);
                });
            },
        );
        group.bench_with_input(BenchmarkId::new("copy", size), &frames, |b, frames| {
            b.iter(|| {
                dst.clear();
                for frame in frames {
                    dst.extend_from_slice(frame);
                }
                black_box(&dst);
            });
        });
    }
    group.finish();
}

/// Every group of this file.
pub(crate) fn benches(c: &mut Criterion) {
    length_decode(c);
    length_encode(c);
}
