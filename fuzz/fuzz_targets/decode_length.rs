//! `LengthPrefix` decoding, every setting drawn from the input, fed whole
//! and in random chunks, against the naive model.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rionet_fuzz::drive::decode_chunks;
use rionet_fuzz::input::{Input, chunks};
use rionet_fuzz::{codecs, model, settings};

fuzz_target!(|data: &[u8]| {
    let mut input = Input::new(data);
    let m = settings::length(&mut input);
    let (stream, sizes) = input.split_rest();
    let expected = model::length_events(&m, stream);
    let rules = codecs::length_rules(&m);
    let whole = decode_chunks(&mut codecs::length(&m), &[stream], &rules);
    assert_eq!(whole.events, expected, "whole stream, {m:?}");
    let chunked = decode_chunks(&mut codecs::length(&m), &chunks(stream, sizes), &rules);
    assert_eq!(chunked.events, expected, "chunked stream, {m:?}");
});
