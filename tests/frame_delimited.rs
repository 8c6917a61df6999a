//! `Delimited`: chunking never changes the frames (against a naive model),
//! encode/decode round trips, oversize policies, linear work on adversarial
//! input, bounded memory while discarding, and real loopback sockets.

mod util;

use std::io::Write;
use std::thread;

use bytes::{Bytes, BytesMut};
use proptest::prelude::*;
use rionet::frame::{Decoder, Delimited, Encoder, FrameError, Oversize};
use util::{
    Event, assert_events_match, decode_in_pieces, decode_reader, encode_both_ways, encode_frames,
    events, every_byte, naive_delimited, tokio_decode_in_pieces,
};

/// Delimiter sets that exercise every search strategy: one byte (`memchr`),
/// two and three bytes (`memchr2/3`), four bytes (table), one multi-byte
/// delimiter (`memmem`, self-overlapping), and mixed sets where the earliest
/// match and the longest-on-a-tie rule both matter.
const DELIMITER_SETS: &[&[&[u8]]] = &[
    &[b"\n"],
    &[b";", b"\n"],
    &[b",", b";", b"\n"],
    &[b",", b";", b"\n", b"|"],
    &[b"\r\n"],
    &[b"aab"],
    &[b"abab"],
    &[b"\r\n", b"\n", b";"],
    &[b"abab", b"ab", b"b"],
    &[b"ba", b"aab", b"x;"],
];

/// Bytes the generated streams are made of: every delimiter byte, and `x`.
const ALPHABET: &[u8] = b"ab;,|\r\nx";

fn codec(delimiters: &[&[u8]], strip: bool, max: usize, skip: bool) -> Delimited {
    let mut builder = Delimited::builder();
    for d in delimiters {
        builder.delimiter(d);
    }
    builder
        .strip_delimiter(strip)
        .max_frame_len(max)
        .oversize(if skip {
            Oversize::Skip
        } else {
            Oversize::Error
        })
        .build()
}

fn stream() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(prop::sample::select(ALPHABET), 0..120)
}

fn cuts() -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec(0usize..130, 0..12)
}

/// One to three distinct delimiters of one to five bytes over `abc`, the
/// longest first (the encoder's delimiter may not be a prefix of another):
/// random overlaps, prefixes and ties the fixed sets may miss.
fn random_delimiters() -> impl Strategy<Value = Vec<Vec<u8>>> {
    prop::collection::vec(
        prop::collection::vec(prop::sample::select(&b"abc"[..]), 1..=5),
        1..=3,
    )
    .prop_map(|mut set| {
        set.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
        set.dedup();
        set
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Any stream, cut anywhere (and one byte at a time), decodes to what
    /// the naive model says, for every delimiter set, strip/keep, maximum
    /// and oversize policy.
    #[test]
    fn chunking_never_changes_the_frames(
        set in 0..DELIMITER_SETS.len(),
        data in stream(),
        cuts in cuts(),
        strip: bool,
        skip: bool,
        max in prop_oneof![0usize..12, Just(usize::MAX)],
    ) {
        let delimiters = DELIMITER_SETS[set];
        // `build` refuses a kept delimiter longer than the maximum.
        prop_assume!(strip || max >= delimiters[0].len());
        let model = naive_delimited(&data, delimiters, strip, max, skip);
        for cuts in [cuts, every_byte(&data), Vec::new()] {
            let actual = events(decode_in_pieces(&mut codec(delimiters, strip, max, skip), &data, &cuts));
            assert_events_match(&actual, &model, max);
        }
    }

    /// Any frames the encoder accepts, cut anywhere, decode back to
    /// themselves (followed by the first delimiter in keep mode); a refused
    /// frame leaves the output untouched.
    #[test]
    fn encoded_frames_decode_back(
        set in 0..DELIMITER_SETS.len(),
        frames in prop::collection::vec(prop::collection::vec(prop::sample::select(ALPHABET), 0..10), 0..20),
        cuts in cuts(),
        strip: bool,
    ) {
        let delimiters = DELIMITER_SETS[set];
        let mut codec = codec(delimiters, strip, 64, false);
        let util::Encoded { wire, accepted, .. } = encode_frames(&mut codec, &frames);
        let sent: Vec<Event> = accepted
            .into_iter()
            .map(|mut frame| {
                if !strip {
                    frame.extend_from_slice(delimiters[0]);
                }
                Event::Frame(frame)
            })
            .collect();
        for cuts in [cuts, every_byte(&wire)] {
            let actual = events(decode_in_pieces(&mut codec.clone(), &wire, &cuts));
            prop_assert_eq!(&actual, &sent);
        }
    }

    /// A payload made of bytes that appear in no delimiter is always accepted.
    #[test]
    fn payloads_without_delimiter_bytes_are_accepted(
        set in 0..DELIMITER_SETS.len(),
        frame in prop::collection::vec(prop::sample::select(&b"xyz0123"[..]), 0..64),
    ) {
        let delimiters = DELIMITER_SETS[set];
        let mut codec = codec(delimiters, true, 64, false);
        let mut wire = BytesMut::new();
        codec.encode(Bytes::from(frame.clone()), &mut wire).unwrap();
        prop_assert_eq!(codec.decode(&mut wire).unwrap(), Some(Bytes::from(frame)));
    }

    /// Random delimiter sets: decoding matches the naive model however the
    /// stream is cut, and accepted frames decode back.
    #[test]
    fn random_delimiter_sets_match_the_model(
        set in random_delimiters(),
        data in prop::collection::vec(prop::sample::select(&b"abcx"[..]), 0..80),
        frames in prop::collection::vec(prop::collection::vec(prop::sample::select(&b"abcx"[..]), 0..8), 0..10),
        cuts in cuts(),
        strip: bool,
        skip: bool,
        max in prop_oneof![0usize..10, Just(usize::MAX)],
    ) {
        let delimiters: Vec<&[u8]> = set.iter().map(Vec::as_slice).collect();
        prop_assume!(strip || max >= delimiters[0].len());
        let model = naive_delimited(&data, &delimiters, strip, max, skip);
        for cuts in [cuts.clone(), every_byte(&data), Vec::new()] {
            let actual = events(decode_in_pieces(&mut codec(&delimiters, strip, max, skip), &data, &cuts));
            assert_events_match(&actual, &model, max);
        }
        let mut codec = codec(&delimiters, true, 64, false);
        let util::Encoded { wire, accepted, .. } = encode_frames(&mut codec, &frames);
        let sent: Vec<Event> = accepted.into_iter().map(Event::Frame).collect();
        for cuts in [cuts, every_byte(&wire)] {
            let actual = events(decode_in_pieces(&mut codec.clone(), &wire, &cuts));
            prop_assert_eq!(&actual, &sent);
        }
    }
}

/// Any set of one to four delimiters of one to four bytes over a two-letter
/// alphabet, so delimiters overlap themselves and one another and prefix one
/// another; reordered so that the first, which the encoder writes, is no
/// proper prefix of another (`build` refuses that).
fn delimiter_set() -> impl Strategy<Value = Vec<Vec<u8>>> {
    let delimiter = prop::collection::vec(prop::sample::select(&b"ab"[..]), 1..5);
    prop::collection::vec(delimiter, 1..5).prop_map(|mut set| {
        while let Some(longer) = set
            .iter()
            .position(|d| d.len() > set[0].len() && d.starts_with(&set[0]))
        {
            set.swap(0, longer);
        }
        set
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    /// `encode_parts` accepts and refuses exactly what `encode` does, with
    /// the same error (same offset), and splits an accepted frame into
    /// bytes that join up to what `encode` writes: for the fixed delimiter
    /// sets above, and as often for random ones.
    #[test]
    fn encode_parts_matches_encode(
        random in delimiter_set(),
        set in 0..2 * DELIMITER_SETS.len(),
        payload in prop::collection::vec(prop::sample::select(ALPHABET), 0..24),
        ab_payload in prop::collection::vec(prop::sample::select(&b"aab"[..]), 0..12),
        max in prop_oneof![0usize..24, Just(usize::MAX)],
    ) {
        let (delimiters, payload): (Vec<&[u8]>, _) = match DELIMITER_SETS.get(set) {
            Some(fixed) => (fixed.to_vec(), payload),
            None => (random.iter().map(Vec::as_slice).collect(), ab_payload),
        };
        let codec = codec(&delimiters, true, max, false);
        let (whole, parts) = encode_both_ways(&codec, &payload[..]);
        prop_assert_eq!(&whole, &parts);
        let (whole, parts) = encode_both_ways(&codec, Bytes::from(payload));
        prop_assert_eq!(&whole, &parts);
    }
}

proptest! {
    /// Same bytes, same chunks: rionet `Delimited` with single-byte
    /// delimiters and tokio-util `AnyDelimiterCodec` give the same frames
    /// and report over-long frames at the same places. They differ at the
    /// end of the stream: tokio-util returns the bytes after the last
    /// delimiter as a frame, rionet reports them as `PartialFrame`.
    #[test]
    fn same_frames_as_tokio_util_any_delimiter(
        data in prop::collection::vec(prop::sample::select(&b"ab,;\n"[..]), 0..120),
        cuts in cuts(),
        max in prop_oneof![1usize..12, Just(usize::MAX)],
    ) {
        let ours = events(decode_in_pieces(&mut codec(&[b",", b";", b"\n"], true, max, false), &data, &cuts));
        let ours: Vec<Event> = ours
            .into_iter()
            .map(|e| match e {
                Event::TooLarge(_) => Event::TooLarge(0),
                Event::Partial(rest) => Event::Frame(rest),
                e => e,
            })
            .collect();
        let mut theirs = tokio_util::codec::AnyDelimiterCodec::new_with_max_length(b",;\n".to_vec(), b",".to_vec(), max);
        prop_assert_eq!(ours, tokio_decode_in_pieces(&mut theirs, &data, &cuts));
    }
}

#[test]
fn earliest_match_wins_then_longest_on_a_tie() {
    let mut codec = Delimited::builder()
        .delimiter(b"\r\n")
        .delimiter(b"\r")
        .delimiter(b"\n")
        .build();
    let mut buf = BytesMut::from(&b"a\r\nb\rc\nd\r"[..]);
    assert_eq!(codec.decode(&mut buf).unwrap().unwrap(), &b"a"[..]);
    assert_eq!(codec.decode(&mut buf).unwrap().unwrap(), &b"b"[..]);
    assert_eq!(codec.decode(&mut buf).unwrap().unwrap(), &b"c"[..]);
    // "d\r" may be "d" + "\r\n": the decoder waits for the next byte...
    assert_eq!(codec.decode(&mut buf).unwrap(), None);
    buf.extend_from_slice(b"\ne\r");
    assert_eq!(codec.decode(&mut buf).unwrap().unwrap(), &b"d"[..]);
    // ...or for the end of the stream, which settles it.
    assert_eq!(codec.decode(&mut buf).unwrap(), None);
    assert_eq!(codec.decode_eof(&mut buf).unwrap().unwrap(), &b"e"[..]);
    assert_eq!(codec.decode_eof(&mut buf).unwrap(), None);
}

#[test]
fn keep_mode_keeps_the_delimiter_that_matched() {
    let mut codec = Delimited::builder()
        .delimiter(b"\r\n")
        .delimiter(b"\n")
        .strip_delimiter(false)
        .build();
    let mut buf = BytesMut::from(&b"a\nb\r\n"[..]);
    assert_eq!(codec.decode(&mut buf).unwrap().unwrap(), &b"a\n"[..]);
    assert_eq!(codec.decode(&mut buf).unwrap().unwrap(), &b"b\r\n"[..]);
}

#[test]
fn encoder_refuses_what_would_not_decode_back_and_writes_nothing() {
    let mut codec = Delimited::builder()
        .delimiter(b"abab")
        .max_frame_len(8)
        .build();
    let mut out = BytesMut::from(&b"prev"[..]);
    // "xab" + "abab" = "xababab": the decoder would stop at offset 1.
    assert!(matches!(
        codec.encode(&b"xab"[..], &mut out),
        Err(FrameError::DelimiterInFrame { offset: 1, len: 3 })
    ));
    assert!(matches!(
        codec.encode(&b"abab"[..], &mut out),
        Err(FrameError::DelimiterInFrame { offset: 0, len: 4 })
    ));
    assert!(matches!(
        codec.encode(&b"123456789"[..], &mut out),
        Err(FrameError::FrameTooLarge { len: 9, max: 8, .. })
    ));
    assert_eq!(&out[..], b"prev");
    codec.encode(&b"xa"[..], &mut out).unwrap();
    assert_eq!(&out[..], b"prevxaabab");
    let err = codec.encode(&b"abab"[..], &mut out).unwrap_err();
    assert_eq!(
        err.to_string(),
        "frame of 4 bytes contains a delimiter at offset 0"
    );
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
}

#[test]
#[should_panic(expected = "prefix of another delimiter")]
fn first_delimiter_may_not_be_a_prefix_of_another() {
    Delimited::builder()
        .delimiter(b"\r")
        .delimiter(b"\r\n")
        .build();
}

#[test]
#[should_panic(expected = "cannot fit under the maximum frame length")]
fn a_kept_delimiter_longer_than_the_maximum_is_a_programming_error() {
    Delimited::builder()
        .delimiter(b"\r\n")
        .strip_delimiter(false)
        .max_frame_len(1)
        .build();
}

#[test]
#[should_panic(expected = "at least one delimiter")]
fn a_delimiter_is_required() {
    Delimited::builder().build();
}

#[test]
#[should_panic(expected = "cannot be empty")]
fn an_empty_delimiter_is_refused() {
    Delimited::new(b"");
}

#[test]
fn error_policy_reports_once_then_resynchronises() {
    let mut codec = Delimited::builder()
        .delimiter(b"\r\n")
        .max_frame_len(4)
        .build();
    let mut buf = BytesMut::from(&b"ok\r\n0123456"[..]);
    assert_eq!(codec.decode(&mut buf).unwrap().unwrap(), &b"ok"[..]);
    // Known to be over as soon as no delimiter can start at offset <= 4.
    match codec.decode(&mut buf) {
        Err(FrameError::FrameTooLarge { len, max: 4, .. }) => {
            assert!((5..=7).contains(&len), "{len}")
        }
        other => panic!("{other:?}"),
    }
    buf.extend_from_slice(b"789\r");
    assert_eq!(codec.decode(&mut buf).unwrap(), None);
    assert!(
        buf.len() <= 1,
        "only a possible delimiter start stays buffered"
    );
    buf.extend_from_slice(b"\nnext\r\n");
    assert_eq!(codec.decode(&mut buf).unwrap().unwrap(), &b"next"[..]);
}

#[test]
fn skip_policy_skips_without_an_error_and_counts_then_resynchronises() {
    let mut codec = Delimited::builder()
        .delimiter(b"END")
        .max_frame_len(4)
        .oversize(Oversize::Skip)
        .build();
    let mut buf = BytesMut::new();
    let mut outcomes = Vec::new();
    for &b in b"aEND0123456789EN".iter().chain(b"ENDbEND") {
        buf.extend_from_slice(&[b]);
        while let Some(outcome) = codec.decode(&mut buf).transpose() {
            outcomes.push(outcome);
        }
    }
    let outcomes = events(outcomes);
    assert_eq!(
        outcomes,
        [Event::Frame(b"a".to_vec()), Event::Frame(b"b".to_vec())]
    );
    // "0123456789EN" (12 bytes) and its delimiter.
    assert_eq!((codec.skipped_frames(), codec.skipped_bytes()), (1, 15));
}

#[test]
fn oversized_frame_cut_by_the_end_of_the_stream() {
    for (skip, expected) in [(true, &[][..]), (false, &[Event::TooLarge(10)][..])] {
        let mut codec = codec(&[b";"], true, 4, skip);
        let actual = events(decode_in_pieces(&mut codec, b"0123456789", &[]));
        assert_eq!(actual, expected);
        assert_eq!(codec.skipped_frames(), u64::from(skip));
    }
}

#[test]
fn bytes_examined_stay_linear_over_a_frame_fed_one_byte_at_a_time() {
    // 10 MiB lines are checked in frame_lines.rs; 1 MiB keeps this fast.
    const LEN: usize = 1 << 20;
    // Delimiters whose prefixes keep matching: "ENDEND..." never completes
    // "END!" but keeps a partial match open at every byte.
    for delimiters in [&[&b"END!"[..]][..], &[b"END!", b"\n\n"]] {
        let mut codec = codec(delimiters, true, LEN, false);
        let mut buf = BytesMut::with_capacity(LEN + 8);
        let pattern = b"END";
        for i in 0..LEN {
            buf.extend_from_slice(&[pattern[i % 3]]);
            assert_eq!(codec.decode(&mut buf).unwrap(), None);
        }
        buf.extend_from_slice(b"END!");
        let frame = codec.decode(&mut buf).unwrap().unwrap();
        assert_eq!(frame.len(), LEN);
        let examined = codec.bytes_examined();
        // Each byte once, plus a rescan of a possible delimiter start (at
        // most 4 * 4 bytes here) per call: a constant factor, not LEN^2 / 2.
        assert!(
            examined <= 16 * LEN as u64,
            "{examined} bytes examined for {LEN}"
        );
    }
}

#[test]
fn a_rare_delimiter_does_not_make_each_frame_rescan_the_buffer() {
    // Many short frames ended by the second delimiter, the first never
    // seen: each frame must not search the whole buffer for the rare one.
    let data = b"abc\n\n".repeat(200_000);
    let mut codec = codec(&[b"\r\n\r\n", b"\n\n"], true, 64 << 10, false);
    let cuts: Vec<usize> = (1..data.len() / (64 << 10) + 1)
        .map(|i| i * (64 << 10))
        .collect();
    let frames = decode_in_pieces(&mut codec, &data, &cuts);
    assert_eq!(frames.len(), 200_000);
    let examined = codec.bytes_examined();
    assert!(
        examined <= 4 * data.len() as u64,
        "{examined} bytes examined for {}",
        data.len()
    );
}

#[test]
fn memory_stays_bounded_while_discarding() {
    const MAX: usize = 1024;
    for skip in [false, true] {
        let mut codec = codec(&[b"\r\n\r\n"], true, MAX, skip);
        let mut buf = BytesMut::new();
        let mut reports = 0;
        for i in 0..(1 << 20) {
            buf.extend_from_slice(if i % 2 == 0 { b"\r\n" } else { b"x" });
            match codec.decode(&mut buf) {
                Ok(None) => {}
                Err(FrameError::FrameTooLarge { .. }) if !skip => reports += 1,
                other => panic!("{other:?}"),
            }
            assert!(buf.len() <= MAX + 4, "{} bytes buffered", buf.len());
            assert!(
                buf.capacity() <= 4 * MAX,
                "{} bytes of capacity",
                buf.capacity()
            );
        }
        buf.extend_from_slice(b"\r\n\r\nafter\r\n\r\n");
        let mut outcomes = Vec::new();
        while let Some(outcome) = codec.decode(&mut buf).transpose() {
            outcomes.push(outcome);
        }
        let outcomes = events(outcomes);
        if skip {
            assert_eq!(outcomes.len(), 1, "{outcomes:?}");
            assert_eq!(codec.skipped_frames(), 1);
            // 3 << 19 bytes of frame and its 4-byte delimiter.
            assert_eq!(codec.skipped_bytes(), (3 << 19) + 4);
        } else {
            assert_eq!(reports, 1);
            assert_eq!(outcomes.len(), 1, "{outcomes:?}");
        }
        assert_eq!(outcomes.last(), Some(&Event::Frame(b"after".to_vec())));
    }
}

#[test]
fn sockets_many_frames_in_one_write() {
    let (mut client, mut server) = util::tcp_pair();
    let mut codec = Delimited::new(b"\r\n");
    let mut wire = BytesMut::new();
    for i in 0..2000 {
        codec
            .encode(Bytes::from(format!("frame {i}")), &mut wire)
            .unwrap();
    }
    let writer = thread::spawn(move || client.write_all(&wire).unwrap());
    let frames = decode_reader(&mut codec, &mut server, 4096);
    writer.join().unwrap();
    assert_eq!(frames.len(), 2000);
    for (i, frame) in frames.into_iter().enumerate() {
        assert_eq!(frame.unwrap(), format!("frame {i}").as_bytes());
    }
}

#[test]
fn sockets_one_frame_in_many_writes() {
    let (mut client, mut server) = util::tcp_pair();
    client.set_nodelay(true).unwrap();
    let payload: Vec<u8> = (0..200_000u32)
        .map(|i| b"abcdefgh"[i as usize % 8])
        .collect();
    let mut codec = Delimited::builder()
        .delimiter(b"\0\0")
        .max_frame_len(1 << 20)
        .build();
    let mut wire = BytesMut::new();
    codec.encode(&payload[..], &mut wire).unwrap();
    let writer = thread::spawn(move || {
        for piece in wire.chunks(997) {
            client.write_all(piece).unwrap();
        }
    });
    let frames = decode_reader(&mut codec, &mut server, 1500);
    writer.join().unwrap();
    assert_eq!(frames.len(), 1);
    assert_eq!(frames[0].as_ref().unwrap(), &payload[..]);
}

#[test]
fn sockets_peer_closing_mid_frame() {
    let (mut client, mut server) = util::tcp_pair();
    let writer = thread::spawn(move || {
        client.write_all(b"one;two;thr").unwrap();
        // Dropping the socket closes it: the reader sees the end of stream.
    });
    writer.join().unwrap();
    let outcomes = events(decode_reader(&mut Delimited::new(b";"), &mut server, 4096));
    assert_eq!(
        outcomes,
        [
            Event::Frame(b"one".to_vec()),
            Event::Frame(b"two".to_vec()),
            Event::Partial(b"thr".to_vec())
        ]
    );
}
