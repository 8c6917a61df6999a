//! `LengthPrefix`: round trips against a naive model for every setting,
//! arbitrary splits, adversarial headers, the oversize policies, encoder
//! errors.

use bytes::{Bytes, BytesMut};
use proptest::prelude::*;
use rionet::frame::{Decoder, Encoder, FrameError, LengthPrefix, Oversize};

/// One layout, described independently of the crate's builder.
#[derive(Debug, Clone, Copy)]
struct Spec {
    /// `None`: varint; `Some((width, little_endian))`: fixed.
    fixed: Option<(usize, bool)>,
    offset: usize,
    adjustment: isize,
    /// `None`: strip the whole header.
    strip: Option<usize>,
    includes_header: bool,
}

impl Spec {
    const fn fixed(width: usize) -> Spec {
        Spec {
            fixed: Some((width, false)),
            offset: 0,
            adjustment: 0,
            strip: None,
            includes_header: false,
        }
    }

    const fn varint() -> Spec {
        Spec {
            fixed: None,
            ..Spec::fixed(4)
        }
    }

    fn codec(&self) -> LengthPrefix {
        self.builder().build()
    }

    fn builder(&self) -> rionet::frame::LengthPrefixBuilder {
        let mut b = LengthPrefix::builder();
        match self.fixed {
            Some((width, true)) => b.field_len(width).little_endian(),
            Some((width, false)) => b.field_len(width).big_endian(),
            None => b.varint(),
        };
        b.length_field_offset(self.offset)
            .length_adjustment(self.adjustment)
            .length_includes_header(self.includes_header);
        match self.strip {
            Some(n) => b.strip(n),
            None => b.strip_header(),
        };
        b
    }

    /// The naive model: the wire bytes for a frame whose bytes before the
    /// length field are `prefix` and whose body is `body`, and the frame
    /// the decoder returns. `None` if the length does not fit the field.
    fn model(&self, prefix: &[u8], body: &[u8]) -> Option<(Vec<u8>, Vec<u8>)> {
        assert_eq!(prefix.len(), self.offset);
        let field = (1..=10).find_map(|width| {
            let width = match self.fixed {
                Some((w, _)) if w != width => return None,
                _ => width,
            };
            let header = if self.includes_header {
                (self.offset + width) as i128
            } else {
                0
            };
            let value = body.len() as i128 - self.adjustment as i128 + header;
            let value = u64::try_from(value).ok()?;
            let bytes = match self.fixed {
                Some((w, little)) => {
                    if w < 8 && value >> (8 * w) != 0 {
                        return None;
                    }
                    let be = value.to_be_bytes()[8 - w..].to_vec();
                    if little {
                        be.into_iter().rev().collect()
                    } else {
                        be
                    }
                }
                None => {
                    let mut out = Vec::new();
                    let mut v = value;
                    loop {
                        let byte = (v & 0x7f) as u8;
                        v >>= 7;
                        if v == 0 {
                            out.push(byte);
                            break;
                        }
                        out.push(byte | 0x80);
                    }
                    if out.len() != width {
                        return None;
                    }
                    out
                }
            };
            Some(bytes)
        })?;
        let mut wire = prefix.to_vec();
        wire.extend_from_slice(&field);
        let header = wire.len();
        wire.extend_from_slice(body);
        let strip = self.strip.unwrap_or(header);
        if strip > wire.len() {
            return None;
        }
        // Stripped bytes other than the length field cannot be rebuilt by
        // the encoder: the model makes them zero.
        for (i, byte) in wire.iter_mut().enumerate().take(strip) {
            if i < self.offset || i >= header {
                *byte = 0;
            }
        }
        let decoded = wire[strip..].to_vec();
        Some((wire, decoded))
    }
}

/// Every setting the property tests cover.
fn specs() -> Vec<Spec> {
    let mut specs = Vec::new();
    for width in 1..=8 {
        for little in [false, true] {
            specs.push(Spec {
                fixed: Some((width, little)),
                ..Spec::fixed(width)
            });
        }
    }
    specs.extend([
        Spec::varint(),
        // tokio-util style: offset, adjustment, keep the whole frame.
        Spec {
            offset: 3,
            adjustment: -2,
            strip: Some(0),
            ..Spec::fixed(2)
        },
        // Netty: HDR1 | LEN | HDR2 | content, strip HDR1 and LEN.
        Spec {
            offset: 1,
            adjustment: 1,
            strip: Some(3),
            ..Spec::fixed(2)
        },
        // Netty: the same, the length counting the whole frame.
        Spec {
            offset: 1,
            adjustment: -3,
            strip: Some(3),
            ..Spec::fixed(2)
        },
        Spec {
            offset: 2,
            includes_header: true,
            strip: Some(0),
            ..Spec::fixed(2)
        },
        Spec {
            offset: 2,
            includes_header: true,
            strip: Some(1),
            ..Spec::fixed(3)
        },
        // Strip into the middle of the length field.
        Spec {
            offset: 1,
            strip: Some(3),
            ..Spec::fixed(4)
        },
        // Strip past the header, into the body.
        Spec {
            strip: Some(4),
            adjustment: 5,
            ..Spec::fixed(2)
        },
        Spec {
            includes_header: true,
            ..Spec::varint()
        },
        Spec {
            offset: 2,
            strip: Some(1),
            ..Spec::varint()
        },
        Spec {
            offset: 2,
            strip: Some(0),
            includes_header: true,
            adjustment: 3,
            ..Spec::varint()
        },
    ]);
    specs
}

/// `wire` cut at `cuts` (any order, clamped), in order.
fn pieces<'a>(wire: &'a [u8], cuts: &[usize]) -> Vec<&'a [u8]> {
    let mut cuts: Vec<usize> = cuts.iter().map(|&c| c.min(wire.len())).collect();
    cuts.sort_unstable();
    cuts.push(wire.len());
    let mut start = 0;
    cuts.into_iter()
        .map(|cut| {
            let piece = &wire[start..cut];
            start = cut;
            piece
        })
        .collect()
}

/// Decodes `wire` fed in pieces cut at `cuts`, until end of stream.
fn decode_split(codec: &mut LengthPrefix, wire: &[u8], cuts: &[usize]) -> Vec<Bytes> {
    let mut src = BytesMut::new();
    let mut frames = Vec::new();
    for piece in pieces(wire, cuts) {
        src.extend_from_slice(piece);
        while let Some(frame) = codec.decode(&mut src).unwrap() {
            frames.push(frame);
        }
    }
    while let Some(frame) = codec.decode_eof(&mut src).unwrap() {
        frames.push(frame);
    }
    assert!(src.is_empty());
    frames
}

/// Builds the wire and the expected frames for one spec.
fn build(spec: &Spec, frames: &[(Vec<u8>, Vec<u8>)]) -> (Vec<u8>, Vec<Vec<u8>>) {
    let mut wire = Vec::new();
    let mut expected = Vec::new();
    for (prefix, body) in frames {
        let mut prefix = prefix.clone();
        prefix.resize(spec.offset, 0xAA);
        let mut body = body.clone();
        // Netty-like layouts need a body at least as long as what they
        // strip past the header.
        body.resize(body.len().max(8), 0x55);
        let (w, d) = spec.model(&prefix, &body).expect("the model fits");
        wire.extend_from_slice(&w);
        expected.push(d);
    }
    (wire, expected)
}

fn frames_strategy() -> impl Strategy<Value = Vec<(Vec<u8>, Vec<u8>)>> {
    prop::collection::vec(
        (
            prop::collection::vec(any::<u8>(), 0..4),
            prop::collection::vec(any::<u8>(), 0..200),
        ),
        0..12,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Every setting: the encoder writes exactly the model's bytes, and the
    /// decoder, fed the bytes split anywhere, returns exactly the frames.
    #[test]
    fn round_trip_every_setting(
        frames in frames_strategy(),
        cuts in prop::collection::vec(0usize..4096, 0..16),
    ) {
        for spec in specs() {
            let (wire, expected) = build(&spec, &frames);
            let mut encoded = BytesMut::new();
            let mut codec = spec.codec();
            for frame in &expected {
                codec.encode(&frame[..], &mut encoded).unwrap();
            }
            prop_assert_eq!(&encoded[..], &wire[..], "{:?}", spec);
            let decoded = decode_split(&mut spec.codec(), &wire, &cuts);
            prop_assert_eq!(decoded, expected.clone(), "{:?}", spec);
        }
    }
}

#[test]
fn one_byte_at_a_time_every_setting() {
    let frames: Vec<(Vec<u8>, Vec<u8>)> = (0..6u8)
        .map(|i| (vec![i; 3], vec![i; usize::from(i) * 37]))
        .collect();
    for spec in specs() {
        let (wire, expected) = build(&spec, &frames);
        let cuts: Vec<usize> = (0..wire.len()).collect();
        let decoded = decode_split(&mut spec.codec(), &wire, &cuts);
        assert_eq!(decoded, expected, "{spec:?}");
    }
}

#[test]
fn encode_parts_matches_encode() {
    for spec in specs() {
        let (_, expected) = build(&spec, &[(vec![1, 2, 3], b"payload".to_vec())]);
        let item = Bytes::from(expected[0].clone());
        let mut whole = BytesMut::new();
        spec.codec().encode(item.clone(), &mut whole).unwrap();
        let (mut head, mut tail) = (BytesMut::new(), BytesMut::new());
        let payload = spec
            .codec()
            .encode_parts(&item, &mut head, &mut tail)
            .unwrap()
            .unwrap();
        assert!(tail.is_empty());
        let joined = [&head[..], payload].concat();
        assert_eq!(joined, &whole[..], "{spec:?}");
    }
}

#[test]
fn declared_4_gib_errors_without_allocating() {
    let mut codec = LengthPrefix::new();
    let mut src = BytesMut::with_capacity(16);
    src.extend_from_slice(&[0xff, 0xff, 0xff, 0xff, 1, 2, 3]);
    let err = codec.decode(&mut src).unwrap_err();
    assert!(
        matches!(err, FrameError::FrameTooLarge { len, max, .. } if len == 0xffff_ffff && max == 8 << 20),
        "{err:?}"
    );
    assert!(src.capacity() <= 16, "capacity grew to {}", src.capacity());
    // The decoder cannot resynchronise: it keeps failing, and does not
    // misparse the bytes that follow as a new header.
    src.extend_from_slice(&[0, 0, 0, 1, b'x']);
    for _ in 0..3 {
        assert!(matches!(
            codec.decode(&mut src),
            Err(FrameError::FrameTooLarge { .. })
        ));
    }
    assert!(matches!(
        codec.decode_eof(&mut src),
        Err(FrameError::FrameTooLarge { .. })
    ));
}

#[test]
fn huge_declared_length_under_the_max_waits_without_reserving() {
    let mut codec = LengthPrefix::builder().max_frame_len(usize::MAX).build();
    let mut src = BytesMut::with_capacity(64);
    src.extend_from_slice(&[0xff, 0xff, 0xff, 0xfb]);
    for _ in 0..10 {
        assert_eq!(codec.decode(&mut src).unwrap(), None);
        src.extend_from_slice(b"abcd");
    }
    assert!(src.capacity() <= 64, "capacity grew to {}", src.capacity());
    match codec.decode_eof(&mut src) {
        Err(FrameError::PartialFrame { pending, .. }) => assert_eq!(pending.len(), 44),
        other => panic!("{other:?}"),
    }
}

fn skip_codec() -> LengthPrefix {
    LengthPrefix::builder()
        .field_len(2)
        .max_frame_len(64)
        .oversize(Oversize::Skip)
        .build()
}

fn skip_wire() -> Vec<u8> {
    let mut wire = Vec::new();
    for (len, fill) in [
        (5usize, b'a'),
        (1000, b'X'),
        (60, b'b'),
        (65, b'Y'),
        (0, b'c'),
    ] {
        wire.extend_from_slice(&(len as u16).to_be_bytes());
        wire.extend(std::iter::repeat_n(fill, len));
    }
    wire
}

/// Frames as strings, then the skip counts as `skipped:<frames>:<bytes>`;
/// panics on any error (a skip is not one).
fn decode_with_skips(wire: &[u8], cuts: &[usize]) -> Vec<String> {
    let mut codec = skip_codec();
    let mut src = BytesMut::new();
    let mut out = Vec::new();
    for piece in pieces(wire, cuts) {
        src.extend_from_slice(piece);
        loop {
            match codec.decode(&mut src) {
                Ok(Some(frame)) => {
                    out.push(format!("{}:{}", frame.len(), frame[..].escape_ascii()))
                }
                Ok(None) => break,
                Err(err) => panic!("{err:?}"),
            }
        }
        assert!(src.len() <= 64 + 2, "the skipped frame was buffered");
    }
    assert_eq!(codec.decode_eof(&mut src).unwrap(), None);
    out.push(format!(
        "skipped:{}:{}",
        codec.skipped_frames(),
        codec.skipped_bytes()
    ));
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn skip_resynchronises_whatever_the_splits(cuts in prop::collection::vec(0usize..1200, 0..20)) {
        prop_assert_eq!(
            decode_with_skips(&skip_wire(), &cuts),
            // 1000 + 2 and 65 + 2 bytes skipped; the 60-byte payload is
            // within the maximum, which counts the payload, not the header.
            ["5:aaaaa".to_string(), format!("60:{}", "b".repeat(60)), "0:".into(), "skipped:2:1069".into()]
        );
    }
}

#[test]
fn skip_one_byte_at_a_time() {
    let wire = skip_wire();
    let cuts: Vec<usize> = (0..wire.len()).collect();
    assert_eq!(decode_with_skips(&wire, &cuts).len(), 4);
}

#[test]
fn stream_ending_inside_a_skipped_frame_is_partial() {
    let mut codec = skip_codec();
    let mut src = BytesMut::from(&[0x01, 0x00, b'z', b'z'][..]);
    assert_eq!(codec.decode(&mut src).unwrap(), None);
    assert_eq!(codec.skipped_frames(), 1);
    let err = codec.decode_eof(&mut src).unwrap_err();
    assert_eq!(
        err.to_string(),
        "stream ended in the middle of a frame: 4 of 258 bytes"
    );
    match err {
        FrameError::PartialFrame { pending, .. } => assert!(pending.is_empty()),
        other => panic!("{other:?}"),
    }
    assert_eq!(codec.decode_eof(&mut src).unwrap(), None);
}

#[test]
fn partial_frame_at_eof_carries_its_bytes() {
    let mut codec = LengthPrefix::new();
    let mut src = BytesMut::from(&b"\0\0\0\x02ok\0\0\0\x09abc"[..]);
    assert_eq!(
        codec.decode_eof(&mut src).unwrap().as_deref(),
        Some(&b"ok"[..])
    );
    match codec.decode_eof(&mut src) {
        Err(FrameError::PartialFrame {
            pending,
            had: 7,
            expected: Some(13),
        }) => assert_eq!(&pending[..], b"\0\0\0\x09abc"),
        other => panic!("{other:?}"),
    }
    assert_eq!(codec.decode_eof(&mut src).unwrap(), None);
    // A header cut short is a partial frame too.
    let mut src = BytesMut::from(&b"\0\0"[..]);
    assert!(matches!(
        LengthPrefix::new().decode_eof(&mut src),
        Err(FrameError::PartialFrame { pending, expected: None, .. }) if pending.len() == 2
    ));
}

fn decode_err(codec: &mut LengthPrefix, bytes: &[u8]) -> FrameError {
    codec.decode(&mut BytesMut::from(bytes)).unwrap_err()
}

#[test]
fn malformed_varints_are_rejected_and_stay_rejected() {
    let cases: [&[u8]; 4] = [
        &[0x80, 0x00],                                                 // overlong 0
        &[0xff, 0x80, 0x80, 0x00],                                     // overlong
        &[0xff; 11],                                                   // 11 bytes
        &[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02], // > 64 bits
    ];
    for bytes in cases {
        let mut codec = LengthPrefix::builder().varint().build();
        let err = decode_err(&mut codec, bytes);
        assert!(
            matches!(err, FrameError::InvalidLength { .. }),
            "{bytes:x?}: {err:?}"
        );
        assert_eq!(
            std::io::Error::from(err).kind(),
            std::io::ErrorKind::InvalidData
        );
        // Failed for good.
        assert!(codec.decode(&mut BytesMut::from(&b"\x01x"[..])).is_err());
    }
    // The largest canonical varint is a valid field, but its frame (10
    // header bytes and u64::MAX body bytes) overflows 64 bits.
    let mut codec = LengthPrefix::builder().varint().build();
    let max = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01];
    let err = decode_err(&mut codec, &max);
    assert!(
        matches!(&err, FrameError::InvalidLength { detail, .. } if detail.contains("overflows 64 bits")),
        "{err:?}"
    );
    // u64::MAX - 10: the whole frame is u64::MAX bytes, over the maximum.
    let mut codec = LengthPrefix::builder().varint().build();
    let fits = [0xf5, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01];
    assert!(matches!(
        decode_err(&mut codec, &fits),
        FrameError::FrameTooLarge { len, .. } if len == u64::MAX - 10
    ));
    // A varint still arriving is not an error.
    let mut codec = LengthPrefix::builder().varint().build();
    assert_eq!(
        codec.decode(&mut BytesMut::from(&[0xff; 9][..])).unwrap(),
        None
    );
}

#[test]
fn frames_shorter_than_their_header_are_rejected() {
    // The length counts the header, but 2 < the 4-byte header.
    let mut codec = LengthPrefix::builder().length_includes_header(true).build();
    let err = decode_err(&mut codec, b"\0\0\0\x02");
    assert!(matches!(err, FrameError::InvalidLength { .. }), "{err:?}");
    // Negative adjustment below zero.
    let mut codec = LengthPrefix::builder()
        .field_len(1)
        .length_adjustment(-5)
        .build();
    assert!(matches!(
        decode_err(&mut codec, b"\x02ab"),
        FrameError::InvalidLength { .. }
    ));
    // Shorter than the bytes to strip.
    let mut codec = LengthPrefix::builder().field_len(1).strip(4).build();
    assert!(matches!(
        decode_err(&mut codec, b"\x01ab"),
        FrameError::InvalidLength { .. }
    ));
}

#[test]
fn the_maximum_counts_the_frame_handed_back() {
    // Header stripped (the default): the payload counts.
    let mut codec = LengthPrefix::builder().max_frame_len(10).build();
    let mut src = BytesMut::from(&b"\0\0\0\x0aabcdefghij"[..]);
    assert_eq!(codec.decode(&mut src).unwrap().map(|f| f.len()), Some(10));
    let err = decode_err(&mut codec, b"\0\0\0\x0b");
    assert!(
        matches!(
            err,
            FrameError::FrameTooLarge {
                len: 11,
                max: 10,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(!err.is_recoverable());
    // Header kept: it counts too.
    let mut codec = LengthPrefix::builder().max_frame_len(10).strip(0).build();
    let mut src = BytesMut::from(&b"\0\0\0\x06abcdef"[..]);
    assert_eq!(codec.decode(&mut src).unwrap().map(|f| f.len()), Some(10));
    let err = decode_err(&mut codec, b"\0\0\0\x07");
    assert!(
        matches!(
            err,
            FrameError::FrameTooLarge {
                len: 11,
                max: 10,
                ..
            }
        ),
        "{err:?}"
    );
    // The encoder takes the same frames as items.
    let mut dst = BytesMut::new();
    assert!(
        LengthPrefix::builder()
            .max_frame_len(10)
            .build()
            .encode([0u8; 10], &mut dst)
            .is_ok()
    );
    let err = LengthPrefix::builder()
        .max_frame_len(10)
        .build()
        .encode([0u8; 11], &mut dst)
        .unwrap_err();
    assert!(err.is_recoverable(), "nothing was written: {err:?}");
}

#[test]
fn usize_max_is_a_maximum_like_any_other() {
    // An 8-byte field of ff: a frame of 2^64 - 1 payload bytes, more than
    // any buffer: an error, not a wait forever.
    let mut codec = LengthPrefix::builder()
        .field_len(8)
        .max_frame_len(usize::MAX)
        .build();
    let err = decode_err(&mut codec, &[0xff; 8]);
    assert!(!err.is_recoverable(), "{err:?}");
    assert!(
        matches!(
            err,
            FrameError::FrameTooLarge { .. } | FrameError::InvalidLength { .. }
        ),
        "{err:?}"
    );
}

#[test]
fn settings_no_frame_can_satisfy_are_refused_at_build() {
    for build in [
        || {
            drop(
                LengthPrefix::builder()
                    .length_field_offset(64 << 20)
                    .build(),
            )
        },
        || drop(LengthPrefix::builder().length_field_offset(1 << 62).build()),
        || drop(LengthPrefix::builder().max_frame_len(3).build()),
        || drop(LengthPrefix::builder().strip(9 << 20).build()),
        || drop(LengthPrefix::builder().varint().strip(1).build()),
    ] {
        assert!(std::panic::catch_unwind(build).is_err());
    }
    // At the limit it builds.
    let codec = LengthPrefix::builder()
        .length_field_offset(4)
        .field_len(4)
        .max_frame_len(8)
        .build();
    assert_eq!(codec.max_frame_len(), 8);
}

#[test]
fn encoder_refuses_what_the_layout_cannot_carry() {
    let mut dst = BytesMut::from(&b"kept"[..]);
    let mut one = LengthPrefix::builder().field_len(1).build();
    one.encode(&[0u8; 255][..], &mut dst).unwrap();
    dst.truncate(4);
    let err = one.encode(&[0u8; 256][..], &mut dst).unwrap_err();
    assert!(
        matches!(
            err,
            FrameError::LengthFieldOverflow {
                len: 256,
                field_len: 1,
                max: 255
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "length value 256 does not fit a length field of 1 bytes (at most 255)"
    );
    let mut small = LengthPrefix::builder().max_frame_len(8).build();
    let err = small
        .encode(Bytes::from_static(b"123456789"), &mut dst)
        .unwrap_err();
    assert!(
        matches!(err, FrameError::FrameTooLarge { len: 9, max: 8, .. }),
        "{err:?}"
    );
    // A positive adjustment larger than the body would need a negative length.
    let mut adj = LengthPrefix::builder().length_adjustment(4).build();
    let err = adj.encode(&b"ab"[..], &mut dst).unwrap_err();
    assert!(matches!(err, FrameError::InvalidLength { .. }), "{err:?}");
    // An item too short to carry the header bytes the decoder keeps.
    let mut keep = LengthPrefix::builder()
        .length_field_offset(2)
        .strip(0)
        .build();
    let err = keep.encode(&b"abc"[..], &mut dst).unwrap_err();
    assert!(matches!(err, FrameError::InvalidLength { .. }), "{err:?}");
    assert_eq!(&dst[..], b"kept", "nothing written on error");
}

#[test]
fn every_item_type_encodes_the_same() {
    let mut codec = LengthPrefix::new();
    let mut a = BytesMut::new();
    codec.encode(Bytes::from_static(b"xy"), &mut a).unwrap();
    codec.encode(BytesMut::from(&b"xy"[..]), &mut a).unwrap();
    codec.encode(b"xy".to_vec(), &mut a).unwrap();
    codec.encode(&b"xy"[..], &mut a).unwrap();
    assert_eq!(&a[..], &b"\0\0\0\x02xy".repeat(4)[..]);
}

#[test]
fn frames_are_split_off_without_copying() {
    let mut codec = LengthPrefix::new();
    let mut src = BytesMut::from(&b"\0\0\0\x03abc\0\0\0\x01d"[..]);
    let base = src.as_ptr() as usize;
    let first = codec.decode(&mut src).unwrap().unwrap();
    let second = codec.decode(&mut src).unwrap().unwrap();
    assert_eq!(first.as_ptr() as usize, base + 4);
    assert_eq!(second.as_ptr() as usize, base + 11);
}

#[test]
#[should_panic(expected = "1 to 8 bytes")]
fn a_nine_byte_field_is_a_programming_error() {
    LengthPrefix::builder().field_len(9);
}

/// A layout with random settings, the maximum and the oversize policy.
fn random_spec() -> impl Strategy<Value = (Spec, usize, bool)> {
    (
        prop_oneof![
            3 => (1usize..=8, any::<bool>()).prop_map(Some),
            1 => Just(None),
        ],
        0usize..5,
        -24isize..24,
        prop_oneof![Just(None), (0usize..16).prop_map(Some)],
        any::<bool>(),
        prop_oneof![Just(usize::MAX), 0usize..400],
        any::<bool>(),
    )
        .prop_map(
            |(fixed, offset, adjustment, strip, includes_header, max, skip)| {
                // A varint field can only be stripped whole or not at all.
                let strip = match (fixed, strip) {
                    (None, Some(s)) => Some(s.min(offset)),
                    (_, strip) => strip,
                };
                // `build` refuses a header or a strip over the maximum.
                let width = fixed.map_or(1, |(n, _)| n);
                let max = max.max(offset + width).max(strip.unwrap_or(0));
                let spec = Spec {
                    fixed,
                    offset,
                    adjustment,
                    strip,
                    includes_header,
                };
                (spec, max, skip)
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Any builder settings: for every frame the model can lay out, the
    /// encoder writes the model's bytes (or refuses a frame over the
    /// maximum), and the decoder, fed the stream split anywhere, returns
    /// the frames and reports the oversized ones by its policy.
    #[test]
    fn random_settings_round_trip(
        (spec, max, skip) in random_spec(),
        frames in prop::collection::vec(
            (prop::collection::vec(any::<u8>(), 0..5), prop::collection::vec(any::<u8>(), 0..300)),
            0..8,
        ),
        cuts in prop::collection::vec(0usize..4096, 0..16),
    ) {
        let codec = || {
            spec.builder()
                .max_frame_len(max)
                .oversize(if skip { Oversize::Skip } else { Oversize::Error })
                .build()
        };
        let mut wire = Vec::new();
        let mut expected = Vec::new();
        let mut skipped = (0u64, 0u64);
        let mut encoder = codec();
        for (prefix, body) in &frames {
            let mut prefix = prefix.clone();
            prefix.resize(spec.offset, 0xAA);
            let Some((w, d)) = spec.model(&prefix, body) else {
                // No field value fits: with the whole header stripped the
                // item is the body, and the encoder must refuse it.
                if spec.strip.is_none() {
                    let mut dst = BytesMut::new();
                    let refused = encoder.encode(&body[..], &mut dst);
                    prop_assert!(
                        matches!(refused, Err(FrameError::LengthFieldOverflow { .. } | FrameError::InvalidLength { .. })),
                        "{:?} {:?}", spec, refused
                    );
                    prop_assert!(dst.is_empty());
                }
                continue;
            };
            let mut dst = BytesMut::from(&b"before"[..]);
            let encoded = encoder.encode(&d[..], &mut dst);
            // The maximum counts the decoded frame, the encoder's item.
            if d.len() > max {
                prop_assert!(
                    matches!(encoded, Err(FrameError::FrameTooLarge { len, max: m, .. }) if len == d.len() as u64 && m == max),
                    "{:?} {:?}", spec, encoded
                );
                prop_assert_eq!(&dst[..], b"before");
                wire.extend_from_slice(&w);
                if !skip {
                    // The decoder fails for good on it: stop the stream here.
                    expected.push(Err(d.len() as u64));
                    break;
                }
                // Skipped: no outcome, only counts.
                skipped.0 += 1;
                skipped.1 += w.len() as u64;
                continue;
            }
            prop_assert!(encoded.is_ok(), "{:?} {:?}", spec, encoded);
            prop_assert_eq!(&dst[6..], &w[..], "{:?}", spec);
            // The head and the borrowed payload join to the same bytes.
            let (mut head, mut tail) = (BytesMut::new(), BytesMut::new());
            let item = Bytes::from(d.clone());
            let payload = encoder.encode_parts(&item, &mut head, &mut tail).unwrap().unwrap();
            prop_assert_eq!([&head[..], payload, &tail[..]].concat(), w.clone(), "{:?}", spec);
            wire.extend_from_slice(&w);
            expected.push(Ok(d));
        }
        // Split where proptest chose, then one byte at a time.
        let every_byte: Vec<usize> = (0..wire.len()).collect();
        for cuts in [&cuts, &every_byte] {
            let mut decoder = codec();
            let mut src = BytesMut::new();
            let mut got = Vec::new();
            let mut failed = false;
            'feed: for piece in pieces(&wire, cuts) {
                src.extend_from_slice(piece);
                loop {
                    match decoder.decode(&mut src) {
                        Ok(Some(frame)) => got.push(Ok(frame.to_vec())),
                        Ok(None) => break,
                        Err(FrameError::FrameTooLarge { len, .. }) if !skip => {
                            got.push(Err(len));
                            failed = true;
                            break 'feed;
                        }
                        Err(err) => prop_assert!(false, "{:?}: {:?}", spec, err),
                    }
                }
            }
            if !failed {
                while let Some(frame) = decoder.decode_eof(&mut src).unwrap() {
                    got.push(Ok(frame.to_vec()));
                }
            }
            prop_assert_eq!(&got, &expected, "{:?}", spec);
            if skip {
                prop_assert_eq!((decoder.skipped_frames(), decoder.skipped_bytes()), skipped);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Any settings, hostile bytes (headers near `u64::MAX` included): the
    /// decoder never panics, never grows the buffer, and every frame it
    /// returns is split off the input.
    #[test]
    fn random_settings_hostile_bytes(
        (spec, max, skip) in random_spec(),
        bytes in prop::collection::vec(prop_oneof![Just(0xffu8), Just(0x80), Just(0), any::<u8>()], 0..48),
        cuts in prop::collection::vec(0usize..48, 0..8),
    ) {
        let mut codec = spec
            .builder()
            .max_frame_len(max)
            .oversize(if skip { Oversize::Skip } else { Oversize::Error })
            .build();
        let mut src = BytesMut::with_capacity(64);
        let mut taken = 0;
        for piece in pieces(&bytes, &cuts) {
            src.extend_from_slice(piece);
            // Each frame or skip takes at least one byte: bounded.
            for _ in 0..=bytes.len() {
                match codec.decode(&mut src) {
                    Ok(Some(frame)) => taken += frame.len(),
                    Ok(None) => break,
                    Err(FrameError::FrameTooLarge { len, max: m, .. }) => {
                        prop_assert!(!skip && len > m as u64);
                        break;
                    }
                    Err(FrameError::InvalidLength { .. }) => break,
                    Err(err) => prop_assert!(false, "{:?}", err),
                }
            }
            prop_assert!(src.capacity() <= 64, "capacity grew to {}", src.capacity());
        }
        prop_assert!(taken <= bytes.len());
        let _ = codec.decode_eof(&mut src);
    }
}

#[test]
fn absurd_offsets_and_strips_are_refused_at_build_not_overflows() {
    let m = usize::MAX;
    // Offsets and strips over 64 KiB cannot build under any maximum: the
    // encoder would write that many bytes a frame (or overflow).
    let builds: [fn() -> LengthPrefix; 5] = [
        || {
            LengthPrefix::builder()
                .length_field_offset(usize::MAX)
                .max_frame_len(usize::MAX)
                .build()
        },
        || {
            LengthPrefix::builder()
                .length_field_offset(usize::MAX)
                .strip(0)
                .max_frame_len(usize::MAX)
                .build()
        },
        || {
            LengthPrefix::builder()
                .field_len(8)
                .strip(usize::MAX)
                .max_frame_len(usize::MAX)
                .build()
        },
        || {
            LengthPrefix::builder()
                .varint()
                .length_field_offset(usize::MAX - 1)
                .max_frame_len(usize::MAX)
                .build()
        },
        || {
            LengthPrefix::builder()
                .field_len(1)
                .strip(64 * 1024 + 1)
                .max_frame_len(usize::MAX)
                .build()
        },
    ];
    for build in builds {
        assert!(std::panic::catch_unwind(build).is_err());
    }
    // At the limit, the encoder writes the stripped body bytes as zeros.
    let mut codec = LengthPrefix::builder()
        .field_len(4)
        .strip(64 * 1024)
        .max_frame_len(m)
        .build();
    let mut dst = BytesMut::new();
    codec.encode(&b"x"[..], &mut dst).expect("encodes");
    assert_eq!(dst.len(), 64 * 1024 + 1);
    assert_eq!(&codec.decode(&mut dst).unwrap().unwrap()[..], b"x");
}

#[test]
fn a_kept_varint_wider_than_its_placeholder_is_checked_as_it_decodes() {
    // A 1-byte placeholder and 200 body bytes: the real varint (200) takes
    // 2 bytes, so the decoded frame is 202 bytes.
    let mut item = vec![0u8];
    item.extend_from_slice(&[7u8; 200]);
    for (max, fits) in [(201, false), (202, true)] {
        let mut codec = LengthPrefix::builder()
            .varint()
            .strip(0)
            .max_frame_len(max)
            .build();
        let mut dst = BytesMut::new();
        match codec.encode(&item[..], &mut dst) {
            Ok(()) => {
                assert!(fits, "max {max}: encoded {} bytes", dst.len());
                let frame = codec.decode(&mut dst).unwrap().unwrap();
                assert_eq!(&frame[..2], &[0xc8, 0x01]);
                assert_eq!(frame.len(), 202);
            }
            Err(err) => {
                assert!(!fits, "max {max}: {err:?}");
                assert!(dst.is_empty());
                assert!(err.is_recoverable());
                assert!(
                    matches!(
                        err,
                        FrameError::FrameTooLarge {
                            len: 202,
                            max: 201,
                            ..
                        }
                    ),
                    "{err:?}"
                );
            }
        }
    }
}
