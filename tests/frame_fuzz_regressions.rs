//! Regression tests for what fuzzing (fuzz/, issue 12) found, one per find,
//! named for what it broke.

use rionet::bytes::BytesMut;
use rionet::frame::{Decoder, Encoder, LengthPrefix};

/// A `LengthPrefix` keeping its varint length field in the decoded frame
/// (`strip` at most the offset): the encoder takes the item's placeholder
/// varint and writes the real one, which can be wider. The decoded frame
/// grows with it, so checking the item against the maximum is not enough:
/// found by the roundtrip target (an item within the maximum whose frame
/// came back `FrameTooLarge`). The encoder now checks the frame it writes.
#[test]
fn a_kept_varint_that_widens_on_encode_still_decodes_within_the_maximum() {
    // The plain case: a placeholder `0` (1 byte) and 200 body bytes, 201
    // bytes at the maximum; the real varint of 200 is 2 bytes, so the wire
    // frame decodes to 202 bytes.
    let mut codec = LengthPrefix::builder()
        .varint()
        .strip(0)
        .max_frame_len(201)
        .build();
    let mut item = vec![0u8];
    item.extend_from_slice(&[7u8; 200]);
    let mut dst = BytesMut::new();
    match codec.encode(&item[..], &mut dst) {
        Err(err) => assert!(dst.is_empty() && err.is_recoverable(), "{err:?}"),
        Ok(()) => {
            let back = codec.decode(&mut dst);
            assert!(
                matches!(&back, Ok(Some(frame)) if frame.len() <= 201),
                "decoded back as {back:?}"
            );
        }
    }

    let mut codec = LengthPrefix::builder()
        .varint()
        .length_field_offset(2)
        .strip(2)
        .max_frame_len(9)
        .build();
    // The item is the decoded frame: a 1-byte placeholder varint, then 8
    // body bytes; 9 bytes, at the maximum. The real varint of 8 is 1 byte.
    let mut dst = BytesMut::new();
    let item = [0u8, 1, 2, 3, 4, 5, 6, 7, 8];
    codec
        .encode(&item[..], &mut dst)
        .expect("within the maximum");
    let frame = codec.decode(&mut dst).expect("decodes").expect("whole");
    assert_eq!(frame.len(), 9);

    // With an adjustment the real varint is 10 bytes wide: the frame on the
    // wire would decode to 18 bytes, over the maximum. The encoder must
    // refuse the item (nothing written) rather than write it.
    let mut codec = LengthPrefix::builder()
        .varint()
        .length_field_offset(2)
        .strip(2)
        .length_adjustment(isize::MIN)
        .max_frame_len(9)
        .build();
    let mut dst = BytesMut::new();
    match codec.encode(&item[..], &mut dst) {
        Err(err) => {
            assert!(err.is_recoverable(), "{err:?}");
            assert!(dst.is_empty(), "a refused item wrote {dst:?}");
        }
        Ok(()) => {
            let back = codec.decode(&mut dst);
            assert!(
                matches!(&back, Ok(Some(frame)) if frame.len() <= 9),
                "encoded {} bytes, decoded back as {back:?}",
                dst.len()
            );
        }
    }
}

/// Under `max_frame_len(usize::MAX)`, `build()` took an offset of `1 << 62`
/// and the first `encode` aborted the process allocating 4 EiB for the
/// offset bytes (the encoding targets had to cap offsets at 64 KiB). Now
/// `build()` refuses offsets and strips over 64 KiB, whatever the maximum:
/// a documented panic, so `catch_unwind` can see it.
#[test]
fn a_huge_offset_under_an_unbounded_maximum_is_refused_at_build() {
    for (offset, strip) in [
        (1usize << 62, None),
        (64 * 1024 + 1, None),
        (0, Some(1usize << 62)),
    ] {
        let refused = std::panic::catch_unwind(|| {
            let mut b = LengthPrefix::builder();
            b.length_field_offset(offset).max_frame_len(usize::MAX);
            if let Some(strip) = strip {
                b.strip(strip);
            }
            drop(b.build());
        });
        assert!(refused.is_err(), "offset {offset}, strip {strip:?} built");
    }
    // At the limit, it builds and encodes: 64 KiB of zeros, then the field.
    let mut codec = LengthPrefix::builder()
        .length_field_offset(64 * 1024)
        .max_frame_len(usize::MAX)
        .build();
    let mut dst = BytesMut::new();
    codec.encode(&b"hi"[..], &mut dst).expect("encodes");
    assert_eq!(dst.len(), 64 * 1024 + 4 + 2);
    let frame = codec.decode(&mut dst).expect("decodes").expect("whole");
    assert_eq!(&frame[..], b"hi");
}

/// A declared length over 64 bits was reported saturated, as "frame of
/// 18446744073709551615 bytes exceeds the maximum of 18446744073709551615
/// bytes" under `max_frame_len(usize::MAX)`: now it says what is true,
/// under either oversize policy.
#[test]
fn a_declared_length_over_64_bits_says_so() {
    for skip in [false, true] {
        let mut codec = LengthPrefix::builder()
            .field_len(8)
            .length_adjustment(isize::MAX)
            .max_frame_len(usize::MAX)
            .oversize(if skip {
                rionet::frame::Oversize::Skip
            } else {
                rionet::frame::Oversize::Error
            })
            .build();
        let mut src = BytesMut::from(&[0xff; 8][..]);
        let err = codec.decode(&mut src).expect_err("over 64 bits");
        let text = err.to_string();
        assert!(
            matches!(err, rionet::frame::FrameError::InvalidLength { .. }),
            "{err:?}"
        );
        assert!(!err.is_recoverable(), "{err:?}");
        assert!(text.contains("overflows 64 bits"), "{text}");
        assert!(!text.contains("exceeds the maximum"), "{text}");
    }
}
