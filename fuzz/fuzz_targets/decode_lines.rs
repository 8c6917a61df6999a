//! `Lines` decoding (default and strict CRLF), fed whole and in random
//! chunks (through `decode`, `decode_slice` and `decode_slices`), against
//! the naive model; the search stays linear.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rionet_fuzz::drive::{decode_batches, decode_borrowed, decode_chunks};
use rionet_fuzz::input::{Input, chunks};
use rionet_fuzz::{codecs, model, settings};

fuzz_target!(|data: &[u8]| {
    let mut input = Input::new(data);
    let m = settings::lines(&mut input);
    let (stream, sizes) = input.split_rest();
    let expected = model::lines_events(&m, stream);
    let rules = codecs::lines_rules(&m);
    let whole = decode_chunks(&mut codecs::lines(&m), &[stream], &rules);
    assert_eq!(whole.outcome, expected, "whole stream, {m:?}");
    let mut codec = codecs::lines(&m);
    let chunked = decode_chunks(&mut codec, &chunks(stream, sizes), &rules);
    assert_eq!(chunked.outcome, expected, "chunked stream, {m:?}");
    // The borrowed path: the same frames, errors and skip counts.
    let borrowed = decode_borrowed(&mut codecs::lines(&m), &[stream], &rules);
    assert_eq!(borrowed.outcome, expected, "whole stream, borrowed, {m:?}");
    let borrowed = decode_borrowed(&mut codecs::lines(&m), &chunks(stream, sizes), &rules);
    assert_eq!(
        borrowed.outcome, expected,
        "chunked stream, borrowed, {m:?}"
    );
    // The batch path: the same again, all whole frames in one call.
    let batch = decode_batches(&mut codecs::lines(&m), &[stream], &rules);
    assert_eq!(batch.outcome, expected, "whole stream, batch, {m:?}");
    let batch = decode_batches(&mut codecs::lines(&m), &chunks(stream, sizes), &rules);
    assert_eq!(batch.outcome, expected, "chunked stream, batch, {m:?}");
    // Linear work: each byte once, plus per search (one per call, one more
    // after each frame, error or skipped frame) the bytes that may begin a
    // line ending.
    let searches =
        chunked.calls + chunked.outcome.events.len() as u64 + chunked.outcome.skipped_frames;
    let bound = stream.len() as u64 + searches * 2;
    assert!(
        codec.bytes_examined() <= bound,
        "examined {} bytes for {} bytes in {} calls (bound {bound})",
        codec.bytes_examined(),
        stream.len(),
        chunked.calls
    );
});
