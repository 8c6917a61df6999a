//! `FrameWriter` -> `FrameReader` for every codec (settings drawn from the
//! input), through a writer and a reader with short transfers,
//! `Interrupted` and `WouldBlock`: the wire is exactly the frames'
//! encodings, and the reader gives back every frame, in order.
#![no_main]

use std::io;

use libfuzzer_sys::fuzz_target;
use rionet::frame::{FrameError, FrameReader, FrameWriter};
use rionet_fuzz::codecs::{self, Back};
use rionet_fuzz::faulty::{FaultyReader, FaultyWriter};
use rionet_fuzz::input::Input;

/// Retries `op` while it fails with `WouldBlock` (which must be
/// recoverable); `Interrupted` must never come out. The faulty reader and
/// writer move at least one byte on the call after a failure, so `op`
/// gets one retry per byte of `wire` (an offset field can make it more
/// than 100 KiB), and more is no progress.
fn retry<T>(wire: usize, mut op: impl FnMut() -> Result<T, FrameError>) -> Result<T, FrameError> {
    for _ in 0..=wire + 1 {
        match op() {
            Err(err) if err.kind() == io::ErrorKind::WouldBlock => {
                assert!(err.is_recoverable(), "WouldBlock is fatal: {err:?}");
                continue;
            }
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {
                panic!("Interrupted came out: {err:?}")
            }
            other => return other,
        }
    }
    panic!("no progress");
}

fuzz_target!(|data: &[u8]| {
    let mut input = Input::new(data);
    let Some((codec, _rules, back)) = codecs::pick(&mut input) else {
        return;
    };
    let capacity = input.range(1, 64);
    let chunk = input.range(1, 64);
    let n_script = usize::from(input.u8() % 16);
    let wscript = input.bytes(n_script);
    let n_script = usize::from(input.u8() % 16);
    let rscript = input.bytes(n_script);

    let mut writer =
        FrameWriter::with_capacity(capacity, FaultyWriter::new(wscript, true), codec.clone());
    let mut model = codec.clone();
    let (mut wire, mut pieces, mut expected) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..64 {
        if input.is_empty() {
            break;
        }
        let len = input.range(0, 160);
        let item = input.bytes(len);
        let want = model.encode(item);
        match (writer.send(item), &want) {
            (Ok(()), Ok(_)) => {}
            // An I/O error after the frame was encoded: it stays buffered
            // in full and goes out with the next flush.
            (Err(err), Ok(_)) if err.kind() == io::ErrorKind::WouldBlock => {
                assert!(err.is_recoverable(), "WouldBlock is fatal: {err:?}");
            }
            (Err(err), Err(text)) => assert_eq!(&err.to_string(), text),
            (got, want) => panic!("send gave {got:?}, encode {want:?}"),
        }
        if let Ok(piece) = want {
            wire.extend_from_slice(&piece);
            expected.push(match &back {
                Back::Same | Back::Reencoded { .. } => item.to_vec(),
                Back::WithDelimiter(d) => [item, d].concat(),
            });
            pieces.push(piece);
        }
    }
    retry(wire.len(), || writer.flush().map_err(FrameError::from)).expect("flush");
    let (sink, _, left) = writer.into_parts();
    assert!(left.is_empty(), "{} bytes left after a flush", left.len());
    assert_eq!(sink.written, wire, "the wire is not the frames' encodings");

    let mut reader = FrameReader::with_capacity(
        chunk,
        FaultyReader::new(&wire, rscript, true),
        codec.clone(),
    );
    let mut frames = Vec::new();
    while let Some(frame) = retry(wire.len(), || reader.read_frame()).expect("read_frame") {
        frames.push(frame.to_vec());
        assert!(frames.len() <= expected.len(), "more frames than were sent");
    }
    assert_eq!(frames.len(), expected.len(), "frame count, {codec:?}");
    for ((frame, want), piece) in frames.iter().zip(&expected).zip(&pieces) {
        match back {
            Back::Reencoded { .. } => {
                assert_eq!(
                    model.encode(frame).as_ref(),
                    Ok(piece),
                    "re-encoding, {codec:?}"
                )
            }
            _ => assert_eq!(frame, want, "{codec:?}"),
        }
    }
});
