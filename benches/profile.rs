//! The bench workloads as a plain program, for profilers: each runs a fixed
//! amount of work in one `#[inline(never)]` function named `work_*`, so
//! `valgrind --tool=callgrind --toggle-collect='*work_*'` counts it alone
//! (`perf record` works the same way where the VM exposes counters). Where
//! a workload has several implementations, each has its own `work_*`
//! function: sharing one, a change to one implementation moved the
//! others' counts.
//!
//! ```text
//! cargo build --release -p rionet-benches --example profile
//! valgrind --tool=callgrind --toggle-collect='*work_*' \
//!     target/release/examples/profile len-decode rionet 256
//! ```
//!
//! Workloads (`profile WORKLOAD IMPL [SIZE]`), each printing how many frames
//! or lines it handled, so instructions per item are a division away:
//! - `len-decode rionet|borrowed|tokio|copy SIZE`: 16 MiB of length-prefixed frames
//!   fed in 64 KiB chunks, as benches/framing does;
//! - `len-encode rionet|slice|tokio SIZE`: 16 MiB of `Bytes` payloads;
//! - `lines rionet|borrowed|in-place|in-place-batch|tokio|memchr`: 64 MiB of lines
//!   1..=127 bytes long;
//! - `rio readlineb|slice|std FILE`: one pass over FILE, 8 KiB buffers;
//! - `frame-write rionet|raw SIZE`: 16 MiB of `&[u8]` payloads through a
//!   64 KiB `FrameWriter` into a sink, or by hand through a 64 KiB
//!   `BufWriter` (header and payload with `write_all`);
//! - `frame-read rionet|borrowed|raw SIZE`: 16 MiB of frames through
//!   `FrameReader` (`next` or `read_frame_slice`) from memory, or read in
//!   64 KiB pieces with the headers walked by hand;
//! - `loopback rionet|borrowed|raw SIZE`: 16 MiB over loopback TCP, as
//!   benches/loopback/ does.
//!
//! `profile turns ROUNDS WORKLOAD A B [SIZE|FILE]` times two
//! implementations of one workload in turns instead, ROUNDS runs each,
//! and prints the median of the rounds' ratios: on a shared machine two
//! criterion rows timed seconds apart can differ by what the neighbours
//! did in between; runs in turns share the same moments. For example
//! `profile turns 30 lines in-place memchr`.

use std::fs::File;
use std::hint::black_box;
use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};
use std::process::ExitCode;
use std::thread;
use std::time::Instant;

use bytes::{Buf, Bytes, BytesMut};
use rionet::RioReader;
use rionet::frame::{
    BorrowDecoder, Decoder, Encoder, FrameError, FrameReader, FrameWriter, LengthPrefix, Lines,
};
use tokio_util::codec::{
    Decoder as TokioDecoder, Encoder as TokioEncoder, LengthDelimitedCodec, LinesCodec,
};

#[path = "quartiles.rs"]
mod quartiles;
// The loopback benches' connection pair (with socket timeouts); the rest of
// the file is theirs.
#[allow(dead_code)]
#[path = "loopback/streams.rs"]
mod streams;

use quartiles::quartiles;

const STREAM: usize = 16 << 20;
const FEED: usize = 64 * 1024;

fn payloads(size: usize) -> Vec<Bytes> {
    (0..STREAM / size)
        .map(|i| Bytes::from(vec![i as u8; size]))
        .collect()
}

fn wire(frames: &[Bytes]) -> Vec<u8> {
    let mut dst = BytesMut::new();
    for frame in frames {
        Encoder::encode(&mut LengthPrefix::new(), frame.clone(), &mut dst).unwrap();
    }
    dst.to_vec()
}

/// The `len-decode` workload for `imp`, each implementation in its own
/// `work_*` function (see [`lines`]).
fn len_decode(imp: &str, wire: &[u8]) -> usize {
    match imp {
        "rionet" => work_len_decode_rionet(wire),
        "borrowed" => work_len_decode_borrowed(wire),
        "tokio" => work_len_decode_tokio(wire),
        _ => work_len_decode_copy(wire),
    }
}

#[inline(never)]
fn work_len_decode_rionet(wire: &[u8]) -> usize {
    let mut codec = LengthPrefix::new();
    feed(wire, wire.len() + FEED, |buf| {
        drain_decoded(&mut codec, buf)
    })
}

#[inline(never)]
fn work_len_decode_borrowed(wire: &[u8]) -> usize {
    let mut codec = LengthPrefix::new();
    feed(wire, wire.len() + FEED, |buf| {
        drain_borrowed(&mut codec, buf)
    })
}

#[inline(never)]
fn work_len_decode_tokio(wire: &[u8]) -> usize {
    let mut codec = LengthDelimitedCodec::new();
    feed(wire, wire.len() + FEED, |buf| {
        let mut frames = 0;
        while let Some(frame) = TokioDecoder::decode(&mut codec, buf).unwrap() {
            black_box(frame.freeze());
            frames += 1;
        }
        frames
    })
}

/// The floor: the same chunks appended, no frames.
#[inline(never)]
fn work_len_decode_copy(wire: &[u8]) -> usize {
    feed(wire, wire.len() + FEED, |buf| {
        black_box(&buf);
        0
    })
}

/// Appends `input` to a buffer of `capacity` bytes `FEED` bytes at a time,
/// as reads would, calling `drain` after each piece; returns the sum of
/// what it returned.
#[inline(always)]
fn feed(input: &[u8], capacity: usize, mut drain: impl FnMut(&mut BytesMut) -> usize) -> usize {
    let mut buf = BytesMut::with_capacity(capacity);
    input
        .chunks(FEED)
        .map(|chunk| {
            buf.extend_from_slice(chunk);
            drain(&mut buf)
        })
        .sum()
}

/// Every whole frame of `buf` split off as `Bytes`, one `decode` each;
/// returns the count.
#[inline(always)]
fn drain_decoded<D: Decoder<Error = FrameError>>(codec: &mut D, buf: &mut BytesMut) -> usize {
    let mut frames = 0;
    while let Some(frame) = codec.decode(buf).unwrap() {
        black_box(frame);
        frames += 1;
    }
    frames
}

/// Every whole frame of `buf`, borrowed, then the consumed bytes dropped
/// at once, as `FrameReader::read_frame_slice` does; returns the count.
#[inline(always)]
fn drain_borrowed<D: BorrowDecoder<Error = FrameError>>(
    codec: &mut D,
    buf: &mut BytesMut,
) -> usize {
    let (src, mut pos, mut frames) = (&buf[..], 0, 0);
    loop {
        let found = codec.decode_slice(&src[pos..], false);
        let Some(range) = found.result.unwrap() else {
            pos += found.consumed;
            break;
        };
        black_box(&src[pos + range.start..pos + range.end]);
        frames += 1;
        pos += found.consumed;
    }
    buf.advance(pos);
    frames
}

/// The `len-encode` workload for `imp`, each implementation in its own
/// `work_*` function (see [`lines`]).
fn len_encode(imp: &str, frames: &[Bytes]) -> usize {
    match imp {
        "rionet" => work_len_encode_rionet(frames),
        "slice" => work_len_encode_slice(frames),
        _ => work_len_encode_tokio(frames),
    }
}

#[inline(never)]
fn work_len_encode_rionet(frames: &[Bytes]) -> usize {
    let mut codec = LengthPrefix::new();
    encode_all(frames, |frame, dst| {
        Encoder::encode(&mut codec, frame.clone(), dst).unwrap()
    })
}

#[inline(never)]
fn work_len_encode_slice(frames: &[Bytes]) -> usize {
    let mut codec = LengthPrefix::new();
    encode_all(frames, |frame, dst| {
        Encoder::encode(&mut codec, &frame[..], dst).unwrap()
    })
}

#[inline(never)]
fn work_len_encode_tokio(frames: &[Bytes]) -> usize {
    let mut codec = LengthDelimitedCodec::new();
    encode_all(frames, |frame, dst| {
        TokioEncoder::encode(&mut codec, frame.clone(), dst).unwrap()
    })
}

/// Encodes every frame with `encode` into one buffer with room for all;
/// returns the count.
#[inline(always)]
fn encode_all(frames: &[Bytes], mut encode: impl FnMut(&Bytes, &mut BytesMut)) -> usize {
    let mut dst = BytesMut::with_capacity(STREAM + 8 * frames.len());
    for frame in frames {
        encode(frame, &mut dst);
    }
    black_box(&dst);
    frames.len()
}

fn lines_input() -> Vec<u8> {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut out = Vec::with_capacity((64 << 20) + 128);
    while out.len() < 64 << 20 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let len = (state % 127) as usize + 1;
        out.extend((1..len).map(|i| b'a' + (i % 26) as u8));
        out.push(b'\n');
    }
    out
}

/// The `lines` workload for `imp`: each implementation its own `work_*`
/// function, so one's code does not move another's register allocation.
fn lines(imp: &str, input: &[u8]) -> usize {
    match imp {
        "memchr" => work_lines_memchr(input),
        "in-place" => work_lines_in_place(input),
        "in-place-batch" => work_lines_in_place_batch(input),
        "borrowed" => work_lines_borrowed(input),
        "rionet" => work_lines_rionet(input),
        _ => work_lines_tokio(input),
    }
}

#[inline(never)]
fn work_lines_memchr(input: &[u8]) -> usize {
    memchr::memchr_iter(b'\n', input).count()
}

/// The borrowed path over the bytes where they are: no feed, no copy.
#[inline(never)]
fn work_lines_in_place(input: &[u8]) -> usize {
    let mut codec = Lines::new();
    let (mut pos, mut lines) = (0, 0);
    loop {
        let found = codec.decode_slice(&input[pos..], false);
        let Some(range) = found.result.unwrap() else {
            return lines;
        };
        black_box(&input[pos + range.start..pos + range.end]);
        pos += found.consumed;
        lines += 1;
    }
}

#[inline(never)]
fn work_lines_in_place_batch(input: &[u8]) -> usize {
    let mut lines = 0;
    let found = Lines::new().decode_slices(input, false, |line| {
        black_box(line);
        lines += 1;
    });
    found.result.unwrap();
    lines
}

#[inline(never)]
fn work_lines_borrowed(input: &[u8]) -> usize {
    let mut codec = Lines::new();
    feed(input, 2 * FEED, |buf| drain_borrowed(&mut codec, buf))
}

#[inline(never)]
fn work_lines_rionet(input: &[u8]) -> usize {
    let mut codec = Lines::new();
    feed(input, 2 * FEED, |buf| drain_decoded(&mut codec, buf))
}

#[inline(never)]
fn work_lines_tokio(input: &[u8]) -> usize {
    let mut codec = LinesCodec::new();
    feed(input, 2 * FEED, |buf| {
        let mut lines = 0;
        while let Some(line) = TokioDecoder::decode(&mut codec, buf).unwrap() {
            black_box(line);
            lines += 1;
        }
        lines
    })
}

#[inline(never)]
fn work_rio(imp: &str, file: File) -> usize {
    let mut lines = 0;
    match imp {
        "readlineb" => {
            let mut reader = RioReader::with_capacity(8192, file);
            let mut line = Vec::with_capacity(128);
            loop {
                line.clear();
                if reader.readlineb(&mut line).unwrap() == 0 {
                    return lines;
                }
                black_box(&line);
                lines += 1;
            }
        }
        "slice" => {
            let mut reader = RioReader::with_capacity(8192, file);
            while !black_box(reader.read_line_slice().unwrap()).is_empty() {
                lines += 1;
            }
        }
        _ => {
            let mut reader = BufReader::with_capacity(8192, file);
            let mut line = Vec::with_capacity(128);
            loop {
                line.clear();
                if reader.read_until(b'\n', &mut line).unwrap() == 0 {
                    return lines;
                }
                black_box(&line);
                lines += 1;
            }
        }
    }
    lines
}

#[inline(never)]
fn work_frame_write(imp: &str, frames: &[Bytes]) -> usize {
    if imp == "raw" {
        let mut out = BufWriter::with_capacity(64 * 1024, io::sink());
        for frame in frames {
            out.write_all(&(frame.len() as u32).to_be_bytes()).unwrap();
            out.write_all(frame).unwrap();
        }
        out.flush().unwrap();
    } else {
        let mut out = FrameWriter::with_capacity(64 * 1024, io::sink(), LengthPrefix::new());
        for frame in frames {
            out.send(&frame[..]).unwrap();
        }
        out.flush().unwrap();
    }
    frames.len()
}

/// The frames of `input`, read from it as `imp` says; returns how many.
fn read_frames<R: Read>(imp: &str, mut input: R) -> usize {
    let mut frames = 0;
    match imp {
        "raw" => {
            // 64 KiB reads, headers walked by hand across read boundaries.
            let mut buf = vec![0u8; 64 * 1024];
            let (mut head, mut have, mut body) = ([0u8; 4], 0, 0);
            loop {
                let got = input.read(&mut buf).unwrap();
                if got == 0 {
                    return frames;
                }
                let mut bytes = &buf[..got];
                while !bytes.is_empty() {
                    if have < 4 {
                        let take = (4 - have).min(bytes.len());
                        head[have..have + take].copy_from_slice(&bytes[..take]);
                        have += take;
                        bytes = &bytes[take..];
                        body = if have == 4 {
                            u32::from_be_bytes(head) as usize
                        } else {
                            0
                        };
                    }
                    let take = body.min(bytes.len());
                    bytes = &bytes[take..];
                    body -= take;
                    if have == 4 && body == 0 {
                        have = 0;
                        frames += 1;
                    }
                }
            }
        }
        "borrowed" => {
            let mut reader = FrameReader::new(input, LengthPrefix::new());
            while let Some(frame) = reader.read_frame_slice().unwrap() {
                black_box(frame);
                frames += 1;
            }
        }
        _ => {
            for frame in FrameReader::new(input, LengthPrefix::new()) {
                black_box(frame.unwrap());
                frames += 1;
            }
        }
    }
    frames
}

#[inline(never)]
fn work_frame_read(imp: &str, wire: &[u8]) -> usize {
    read_frames(imp, wire)
}

#[inline(never)]
fn work_loopback(imp: &str, size: usize) -> usize {
    let (client, server) = streams::pair();
    let count = STREAM / size;
    let frames = payloads(size);
    let wire = Bytes::from(wire(&frames));
    let raw = imp == "raw";
    let reader = {
        let imp = imp.to_owned();
        thread::spawn(move || {
            if imp == "raw" {
                let mut server = server;
                let mut buf = vec![0u8; 64 * 1024];
                let mut n = 0;
                loop {
                    match server.read(&mut buf).unwrap() {
                        0 => return n,
                        got => n += got,
                    }
                }
            }
            read_frames(&imp, server)
        })
    };
    if raw {
        let mut client = client;
        for piece in wire.chunks(64 * 1024) {
            client.write_all(piece).unwrap();
        }
    } else {
        let mut out = FrameWriter::with_capacity(64 * 1024, client, LengthPrefix::new());
        for frame in &frames {
            out.send(&frame[..]).unwrap();
        }
        out.flush().unwrap();
    }
    black_box(reader.join().unwrap());
    count
}

/// A workload's run for one implementation, its input built beforehand.
type Work = Box<dyn Fn(&str) -> usize>;

/// The workload `name` with its argument (a size or a file), input built
/// once: the same bytes for every run and every implementation.
fn workload(name: &str, arg: Option<&str>) -> Result<Work, String> {
    let size = || {
        let s = arg.ok_or(format!("{name} needs a SIZE"))?;
        s.parse::<usize>().map_err(|e| format!("bad size {s}: {e}"))
    };
    Ok(match name {
        "len-decode" => {
            let wire = wire(&payloads(size()?));
            // The first large allocation after the payloads' small frees
            // consolidates malloc's free lists (at 16 B frames, 150 M
            // instructions): here, not in the first run.
            drop(BytesMut::with_capacity(wire.len() + FEED));
            Box::new(move |imp| len_decode(imp, &wire))
        }
        "len-encode" => {
            let frames = payloads(size()?);
            // The benches encode the same payloads again and again: after the
            // first clone each `Bytes` is shared, and a clone is one atomic
            // increment instead of an allocation. Start from there.
            frames.iter().for_each(|frame| drop(frame.clone()));
            Box::new(move |imp| len_encode(imp, &frames))
        }
        "lines" => {
            let input = lines_input();
            Box::new(move |imp| lines(imp, &input))
        }
        "rio" => {
            let path = arg.ok_or("rio needs a FILE")?.to_owned();
            File::open(&path).map_err(|e| format!("opening {path}: {e}"))?;
            Box::new(move |imp| work_rio(imp, File::open(&path).unwrap()))
        }
        "frame-write" => {
            let frames = payloads(size()?);
            Box::new(move |imp| work_frame_write(imp, &frames))
        }
        "frame-read" => {
            let wire = wire(&payloads(size()?));
            Box::new(move |imp| work_frame_read(imp, &wire))
        }
        "loopback" => {
            let size = size()?;
            Box::new(move |imp| work_loopback(imp, size))
        }
        _ => return Err(USAGE.to_owned()),
    })
}

const USAGE: &str = "usage: see the doc comment of benches/profile.rs";

/// `turns ROUNDS WORKLOAD A B [ARG]`: runs implementations `a` and `b`
/// in turns (`b` first every other round), each run timed, and prints each
/// one's median run and the median of the rounds' ratios `b / a` with its
/// quartiles (above 1: `a` is faster). The two are compared at the same
/// moments, so what the machine's neighbours do falls on both.
fn turns(rounds: &str, work: &Work, a: &str, b: &str) -> Result<usize, String> {
    let rounds: usize = rounds
        .parse()
        .map_err(|e| format!("bad round count {rounds}: {e}"))?;
    if rounds == 0 {
        return Err("turns needs at least one round".to_owned());
    }
    let time = |imp: &str| {
        let start = Instant::now();
        black_box(work(imp));
        start.elapsed().as_secs_f64()
    };
    // One untimed run each: page faults, caches, the allocator's first pages.
    time(a);
    time(b);
    let (mut ta, mut tb) = (Vec::with_capacity(rounds), Vec::with_capacity(rounds));
    for round in 0..rounds {
        if round % 2 == 0 {
            ta.push(time(a));
            tb.push(time(b));
        } else {
            tb.push(time(b));
            ta.push(time(a));
        }
    }
    let ratios = ta.iter().zip(&tb).map(|(a, b)| b / a).collect();
    let [q1, median, q3] = quartiles(ratios);
    println!("{a}: median {:.3} ms", quartiles(ta)[1] * 1e3);
    println!("{b}: median {:.3} ms", quartiles(tb)[1] * 1e3);
    println!("{b} / {a}: median {median:.3} (quartiles {q1:.3}, {q3:.3}) over {rounds} rounds");
    Ok(2 * rounds)
}

fn run(args: &[String]) -> Result<usize, String> {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args[..] {
        ["turns", rounds, name, a, b, ref arg @ ..] if arg.len() <= 1 => {
            turns(rounds, &workload(name, arg.first().copied())?, a, b)
        }
        [name, imp, ref arg @ ..] if arg.len() <= 1 => {
            Ok(workload(name, arg.first().copied())?(imp))
        }
        _ => Err(USAGE.to_owned()),
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(items) => {
            println!("{items} items");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("profile: {message}");
            ExitCode::FAILURE
        }
    }
}
