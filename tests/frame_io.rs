//! `FrameReader` / `FrameWriter`: scripted I/O edge cases and real loopback
//! sockets.

mod util;

use std::io::{self, ErrorKind, Read, Write};
use std::net::Shutdown;
use std::thread;

use bytes::{Bytes, BytesMut};
use proptest::prelude::*;
use rionet::frame::{
    Delimited, Encoder, FrameError, FrameReader, FrameWriter, LengthPrefix, Lines, Oversize,
};
use util::{ScriptedReader, ScriptedWriter, Step, tcp_pair};

fn encode_all(frames: &[Vec<u8>]) -> Vec<u8> {
    let mut codec = LengthPrefix::new();
    let mut wire = BytesMut::new();
    for frame in frames {
        codec.encode(&frame[..], &mut wire).unwrap();
    }
    wire.to_vec()
}

fn collect<R: Read>(reader: FrameReader<R, LengthPrefix>) -> Vec<Vec<u8>> {
    reader.map(|frame| frame.unwrap().to_vec()).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Whatever sizes the reads come back in, the frames come out whole.
    #[test]
    fn reader_reassembles_any_split(
        frames in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..300), 0..10),
        cuts in prop::collection::vec(0usize..4000, 0..20),
        chunk in 1usize..64,
    ) {
        let wire = encode_all(&frames);
        let reader = ScriptedReader::split_at(&wire, &cuts);
        let frames_out = collect(FrameReader::with_capacity(chunk, reader, LengthPrefix::new()));
        prop_assert_eq!(frames_out, frames);
    }
}

#[test]
fn reader_one_byte_at_a_time() {
    let frames: Vec<Vec<u8>> = (0..20u8).map(|i| vec![i; usize::from(i) * 11]).collect();
    let wire = encode_all(&frames);
    let reader = ScriptedReader::chunked(&wire, 1);
    assert_eq!(
        collect(FrameReader::new(reader, LengthPrefix::new())),
        frames
    );
}

#[test]
fn reader_retries_interrupted_and_survives_timeouts() {
    let wire = encode_all(&[b"hello".to_vec(), b"world".to_vec()]);
    let reader = ScriptedReader::new([
        Step::Data(wire[..3].to_vec()),
        Step::Fail(ErrorKind::Interrupted),
        Step::Data(wire[3..7].to_vec()),
        Step::Fail(ErrorKind::WouldBlock),
        Step::Data(wire[7..12].to_vec()),
        Step::Fail(ErrorKind::TimedOut),
        Step::Data(wire[12..].to_vec()),
    ]);
    let mut frames = FrameReader::new(reader, LengthPrefix::new());
    let err = frames.next().unwrap().unwrap_err();
    assert!(matches!(&err, FrameError::Io(e) if e.kind() == ErrorKind::WouldBlock));
    // Nothing was lost: 7 bytes are buffered.
    assert_eq!(frames.buffer().len(), 7);
    assert_eq!(&frames.next().unwrap().unwrap()[..], b"hello");
    let err = frames.next().unwrap().unwrap_err();
    assert!(matches!(&err, FrameError::Io(e) if e.kind() == ErrorKind::TimedOut));
    assert_eq!(&frames.next().unwrap().unwrap()[..], b"world");
    assert!(frames.next().is_none());
    assert!(frames.next().is_none());
    // Interrupted never surfaced: 3 data reads + 2 failures + 1 interrupted
    // + the final read that saw the end of stream.
    assert_eq!(frames.get_ref().calls, 8);
}

#[test]
fn reader_reports_a_partial_frame_with_its_bytes_then_ends() {
    let wire = encode_all(&[b"one".to_vec(), b"two".to_vec()]);
    let cut = wire.len() - 1;
    let mut frames = FrameReader::new(
        ScriptedReader::chunked(&wire[..cut], 2),
        LengthPrefix::new(),
    );
    assert_eq!(&frames.next().unwrap().unwrap()[..], b"one");
    match frames.next() {
        Some(Err(FrameError::PartialFrame { pending, .. })) => {
            assert_eq!(&pending[..], b"\0\0\0\x03tw")
        }
        other => panic!("{other:?}"),
    }
    assert!(frames.next().is_none());
}

#[test]
fn reader_ends_after_a_fatal_error_but_carries_on_after_a_skip() {
    let wire = encode_all(&[vec![1; 10], vec![2; 100], vec![3; 10]]);
    let codec = LengthPrefix::builder().max_frame_len(50).build();
    let out: Vec<_> = FrameReader::new(&wire[..], codec).collect();
    assert_eq!(out.len(), 2);
    // The maximum counts the payload handed back, not the header.
    assert!(matches!(
        &out[1],
        Err(err @ FrameError::FrameTooLarge { len: 100, max: 50, .. }) if !err.is_recoverable()
    ));

    let codec = LengthPrefix::builder()
        .max_frame_len(50)
        .oversize(Oversize::Skip)
        .build();
    let mut reader = FrameReader::new(ScriptedReader::chunked(&wire, 7), codec);
    let out: Vec<_> = reader.by_ref().collect();
    assert_eq!(out.len(), 2, "a skip is not an error: {out:?}");
    assert_eq!(out[0].as_ref().unwrap()[..], [1; 10]);
    assert_eq!(out[1].as_ref().unwrap()[..], [3; 10]);
    assert_eq!(reader.decoder().skipped_frames(), 1);
    assert_eq!(reader.decoder().skipped_bytes(), 104);
}

#[test]
fn reader_memory_follows_the_bytes_received_not_the_header() {
    // A header declaring 4 GiB, then 200 KiB, then a timeout.
    let mut data = vec![0xff, 0xff, 0xff, 0xfb];
    data.extend(vec![7u8; 200 * 1024]);
    let reader = ScriptedReader::new([Step::Data(data), Step::Fail(ErrorKind::TimedOut)]);
    let codec = LengthPrefix::builder().max_frame_len(usize::MAX).build();
    let mut frames = FrameReader::with_capacity(16 * 1024, reader, codec);
    assert!(
        matches!(frames.read_frame(), Err(FrameError::Io(e)) if e.kind() == ErrorKind::TimedOut)
    );
    let (_, _, buffered) = frames.into_parts();
    assert_eq!(buffered.len(), 200 * 1024 + 4);
    assert!(
        buffered.capacity() <= 2 * (200 * 1024 + 4) + 16 * 1024,
        "capacity {}",
        buffered.capacity()
    );
}

#[test]
fn reader_starts_from_buffered_bytes() {
    let wire = encode_all(&[b"first".to_vec(), b"second".to_vec()]);
    let (handed_over, rest) = wire.split_at(6);
    let frames = FrameReader::with_buffered(rest, LengthPrefix::new(), handed_over);
    assert_eq!(collect(frames), [b"first".to_vec(), b"second".to_vec()]);
    // Whole frames in the handed-over bytes come out before any read.
    let reader = ScriptedReader::new([Step::Fail(ErrorKind::Other)]);
    let mut frames = FrameReader::with_buffered(reader, LengthPrefix::new(), &wire);
    assert_eq!(&frames.read_frame().unwrap().unwrap()[..], b"first");
    assert_eq!(&frames.read_frame().unwrap().unwrap()[..], b"second");
    assert_eq!(frames.get_ref().calls, 0);
}

#[test]
fn writer_buffers_small_frames_until_flush() {
    let mut out = FrameWriter::new(ScriptedWriter::default(), LengthPrefix::new());
    for i in 0..100u8 {
        out.send(&[i; 10][..]).unwrap();
    }
    assert_eq!(out.get_ref().calls, 0);
    out.flush().unwrap();
    let writer = out.into_inner().unwrap();
    assert_eq!(writer.calls, 1);
    let expected: Vec<Vec<u8>> = (0..100u8).map(|i| vec![i; 10]).collect();
    assert_eq!(writer.written, encode_all(&expected));
}

#[test]
fn writer_sends_a_large_payload_in_one_vectored_write() {
    let mut out = FrameWriter::with_capacity(1024, ScriptedWriter::default(), LengthPrefix::new());
    out.send(&b"small"[..]).unwrap();
    out.send(Bytes::from(vec![9u8; 4096])).unwrap();
    // One call carried the buffered frame, the header and the payload.
    assert_eq!(out.get_ref().calls, 1);
    assert!(out.buffer().is_empty());
    let writer = out.into_inner().unwrap();
    assert_eq!(
        writer.written,
        encode_all(&[b"small".to_vec(), vec![9u8; 4096]])
    );
}

#[test]
fn writer_sends_large_fixed_length_frames_without_copying_them() {
    let codec = rionet::frame::FixedLength::new(4096);
    let mut out = FrameWriter::with_capacity(1024, ScriptedWriter::default(), codec);
    let (one, two) = (Bytes::from(vec![1u8; 4096]), [2u8; 4096]);
    out.send(one.clone()).unwrap();
    out.send(&two[..]).unwrap();
    // Each frame went straight out in its own write, never through the buffer.
    assert_eq!(out.get_ref().calls, 2);
    let addresses = &out.get_ref().addresses;
    assert!(addresses.contains(&(one.as_ptr() as usize)), "copied");
    assert!(addresses.contains(&(two.as_ptr() as usize)), "copied");
    assert!(out.buffer().is_empty());
    // A payload of the wrong size is refused before anything is written.
    assert!(matches!(
        out.send(&[3u8; 10][..]),
        Err(FrameError::FrameLengthMismatch {
            len: 10,
            expected: 4096
        })
    ));
    let writer = out.into_inner().unwrap();
    assert_eq!(writer.written, [vec![1u8; 4096], vec![2u8; 4096]].concat());
}

#[test]
fn writer_sends_large_delimited_frames_without_copying_them() {
    // Lines: the payload and its "\r\n" go out together, past the buffer.
    let mut out = FrameWriter::with_capacity(1024, ScriptedWriter::default(), Lines::crlf());
    out.send(&b"hi"[..]).unwrap();
    let line = [vec![b'a'; 4095], b"\r".to_vec()].concat(); // a '\r' is fine before "\r\n"
    out.send(&line[..]).unwrap();
    assert_eq!(out.get_ref().calls, 1);
    assert!(
        out.get_ref().addresses.contains(&(line.as_ptr() as usize)),
        "the line was copied"
    );
    // Refused, before anything is written: a line ending inside the line.
    let mut bad = vec![b'b'; 4096];
    bad[4000..4002].copy_from_slice(b"\r\n");
    assert!(matches!(
        out.send(&bad[..]),
        Err(FrameError::DelimiterInFrame {
            offset: 4000,
            len: 4096
        })
    ));
    assert!(out.buffer().is_empty());
    let writer = out.into_inner().unwrap();
    assert_eq!(writer.written, [&b"hi\r\n"[..], &line, b"\r\n"].concat());

    // Delimited: refused when the payload's end runs into the delimiter.
    let mut out = FrameWriter::with_capacity(1024, ScriptedWriter::default(), Delimited::new("--"));
    let record = Bytes::from(vec![b'r'; 4096]);
    out.send(record.clone()).unwrap();
    let mut bad = vec![b'r'; 4096];
    bad[4095] = b'-';
    assert!(matches!(
        out.send(&bad[..]),
        Err(FrameError::DelimiterInFrame {
            offset: 4095,
            len: 4096
        })
    ));
    assert_eq!(out.get_ref().calls, 1);
    assert!(
        out.get_ref()
            .addresses
            .contains(&(record.as_ptr() as usize)),
        "the record was copied"
    );
    assert!(out.buffer().is_empty());
    let writer = out.into_inner().unwrap();
    assert_eq!(writer.written, [&record[..], b"--"].concat());
}

#[test]
fn writer_finishes_partial_vectored_writes() {
    let steps = [
        Step::Accept(3),
        Step::Fail(ErrorKind::Interrupted),
        Step::Accept(6),
        Step::Accept(1000),
    ];
    let mut out = FrameWriter::with_capacity(64, ScriptedWriter::new(steps), LengthPrefix::new());
    out.send(&b"ab"[..]).unwrap();
    let big = vec![5u8; 3000];
    out.send(&big[..]).unwrap();
    let writer = out.into_inner().unwrap();
    assert_eq!(writer.written, encode_all(&[b"ab".to_vec(), big]));
}

#[test]
fn writer_keeps_unsent_bytes_on_error_and_resumes() {
    let big = vec![4u8; 500];
    for steps in [
        vec![Step::Accept(7), Step::Zero],
        vec![Step::Accept(200), Step::Fail(ErrorKind::WouldBlock)],
        vec![Step::Accept(509), Step::Fail(ErrorKind::BrokenPipe)],
    ] {
        let mut out =
            FrameWriter::with_capacity(100, ScriptedWriter::new(steps), LengthPrefix::new());
        out.send(&b"xy"[..]).unwrap();
        let err = out.send(&big[..]).unwrap_err();
        assert!(matches!(err, FrameError::Io(_)), "{err:?}");
        let sent = out.get_ref().written.len();
        assert_eq!(out.buffer().len(), 6 + 504 - sent, "unsent bytes kept");
        out.flush().unwrap();
        let writer = out.into_inner().unwrap();
        assert_eq!(writer.written, encode_all(&[b"xy".to_vec(), big.clone()]));
    }
    // A buffered write that makes no progress is WriteZero, not a spin.
    let mut out = FrameWriter::new(ScriptedWriter::new([Step::Zero]), LengthPrefix::new());
    out.send(&b"z"[..]).unwrap();
    assert!(matches!(out.flush(), Err(e) if e.kind() == ErrorKind::WriteZero));
    assert_eq!(out.buffer().len(), 5);
}

/// The edges of the inlined small-frame path: a frame that fills the
/// buffer exactly is written out at once, one byte more goes out with the
/// buffer in one vectored write, and a payload of `capacity` bytes never
/// enters the buffer.
#[test]
fn writer_buffer_boundaries() {
    // 4 + 12 bytes fill a 16-byte buffer: written out by `send` itself.
    let mut out = FrameWriter::with_capacity(16, ScriptedWriter::default(), LengthPrefix::new());
    out.send(&[1u8; 12][..]).unwrap();
    assert_eq!(out.get_ref().calls, 1);
    assert!(out.buffer().is_empty());
    // 4 + 7 bytes fit; 4 + 1 more do not by one byte: both frames go out
    // together, the buffer never past 16 bytes.
    out.send(&[2u8; 7][..]).unwrap();
    assert_eq!(out.buffer().len(), 11);
    assert_eq!(out.get_ref().calls, 1);
    out.send(&[3u8; 2][..]).unwrap();
    assert_eq!(out.get_ref().calls, 2);
    assert!(out.buffer().is_empty());
    // A payload of exactly `capacity` bytes bypasses the buffer, uncopied.
    let big = [4u8; 16];
    out.send(&big[..]).unwrap();
    assert_eq!(out.get_ref().calls, 3);
    assert!(out.get_ref().addresses.contains(&(big.as_ptr() as usize)));
    // A payload larger than the buffer, with frames buffered before it.
    out.send(&[5u8; 1][..]).unwrap();
    let bigger = [6u8; 40];
    out.send(&bigger[..]).unwrap();
    assert_eq!(out.get_ref().calls, 4);
    assert!(out.buffer().is_empty());
    let frames = [
        vec![1u8; 12],
        vec![2; 7],
        vec![3; 2],
        big.to_vec(),
        vec![5],
        bigger.to_vec(),
    ];
    assert_eq!(out.into_inner().unwrap().written, encode_all(&frames));
}

/// Sends `frames` through a `FrameWriter` of `capacity` bytes into a `Vec`
/// (every write succeeds); returns the buffer's allocation afterwards and
/// that of a writer that sent nothing.
fn writer_allocation<E>(
    capacity: usize,
    encoder: impl Fn() -> E,
    frames: &[Vec<u8>],
) -> (usize, usize)
where
    E: for<'a> Encoder<&'a [u8], Error = FrameError>,
{
    let fresh = FrameWriter::with_capacity(capacity, Vec::new(), encoder())
        .into_parts()
        .2;
    let mut out = FrameWriter::with_capacity(capacity, Vec::new(), encoder());
    for frame in frames {
        out.send(&frame[..]).unwrap();
        assert!(
            out.buffer().len() < capacity.max(1),
            "{} bytes buffered",
            out.buffer().len()
        );
    }
    (out.into_parts().2.capacity(), fresh.capacity())
}

/// The buffer filling up inside `send` (the write-out of the fast path),
/// against a writer that takes a few bytes, is interrupted, then would
/// block: `send` reports the `WouldBlock` with the frame buffered, keeps
/// exactly the bytes not taken, and `flush` carries on.
#[test]
fn writer_fills_the_buffer_against_short_interrupted_and_blocking_writes() {
    let steps = [
        Step::Accept(3),
        Step::Fail(ErrorKind::Interrupted),
        Step::Accept(5),
        Step::Fail(ErrorKind::WouldBlock),
    ];
    let mut out = FrameWriter::with_capacity(16, ScriptedWriter::new(steps), LengthPrefix::new());
    out.send(&[1u8; 4][..]).unwrap();
    let err = out.send(&[2u8; 4][..]).unwrap_err();
    assert!(
        matches!(&err, FrameError::Io(e) if e.kind() == ErrorKind::WouldBlock),
        "{err:?}"
    );
    assert_eq!(out.get_ref().written.len(), 8);
    assert_eq!(out.buffer().len(), 16 - 8);
    out.flush().unwrap();
    let frames = [vec![1u8; 4], vec![2u8; 4]];
    assert_eq!(out.into_inner().unwrap().written, encode_all(&frames));
}

#[test]
fn writer_refuses_an_unframeable_item_and_stays_usable() {
    let codec = LengthPrefix::builder().field_len(1).build();
    let mut out = FrameWriter::new(Vec::new(), codec);
    out.send(&b"ok"[..]).unwrap();
    assert!(matches!(
        out.send(&[0u8; 256][..]),
        Err(FrameError::LengthFieldOverflow { len: 256, .. })
    ));
    assert_eq!(out.buffer(), b"\x02ok");
}

/// An encoder that only implements `encode`: FrameWriter still works.
#[derive(Debug)]
struct Plain;

impl Encoder<&[u8]> for Plain {
    type Error = FrameError;

    fn encode(&mut self, item: &[u8], dst: &mut BytesMut) -> Result<(), FrameError> {
        dst.extend_from_slice(item);
        dst.extend_from_slice(b"\n");
        Ok(())
    }
}

#[test]
fn writer_works_with_a_plain_encoder() {
    let mut out = FrameWriter::with_capacity(16, Vec::new(), Plain);
    out.send(&b"line"[..]).unwrap();
    out.send(&[b'x'; 40][..]).unwrap();
    let mut expected = b"line\n".to_vec();
    expected.extend([b'x'; 40]);
    expected.push(b'\n');
    assert_eq!(out.into_inner().unwrap(), expected);
}

#[test]
fn socket_many_frames_in_one_write() {
    let (mut client, server) = tcp_pair();
    let frames: Vec<Vec<u8>> = (0..500u16)
        .map(|i| vec![i as u8; usize::from(i % 50)])
        .collect();
    let wire = encode_all(&frames);
    let writer = thread::spawn(move || {
        client.write_all(&wire).unwrap();
        client.shutdown(Shutdown::Write).unwrap();
    });
    assert_eq!(
        collect(FrameReader::new(server, LengthPrefix::new())),
        frames
    );
    writer.join().unwrap();
}

#[test]
fn socket_one_frame_in_many_writes() {
    let (mut client, server) = tcp_pair();
    client.set_nodelay(true).unwrap();
    let frame: Vec<u8> = (0..=255).collect();
    let wire = encode_all(std::slice::from_ref(&frame));
    let writer = thread::spawn(move || {
        for byte in wire {
            client.write_all(&[byte]).unwrap();
        }
        client.shutdown(Shutdown::Write).unwrap();
    });
    assert_eq!(
        collect(FrameReader::new(server, LengthPrefix::new())),
        [frame]
    );
    writer.join().unwrap();
}

#[test]
fn socket_peer_closing_mid_frame() {
    let (mut client, server) = tcp_pair();
    let wire = encode_all(&[b"whole".to_vec(), vec![1; 100]]);
    let cut = wire.len() - 40;
    let writer = thread::spawn(move || {
        client.write_all(&wire[..cut]).unwrap();
        drop(client);
    });
    let mut frames = FrameReader::new(server, LengthPrefix::new());
    assert_eq!(&frames.next().unwrap().unwrap()[..], b"whole");
    match frames.next() {
        Some(Err(FrameError::PartialFrame { pending, .. })) => assert_eq!(pending.len(), 4 + 60),
        other => panic!("{other:?}"),
    }
    assert!(frames.next().is_none());
    writer.join().unwrap();
}

#[test]
fn socket_writer_to_reader_small_and_large_frames() {
    let (client, server) = tcp_pair();
    let frames: Vec<Vec<u8>> = (0..40usize)
        .map(|i| vec![i as u8; if i % 4 == 0 { 200_000 + i } else { i * 3 }])
        .collect();
    let to_send = frames.clone();
    let writer = thread::spawn(move || -> io::Result<()> {
        let mut out = FrameWriter::new(client, LengthPrefix::new());
        for frame in to_send {
            out.send(Bytes::from(frame))?;
        }
        out.flush()?;
        out.into_inner()?.shutdown(Shutdown::Write)
    });
    assert_eq!(
        collect(FrameReader::new(server, LengthPrefix::new())),
        frames
    );
    writer.join().unwrap().unwrap();
}

/// A writer step: accept some bytes, or fail one call.
fn writer_step() -> impl Strategy<Value = Step> {
    prop_oneof![
        4 => (0usize..120).prop_map(Step::Accept),
        1 => Just(Step::Zero),
        1 => Just(Step::Fail(ErrorKind::Interrupted)),
        1 => Just(Step::Fail(ErrorKind::WouldBlock)),
        1 => Just(Step::Fail(ErrorKind::TimedOut)),
    ]
}

/// A reader step: some bytes (cut later), or fail one call.
fn reader_fault() -> impl Strategy<Value = Option<ErrorKind>> {
    prop_oneof![
        4 => Just(None),
        1 => Just(Some(ErrorKind::Interrupted)),
        1 => Just(Some(ErrorKind::WouldBlock)),
        1 => Just(Some(ErrorKind::TimedOut)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Whatever the writer accepts call by call, and whatever errors it
    /// returns, the stream is every frame exactly once, in order, once
    /// `flush` is retried until it succeeds (a failed `send` is never
    /// repeated: its frame is kept).
    #[test]
    fn writer_neither_loses_nor_duplicates_bytes(
        frames in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..300), 0..10),
        steps in prop::collection::vec(writer_step(), 0..40),
        capacity in 1usize..128,
    ) {
        let mut out = FrameWriter::with_capacity(capacity, ScriptedWriter::new(steps), LengthPrefix::new());
        for frame in &frames {
            if let Err(err) = out.send(&frame[..]) {
                prop_assert!(matches!(err, FrameError::Io(_)), "{:?}", err);
            }
        }
        // The script is finite, then everything is accepted.
        let mut tries = 0;
        while out.flush().is_err() {
            tries += 1;
            prop_assert!(tries <= 40);
        }
        prop_assert_eq!(out.into_inner().unwrap().written, encode_all(&frames));
    }

    /// While writes succeed, the buffer's allocation never grows, whatever
    /// the frame sizes: the head of a frame that does not fit any more is
    /// appended within the room the buffer keeps for it (16 bytes and an
    /// 11-byte frame, then a 2-byte one, once doubled it). The codecs: a
    /// 4-byte field, a varint, the longest heads the room is for (a 54-byte
    /// offset before a varint; a strip of 64 bytes, 60 of them body bytes
    /// written back as zeros), a line ending.
    #[test]
    fn writer_allocation_never_grows_while_writes_succeed(
        frames in prop::collection::vec(prop::collection::vec(b'a'..=b'z', 0..300), 0..40),
        capacity in 1usize..300,
    ) {
        let varint = || LengthPrefix::builder().varint().build();
        let offset = || LengthPrefix::builder().length_field_offset(54).varint().build();
        let strip = || LengthPrefix::builder().strip(64).build();
        for (after, fresh) in [
            writer_allocation(capacity, LengthPrefix::new, &frames),
            writer_allocation(capacity, varint, &frames),
            writer_allocation(capacity, offset, &frames),
            writer_allocation(capacity, strip, &frames),
            writer_allocation(capacity, Lines::new, &frames),
        ] {
            prop_assert_eq!(after, fresh);
        }
    }

    /// Reads that come back short, interrupted, or timed out: after the
    /// caller retries the timeouts, the frames come out whole and in order.
    #[test]
    fn reader_loses_nothing_across_timeouts(
        frames in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..300), 0..10),
        cuts in prop::collection::vec((0usize..4000, reader_fault()), 0..20),
        chunk in 1usize..64,
    ) {
        let wire = encode_all(&frames);
        let mut cuts = cuts;
        cuts.iter_mut().for_each(|(cut, _)| *cut = (*cut).min(wire.len()));
        cuts.sort_unstable_by_key(|&(cut, _)| cut);
        let mut steps = Vec::new();
        let mut start = 0;
        for (cut, fault) in cuts {
            steps.push(Step::Data(wire[start..cut].to_vec()));
            start = cut;
            if let Some(kind) = fault {
                steps.push(Step::Fail(kind));
            }
        }
        steps.push(Step::Data(wire[start..].to_vec()));
        // Empty pieces would read as end of stream.
        steps.retain(|step| !matches!(step, Step::Data(data) if data.is_empty()));
        let mut reader = FrameReader::with_capacity(chunk, ScriptedReader::new(steps), LengthPrefix::new());
        let mut out = Vec::new();
        for _ in 0..100 {
            match reader.read_frame() {
                Ok(Some(frame)) => out.push(frame.to_vec()),
                Ok(None) => break,
                Err(FrameError::Io(e)) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
                Err(err) => prop_assert!(false, "{:?}", err),
            }
        }
        prop_assert_eq!(out, frames);
    }
}
