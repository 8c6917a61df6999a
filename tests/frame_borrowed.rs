//! Borrowed frames (`BorrowDecoder::decode_slice`,
//! `FrameReader::read_frame_slice`): for every built-in codec, under any
//! split of the input, the same frames, errors and skip counts as the
//! `Bytes` path.

mod util;

use bytes::{Bytes, BytesMut};
use proptest::prelude::*;
use rionet::frame::{
    BorrowDecoder, Decoder, Delimited, Encoder, FixedLength, FrameError, FrameReader, LengthPrefix,
    Lines, Oversize,
};
use util::ScriptedReader;

/// One outcome, comparable across the two paths: a frame's bytes or an
/// error's full debug form (variant, counts, pending bytes).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Outcome {
    Frame(Vec<u8>),
    Error(String, bool),
}

fn error(err: &FrameError) -> Outcome {
    Outcome::Error(format!("{err:?}"), err.is_recoverable())
}

/// `data` cut at `cuts` (sorted, clamped), as the pieces a reader returns.
fn pieces(data: &[u8], cuts: &[usize]) -> Vec<Vec<u8>> {
    let mut cuts: Vec<usize> = cuts.iter().map(|&c| c.min(data.len())).collect();
    cuts.sort_unstable();
    let mut out = Vec::new();
    let mut start = 0;
    for cut in cuts.into_iter().chain([data.len()]) {
        out.push(data[start..cut].to_vec());
        start = cut;
    }
    out
}

/// Calls per piece are bounded by the bytes: every frame or skip consumes
/// bytes, and a recoverable error is followed by progress.
fn budget(data: &[u8]) -> usize {
    4 * data.len() + 16
}

/// The `Bytes` path: append each piece, `decode` until `Ok(None)`, then
/// `decode_eof` until `Ok(None)`; stops at the first fatal error.
fn via_bytes<D>(codec: &mut D, data: &[u8], cuts: &[usize]) -> Vec<Outcome>
where
    D: Decoder<Item = Bytes, Error = FrameError>,
{
    let mut out = Vec::new();
    let mut buf = BytesMut::new();
    let parts = pieces(data, cuts);
    let mut calls = budget(data) + 2 * parts.len() + 2;
    let last = parts.len();
    for (i, piece) in parts.into_iter().chain([Vec::new()]).enumerate() {
        buf.extend_from_slice(&piece);
        let eof = i == last;
        loop {
            calls = calls.checked_sub(1).expect("decoder made no progress");
            let got = if eof {
                codec.decode_eof(&mut buf)
            } else {
                codec.decode(&mut buf)
            };
            match got {
                Ok(None) => break,
                Ok(Some(frame)) => out.push(Outcome::Frame(frame.to_vec())),
                Err(err) => {
                    out.push(error(&err));
                    if !err.is_recoverable() {
                        return out;
                    }
                }
            }
        }
    }
    out
}

/// The borrowed path over the same pieces: `decode_slice`, then drop the
/// consumed bytes.
fn via_slices<D>(codec: &mut D, data: &[u8], cuts: &[usize]) -> Vec<Outcome>
where
    D: BorrowDecoder<Error = FrameError>,
{
    let mut out = Vec::new();
    let mut buf: Vec<u8> = Vec::new();
    let parts = pieces(data, cuts);
    let mut calls = budget(data) + 2 * parts.len() + 2;
    let last = parts.len();
    for (i, piece) in parts.into_iter().chain([Vec::new()]).enumerate() {
        buf.extend_from_slice(&piece);
        let eof = i == last;
        loop {
            calls = calls.checked_sub(1).expect("decoder made no progress");
            let found = codec.decode_slice(&buf, eof);
            assert!(found.consumed <= buf.len(), "consumed more than the buffer");
            let stop = match &found.result {
                Ok(None) => true,
                Ok(Some(range)) => {
                    assert!(
                        range.end <= found.consumed,
                        "frame outside the consumed bytes"
                    );
                    out.push(Outcome::Frame(buf[range.clone()].to_vec()));
                    false
                }
                Err(err) => {
                    out.push(error(err));
                    if !err.is_recoverable() {
                        return out;
                    }
                    false
                }
            };
            buf.drain(..found.consumed);
            if stop {
                break;
            }
        }
    }
    assert!(
        buf.is_empty(),
        "decode_slice at eof left {} bytes",
        buf.len()
    );
    out
}

/// The batch form over the same pieces: `decode_slices` once per piece
/// (and again after a recoverable error), then drop the consumed bytes.
fn via_batches<D>(codec: &mut D, data: &[u8], cuts: &[usize]) -> Vec<Outcome>
where
    D: BorrowDecoder<Error = FrameError>,
{
    let mut out = Vec::new();
    let mut buf: Vec<u8> = Vec::new();
    let parts = pieces(data, cuts);
    let mut calls = budget(data) + 2 * parts.len() + 2;
    let last = parts.len();
    for (i, piece) in parts.into_iter().chain([Vec::new()]).enumerate() {
        buf.extend_from_slice(&piece);
        let eof = i == last;
        loop {
            calls = calls.checked_sub(1).expect("decoder made no progress");
            let found = codec.decode_slices(&buf, eof, |frame| {
                out.push(Outcome::Frame(frame.to_vec()));
            });
            assert!(found.consumed <= buf.len(), "consumed more than the buffer");
            buf.drain(..found.consumed);
            match found.result {
                Ok(()) => break,
                Err(err) => {
                    out.push(error(&err));
                    if !err.is_recoverable() {
                        return out;
                    }
                }
            }
        }
    }
    assert!(
        buf.is_empty(),
        "decode_slices at eof left {} bytes",
        buf.len()
    );
    out
}

/// Three codecs (built alike) over the same split input, through `decode`,
/// `decode_slice` and `decode_slices`: same outcomes. Returns the three,
/// for their skip counters.
fn same_both_ways<D>(make: impl Fn() -> D, data: &[u8], cuts: &[usize]) -> (D, D, D)
where
    D: BorrowDecoder<Item = Bytes, Error = FrameError>,
{
    let (mut a, mut b, mut c) = (make(), make(), make());
    let bytes = via_bytes(&mut a, data, cuts);
    let slices = via_slices(&mut b, data, cuts);
    assert_eq!(slices, bytes);
    let batches = via_batches(&mut c, data, cuts);
    assert_eq!(batches, bytes);
    (a, b, c)
}

/// Through `FrameReader`: `read_frame` against `read_frame_slice`, reads
/// cut at `cuts`, stopping at a fatal error or the end.
fn reader_same<D>(make: impl Fn() -> D, data: &[u8], cuts: &[usize], chunk: usize)
where
    D: BorrowDecoder<Item = Bytes, Error = FrameError>,
{
    let run = |slices: bool| {
        let reader = ScriptedReader::split_at(data, cuts);
        let mut frames = FrameReader::with_capacity(chunk, reader, make());
        let mut out = Vec::new();
        for _ in 0..budget(data) + 2 * cuts.len() + 2 {
            let got = if slices {
                frames.read_frame_slice().map(|f| f.map(<[u8]>::to_vec))
            } else {
                frames.read_frame().map(|f| f.map(|f| f.to_vec()))
            };
            match got {
                Ok(None) => return out,
                Ok(Some(frame)) => out.push(Outcome::Frame(frame)),
                Err(err) => {
                    out.push(error(&err));
                    if !err.is_recoverable() {
                        return out;
                    }
                }
            }
        }
        panic!("reader made no progress");
    };
    assert_eq!(run(true), run(false));
}

fn policy(skip: bool) -> Oversize {
    if skip {
        Oversize::Skip
    } else {
        Oversize::Error
    }
}

/// Text of lines of random length over a small alphabet rich in line
/// endings, so that every edge (`\r` at a cut, empty lines, long lines)
/// comes up.
fn text() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(prop::sample::select(&b"ab\r\n;xy"[..]), 0..400)
}

/// Long text with lines of every length around the 128-byte search window
/// (a line ending about one byte in 60), read under maxima around the
/// window too: the window search, and the line endings it holds for the
/// next frames, across cuts.
fn long_text() -> impl Strategy<Value = Vec<u8>> {
    let byte = prop_oneof![58 => Just(b'a'), 1 => Just(b'\r'), 1 => Just(b'\n'), 1 => Just(b';')];
    prop::collection::vec(byte, 0..3000)
}

fn long_max() -> impl Strategy<Value = usize> {
    prop_oneof![0usize..300, Just(64 << 10)]
}

fn long_cuts() -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec(0usize..3000, 0..24)
}

fn cuts() -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec(0usize..400, 0..24)
}

/// A length-prefix layout by number, with a maximum and a policy.
fn length_prefix(layout: u8, max: usize, skip: bool) -> LengthPrefix {
    let mut b = LengthPrefix::builder();
    match layout {
        0 => &mut b,
        1 => b.field_len(1),
        2 => b.field_len(2).little_endian(),
        3 => b.varint(),
        4 => b.field_len(2).length_field_offset(1).length_adjustment(-1),
        5 => b.field_len(3).strip(1),
        _ => b.field_len(2).length_includes_header(true),
    };
    b.max_frame_len(max).oversize(policy(skip)).build()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn lines_borrowed_equal_bytes(
        data in text(), cuts in cuts(), crlf: bool, max in 0usize..40, skip: bool,
    ) {
        let make = || Lines::builder().crlf(crlf).max_frame_len(max).oversize(policy(skip)).build();
        let (a, b, c) = same_both_ways(make, &data, &cuts);
        prop_assert_eq!((a.skipped_frames(), a.skipped_bytes()), (b.skipped_frames(), b.skipped_bytes()));
        prop_assert_eq!((a.skipped_frames(), a.skipped_bytes()), (c.skipped_frames(), c.skipped_bytes()));
        reader_same(make, &data, &cuts, 7);
    }

    #[test]
    fn delimited_borrowed_equal_bytes(
        data in text(), cuts in cuts(), set in 0usize..4, strip: bool, max in 1usize..40, skip: bool,
    ) {
        let delimiters: &[&[u8]] = match set {
            0 => &[b";"],
            1 => &[b"\r\n"],
            2 => &[b"ab", b"\n"],
            _ => &[b"x", b"y", b";", b"\n"],
        };
        let make = || {
            let mut b = Delimited::builder();
            for d in delimiters {
                b.delimiter(d);
            }
            b.strip_delimiter(strip).max_frame_len(max.max(2)).oversize(policy(skip)).build()
        };
        let (a, b, c) = same_both_ways(make, &data, &cuts);
        prop_assert_eq!((a.skipped_frames(), a.skipped_bytes()), (b.skipped_frames(), b.skipped_bytes()));
        prop_assert_eq!((a.skipped_frames(), a.skipped_bytes()), (c.skipped_frames(), c.skipped_bytes()));
        reader_same(make, &data, &cuts, 5);
    }

    #[test]
    fn long_lines_borrowed_equal_bytes(
        data in long_text(), cuts in long_cuts(), crlf: bool, max in long_max(), skip: bool,
    ) {
        let make = || Lines::builder().crlf(crlf).max_frame_len(max).oversize(policy(skip)).build();
        same_both_ways(make, &data, &cuts);
        reader_same(make, &data, &cuts, 200);
    }

    #[test]
    fn long_delimited_borrowed_equal_bytes(
        data in long_text(), cuts in long_cuts(), strip: bool, max in long_max(), skip: bool,
    ) {
        let make = || {
            Delimited::builder().delimiter(b";").strip_delimiter(strip)
                .max_frame_len(max.max(1)).oversize(policy(skip)).build()
        };
        same_both_ways(make, &data, &cuts);
        reader_same(make, &data, &cuts, 300);
    }

    #[test]
    fn fixed_borrowed_equal_bytes(
        data in prop::collection::vec(any::<u8>(), 0..200), cuts in cuts(), len in 1usize..9,
    ) {
        same_both_ways(|| FixedLength::new(len), &data, &cuts);
        reader_same(|| FixedLength::new(len), &data, &cuts, 3);
    }

    /// Frames encoded with the layout, with stray bytes spliced in now and
    /// then so that invalid and oversized headers come up too.
    #[test]
    fn length_prefix_borrowed_equal_bytes(
        layout in 0u8..7,
        frames in prop::collection::vec(
            (prop::collection::vec(any::<u8>(), 0..60), prop::option::weighted(0.1, any::<u8>())),
            0..10,
        ),
        cuts in cuts(), max in 4usize..48, skip: bool,
    ) {
        let mut encoder = length_prefix(layout, usize::MAX >> 1, false);
        let mut wire = BytesMut::new();
        for (payload, stray) in &frames {
            // An item the layout cannot carry is simply left out.
            let _ = encoder.encode(&payload[..], &mut wire);
            if let Some(b) = stray {
                wire.extend_from_slice(&[*b]);
            }
        }
        let make = || length_prefix(layout, max, skip);
        let (a, b, c) = same_both_ways(make, &wire, &cuts);
        prop_assert_eq!((a.skipped_frames(), a.skipped_bytes()), (b.skipped_frames(), b.skipped_bytes()));
        prop_assert_eq!((a.skipped_frames(), a.skipped_bytes()), (c.skipped_frames(), c.skipped_bytes()));
        reader_same(make, &wire, &cuts, 16);
    }
}

#[test]
fn a_borrowed_line_is_valid_until_the_next_call_and_the_buffer_shows_what_is_left() {
    let mut lines = FrameReader::new(&b"one\ntwo\nrest"[..], Lines::new());
    assert_eq!(lines.read_frame_slice().unwrap(), Some(&b"one"[..]));
    assert_eq!(lines.buffer(), b"two\nrest");
    // Mixing both kinds of call on one reader.
    assert_eq!(lines.read_frame().unwrap().as_deref(), Some(&b"two"[..]));
    assert_eq!(lines.buffer(), b"rest");
    match lines.read_frame_slice() {
        Err(FrameError::PartialFrame {
            pending, had: 4, ..
        }) => assert_eq!(&pending[..], b"rest"),
        other => panic!("{other:?}"),
    }
    assert_eq!(lines.read_frame_slice().unwrap(), None);
}

#[test]
fn into_parts_drops_the_frames_lent() {
    let mut frames = FrameReader::new(&b"\0\0\0\x01!tail"[..], LengthPrefix::new());
    assert_eq!(frames.read_frame_slice().unwrap(), Some(&b"!"[..]));
    let (_, _, buffered) = frames.into_parts();
    assert_eq!(&buffered[..], b"tail");
}

#[test]
fn a_skip_before_a_frame_is_consumed_with_it() {
    let mut codec = Lines::builder()
        .max_frame_len(3)
        .oversize(Oversize::Skip)
        .build();
    let src = b"toolong\nok\n";
    let found = codec.decode_slice(src, false);
    assert_eq!(found.result.unwrap(), Some(8..10));
    assert_eq!(found.consumed, 11);
    assert_eq!((codec.skipped_frames(), codec.skipped_bytes()), (1, 8));
}

#[test]
fn an_oversized_line_is_reported_with_the_bytes_it_dropped() {
    let mut codec = Lines::builder().max_frame_len(3).build();
    let found = codec.decode_slice(b"toolong\nok\n", false);
    assert!(matches!(
        found.result,
        Err(FrameError::FrameTooLarge {
            len: 7,
            max: 3,
            recoverable: true
        })
    ));
    assert_eq!(found.consumed, 8);
}

#[test]
fn a_length_prefix_waits_for_the_body_and_consumes_nothing() {
    let mut codec = LengthPrefix::new();
    let found = codec.decode_slice(b"\0\0\0\x05hel", false);
    assert_eq!((found.consumed, found.result.unwrap()), (0, None));
    let found = codec.decode_slice(b"\0\0\0\x05hello", false);
    assert_eq!((found.consumed, found.result.unwrap()), (9, Some(4..9)));
}

#[test]
fn a_caller_that_shrinks_the_buffer_gets_no_panic() {
    // Breaking the contract (a shorter buffer than the last one left) may
    // give wrong frames, but every range stays inside the buffer given:
    // line endings held from an earlier search lie past its end.
    let mut codec = Lines::new();
    let first = b"a\n".repeat(100);
    let found = codec.decode_slice(&first, false);
    assert_eq!(found.result.unwrap(), Some(0..1));
    for shorter in [&b"xyz"[..], b"", b"q\n", b"tail"] {
        let found = codec.decode_slice(shorter, false);
        assert!(found.consumed <= shorter.len());
        if let Some(frame) = found.result.unwrap() {
            assert!(frame.end <= found.consumed);
        }
    }
}
