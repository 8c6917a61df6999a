//! The calls into rionet's decoders: run one over a chunked stream, check
//! the invariants every decoder documents, and map results to [`Event`]s.

use bytes::BytesMut;
use rionet::Error;
use rionet::frame::Decoder;

use crate::model::Event;

/// How a decoder's errors behave and how much it may buffer.
#[derive(Debug, Clone, Copy)]
pub struct Rules {
    /// `FrameTooLarge` and `InvalidLength` leave the decoder failed (the
    /// length prefix under `Oversize::Error`).
    pub fatal_errors: bool,
    /// After `decode` returns `Ok(None)`, the buffer holds at most this many
    /// bytes (the documented memory bound).
    pub max_buffered: usize,
    /// The codec's maximum frame length, for `FrameTooLarge`'s `len`.
    pub max: usize,
}

/// What one run produced.
#[derive(Debug)]
pub struct Run {
    /// Frames and errors, in order.
    pub events: Vec<Event>,
    /// `decode` / `decode_eof` calls made.
    pub calls: u64,
}

fn event(err: Error, rules: &Rules) -> Event {
    match err {
        Error::FrameTooLarge { len, max } => {
            assert_eq!(max, rules.max, "FrameTooLarge reports another maximum");
            assert!(
                len > max as u64,
                "FrameTooLarge of {len} bytes under the maximum {max}"
            );
            Event::TooLarge
        }
        Error::FrameSkipped { len, max } => {
            assert_eq!(max, rules.max, "FrameSkipped reports another maximum");
            assert!(
                len > max as u64,
                "FrameSkipped of {len} bytes under the maximum {max}"
            );
            Event::Skipped(len)
        }
        Error::InvalidLength { .. } => Event::Invalid,
        Error::PartialFrame { pending } => Event::Partial(pending.to_vec()),
        other => panic!("a decoder produced an unexpected error: {other:?}"),
    }
}

fn is_fatal(event: &Event, rules: &Rules) -> bool {
    rules.fatal_errors && matches!(event, Event::TooLarge | Event::Invalid)
}

/// A fatal error must come back, the same, on every later call.
fn check_repeats<D: Decoder>(decoder: &mut D, src: &mut BytesMut, first: &str) {
    src.extend_from_slice(b"\0\x01more bytes");
    for eof in [false, true, false] {
        let again = if eof {
            decoder.decode_eof(src)
        } else {
            decoder.decode(src)
        };
        match again {
            Err(err) => assert_eq!(err.to_string(), first, "a fatal error changed"),
            Ok(frame) => panic!("a fatal error did not repeat: {frame:?}"),
        }
    }
}

/// Feeds `chunks` to `decoder` one by one (decoding all it can after each),
/// then ends the stream.
///
/// Checks: every frame consumes input; the buffer stays within
/// `rules.max_buffered` whenever the decoder waits; a fatal error repeats;
/// after `PartialFrame` the stream is done; no loop outlives its input.
pub fn decode_chunks<D: Decoder>(decoder: &mut D, chunks: &[&[u8]], rules: &Rules) -> Run {
    let mut src = BytesMut::new();
    let mut run = Run {
        events: Vec::new(),
        calls: 0,
    };
    for chunk in chunks {
        src.extend_from_slice(chunk);
        // Every call that does not wait takes at least one byte or reports
        // one frame over the maximum; bound the loop by that.
        for _ in 0..=2 * src.len() + 2 {
            let before = src.len();
            run.calls += 1;
            match decoder.decode(&mut src) {
                Ok(Some(_)) if src.len() >= before => {
                    panic!("a frame consumed no input ({before} bytes buffered)")
                }
                Ok(Some(frame)) => run.events.push(Event::Frame(frame.to_vec())),
                Ok(None) => {
                    assert!(
                        src.len() <= rules.max_buffered,
                        "{} bytes buffered while waiting, over the bound of {}",
                        src.len(),
                        rules.max_buffered
                    );
                    break;
                }
                Err(err) => {
                    let text = err.to_string();
                    let ev = event(err, rules);
                    assert!(
                        !matches!(ev, Event::Partial(_)),
                        "PartialFrame before the end"
                    );
                    let fatal = is_fatal(&ev, rules);
                    run.events.push(ev);
                    if fatal {
                        check_repeats(decoder, &mut src, &text);
                        return run;
                    }
                }
            }
        }
    }
    for _ in 0..=2 * src.len() + 2 {
        run.calls += 1;
        let before = src.len();
        match decoder.decode_eof(&mut src) {
            Ok(Some(_)) if src.len() >= before => panic!("a frame consumed no input at the end"),
            Ok(Some(frame)) => run.events.push(Event::Frame(frame.to_vec())),
            Ok(None) => {
                assert!(
                    src.is_empty(),
                    "decode_eof left {} bytes unreported",
                    src.len()
                );
                return run;
            }
            Err(err) => {
                let text = err.to_string();
                let ev = event(err, rules);
                let partial = matches!(ev, Event::Partial(_));
                let fatal = is_fatal(&ev, rules);
                run.events.push(ev);
                if fatal {
                    check_repeats(decoder, &mut src, &text);
                    return run;
                }
                if partial {
                    assert!(src.is_empty(), "PartialFrame left bytes behind");
                    assert!(
                        matches!(decoder.decode_eof(&mut src), Ok(None)),
                        "the stream went on after PartialFrame"
                    );
                    return run;
                }
            }
        }
    }
    panic!("decode_eof did not finish within its input");
}
