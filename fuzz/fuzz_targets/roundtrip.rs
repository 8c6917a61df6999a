//! Encoder -> decoder round trips for every codec (settings drawn from the
//! input) and every item type it takes; `encode` against `encode_parts`.
//! What an encoder accepts, its decoder must read back whole, frame for
//! frame, however the wire is chunked.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rionet_fuzz::codecs::{self, Back};
use rionet_fuzz::drive::decode_chunks;
use rionet_fuzz::input::{Input, chunks};
use rionet_fuzz::model::Event;

fuzz_target!(|data: &[u8]| {
    let mut input = Input::new(data);
    let Some((codec, rules, back)) = codecs::pick(&mut input) else {
        return;
    };
    let n_sizes = usize::from(input.u8() % 32);
    let sizes = input.bytes(n_sizes);
    let mut encoder = codec.clone();
    let (mut wire, mut pieces, mut expected) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..64 {
        if input.is_empty() {
            break;
        }
        let len = input.range(0, 48);
        let item = input.bytes(len);
        if let Ok(piece) = encoder.encode(item) {
            wire.extend_from_slice(&piece);
            expected.push(match &back {
                Back::Same | Back::Reencoded { .. } => item.to_vec(),
                Back::WithDelimiter(d) => [item, d].concat(),
            });
            pieces.push(piece);
        }
    }
    let run = decode_chunks(&mut codec.clone(), &chunks(&wire, sizes), &rules);
    let frames: Vec<Vec<u8>> = run
        .outcome
        .events
        .into_iter()
        .map(|e| match e {
            Event::Frame(f) => f,
            other => panic!("encoded wire decoded to {other:?}, {codec:?}"),
        })
        .collect();
    assert_eq!(frames.len(), expected.len(), "frame count, {codec:?}");
    assert_eq!(
        (run.outcome.skipped_frames, run.outcome.skipped_bytes),
        (0, 0),
        "an encoded frame was skipped, {codec:?}"
    );
    for ((frame, want), piece) in frames.iter().zip(&expected).zip(&pieces) {
        match back {
            Back::Reencoded { .. } => {
                let again = encoder.encode(frame);
                assert_eq!(again.as_ref(), Ok(piece), "re-encoding a frame, {codec:?}");
            }
            _ => assert_eq!(frame, want, "{codec:?}"),
        }
    }
});
