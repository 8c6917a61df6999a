//! `FixedLength` decoding, frame size drawn from the input, fed whole and
//! in random chunks (through `decode`, `decode_slice` and `decode_slices`),
//! against the naive model.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rionet_fuzz::drive::{decode_batches, decode_borrowed, decode_chunks};
use rionet_fuzz::input::{Input, chunks};
use rionet_fuzz::{codecs, model};

fuzz_target!(|data: &[u8]| {
    let mut input = Input::new(data);
    let n = input.range(1, 40);
    let (stream, sizes) = input.split_rest();
    let expected = model::fixed_events(n, stream);
    let rules = codecs::fixed_rules(n);
    let whole = decode_chunks(&mut codecs::fixed(n), &[stream], &rules);
    assert_eq!(whole.outcome, expected, "whole stream, n = {n}");
    let chunked = decode_chunks(&mut codecs::fixed(n), &chunks(stream, sizes), &rules);
    assert_eq!(chunked.outcome, expected, "chunked stream, n = {n}");
    // The borrowed path: the same frames, errors and skip counts.
    let borrowed = decode_borrowed(&mut codecs::fixed(n), &[stream], &rules);
    assert_eq!(
        borrowed.outcome, expected,
        "whole stream, borrowed, n = {n}"
    );
    let borrowed = decode_borrowed(&mut codecs::fixed(n), &chunks(stream, sizes), &rules);
    assert_eq!(
        borrowed.outcome, expected,
        "chunked stream, borrowed, n = {n}"
    );
    // The batch path: the same again, all whole frames in one call.
    let batch = decode_batches(&mut codecs::fixed(n), &[stream], &rules);
    assert_eq!(batch.outcome, expected, "whole stream, batch, n = {n}");
    let batch = decode_batches(&mut codecs::fixed(n), &chunks(stream, sizes), &rules);
    assert_eq!(batch.outcome, expected, "chunked stream, batch, n = {n}");
});
