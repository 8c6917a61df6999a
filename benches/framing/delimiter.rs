//! Lines and delimiter decode over ~64 MiB of lines 1..=127 bytes long:
//! rionet next to tokio-util `LinesCodec` and `AnyDelimiterCodec`, and the
//! physical-limit rows: memchr counting the delimiters of the same bytes,
//! which is all a framer must do before it hands out frames, and, for the
//! decoders fed in chunks, the same count over the same chunked copy.

use std::hint::black_box;

use bytes::{Buf, BytesMut};
use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, Throughput};
use rionet::frame::{BorrowDecoder, Delimited, Lines};
use tokio_util::codec::{AnyDelimiterCodec, LinesCodec};

/// About 64 MiB of input per iteration.
const INPUT_LEN: usize = 64 << 20;
/// What a socket read typically hands over.
const CHUNK: usize = 64 << 10;

/// A deterministic xorshift64 generator: the same input on every run.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// About `INPUT_LEN` bytes of lowercase ASCII records whose lengths are
/// uniform in 1..=127 bytes, each ended by one of `ends` (chosen at random).
fn records(ends: &[&[u8]]) -> Vec<u8> {
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    let mut out = Vec::with_capacity(INPUT_LEN + 128);
    while out.len() < INPUT_LEN {
        let len = 1 + (rng.next() % 127) as usize;
        out.extend((0..len).map(|_| b'a' + (rng.next() % 26) as u8));
        out.extend_from_slice(ends[(rng.next() % ends.len() as u64) as usize]);
    }
    out
}

/// Feeds `input` in `CHUNK`-byte pieces to `decode_all`, which must take
/// every complete frame off the buffer.
fn feed(input: &[u8], mut decode_all: impl FnMut(&mut BytesMut)) {
    let mut buf = BytesMut::with_capacity(2 * CHUNK);
    for chunk in input.chunks(CHUNK) {
        buf.extend_from_slice(chunk);
        decode_all(&mut buf);
    }
    assert!(buf.is_empty(), "input ends with a delimiter");
}

/// The limit row: `count` finds every delimiter of `input` (memchr's
/// iterators), with no buffer and no frames.
fn memchr_limit(
    group: &mut BenchmarkGroup<'_, WallTime>,
    name: &str,
    input: &[u8],
    count: impl Fn(&[u8]) -> usize,
) {
    group.bench_function(name, |b| b.iter(|| black_box(count(black_box(input)))));
}

/// The limit row of the fed rows: `input` fed exactly as [`feed`] feeds a
/// decoder, `count` finding each chunk's delimiters in the buffer, and no
/// frames: the copy into the buffer that a reader cannot avoid, plus the
/// search.
fn feed_memchr_limit(
    group: &mut BenchmarkGroup<'_, WallTime>,
    name: &str,
    input: &[u8],
    count: impl Fn(&[u8]) -> usize,
) {
    group.bench_function(name, |b| {
        b.iter(|| {
            let mut found = 0;
            feed(input, |buf| {
                found += count(buf);
                buf.clear();
            });
            black_box(found)
        })
    });
}

/// Benches a rionet decoder made by `make` over `input`, in the group.
fn rionet_decode<D>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    name: &str,
    input: &[u8],
    make: impl Fn() -> D,
) where
    D: rionet::frame::Decoder,
    D::Error: std::fmt::Debug,
{
    group.bench_function(name, |b| {
        b.iter(|| {
            let mut codec = make();
            feed(input, |buf| {
                while let Some(frame) = codec.decode(buf).unwrap() {
                    black_box(frame);
                }
            })
        })
    });
}

/// Benches a rionet decoder made by `make` over `input` on the borrowed
/// path, in the group: fed like [`rionet_decode`], every frame handed out
/// as a slice of the buffer (`decode_slice`), the consumed bytes dropped
/// once per chunk, as `FrameReader::read_frame_slice` does.
fn rionet_borrowed<D>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    name: &str,
    input: &[u8],
    make: impl Fn() -> D,
) where
    D: BorrowDecoder,
    D::Error: std::fmt::Debug,
{
    group.bench_function(name, |b| {
        b.iter(|| {
            let mut codec = make();
            feed(input, |buf| {
                let pos = slices(&mut codec, buf);
                buf.advance(pos);
            })
        })
    });
}

/// Benches the borrowed path over `input` in place: no buffer and no copy,
/// the sans-IO use of a decoder over bytes already in memory, the same
/// work as the memchr row plus the framing.
fn rionet_in_place<D>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    name: &str,
    input: &[u8],
    make: impl Fn() -> D,
) where
    D: BorrowDecoder,
    D::Error: std::fmt::Debug,
{
    group.bench_function(name, |b| {
        b.iter(|| {
            let mut codec = make();
            assert_eq!(slices(&mut codec, black_box(input)), input.len());
        })
    });
}

/// Benches the borrowed path over `input` in place in one call: every
/// frame handed to a closure by `decode_slices`, the batch form of
/// [`rionet_in_place`].
fn rionet_in_place_batch<D>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    name: &str,
    input: &[u8],
    make: impl Fn() -> D,
) where
    D: BorrowDecoder,
    D::Error: std::fmt::Debug,
{
    group.bench_function(name, |b| {
        b.iter(|| {
            let mut codec = make();
            let found = codec.decode_slices(black_box(input), false, |frame| {
                black_box(frame);
            });
            found.result.unwrap();
            assert_eq!(found.consumed, input.len());
        })
    });
}

/// Hands every whole frame of `src` to `black_box` as a slice; returns the
/// bytes consumed.
#[inline(always)]
fn slices<D>(codec: &mut D, src: &[u8]) -> usize
where
    D: BorrowDecoder,
    D::Error: std::fmt::Debug,
{
    let mut pos = 0;
    loop {
        let found = codec.decode_slice(&src[pos..], false);
        let frame = found.result.unwrap();
        if let Some(range) = &frame {
            black_box(&src[pos + range.start..pos + range.end]);
        }
        pos += found.consumed;
        if frame.is_none() {
            return pos;
        }
    }
}

/// Benches a tokio-util decoder made by `make` over `input`, in the group,
/// exactly as [`rionet_decode`] does.
fn tokio_util_decode<D>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    name: &str,
    input: &[u8],
    make: impl Fn() -> D,
) where
    D: tokio_util::codec::Decoder,
    D::Error: std::fmt::Debug,
{
    group.bench_function(name, |b| {
        b.iter(|| {
            let mut codec = make();
            feed(input, |buf| {
                while let Some(frame) = codec.decode(buf).unwrap() {
                    black_box(frame);
                }
            })
        })
    });
}

/// Lines decode: rionet `Lines` and `Delimited` next to tokio-util
/// `LinesCodec` and `AnyDelimiterCodec`, over `\n`-ended lines.
fn bench_lines_decode(c: &mut Criterion) {
    let input = records(&[b"\n"]);
    let mut group = c.benchmark_group("lines_decode");
    group
        .throughput(Throughput::Bytes(input.len() as u64))
        .sample_size(10);
    rionet_decode(&mut group, "rionet_Lines", &input, Lines::new);
    rionet_borrowed(&mut group, "rionet_Lines_borrowed", &input, Lines::new);
    rionet_in_place(&mut group, "rionet_Lines_in_place", &input, Lines::new);
    rionet_in_place_batch(
        &mut group,
        "rionet_Lines_in_place_batch",
        &input,
        Lines::new,
    );
    rionet_decode(&mut group, "rionet_Delimited", &input, || {
        Delimited::new(b"\n")
    });
    tokio_util_decode(&mut group, "tokio_util_LinesCodec", &input, LinesCodec::new);
    tokio_util_decode(&mut group, "tokio_util_AnyDelimiterCodec", &input, || {
        AnyDelimiterCodec::new(b"\n".to_vec(), b"\n".to_vec())
    });
    memchr_limit(&mut group, "memchr_count", &input, |bytes| {
        memchr::memchr_iter(b'\n', bytes).count()
    });
    feed_memchr_limit(&mut group, "feed_memchr_count", &input, |bytes| {
        memchr::memchr_iter(b'\n', bytes).count()
    });
    group.finish();
}

/// Delimiter decode: records ended by any of `,` `;` `\n`, rionet
/// `Delimited` (memchr3) next to tokio-util `AnyDelimiterCodec`; and lines
/// ended by `\r\n`, rionet `Delimited` (memmem) and `Lines::crlf` next to
/// tokio-util `LinesCodec` on the same bytes.
fn bench_delimiter_decode(c: &mut Criterion) {
    let any_of_3 = records(&[b",", b";", b"\n"]);
    let mut group = c.benchmark_group("delimiter_decode_any_of_3");
    group
        .throughput(Throughput::Bytes(any_of_3.len() as u64))
        .sample_size(10);
    let any_of_3_codec = || {
        Delimited::builder()
            .delimiter(b",")
            .delimiter(b";")
            .delimiter(b"\n")
            .build()
    };
    rionet_decode(&mut group, "rionet_Delimited", &any_of_3, any_of_3_codec);
    rionet_borrowed(
        &mut group,
        "rionet_Delimited_borrowed",
        &any_of_3,
        any_of_3_codec,
    );
    tokio_util_decode(
        &mut group,
        "tokio_util_AnyDelimiterCodec",
        &any_of_3,
        || AnyDelimiterCodec::new(b",;\n".to_vec(), b",".to_vec()),
    );
    memchr_limit(&mut group, "memchr_count", &any_of_3, |bytes| {
        memchr::memchr3_iter(b',', b';', b'\n', bytes).count()
    });
    group.finish();

    let crlf = records(&[b"\r\n"]);
    let mut group = c.benchmark_group("delimiter_decode_crlf");
    group
        .throughput(Throughput::Bytes(crlf.len() as u64))
        .sample_size(10);
    rionet_decode(&mut group, "rionet_Delimited", &crlf, || {
        Delimited::new(b"\r\n")
    });
    rionet_decode(&mut group, "rionet_Lines_crlf", &crlf, Lines::crlf);
    rionet_borrowed(&mut group, "rionet_Lines_crlf_borrowed", &crlf, Lines::crlf);
    tokio_util_decode(&mut group, "tokio_util_LinesCodec", &crlf, LinesCodec::new);
    memchr_limit(&mut group, "memchr_count", &crlf, |bytes| {
        memchr::memmem::find_iter(bytes, b"\r\n").count()
    });
    group.finish();
}

/// Every group of this file.
pub(crate) fn benches(c: &mut Criterion) {
    bench_lines_decode(c);
    bench_delimiter_decode(c);
}
