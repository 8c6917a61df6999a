//! `Lines` decoding (default and strict CRLF), fed whole and in random
//! chunks, against the naive model; the search stays linear.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rionet_fuzz::drive::decode_chunks;
use rionet_fuzz::input::{Input, chunks};
use rionet_fuzz::{codecs, model, settings};

fuzz_target!(|data: &[u8]| {
    let mut input = Input::new(data);
    let m = settings::lines(&mut input);
    let (stream, sizes) = input.split_rest();
    let expected = model::lines_events(&m, stream);
    let rules = codecs::lines_rules(&m);
    let whole = decode_chunks(&mut codecs::lines(&m), &[stream], &rules);
    assert_eq!(whole.events, expected, "whole stream, {m:?}");
    let mut codec = codecs::lines(&m);
    let chunked = decode_chunks(&mut codec, &chunks(stream, sizes), &rules);
    assert_eq!(chunked.events, expected, "chunked stream, {m:?}");
    let bound = stream.len() as u64 + (chunked.calls + chunked.events.len() as u64) * 2;
    assert!(
        codec.bytes_examined() <= bound,
        "examined {} bytes for {} bytes in {} calls (bound {bound})",
        codec.bytes_examined(),
        stream.len(),
        chunked.calls
    );
});
