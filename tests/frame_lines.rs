//! `Lines`: chunking never changes the lines (against a naive model and
//! against `Delimited`), round trips, tokio-util `LinesCodec` compatibility,
//! a 10 MiB line fed one byte at a time, and loopback sockets.

mod util;

use std::io::Write;
use std::thread;

use bytes::{Bytes, BytesMut};
use proptest::prelude::*;
use rionet::frame::{Decoder, Delimited, Encoder, FrameError, Lines, Oversize};
use util::{
    Event, assert_events_match, decode_in_pieces, decode_reader, encode_both_ways, encode_frames,
    events, every_byte, naive_delimited, tokio_decode_in_pieces,
};

fn lines(crlf: bool, max: usize, skip: bool) -> Lines {
    Lines::builder()
        .crlf(crlf)
        .max_frame_len(max)
        .oversize(if skip {
            Oversize::Skip
        } else {
            Oversize::Error
        })
        .build()
}

/// The line endings of each mode, as a delimiter set: "\r\n" wins over the
/// "\n" inside it because it starts earlier.
fn endings(crlf: bool) -> &'static [&'static [u8]] {
    if crlf { &[b"\r\n"] } else { &[b"\r\n", b"\n"] }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Any stream, cut anywhere (and one byte at a time), decodes as the
    /// naive model says, and as `Delimited` with the same line endings.
    #[test]
    fn chunking_never_changes_the_lines(
        data in prop::collection::vec(prop::sample::select(&b"a\r\nx"[..]), 0..120),
        cuts in prop::collection::vec(0usize..130, 0..12),
        crlf: bool,
        skip: bool,
        max in prop_oneof![0usize..12, Just(usize::MAX)],
    ) {
        let model = naive_delimited(&data, endings(crlf), true, max, skip);
        for cuts in [cuts, every_byte(&data), Vec::new()] {
            let actual = events(decode_in_pieces(&mut lines(crlf, max, skip), &data, &cuts));
            assert_events_match(&actual, &model, max);
        }
        let mut delimited = Delimited::builder();
        for ending in endings(crlf) {
            delimited.delimiter(ending);
        }
        let delimited = delimited
            .max_frame_len(max)
            .oversize(if skip { Oversize::Skip } else { Oversize::Error })
            .build();
        let actual = events(decode_in_pieces(&mut delimited.clone(), &data, &[]));
        assert_events_match(&actual, &model, max);
    }

    /// Lines the encoder accepts decode back, cut anywhere; refused lines
    /// (a line ending inside, or a trailing '\r' in the default mode) leave
    /// the output untouched.
    #[test]
    fn encoded_lines_decode_back(
        frames in prop::collection::vec(prop::collection::vec(prop::sample::select(&b"a\r\nx"[..]), 0..10), 0..20),
        cuts in prop::collection::vec(0usize..200, 0..12),
        crlf: bool,
    ) {
        let mut codec = lines(crlf, 64, false);
        let util::Encoded { wire, accepted, refused } = encode_frames(&mut codec, &frames);
        for (frame, _) in refused {
            let ending_inside = if crlf {
                frame.windows(2).any(|w| w == b"\r\n")
            } else {
                frame.contains(&b'\n') || frame.last() == Some(&b'\r')
            };
            prop_assert!(ending_inside, "refused {:?}", frame);
        }
        let sent: Vec<Event> = accepted.into_iter().map(Event::Frame).collect();
        for cuts in [cuts, every_byte(&wire)] {
            let actual = events(decode_in_pieces(&mut codec.clone(), &wire, &cuts));
            prop_assert_eq!(&actual, &sent);
        }
    }

    /// `encode_parts` accepts and refuses exactly what `encode` does, with
    /// the same error, and its parts join up to what `encode` writes: lines
    /// ending in '\r' (refused by default, accepted in CRLF mode), holding
    /// '\n' or "\r\n", or over the maximum.
    #[test]
    fn encode_parts_matches_encode(
        line in prop::collection::vec(prop::sample::select(&b"a\r\nx"[..]), 0..16),
        crlf: bool,
        max in prop_oneof![0usize..16, Just(usize::MAX)],
    ) {
        let codec = lines(crlf, max, false);
        let (whole, parts) = encode_both_ways(&codec, &line[..]);
        prop_assert_eq!(&whole, &parts);
        if let Ok(text) = std::str::from_utf8(&line) {
            let (whole, parts) = encode_both_ways(&codec, text);
            prop_assert_eq!(&whole, &parts);
        }
        let (whole, parts) = encode_both_ways(&codec, Bytes::from(line));
        prop_assert_eq!(&whole, &parts);
    }

    /// Same bytes, same chunks: rionet `Lines` and tokio-util `LinesCodec`
    /// give the same lines, and report over-long lines at the same places
    /// (with "\n" endings; tokio-util counts a '\r' before "\n" against the
    /// maximum, rionet does not). They differ on an unterminated last line:
    /// tokio-util returns it (minus one trailing '\r'), rionet reports
    /// `PartialFrame` with its raw bytes.
    #[test]
    fn same_lines_as_tokio_util(
        body in prop::collection::vec(
            (prop::collection::vec(prop::sample::select(&b"ab \rxyz"[..]), 0..20), prop::bool::ANY),
            0..12,
        ),
        tail in prop::collection::vec(prop::sample::select(&b"ab\r"[..]), 0..6),
        cuts in prop::collection::vec(0usize..300, 0..12),
        max in prop_oneof![1usize..16, Just(usize::MAX)],
    ) {
        let mut data = Vec::new();
        for (line, crlf) in &body {
            if max == usize::MAX {
                data.extend_from_slice(line);
            } else {
                // tokio-util counts a '\r' before "\n" against the maximum.
                data.extend(line.iter().filter(|&&b| b != b'\r'));
            }
            data.extend_from_slice(if *crlf && max == usize::MAX { b"\r\n" } else { b"\n" });
        }
        data.extend_from_slice(&tail);
        let ours = events(decode_in_pieces(&mut lines(false, max, false), &data, &cuts));
        let theirs = tokio_decode_in_pieces(&mut tokio_util::codec::LinesCodec::new_with_max_length(max), &data, &cuts);
        let (ours_last, theirs_last) = match (ours.last(), theirs.last()) {
            (Some(Event::Partial(pending)), _) => {
                let mut stripped = pending.clone();
                if stripped.last() == Some(&b'\r') {
                    stripped.pop();
                }
                let theirs_tail = if pending == b"\r" { 0 } else { 1 };
                if theirs_tail == 1 {
                    prop_assert_eq!(theirs.last(), Some(&Event::Frame(stripped)));
                }
                (ours.len() - 1, theirs.len() - theirs_tail)
            }
            _ => (ours.len(), theirs.len()),
        };
        let normalise = |events: &[Event]| -> Vec<Event> {
            events.iter().map(|e| match e { Event::TooLarge(_) => Event::TooLarge(0), e => e.clone() }).collect()
        };
        prop_assert_eq!(normalise(&ours[..ours_last]), normalise(&theirs[..theirs_last]));
    }
}

#[test]
fn strips_one_carriage_return_only() {
    let mut codec = Lines::new();
    let mut buf = BytesMut::from(&b"a\r\r\nb\rc\n\n"[..]);
    assert_eq!(codec.decode(&mut buf).unwrap().unwrap(), &b"a\r"[..]);
    assert_eq!(codec.decode(&mut buf).unwrap().unwrap(), &b"b\rc"[..]);
    assert_eq!(codec.decode(&mut buf).unwrap().unwrap(), &b""[..]);
    assert_eq!(codec.decode(&mut buf).unwrap(), None);
}

#[test]
fn crlf_mode_keeps_bare_line_feeds() {
    let mut codec = Lines::crlf();
    let mut buf = BytesMut::from(&b"a\nb\r"[..]);
    assert_eq!(codec.decode(&mut buf).unwrap(), None);
    buf.extend_from_slice(b"\n\n\r\n");
    assert_eq!(codec.decode(&mut buf).unwrap().unwrap(), &b"a\nb"[..]);
    assert_eq!(codec.decode(&mut buf).unwrap().unwrap(), &b"\n"[..]);
}

#[test]
fn maximum_excludes_the_line_ending() {
    let mut codec = lines(false, 3, false);
    let mut buf = BytesMut::from(&b"abc\r\nabc\nabcd\nok\n"[..]);
    assert_eq!(codec.decode(&mut buf).unwrap().unwrap(), &b"abc"[..]);
    assert_eq!(codec.decode(&mut buf).unwrap().unwrap(), &b"abc"[..]);
    assert!(matches!(
        codec.decode(&mut buf),
        Err(FrameError::FrameTooLarge { len: 4, max: 3, .. })
    ));
    assert_eq!(codec.decode(&mut buf).unwrap().unwrap(), &b"ok"[..]);
}

#[test]
fn encoder_writes_the_mode_line_ending_and_refuses_ambiguous_lines() {
    let mut out = BytesMut::new();
    Lines::new().encode("plain", &mut out).unwrap();
    Lines::crlf()
        .encode(Bytes::from_static(b"crlf"), &mut out)
        .unwrap();
    Lines::crlf().encode(&b"bare\nlf"[..], &mut out).unwrap();
    assert_eq!(&out[..], b"plain\ncrlf\r\nbare\nlf\r\n");
    let before = out.clone();
    assert!(matches!(
        Lines::new().encode("two\nlines", &mut out),
        Err(FrameError::DelimiterInFrame { offset: 3, len: 9 })
    ));
    assert!(matches!(
        Lines::new().encode("cr\r", &mut out),
        Err(FrameError::DelimiterInFrame { offset: 2, len: 3 })
    ));
    assert!(matches!(
        Lines::crlf().encode("a\r\nb", &mut out),
        Err(FrameError::DelimiterInFrame { offset: 1, len: 4 })
    ));
    assert!(matches!(
        lines(false, 2, false).encode("abc", &mut out),
        Err(FrameError::FrameTooLarge { len: 3, max: 2, .. })
    ));
    assert_eq!(out, before);
}

#[test]
fn lines_are_raw_bytes_and_callers_validate_utf8() {
    let mut codec = Lines::new();
    let mut buf = BytesMut::from(&b"caf\xc3\xa9\n\xff\xfe\n"[..]);
    let good = codec.decode(&mut buf).unwrap().unwrap();
    assert_eq!(std::str::from_utf8(&good).unwrap(), "café");
    let bad = codec.decode(&mut buf).unwrap().unwrap();
    assert!(std::str::from_utf8(&bad).is_err());
}

#[test]
fn a_10_mib_line_fed_one_byte_at_a_time_decodes_in_linear_work() {
    const LEN: usize = 10 << 20;
    let mut codec = lines(false, 16 << 20, false);
    let mut buf = BytesMut::with_capacity(LEN + 2);
    for i in 0..LEN {
        // A '\r' every other byte keeps a possible "\r\n" open.
        buf.extend_from_slice(if i % 2 == 0 { b"\r" } else { b"x" });
        assert_eq!(codec.decode(&mut buf).unwrap(), None);
    }
    buf.extend_from_slice(b"\n");
    assert_eq!(codec.decode(&mut buf).unwrap().unwrap().len(), LEN);
    let examined = codec.bytes_examined();
    assert!(
        examined <= 2 * LEN as u64 + 2,
        "{examined} bytes examined for a {LEN}-byte line"
    );
}

#[test]
fn a_10_mib_line_over_the_maximum_is_rejected_in_bounded_memory() {
    const LEN: usize = 10 << 20;
    for skip in [false, true] {
        let mut codec = lines(false, 64 << 10, skip);
        let mut buf = BytesMut::new();
        let mut too_large = 0;
        let chunk = [b'x'; 4096];
        for _ in 0..LEN / chunk.len() {
            buf.extend_from_slice(&chunk);
            match codec.decode(&mut buf) {
                Ok(None) => {}
                Err(FrameError::FrameTooLarge { len, max, .. }) if !skip => {
                    assert!(len > max as u64);
                    too_large += 1;
                }
                other => panic!("{other:?}"),
            }
            assert!(
                buf.len() <= (64 << 10) + chunk.len(),
                "{} bytes buffered",
                buf.len()
            );
            assert!(
                buf.capacity() <= 4 * (64 << 10),
                "{} bytes of capacity",
                buf.capacity()
            );
        }
        let examined = codec.bytes_examined();
        assert!(
            examined <= LEN as u64 + 2,
            "{examined} bytes examined for {LEN}"
        );
        buf.extend_from_slice(b"\r\nnext\n");
        let outcomes = events(decode_in_pieces(&mut codec, &buf.split(), &[]));
        if skip {
            assert_eq!(outcomes, [Event::Frame(b"next".to_vec())]);
            assert_eq!(codec.skipped_frames(), 1);
            assert_eq!(
                codec.skipped_bytes(),
                LEN as u64 + 2,
                "the line and its \\r\\n"
            );
        } else {
            assert_eq!(too_large, 1);
            assert_eq!(outcomes, [Event::Frame(b"next".to_vec())]);
        }
    }
}

#[test]
fn sockets_many_lines_in_one_write_and_peer_closing_mid_line() {
    let (mut client, mut server) = util::tcp_pair();
    let mut wire = BytesMut::new();
    let mut codec = Lines::crlf();
    for i in 0..5000 {
        codec
            .encode(format!("line {i}").as_str(), &mut wire)
            .unwrap();
    }
    wire.extend_from_slice(b"cut sho");
    let writer = thread::spawn(move || client.write_all(&wire).unwrap());
    let outcomes = events(decode_reader(&mut codec, &mut server, 8192));
    writer.join().unwrap();
    assert_eq!(outcomes.len(), 5001);
    for (i, event) in outcomes[..5000].iter().enumerate() {
        assert_eq!(event, &Event::Frame(format!("line {i}").into_bytes()));
    }
    assert_eq!(outcomes[5000], Event::Partial(b"cut sho".to_vec()));
}

#[test]
fn sockets_one_line_in_many_writes() {
    let (mut client, mut server) = util::tcp_pair();
    client.set_nodelay(true).unwrap();
    let writer = thread::spawn(move || {
        for piece in [&b"GET / HT"[..], b"TP/1.0\r", b"\nHost: a", b"\r\n\r\n"] {
            client.write_all(piece).unwrap();
        }
    });
    let outcomes = events(decode_reader(&mut Lines::crlf(), &mut server, 3));
    writer.join().unwrap();
    let expected: [&[u8]; 3] = [b"GET / HTTP/1.0", b"Host: a", b""];
    assert_eq!(outcomes, expected.map(|l| Event::Frame(l.to_vec())));
}
