//! `Delimited` decoding with one to three overlapping delimiters, fed whole
//! and in random chunks (through `decode`, `decode_slice` and
//! `decode_slices`), against the naive model; the search stays linear.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rionet_fuzz::drive::{decode_batches, decode_borrowed, decode_chunks};
use rionet_fuzz::input::{Input, chunks};
use rionet_fuzz::{codecs, model, settings};

fuzz_target!(|data: &[u8]| {
    let mut input = Input::new(data);
    let Some(m) = settings::delimited(&mut input) else {
        return;
    };
    let (stream, sizes) = input.split_rest();
    let expected = model::delimited_events(&m, stream);
    let rules = codecs::delimited_rules(&m);
    let whole = decode_chunks(&mut codecs::delimited(&m), &[stream], &rules);
    assert_eq!(whole.outcome, expected, "whole stream, {m:?}");
    let mut codec = codecs::delimited(&m);
    let chunked = decode_chunks(&mut codec, &chunks(stream, sizes), &rules);
    assert_eq!(chunked.outcome, expected, "chunked stream, {m:?}");
    // The borrowed path: the same frames, errors and skip counts.
    let borrowed = decode_borrowed(&mut codecs::delimited(&m), &[stream], &rules);
    assert_eq!(borrowed.outcome, expected, "whole stream, borrowed, {m:?}");
    let borrowed = decode_borrowed(&mut codecs::delimited(&m), &chunks(stream, sizes), &rules);
    assert_eq!(
        borrowed.outcome, expected,
        "chunked stream, borrowed, {m:?}"
    );
    // The batch path: the same again, all whole frames in one call.
    let batch = decode_batches(&mut codecs::delimited(&m), &[stream], &rules);
    assert_eq!(batch.outcome, expected, "whole stream, batch, {m:?}");
    let batch = decode_batches(&mut codecs::delimited(&m), &chunks(stream, sizes), &rules);
    assert_eq!(batch.outcome, expected, "chunked stream, batch, {m:?}");
    // Linear work: each delimiter's search looks at a byte a bounded number
    // of times, plus the longest delimiter's length of overlap per search (a
    // search per call, one more after each frame or error within a call).
    // Factor 2 of slack: a quadratic search blows through any constant on
    // the kilobyte inputs libFuzzer grows to.
    let longest = m.delimiters.iter().map(Vec::len).max().unwrap_or(1) as u64;
    let bound = 2
        * m.delimiters.len() as u64
        * (stream.len() as u64
            + (chunked.calls
                + chunked.outcome.events.len() as u64
                + chunked.outcome.skipped_frames
                + 1)
                * longest);
    assert!(
        codec.bytes_examined() <= bound,
        "examined {} bytes for {} bytes in {} calls (bound {bound}), {m:?}",
        codec.bytes_examined(),
        stream.len(),
        chunked.calls
    );
});
