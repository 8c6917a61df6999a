//! The calls into rionet's decoders: run one over a chunked stream, check
//! the invariants every decoder documents, and map results to [`Event`]s.

use rionet::bytes::{Bytes, BytesMut};
use rionet::frame::{BorrowDecoder, Decoded, Decoder, FrameError};

use crate::model::{Event, Outcome};

/// What a codec says it skipped under `Oversize::Skip`:
/// `(skipped_frames(), skipped_bytes())`.
pub trait Skips {
    /// The codec's skip counters.
    fn skips(&self) -> (u64, u64);
}

/// How a decoder's errors behave and how much it may buffer.
#[derive(Debug, Clone, Copy)]
pub struct Rules {
    /// `FrameTooLarge` and `InvalidLength` leave the decoder failed (the
    /// length prefix); otherwise `FrameTooLarge` is recoverable.
    pub fatal_errors: bool,
    /// After `decode` returns `Ok(None)`, the buffer holds at most this many
    /// bytes (the documented memory bound).
    pub max_buffered: usize,
    /// The codec's maximum frame length, for `FrameTooLarge`'s `max`.
    pub max: usize,
}

/// What one run produced.
#[derive(Debug)]
pub struct Run {
    /// Frames and errors, in order, and the skip counters at the end.
    pub outcome: Outcome,
    /// `decode` / `decode_eof` calls made.
    pub calls: u64,
}

/// Maps a decoder's error to its event, checking what it carries and that
/// `is_recoverable()` says what the codec documents.
fn event(err: FrameError, rules: &Rules) -> Event {
    let recoverable = err.is_recoverable();
    let ev = match err {
        FrameError::FrameTooLarge { len, max, .. } => {
            assert_eq!(max, rules.max, "FrameTooLarge reports another maximum");
            // Exact: a declared frame over 64 bits is `InvalidLength`, not
            // a saturated `u64::MAX` (found here in round 2).
            assert!(
                len > max as u64,
                "FrameTooLarge of {len} bytes under the maximum {max}"
            );
            Event::TooLarge
        }
        FrameError::InvalidLength { .. } => Event::Invalid,
        FrameError::PartialFrame {
            had,
            expected,
            pending,
        } => {
            assert!(
                pending.len() as u64 <= had,
                "PartialFrame had {had} bytes but carries {}",
                pending.len()
            );
            if let Some(expected) = expected {
                assert!(had < expected, "PartialFrame had {had} of {expected} bytes");
            }
            assert!(!recoverable, "a PartialFrame is recoverable");
            return Event::Partial(pending.to_vec());
        }
        other => panic!("a decoder produced an unexpected error: {other:?}"),
    };
    assert_eq!(
        recoverable, !rules.fatal_errors,
        "is_recoverable() of {ev:?}"
    );
    ev
}

/// An error after which the decoder stays failed: every error that is not
/// recoverable, but the end of the stream.
fn is_fatal(err: &FrameError) -> bool {
    !err.is_recoverable() && !matches!(err, FrameError::PartialFrame { .. })
}

/// A fatal error must come back, the same, on every later call.
fn check_repeats<D>(decoder: &mut D, src: &mut BytesMut, first: &str)
where
    D: Decoder<Item = Bytes, Error = FrameError>,
{
    src.extend_from_slice(b"\0\x01more bytes");
    for eof in [false, true, false] {
        let again = if eof {
            decoder.decode_eof(src)
        } else {
            decoder.decode(src)
        };
        match again {
            Err(err) => {
                assert_eq!(err.to_string(), first, "a fatal error changed");
                assert!(!err.is_recoverable(), "a fatal error became recoverable");
            }
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
/// The run's skip counters are the decoder's at the end.
pub fn decode_chunks<D>(decoder: &mut D, chunks: &[&[u8]], rules: &Rules) -> Run
where
    D: Decoder<Item = Bytes, Error = FrameError> + Skips,
{
    let run = run_chunks(decoder, chunks, rules);
    let (skipped_frames, skipped_bytes) = decoder.skips();
    Run {
        outcome: Outcome {
            skipped_frames,
            skipped_bytes,
            ..run.outcome
        },
        ..run
    }
}

fn run_chunks<D>(decoder: &mut D, chunks: &[&[u8]], rules: &Rules) -> Run
where
    D: Decoder<Item = Bytes, Error = FrameError>,
{
    let mut src = BytesMut::new();
    let mut run = Run {
        outcome: Outcome::default(),
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
                Ok(Some(frame)) => run.outcome.events.push(Event::Frame(frame.to_vec())),
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
                    let fatal = is_fatal(&err);
                    let ev = event(err, rules);
                    assert!(
                        !matches!(ev, Event::Partial(_)),
                        "PartialFrame before the end"
                    );
                    run.outcome.events.push(ev);
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
            Ok(Some(frame)) => run.outcome.events.push(Event::Frame(frame.to_vec())),
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
                let fatal = is_fatal(&err);
                let ev = event(err, rules);
                let partial = matches!(ev, Event::Partial(_));
                run.outcome.events.push(ev);
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

/// [`decode_chunks`] through [`BorrowDecoder::decode_slice`]: a small
/// driver that keeps its own buffer, appends the chunks one by one, drops
/// the `consumed` bytes after every call and copies each frame out of its
/// range. Same checks, same [`Outcome`], so a target compares the borrowed
/// path with the `Bytes` path and the model.
///
/// Also checks what the borrowed contract adds: `consumed` never exceeds
/// the buffer, and a frame's range lies within the consumed bytes.
pub fn decode_slices<D>(decoder: &mut D, chunks: &[&[u8]], rules: &Rules) -> Run
where
    D: BorrowDecoder<Item = Bytes, Error = FrameError> + Skips,
{
    let mut buf: Vec<u8> = Vec::new();
    let mut run = Run {
        outcome: Outcome::default(),
        calls: 0,
    };
    // One call: the frame copied out, the consumed bytes dropped.
    let step = |decoder: &mut D, buf: &mut Vec<u8>, eof: bool, run: &mut Run| {
        run.calls += 1;
        let Decoded { consumed, result } = decoder.decode_slice(buf, eof);
        assert!(
            consumed <= buf.len(),
            "consumed {consumed} of {} bytes",
            buf.len()
        );
        let result = result.map(|found| {
            found.map(|range| {
                assert!(
                    range.start <= range.end && range.end <= consumed,
                    "frame {range:?} outside the {consumed} consumed bytes"
                );
                (buf[range].to_vec(), consumed)
            })
        });
        buf.drain(..consumed);
        result
    };
    for chunk in chunks {
        buf.extend_from_slice(chunk);
        for _ in 0..=2 * buf.len() + 2 {
            match step(decoder, &mut buf, false, &mut run) {
                Ok(Some((_, 0))) => panic!("a borrowed frame consumed no input"),
                Ok(Some((frame, _))) => run.outcome.events.push(Event::Frame(frame)),
                Ok(None) => {
                    assert!(
                        buf.len() <= rules.max_buffered,
                        "{} bytes buffered while waiting (borrowed), over the bound of {}",
                        buf.len(),
                        rules.max_buffered
                    );
                    break;
                }
                Err(err) => {
                    let text = err.to_string();
                    let fatal = is_fatal(&err);
                    let ev = event(err, rules);
                    assert!(
                        !matches!(ev, Event::Partial(_)),
                        "PartialFrame before the end (borrowed)"
                    );
                    run.outcome.events.push(ev);
                    if fatal {
                        check_slice_repeats(decoder, &mut buf, &text);
                        return finish(decoder, run);
                    }
                }
            }
        }
    }
    for _ in 0..=2 * buf.len() + 2 {
        match step(decoder, &mut buf, true, &mut run) {
            Ok(Some((_, 0))) => panic!("a borrowed frame consumed no input at the end"),
            Ok(Some((frame, _))) => run.outcome.events.push(Event::Frame(frame)),
            Ok(None) => {
                assert!(
                    buf.is_empty(),
                    "decode_slice at the end left {} bytes unreported",
                    buf.len()
                );
                return finish(decoder, run);
            }
            Err(err) => {
                let text = err.to_string();
                let fatal = is_fatal(&err);
                let ev = event(err, rules);
                let partial = matches!(ev, Event::Partial(_));
                run.outcome.events.push(ev);
                if fatal {
                    check_slice_repeats(decoder, &mut buf, &text);
                    return finish(decoder, run);
                }
                if partial {
                    assert!(buf.is_empty(), "PartialFrame left bytes behind (borrowed)");
                    assert!(
                        matches!(step(decoder, &mut buf, true, &mut run), Ok(None)),
                        "the stream went on after PartialFrame (borrowed)"
                    );
                    return finish(decoder, run);
                }
            }
        }
    }
    panic!("decode_slice at the end did not finish within its input");
}

/// The run with the decoder's skip counters.
fn finish<D: Skips>(decoder: &D, run: Run) -> Run {
    let (skipped_frames, skipped_bytes) = decoder.skips();
    Run {
        outcome: Outcome {
            skipped_frames,
            skipped_bytes,
            ..run.outcome
        },
        ..run
    }
}

/// [`check_repeats`] for the borrowed path.
fn check_slice_repeats<D>(decoder: &mut D, buf: &mut Vec<u8>, first: &str)
where
    D: BorrowDecoder<Item = Bytes, Error = FrameError>,
{
    buf.extend_from_slice(b"\0\x01more bytes");
    for eof in [false, true, false] {
        let Decoded { consumed, result } = decoder.decode_slice(buf, eof);
        assert!(consumed <= buf.len(), "consumed past the buffer");
        buf.drain(..consumed);
        match result {
            Err(err) => {
                assert_eq!(err.to_string(), first, "a fatal error changed (borrowed)");
                assert!(!err.is_recoverable(), "a fatal error became recoverable");
            }
            Ok(frame) => panic!("a fatal error did not repeat (borrowed): {frame:?}"),
        }
    }
}
