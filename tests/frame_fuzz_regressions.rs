//! Regression tests for what fuzzing (fuzz/, issue 12) found, one per find,
//! named for what it broke.

use rionet::bytes::BytesMut;
use rionet::frame::{Decoder, Encoder, LengthPrefix};

/// A `LengthPrefix` keeping its varint length field in the decoded frame
/// (`strip` at most the offset): the encoder takes the item's placeholder
/// varint and writes the real one, which can be wider. The decoded frame
/// grows with it, so checking the item against the maximum is not enough:
/// found by the roundtrip target (an item within the maximum whose frame
/// came back `FrameTooLarge`).
#[test]
#[ignore = "open bug in LengthPrefix's encoder (src/frame/length.rs): it checks the item, not the widened frame, against the maximum; the fuzz harness skips this case until it is fixed (fuzz/src/codecs.rs, widened_past_max)"]
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
