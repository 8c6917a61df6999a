//! `LengthPrefix` decoding, every setting `build()` accepts drawn from the
//! input (offsets and strips up to its 64 KiB limit), fed whole and in
//! random chunks, through `decode`, `decode_slice` and `decode_slices`,
//! against the naive model: frames, errors, skip counters.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rionet_fuzz::drive::{decode_batches, decode_borrowed, decode_chunks};
use rionet_fuzz::input::{Input, chunks};
use rionet_fuzz::{codecs, model, settings};

fuzz_target!(|data: &[u8]| {
    let mut input = Input::new(data);
    let Some(m) = settings::length(&mut input) else {
        return;
    };
    let (stream, sizes) = input.split_rest();
    let expected = model::length_events(&m, stream);
    let rules = codecs::length_rules(&m);
    let whole = decode_chunks(&mut codecs::length(&m), &[stream], &rules);
    assert_eq!(whole.outcome, expected, "whole stream, {m:?}");
    let chunked = decode_chunks(&mut codecs::length(&m), &chunks(stream, sizes), &rules);
    assert_eq!(chunked.outcome, expected, "chunked stream, {m:?}");
    // The borrowed path: the same frames, errors and skip counts.
    let borrowed = decode_borrowed(&mut codecs::length(&m), &[stream], &rules);
    assert_eq!(borrowed.outcome, expected, "whole stream, borrowed, {m:?}");
    let borrowed = decode_borrowed(&mut codecs::length(&m), &chunks(stream, sizes), &rules);
    assert_eq!(
        borrowed.outcome, expected,
        "chunked stream, borrowed, {m:?}"
    );
    // The batch path: the same again, all whole frames in one call.
    let batch = decode_batches(&mut codecs::length(&m), &[stream], &rules);
    assert_eq!(batch.outcome, expected, "whole stream, batch, {m:?}");
    let batch = decode_batches(&mut codecs::length(&m), &chunks(stream, sizes), &rules);
    assert_eq!(batch.outcome, expected, "chunked stream, batch, {m:?}");
});
