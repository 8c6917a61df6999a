//! [`BorrowDecoder`]: frames found in place, handed out as `&[u8]`.

use std::ops::Range;

use bytes::{Buf, Bytes, BytesMut};

use super::{Decoder, FrameError};

/// What [`BorrowDecoder::decode_slice`] found at the front of a buffer
/// (`T` is the frame's range, if any), or what
/// [`decode_slices`](BorrowDecoder::decode_slices) stopped at (`T` is `()`).
///
/// Whatever the result, the caller removes the first
/// [`consumed`](Decoded::consumed) bytes from the front of its buffer
/// before the next call (after it is done with the frame): they are the
/// frame's bytes (header or delimiter included) and any bytes of skipped or
/// refused frames before it.
#[derive(Debug)]
#[must_use = "the consumed bytes must be removed before the next call"]
pub struct Decoded<E = FrameError, T = Option<Range<usize>>> {
    /// Bytes at the front of the buffer that the caller removes before the
    /// next call; the frames, if any, lie within them.
    pub consumed: usize,
    /// From `decode_slice`: the frame as a range of the buffer
    /// (`Ok(Some(range))`), no whole frame yet (`Ok(None)`: append more
    /// bytes and call again), or an error, exactly as the codec's
    /// [`Decoder`] would have reported it. From `decode_slices`: `Ok(())`
    /// once no whole frame is left, or the error that stopped it.
    pub result: Result<T, E>,
}

/// A [`Decoder`] that can also find frames in a byte slice without taking
/// them out of it: the sans-IO half of
/// [`FrameReader::read_frame_slice`](super::FrameReader::read_frame_slice),
/// in the manner of Go's `bufio.Scanner.Bytes` or httparse, which lend out
/// slices of their own buffer.
///
/// A frame costs no allocation, no reference count and no `split_to`: it
/// is a range of the caller's buffer, valid until the caller removes the
/// consumed bytes. Every built-in codec implements it with the very same
/// framing code as its `Bytes` path: the same frames, limits, skips
/// (counted alike) and errors, for any split of the input.
///
/// The contract, for `decode_slice(src, eof)`:
/// - `src` starts where the previous call's `consumed` bytes ended: the
///   caller drops exactly those from the front, and may append bytes at
///   the end, but changes nothing else in between;
/// - `eof` says nothing will ever be appended to `src` (it is
///   [`decode_eof`](Decoder::decode_eof) rather than
///   [`decode`](Decoder::decode));
/// - at end of stream, bytes that are not a whole frame give
///   [`FrameError::PartialFrame`], with a copy of those bytes, and count as
///   consumed.
///
/// # Examples
///
/// ```
/// use rionet::frame::{BorrowDecoder, Lines};
///
/// let mut codec = Lines::new();
/// let mut buf = b"one\r\ntwo\nthr".to_vec();
/// let mut lines = Vec::new();
/// loop {
///     let found = codec.decode_slice(&buf, false);
///     let Some(line) = found.result? else { break };
///     lines.push(String::from_utf8_lossy(&buf[line]).into_owned());
///     buf.drain(..found.consumed);
/// }
/// assert_eq!(lines, ["one", "two"]);
/// assert_eq!(buf, b"thr"); // waits for the rest of the line
/// # Ok::<(), rionet::frame::FrameError>(())
/// ```
pub trait BorrowDecoder: Decoder {
    /// Finds the next frame at the front of `src`; `eof` says no more bytes
    /// will be appended.
    ///
    /// # Errors
    ///
    /// In [`Decoded::result`]: the errors of the codec's
    /// [`decode`](Decoder::decode) (`eof` false) or
    /// [`decode_eof`](Decoder::decode_eof) (`eof` true).
    fn decode_slice(&mut self, src: &[u8], eof: bool) -> Decoded<Self::Error>;

    /// Hands every whole frame at the front of `src` to `each`, in order,
    /// as a slice of `src`: the frames that calling
    /// [`decode_slice`](BorrowDecoder::decode_slice) again and again would
    /// give, each call on what the last one left, in one call.
    ///
    /// `consumed` covers every frame handed out and every byte dropped; the
    /// result is `Ok(())` once no whole frame is left (append bytes and call
    /// again), or the error that stopped the calls, after the frames before
    /// it. `Lines` and single-byte `Delimited` search faster this way than
    /// frame by frame: their search state stays in registers between frames.
    ///
    /// # Errors
    ///
    /// In [`Decoded::result`]: the first error
    /// [`decode_slice`](BorrowDecoder::decode_slice) would have reported.
    ///
    /// # Examples
    ///
    /// ```
    /// use rionet::frame::{BorrowDecoder, Lines};
    ///
    /// let mut codec = Lines::new();
    /// let buf = b"one\r\ntwo\nthr";
    /// let mut lines = Vec::new();
    /// let found = codec.decode_slices(buf, false, |line| lines.push(line.to_vec()));
    /// found.result?;
    /// assert_eq!(lines, [b"one", b"two"]);
    /// assert_eq!(&buf[found.consumed..], b"thr"); // waits for the rest of the line
    /// # Ok::<(), rionet::frame::FrameError>(())
    /// ```
    fn decode_slices<F>(&mut self, src: &[u8], eof: bool, mut each: F) -> Decoded<Self::Error, ()>
    where
        F: FnMut(&[u8]),
        Self: Sized,
    {
        let mut consumed = 0;
        loop {
            let found = self.decode_slice(&src[consumed..], eof);
            let frame = found
                .result
                .map(|frame| frame.map(|range| &src[consumed + range.start..consumed + range.end]));
            consumed += found.consumed;
            match frame {
                Ok(Some(frame)) => each(frame),
                Ok(None) => {
                    return Decoded {
                        consumed,
                        result: Ok(()),
                    };
                }
                Err(err) => {
                    return Decoded {
                        consumed,
                        result: Err(err),
                    };
                }
            }
        }
    }
}

/// What a codec's framing code found: the one result both the `Bytes` and
/// the borrowed path are built from.
#[derive(Debug)]
pub(crate) struct Scan {
    /// Bytes to drop from the front (the frame's included).
    pub(crate) consumed: usize,
    pub(crate) found: Found,
}

#[derive(Debug)]
pub(crate) enum Found {
    /// A frame at `range`, within the consumed bytes.
    Frame(Range<usize>),
    /// Nothing more until bytes arrive.
    Wait,
    /// An error, after dropping the consumed bytes.
    Fail(FrameError),
    /// At end of stream: the bytes after the consumed ones are an
    /// unfinished frame of which `had` bytes arrived (`expected` when a
    /// header said how long it is).
    Partial {
        had: Option<u64>,
        expected: Option<u64>,
    },
}

impl Scan {
    #[inline(always)]
    pub(crate) fn frame(range: Range<usize>, consumed: usize) -> Scan {
        Scan {
            consumed,
            found: Found::Frame(range),
        }
    }

    #[inline(always)]
    pub(crate) fn wait(consumed: usize) -> Scan {
        Scan {
            consumed,
            found: Found::Wait,
        }
    }

    /// Applies the scan to `src`: the frame split off as `Bytes` (no copy),
    /// the consumed bytes dropped.
    #[inline(always)]
    pub(crate) fn into_bytes(self, src: &mut BytesMut) -> Result<Option<Bytes>, FrameError> {
        match self.found {
            Found::Frame(range) => {
                let mut frame = src.split_to(self.consumed);
                frame.truncate(range.end);
                let mut frame = frame.freeze();
                if range.start > 0 {
                    frame.advance(range.start);
                }
                Ok(Some(frame))
            }
            found => {
                src.advance(self.consumed);
                match found {
                    Found::Wait => Ok(None),
                    Found::Fail(err) => Err(err),
                    Found::Partial { had, expected } => {
                        let pending = src.split().freeze();
                        Err(partial(had, expected, pending))
                    }
                    Found::Frame(_) => unreachable!("handled above"),
                }
            }
        }
    }

    /// Turns the scan into what [`BorrowDecoder::decode_slices`] returns
    /// for `src` when it stops at this scan (never a frame).
    #[inline(always)]
    pub(crate) fn into_decoded_rest(self, src: &[u8]) -> Decoded<FrameError, ()> {
        let decoded = self.into_decoded(src);
        Decoded {
            consumed: decoded.consumed,
            result: decoded.result.map(|frame| debug_assert!(frame.is_none())),
        }
    }

    /// Turns the scan into what [`BorrowDecoder::decode_slice`] returns for
    /// `src`.
    #[inline(always)]
    pub(crate) fn into_decoded(self, src: &[u8]) -> Decoded {
        let (consumed, result) = match self.found {
            Found::Frame(range) => (self.consumed, Ok(Some(range))),
            Found::Wait => (self.consumed, Ok(None)),
            Found::Fail(err) => (self.consumed, Err(err)),
            Found::Partial { had, expected } => {
                let pending = Bytes::copy_from_slice(&src[self.consumed..]);
                (src.len(), Err(partial(had, expected, pending)))
            }
        };
        Decoded { consumed, result }
    }
}

/// The error for a stream cut inside a frame; `had` defaults to the
/// pending bytes.
fn partial(had: Option<u64>, expected: Option<u64>, pending: Bytes) -> FrameError {
    FrameError::PartialFrame {
        had: had.unwrap_or(pending.len() as u64),
        expected,
        pending,
    }
}
