//! `FixedLength`: chunking never changes the frames, round trips, the
//! encoder's size check, and loopback sockets.

mod util;

use std::io::Write;
use std::thread;

use bytes::{Bytes, BytesMut};
use proptest::prelude::*;
use rionet::frame::{Decoder, Encoder, FixedLength, FrameError};
use util::{Event, decode_in_pieces, decode_reader, events};

/// The naive model: whole frames of `n` bytes, then the rest as a partial frame.
fn naive_fixed(data: &[u8], n: usize) -> Vec<Event> {
    data.chunks(n)
        .map(|c| {
            if c.len() == n {
                Event::Frame(c.to_vec())
            } else {
                Event::Partial(c.to_vec())
            }
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Any stream, cut anywhere (and one byte at a time), gives the frames
    /// of the model.
    #[test]
    fn chunking_never_changes_the_frames(
        n in 1usize..20,
        data in prop::collection::vec(any::<u8>(), 0..200),
        cuts in prop::collection::vec(0usize..210, 0..12),
    ) {
        let model = naive_fixed(&data, n);
        let every_byte: Vec<usize> = (1..data.len()).collect();
        for cuts in [cuts, every_byte] {
            let actual = events(decode_in_pieces(&mut FixedLength::new(n), &data, &cuts));
            prop_assert_eq!(&actual, &model);
        }
    }

    /// Frames of the right size round-trip; others are refused, leaving
    /// the output untouched.
    #[test]
    fn encoded_frames_decode_back(
        n in 1usize..8,
        frames in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..10), 0..20),
        cuts in prop::collection::vec(0usize..100, 0..12),
    ) {
        let mut codec = FixedLength::new(n);
        let mut wire = BytesMut::new();
        let mut sent = Vec::new();
        for frame in frames {
            let before = wire.len();
            match codec.encode(Bytes::from(frame.clone()), &mut wire) {
                Ok(()) => sent.push(Event::Frame(frame)),
                Err(FrameError::FrameLengthMismatch { len, expected }) => {
                    prop_assert_eq!((len, expected), (frame.len(), n));
                    prop_assert_ne!(len, n);
                    prop_assert_eq!(wire.len(), before);
                }
                Err(e) => panic!("unexpected error {e}"),
            }
        }
        prop_assert_eq!(events(decode_in_pieces(&mut codec, &wire, &cuts)), sent);
    }
}

#[test]
fn encoder_error_names_both_sizes() {
    let err = FixedLength::new(8)
        .encode(&b"abc"[..], &mut BytesMut::new())
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "frame of 3 bytes does not match the fixed frame length of 8 bytes"
    );
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
}

#[test]
#[should_panic(expected = "at least one byte")]
fn a_zero_length_is_a_programming_error() {
    FixedLength::new(0);
}

#[test]
fn decoding_reserves_nothing_ahead() {
    let mut codec = FixedLength::new(1 << 30);
    let mut buf = BytesMut::from(&b"small"[..]);
    let capacity = buf.capacity();
    assert_eq!(codec.decode(&mut buf).unwrap(), None);
    assert_eq!(buf.capacity(), capacity);
}

#[test]
fn sockets_many_frames_in_one_write_then_frames_across_writes_then_a_cut_frame() {
    let (mut client, mut server) = util::tcp_pair();
    client.set_nodelay(true).unwrap();
    let big: Vec<u8> = (0..=255u8).cycle().take(64 << 10).collect();
    let mut wire = Vec::new();
    for i in 0..1000u32 {
        wire.extend_from_slice(&i.to_be_bytes());
    }
    let writer = {
        let big = big.clone();
        thread::spawn(move || {
            // 1000 four-byte frames in one write.
            client.write_all(&wire).unwrap();
            // 64 KiB of frames in 1000-byte writes: frames straddle writes.
            for piece in big.chunks(1000) {
                client.write_all(piece).unwrap();
            }
            // Then the peer closes in the middle of a frame.
            client.write_all(&[1, 2]).unwrap();
        })
    };
    let outcomes = events(decode_reader(&mut FixedLength::new(4), &mut server, 4096));
    writer.join().unwrap();
    let mut expected: Vec<Event> = (0..1000u32)
        .map(|i| Event::Frame(i.to_be_bytes().to_vec()))
        .collect();
    expected.extend(big.chunks(4).map(|c| Event::Frame(c.to_vec())));
    expected.push(Event::Partial(vec![1, 2]));
    assert_eq!(outcomes, expected);
}

#[test]
fn sockets_one_large_frame_in_many_writes() {
    let (mut client, mut server) = util::tcp_pair();
    client.set_nodelay(true).unwrap();
    let big: Vec<u8> = (0..=255u8).cycle().take(100_000).collect();
    let writer = {
        let big = big.clone();
        thread::spawn(move || {
            for piece in big.chunks(777) {
                client.write_all(piece).unwrap();
            }
        })
    };
    let outcomes = events(decode_reader(
        &mut FixedLength::new(big.len()),
        &mut server,
        1500,
    ));
    writer.join().unwrap();
    assert_eq!(outcomes, [Event::Frame(big)]);
}
