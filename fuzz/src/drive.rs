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
pub fn decode_borrowed<D>(decoder: &mut D, chunks: &[&[u8]], rules: &Rules) -> Run
where
    D: BorrowDecoder<Item = Bytes, Error = FrameError> + Skips,
{
    drive_borrowed(
        decoder,
        chunks,
        rules,
        "decode_slice",
        |decoder, buf, eof, events| {
            let Decoded { consumed, result } = decoder.decode_slice(buf, eof);
            assert!(
                consumed <= buf.len(),
                "consumed {consumed} of {} bytes",
                buf.len()
            );
            let frame = result.map(|found| {
                found.map(|range| {
                    assert!(
                        range.start <= range.end && range.end <= consumed,
                        "frame {range:?} outside the {consumed} consumed bytes"
                    );
                    assert!(consumed > 0, "a borrowed frame consumed no input");
                    buf[range].to_vec()
                })
            });
            buf.drain(..consumed);
            Ok(match frame? {
                Some(frame) => {
                    events.push(Event::Frame(frame));
                    Progress::More
                }
                None => Progress::Waiting,
            })
        },
    )
}

/// [`decode_borrowed`] through [`BorrowDecoder::decode_slices`]: one call
/// hands out every whole frame in the buffer (and again after a
/// recoverable error), then the `consumed` bytes are dropped. Same checks,
/// same [`Outcome`].
///
/// Also checks what a batch adds: the frames are slices of the buffer, in
/// order, without overlap, and within the consumed bytes.
pub fn decode_batches<D>(decoder: &mut D, chunks: &[&[u8]], rules: &Rules) -> Run
where
    D: BorrowDecoder<Item = Bytes, Error = FrameError> + Skips,
{
    drive_borrowed(
        decoder,
        chunks,
        rules,
        "decode_slices",
        |decoder, buf, eof, events| {
            let base = buf.as_ptr() as usize;
            let mut end = 0;
            let mut frames = Vec::new();
            let Decoded { consumed, result } = decoder.decode_slices(buf, eof, |frame| {
                let start = (frame.as_ptr() as usize).wrapping_sub(base);
                assert!(
                    start >= end,
                    "a frame at {start} before the last one's end {end}"
                );
                end = start + frame.len();
                frames.push(frame.to_vec());
            });
            assert!(
                end <= consumed && consumed <= buf.len(),
                "frames up to {end}, {consumed} consumed of {} bytes",
                buf.len()
            );
            assert!(
                frames.is_empty() || consumed > 0,
                "a batch consumed no input"
            );
            buf.drain(..consumed);
            events.extend(frames.into_iter().map(Event::Frame));
            // A batch stops without an error only once no whole frame is left.
            result.map(|()| Progress::Waiting)
        },
    )
}

/// What one borrowed call left.
enum Progress {
    /// It handed out a frame: call again.
    More,
    /// No whole frame is left: append bytes, or end the stream.
    Waiting,
}

/// The chunks fed to a borrowed `path` (named in messages), then the end of
/// the stream. `call` makes one call on the buffer, records its frames,
/// and drops the consumed bytes.
///
/// Checks what [`decode_chunks`] checks: the buffer stays within
/// `rules.max_buffered` whenever the decoder waits; a fatal error repeats;
/// after `PartialFrame` nothing is left and the stream is done; the end of
/// the stream leaves nothing unreported; no loop outlives its input.
fn drive_borrowed<D, C>(
    decoder: &mut D,
    chunks: &[&[u8]],
    rules: &Rules,
    path: &str,
    mut call: C,
) -> Run
where
    D: BorrowDecoder<Item = Bytes, Error = FrameError> + Skips,
    C: FnMut(&mut D, &mut Vec<u8>, bool, &mut Vec<Event>) -> Result<Progress, FrameError>,
{
    let mut buf: Vec<u8> = Vec::new();
    let mut run = Run {
        outcome: Outcome::default(),
        calls: 0,
    };
    let end_of_stream: &[u8] = &[];
    for (i, chunk) in chunks.iter().chain([&end_of_stream]).enumerate() {
        let eof = i == chunks.len();
        buf.extend_from_slice(chunk);
        for _ in 0..=2 * buf.len() + 2 {
            run.calls += 1;
            match call(decoder, &mut buf, eof, &mut run.outcome.events) {
                Ok(Progress::More) => {}
                Ok(Progress::Waiting) if eof => {
                    assert!(
                        buf.is_empty(),
                        "{path} at the end left {} bytes unreported",
                        buf.len()
                    );
                    return finish(decoder, run);
                }
                Ok(Progress::Waiting) => {
                    assert!(
                        buf.len() <= rules.max_buffered,
                        "{} bytes buffered while waiting ({path}), over the bound of {}",
                        buf.len(),
                        rules.max_buffered
                    );
                    break;
                }
                Err(err) => {
                    let text = err.to_string();
                    let fatal = is_fatal(&err);
                    let ev = event(err, rules);
                    let partial = matches!(ev, Event::Partial(_));
                    assert!(eof || !partial, "PartialFrame before the end ({path})");
                    run.outcome.events.push(ev);
                    if fatal {
                        check_slice_repeats(decoder, &mut buf, &text);
                        return finish(decoder, run);
                    }
                    if partial {
                        assert!(buf.is_empty(), "PartialFrame left bytes behind ({path})");
                        let events = run.outcome.events.len();
                        run.calls += 1;
                        let again = call(decoder, &mut buf, true, &mut run.outcome.events);
                        assert!(
                            matches!(again, Ok(Progress::Waiting))
                                && run.outcome.events.len() == events,
                            "the stream went on after PartialFrame ({path})"
                        );
                        return finish(decoder, run);
                    }
                }
            }
        }
    }
    panic!("{path} at the end did not finish within its input");
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

/// [`check_repeats`] for the borrowed paths.
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
