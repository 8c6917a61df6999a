//! Wire compatibility, byte for byte: tokio-util's `LengthDelimitedCodec`
//! (both directions), the layouts of Netty's `LengthFieldBasedFrameDecoder`
//! documentation, protobuf varint length-delimited messages (prost), and the
//! tokio-util trait impls behind the `tokio-util` feature.

use bytes::{Bytes, BytesMut};
use proptest::prelude::*;
use rionet::frame::{Decoder, Encoder, LengthPrefix, LengthPrefixBuilder};
use tokio_util::codec::{
    Decoder as TokioDecoder, Encoder as TokioEncoder, LengthDelimitedCodec,
    length_delimited::Builder as TokioBuilder,
};

fn ours_decode(codec: &mut LengthPrefix, wire: &[u8]) -> Vec<Bytes> {
    let mut src = BytesMut::from(wire);
    let mut out = Vec::new();
    while let Some(frame) = Decoder::decode_eof(codec, &mut src).unwrap() {
        out.push(frame);
    }
    out
}

fn tokio_decode(codec: &mut LengthDelimitedCodec, wire: &[u8]) -> Vec<Bytes> {
    let mut src = BytesMut::from(wire);
    let mut out = Vec::new();
    while let Some(frame) = TokioDecoder::decode_eof(codec, &mut src).unwrap() {
        out.push(frame.freeze());
    }
    out
}

fn ours_encode(codec: &mut LengthPrefix, frames: &[Bytes]) -> Vec<u8> {
    let mut dst = BytesMut::new();
    for frame in frames {
        Encoder::encode(codec, frame.clone(), &mut dst).unwrap();
    }
    dst.to_vec()
}

fn tokio_encode(codec: &mut LengthDelimitedCodec, frames: &[Bytes]) -> Vec<u8> {
    let mut dst = BytesMut::new();
    for frame in frames {
        TokioEncoder::encode(codec, frame.clone(), &mut dst).unwrap();
    }
    dst.to_vec()
}

/// Settings where tokio-util's encoder mirrors its decoder (no offset, the
/// whole header skipped): both directions, and the encoders agree.
fn symmetric_pairs() -> Vec<(TokioBuilder, LengthPrefixBuilder)> {
    let mut pairs = Vec::new();
    pairs.push((LengthDelimitedCodec::builder(), LengthPrefix::builder()));
    for width in [1, 2, 3, 8] {
        let mut tokio = LengthDelimitedCodec::builder();
        tokio.length_field_length(width).little_endian();
        let mut ours = LengthPrefix::builder();
        ours.field_len(width).little_endian();
        pairs.push((tokio, ours));
        let mut tokio = LengthDelimitedCodec::builder();
        tokio.length_field_length(width);
        let mut ours = LengthPrefix::builder();
        ours.field_len(width);
        pairs.push((tokio, ours));
    }
    // The length counts its own 4 bytes.
    let mut tokio = LengthDelimitedCodec::builder();
    tokio.length_adjustment(-4);
    let mut ours = LengthPrefix::builder();
    ours.length_includes_header(true);
    pairs.push((tokio, ours));
    // The length leaves out a 2-byte trailer... of the header kind.
    let mut tokio = LengthDelimitedCodec::builder();
    tokio.length_field_length(2).length_adjustment(3);
    let mut ours = LengthPrefix::builder();
    ours.field_len(2).length_adjustment(3);
    pairs.push((tokio, ours));
    pairs
}

/// Settings with an offset or a skip: tokio-util's encoder does not write
/// its decoder's layout, so these are compared decoder to decoder, and our
/// encoder's output is checked with tokio-util's decoder.
///
/// tokio-util counts `length + adjustment` from the end of the `num_skip`
/// bytes; rionet (like Netty) from the end of the length field. So
/// rionet's adjustment is tokio-util's + `num_skip` - (offset + field
/// length), and rionet's `strip` is `num_skip`.
fn decode_only_pairs() -> Vec<(TokioBuilder, LengthPrefixBuilder)> {
    // (offset, field length, little endian, adjustment, num_skip)
    let settings = [
        (2, 2, true, 4, 0),  // keep everything
        (0, 4, false, 0, 0), // keep the length, which counts the header
        (1, 3, false, 2, 4), // skip the header, the length leaves out 2 bytes
        (1, 2, false, 1, 1), // skip the byte before the length only
    ];
    settings
        .into_iter()
        .map(|(offset, width, little, adjustment, skip)| {
            let mut tokio = LengthDelimitedCodec::builder();
            tokio
                .length_field_offset(offset)
                .length_field_length(width)
                .length_adjustment(adjustment)
                .num_skip(skip);
            let mut ours = LengthPrefix::builder();
            ours.length_field_offset(offset)
                .field_len(width)
                .length_adjustment(adjustment + skip as isize - (offset + width) as isize)
                .strip(skip);
            if little {
                tokio.little_endian();
                ours.little_endian();
            }
            (tokio, ours)
        })
        .collect()
}

fn frames() -> impl Strategy<Value = Vec<Bytes>> {
    prop::collection::vec(
        prop::collection::vec(any::<u8>(), 4..200).prop_map(Bytes::from),
        0..10,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn tokio_length_delimited_both_directions(frames in frames()) {
        for (tokio, ours) in symmetric_pairs() {
            let theirs = tokio_encode(&mut tokio.new_codec(), &frames);
            let mine = ours_encode(&mut ours.build(), &frames);
            prop_assert_eq!(&mine, &theirs, "{:?}", ours);
            prop_assert_eq!(&ours_decode(&mut ours.build(), &theirs), &frames);
            prop_assert_eq!(&tokio_decode(&mut tokio.new_codec(), &mine), &frames);
        }
    }

    #[test]
    fn tokio_length_delimited_offsets_and_skips(frames in frames()) {
        for (tokio, ours) in decode_only_pairs() {
            // Wire built by our encoder from frames shaped as the decoders
            // return them (header bytes included where kept).
            let mut wire = Vec::new();
            let mut expected = Vec::new();
            for body in &frames {
                let mut codec = ours.build();
                let mut w = BytesMut::new();
                // Encode the body behind 8 placeholder bytes (enough for any
                // header bytes the decoder keeps), then see what it decodes to.
                let item = {
                    let mut keep = BytesMut::new();
                    keep.extend_from_slice(&[0u8; 8]);
                    keep.extend_from_slice(body);
                    keep.freeze()
                };
                Encoder::encode(&mut codec, item, &mut w).unwrap();
                let decoded = ours_decode(&mut ours.build(), &w);
                prop_assert_eq!(decoded.len(), 1);
                expected.push(decoded[0].clone());
                wire.extend_from_slice(&w);
            }
            prop_assert_eq!(&tokio_decode(&mut tokio.new_codec(), &wire), &expected, "{:?}", ours);
            prop_assert_eq!(&ours_decode(&mut ours.build(), &wire), &expected);
            // And our encoder writes back exactly that wire.
            prop_assert_eq!(&ours_encode(&mut ours.build(), &expected), &wire);
        }
    }
}

#[test]
fn tokio_default_by_hand() {
    let wire = b"\x00\x00\x00\x0bhello world\x00\x00\x00\x00";
    let mut tokio = LengthDelimitedCodec::new();
    let mut ours = LengthPrefix::new();
    assert_eq!(tokio_decode(&mut tokio, wire), ours_decode(&mut ours, wire));
    assert_eq!(
        ours_decode(&mut LengthPrefix::new(), wire),
        [Bytes::from_static(b"hello world"), Bytes::new()]
    );
}

/// The seven layouts drawn in Netty's `LengthFieldBasedFrameDecoder`
/// documentation, as (offset, field length, adjustment, strip, wire,
/// decoded frame). Bytes written by hand: `0xCA` / `0xFE` are the header
/// bytes around the length field.
type NettyLayout = (usize, usize, isize, usize, &'static [u8], &'static [u8]);

const NETTY: [NettyLayout; 7] = [
    // 2-byte length, strip nothing.
    (0, 2, 0, 0, b"\x00\x0cHELLO, WORLD", b"\x00\x0cHELLO, WORLD"),
    // 2-byte length, strip it.
    (0, 2, 0, 2, b"\x00\x0cHELLO, WORLD", b"HELLO, WORLD"),
    // The length counts itself.
    (
        0,
        2,
        -2,
        0,
        b"\x00\x0eHELLO, WORLD",
        b"\x00\x0eHELLO, WORLD",
    ),
    // A 2-byte header before a 3-byte length.
    (
        2,
        3,
        0,
        0,
        b"\xca\xfe\x00\x00\x0cHELLO, WORLD",
        b"\xca\xfe\x00\x00\x0cHELLO, WORLD",
    ),
    // A 3-byte length, then a 2-byte header it does not count.
    (
        0,
        3,
        2,
        0,
        b"\x00\x00\x0c\xca\xfeHELLO, WORLD",
        b"\x00\x00\x0c\xca\xfeHELLO, WORLD",
    ),
    // HDR1, length, HDR2, content: strip HDR1 and the length.
    (
        1,
        2,
        1,
        3,
        b"\xca\x00\x0c\xfeHELLO, WORLD",
        b"\xfeHELLO, WORLD",
    ),
    // The same, the length counting the whole frame.
    (
        1,
        2,
        -3,
        3,
        b"\xca\x00\x10\xfeHELLO, WORLD",
        b"\xfeHELLO, WORLD",
    ),
];

fn netty_codec(offset: usize, width: usize, adjustment: isize, strip: usize) -> LengthPrefix {
    LengthPrefix::builder()
        .length_field_offset(offset)
        .field_len(width)
        .length_adjustment(adjustment)
        .strip(strip)
        .build()
}

#[test]
fn netty_documented_layouts_decode() {
    for (offset, width, adjustment, strip, wire, decoded) in NETTY {
        let mut codec = netty_codec(offset, width, adjustment, strip);
        // Twice in a row, fed one byte at a time.
        let mut src = BytesMut::new();
        let mut frames = Vec::new();
        for &byte in wire.iter().chain(wire) {
            src.extend_from_slice(&[byte]);
            while let Some(frame) = Decoder::decode(&mut codec, &mut src).unwrap() {
                frames.push(frame);
            }
        }
        assert_eq!(frames, [decoded, decoded], "{wire:x?}");
    }
}

#[test]
fn netty_documented_layouts_encode() {
    for (offset, width, adjustment, strip, wire, decoded) in NETTY {
        let mut codec = netty_codec(offset, width, adjustment, strip);
        let mut dst = BytesMut::new();
        Encoder::encode(&mut codec, decoded, &mut dst).unwrap();
        // The encoder rebuilds everything but a stripped header byte before
        // the length field (HDR1), which it writes as zero.
        let mut expected = wire.to_vec();
        if strip > offset {
            expected[..offset].fill(0);
        }
        assert_eq!(&dst[..], &expected[..], "{wire:x?}");
    }
    // Netty's "the length counts itself" layout is also length_includes_header.
    let mut codec = LengthPrefix::builder()
        .field_len(2)
        .length_includes_header(true)
        .strip(0)
        .build();
    let frame = ours_decode(&mut codec, NETTY[2].4);
    assert_eq!(frame, [NETTY[2].5]);
}

fn varint_codec() -> LengthPrefix {
    LengthPrefix::builder().varint().build()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Protobuf length-delimited messages: prost's delimiter then the
    /// message bytes (what `Message::encode_length_delimited` writes).
    #[test]
    fn protobuf_varint_both_directions(
        messages in prop::collection::vec(
            prop_oneof![
                prop::collection::vec(any::<u8>(), 0..300),
                (0usize..3).prop_map(|k| vec![7u8; [127, 128, 16_384][k]]),
            ],
            0..6,
        ),
    ) {
        let mut theirs = BytesMut::new();
        for message in &messages {
            prost::encode_length_delimiter(message.len(), &mut theirs).unwrap();
            theirs.extend_from_slice(message);
        }
        let frames: Vec<Bytes> = messages.iter().cloned().map(Bytes::from).collect();
        prop_assert_eq!(&ours_decode(&mut varint_codec(), &theirs), &frames);
        let mine = ours_encode(&mut varint_codec(), &frames);
        prop_assert_eq!(&mine[..], &theirs[..]);
        // prost reads our delimiters back.
        let mut rest = &mine[..];
        for message in &messages {
            let len = prost::decode_length_delimiter(&mut rest).unwrap();
            prop_assert_eq!(len, message.len());
            prop_assert_eq!(&rest[..len], &message[..]);
            rest = &rest[len..];
        }
    }
}

#[test]
fn protobuf_varint_by_hand() {
    // 150 = 0x96 0x01 (the protobuf documentation's example value).
    let mut wire = vec![0x96, 0x01];
    wire.extend([b'm'; 150]);
    wire.extend([0x00]); // an empty message
    let frames = ours_decode(&mut varint_codec(), &wire);
    assert_eq!(frames.len(), 2);
    assert_eq!(frames[0].len(), 150);
    assert!(frames[1].is_empty());
    assert_eq!(prost::length_delimiter_len(150), 2);
}

#[cfg(feature = "tokio-util")]
mod tokio_util_feature {
    use std::io;

    use bytes::{Bytes, BytesMut};
    use rionet::frame::{FrameError, LengthPrefix};
    use tokio_util::codec::{Decoder, Encoder, FramedRead, FramedWrite, LengthDelimitedCodec};

    /// rionet's codec plugs in wherever tokio-util wants a codec, with its
    /// typed error.
    fn plugs_in<
        C: Decoder<Item = Bytes, Error = FrameError>
            + Encoder<Bytes, Error = FrameError>
            + for<'a> Encoder<&'a [u8], Error = FrameError>
            + Encoder<&'static str, Error = FrameError>
            + Encoder<Vec<u8>, Error = FrameError>,
    >(
        codec: C,
    ) -> C {
        codec
    }

    #[test]
    fn length_prefix_is_a_tokio_util_codec() {
        let mut codec = plugs_in(LengthPrefix::new());
        let mut wire = BytesMut::new();
        Encoder::encode(&mut codec, Bytes::from_static(b"hello"), &mut wire).unwrap();
        Encoder::encode(&mut codec, &b"world"[..], &mut wire).unwrap();
        // What tokio-util's own codec reads.
        let mut check = wire.clone();
        let mut theirs = LengthDelimitedCodec::new();
        assert_eq!(&theirs.decode(&mut check).unwrap().unwrap()[..], b"hello");
        // Decoded through the tokio-util trait, as FramedRead drives it.
        wire.extend_from_slice(b"\0\0");
        assert_eq!(
            &Decoder::decode(&mut codec, &mut wire).unwrap().unwrap()[..],
            b"hello"
        );
        assert_eq!(
            &Decoder::decode(&mut codec, &mut wire).unwrap().unwrap()[..],
            b"world"
        );
        assert_eq!(Decoder::decode(&mut codec, &mut wire).unwrap(), None);
        let err = Decoder::decode_eof(&mut codec, &mut wire).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
        assert!(!err.is_recoverable());
        assert!(
            matches!(err, FrameError::PartialFrame { ref pending, .. } if pending.len() == 2),
            "{err:?}"
        );
        // Framed types accept it.
        let read = FramedRead::new(&b""[..], LengthPrefix::new());
        let write = FramedWrite::new(Vec::<u8>::new(), LengthPrefix::new());
        assert_eq!(
            read.decoder().max_frame_len(),
            write.encoder().max_frame_len()
        );
    }

    #[test]
    fn errors_map_to_io_kinds() {
        let mut codec = LengthPrefix::builder().max_frame_len(8).build();
        let err = Decoder::decode(&mut codec, &mut BytesMut::from(&b"\0\0\0\x09"[..])).unwrap_err();
        assert!(
            matches!(err, FrameError::FrameTooLarge { len: 9, max: 8, .. }),
            "{err:?}"
        );
        assert_eq!(io::Error::from(err).kind(), io::ErrorKind::InvalidData);
        let mut one = LengthPrefix::builder().field_len(1).build();
        let err = Encoder::encode(&mut one, &[0u8; 300][..], &mut BytesMut::new()).unwrap_err();
        assert!(err.is_recoverable());
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    }

    #[test]
    fn delimiter_codecs_are_tokio_util_codecs() {
        use rionet::frame::{Delimited, FixedLength, Lines};

        let mut lines = plugs_in(Lines::new());
        let mut delimited = plugs_in(Delimited::new(b";"));
        let mut fixed = plugs_in(FixedLength::new(2));
        for (codec, item, wire) in [
            (&mut lines as &mut dyn Codec, &b"hi"[..], &b"hi\n"[..]),
            (&mut delimited, b"hi", b"hi;"),
            (&mut fixed, b"hi", b"hi"),
        ] {
            let mut buf = BytesMut::new();
            codec.encode_item(item, &mut buf).unwrap();
            assert_eq!(&buf[..], wire);
            assert_eq!(codec.decode_item(&mut buf).unwrap().as_deref(), Some(item));
        }
    }

    /// The tokio-util trait methods, object-safe for the table above.
    trait Codec {
        fn encode_item(&mut self, item: &[u8], dst: &mut BytesMut) -> Result<(), FrameError>;
        fn decode_item(&mut self, src: &mut BytesMut) -> Result<Option<Bytes>, FrameError>;
    }

    impl<C> Codec for C
    where
        C: Decoder<Item = Bytes, Error = FrameError>
            + for<'a> Encoder<&'a [u8], Error = FrameError>,
    {
        fn encode_item(&mut self, item: &[u8], dst: &mut BytesMut) -> Result<(), FrameError> {
            Encoder::encode(self, item, dst)
        }

        fn decode_item(&mut self, src: &mut BytesMut) -> Result<Option<Bytes>, FrameError> {
            Decoder::decode(self, src)
        }
    }
}
