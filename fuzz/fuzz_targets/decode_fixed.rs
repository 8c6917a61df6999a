//! `FixedLength` decoding, frame size drawn from the input, fed whole and
//! in random chunks (through `decode` and `decode_slice`), against the
//! naive model.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rionet_fuzz::drive::{decode_chunks, decode_slices};
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
    let borrowed = decode_slices(&mut codecs::fixed(n), &[stream], &rules);
    assert_eq!(
        borrowed.outcome, expected,
        "whole stream, borrowed, n = {n}"
    );
    let borrowed = decode_slices(&mut codecs::fixed(n), &chunks(stream, sizes), &rules);
    assert_eq!(
        borrowed.outcome, expected,
        "chunked stream, borrowed, n = {n}"
    );
});
