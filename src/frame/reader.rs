//! [`FrameReader`]: frames from any blocking [`Read`].

use std::any::Any;
use std::io::{self, Read};

use bytes::{Buf, BytesMut};

use super::FrameError;
use super::error::io_is_recoverable;
use crate::frame::{BorrowDecoder, Decoder};

/// Default read chunk: 64 KiB.
const DEFAULT_CHUNK: usize = 64 * 1024;

/// A buffer region holds this many read chunks (allocated, zeroed lazily).
const REGION_CHUNKS: usize = 4;

/// Reads frames from a blocking [`Read`] (a `TcpStream`, a file, a pipe)
/// with a sans-IO [`Decoder`]; an [`Iterator`] of
/// `Result<D::Item, D::Error>`.
///
/// Any decoder works, a codec of your own included: the frames are its
/// `Item` ([`Bytes`](bytes::Bytes) for the built-in codecs) and the errors
/// its `Error` ([`FrameError`] for the built-in codecs), I/O errors
/// converted into it.
///
/// Bytes are read straight into the spare capacity of the buffer the
/// decoder works on: no staging copy, and frames are split off that buffer
/// as [`Bytes`](bytes::Bytes) without copying. Every read has room for one chunk (64 KiB
/// by default, see [`with_capacity`](FrameReader::with_capacity)); while a
/// frame bigger than a chunk is arriving, the chunk grows with what has
/// arrived. The memory touched stays within twice the bytes actually
/// received plus one chunk, whatever a header declares (buffer regions are
/// allocated for four chunks, and zeroed a chunk at a time as reads need
/// them).
///
/// [`Interrupted`](io::ErrorKind::Interrupted) is retried. Other I/O errors
/// are returned converted into the decoder's error
/// ([`FrameError::Io`]); the bytes read so far stay buffered (nothing is
/// lost), so after a timeout ([`TimedOut`](io::ErrorKind::TimedOut) /
/// [`WouldBlock`](io::ErrorKind::WouldBlock)) you may simply call again. At
/// end of stream, the decoder's [`decode_eof`](Decoder::decode_eof) has the
/// last word: pending bytes that are not a whole frame are
/// [`FrameError::PartialFrame`].
///
/// As an iterator it ends at end of stream and after a fatal error; it
/// yields a recoverable one and carries on. An error is recoverable when it
/// is a [`FrameError`] (or a [`crate::Error::Frame`]) whose
/// [`is_recoverable`](FrameError::is_recoverable) says so, or an
/// [`io::Error`] of kind `WouldBlock`, `TimedOut` or `Interrupted`; any other
/// error type (a codec's own parse error, say) ends the iteration.
/// [`read_frame`](FrameReader::read_frame) never ends on its own: it is the
/// same loop without that policy, for a caller that decides itself. A frame
/// skipped under [`Oversize::Skip`](super::Oversize::Skip) is no error at
/// all: the iterator just yields the next frame.
///
/// # Examples
///
/// ```
/// use rionet::frame::{FrameReader, LengthPrefix};
///
/// let wire: &[u8] = b"\0\0\0\x05hello\0\0\0\x05world";
/// let frames: Vec<_> = FrameReader::new(wire, LengthPrefix::new()).collect::<Result<_, _>>()?;
/// assert_eq!(frames, ["hello", "world"]);
/// # Ok::<(), rionet::frame::FrameError>(())
/// ```
///
/// An oversized line is a recoverable error: the iterator yields it and
/// goes on.
///
/// ```
/// use rionet::frame::{FrameReader, Lines};
///
/// let wire: &[u8] = b"ok\nthis line is too long\nfine\n";
/// let items: Vec<_> = FrameReader::new(wire, Lines::builder().max_frame_len(8).build()).collect();
/// assert_eq!(items.len(), 3);
/// assert!(items[1].as_ref().is_err_and(|err| err.is_recoverable()));
/// assert_eq!(items[2].as_ref().unwrap(), "fine");
/// ```
///
/// Over TCP:
///
/// ```no_run
/// use std::net::TcpStream;
/// use rionet::frame::{FrameReader, LengthPrefix};
///
/// fn main() -> Result<(), rionet::frame::FrameError> {
///     let stream = TcpStream::connect("127.0.0.1:15213")?;
///     for frame in FrameReader::new(stream, LengthPrefix::new()) {
///         println!("{} bytes", frame?.len());
///     }
///     Ok(())
/// }
/// ```
///
/// # Errors
///
/// Each item may be an error: see [`read_frame`](FrameReader::read_frame).
#[derive(Debug)]
pub struct FrameReader<R, D> {
    inner: R,
    decoder: D,
    /// Bytes read and not yet decoded.
    buf: BytesMut,
    /// Zeroed memory right after `buf` in the same allocation: reads land
    /// here, then join `buf` without a copy.
    spare: BytesMut,
    chunk: usize,
    eof: bool,
    done: bool,
    /// Bytes at the front of `buf` already handed out by
    /// [`read_frame_slice`](FrameReader::read_frame_slice), dropped lazily.
    lent: usize,
}

impl<R: Read, D: Decoder> FrameReader<R, D> {
    /// A reader over `inner` decoding with `decoder`, reading up to 64 KiB
    /// at a time.
    ///
    /// # Examples
    ///
    /// ```
    /// use rionet::frame::{FrameReader, LengthPrefix};
    ///
    /// let mut frames = FrameReader::new(&b"\0\0\0\x01!"[..], LengthPrefix::new());
    /// assert_eq!(frames.read_frame()?.as_deref(), Some(&b"!"[..]));
    /// assert_eq!(frames.read_frame()?, None);
    /// # Ok::<(), rionet::frame::FrameError>(())
    /// ```
    pub fn new(inner: R, decoder: D) -> Self {
        FrameReader::with_capacity(DEFAULT_CHUNK, inner, decoder)
    }

    /// Like [`new`](FrameReader::new), reading up to `chunk` bytes at a time
    /// (at least 1), or up to what has arrived of a frame larger than
    /// `chunk` while it is arriving (see [`FrameReader`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use rionet::frame::{FrameReader, LengthPrefix};
    ///
    /// let frames = FrameReader::with_capacity(4096, &b""[..], LengthPrefix::new());
    /// assert_eq!(frames.count(), 0);
    /// ```
    pub fn with_capacity(chunk: usize, inner: R, decoder: D) -> Self {
        FrameReader {
            inner,
            decoder,
            buf: BytesMut::new(),
            spare: BytesMut::new(),
            chunk: chunk.max(1),
            eof: false,
            done: false,
            lent: 0,
        }
    }

    /// Like [`new`](FrameReader::new), starting from bytes already read from
    /// `inner` by someone else: a Rio line reader's leftover read-ahead
    /// after a text handshake, a preamble parsed by hand. They are copied
    /// once and decoded before anything is read from `inner`.
    ///
    /// # Examples
    ///
    /// ```
    /// use rionet::frame::{FrameReader, LengthPrefix};
    ///
    /// // A handshake line was read with a line reader, which had read ahead
    /// // into the first frame; the rest of the stream follows.
    /// let leftover: &[u8] = b"\0\0\0\x05he";
    /// let rest: &[u8] = b"llo";
    /// let mut frames = FrameReader::with_buffered(rest, LengthPrefix::new(), leftover);
    /// assert_eq!(frames.read_frame()?.as_deref(), Some(&b"hello"[..]));
    /// # Ok::<(), rionet::frame::FrameError>(())
    /// ```
    pub fn with_buffered(inner: R, decoder: D, buffered: &[u8]) -> Self {
        let mut reader = FrameReader::new(inner, decoder);
        reader.buf.extend_from_slice(buffered);
        reader
    }

    /// The next frame: `Ok(None)` at a clean end of stream.
    ///
    /// Decodes from the buffer first, and reads only when the decoder needs
    /// more bytes.
    ///
    /// # Errors
    ///
    /// The decoder's errors (oversized or malformed frames, see each codec),
    /// [`FrameError::PartialFrame`] when the stream ends inside a frame, and
    /// the `read` errors converted into `D::Error` ([`FrameError::Io`]; the
    /// bytes read so far stay buffered).
    ///
    /// # Examples
    ///
    /// ```
    /// use rionet::frame::{FrameReader, LengthPrefix};
    ///
    /// let mut frames = FrameReader::new(&b"\0\0\0\x05hel"[..], LengthPrefix::new());
    /// match frames.read_frame() {
    ///     Err(rionet::frame::FrameError::PartialFrame { had: 7, expected: Some(9), .. }) => {}
    ///     other => panic!("{other:?}"),
    /// }
    /// ```
    pub fn read_frame(&mut self) -> Result<Option<D::Item>, D::Error> {
        self.settle();
        loop {
            if self.eof {
                return self.decoder.decode_eof(&mut self.buf);
            }
            if let Some(frame) = self.decoder.decode(&mut self.buf)? {
                return Ok(Some(frame));
            }
            if self.fill()? == 0 {
                self.eof = true;
            }
        }
    }

    /// One `read` into the spare capacity, retrying `Interrupted`; returns
    /// the byte count (0 at end of stream).
    fn fill(&mut self) -> io::Result<usize> {
        // Every read gets room for a whole chunk.
        if self.spare.len() < self.chunk {
            if self.spare.capacity() >= self.chunk {
                // Zero the rest of the chunk in the current region, in place.
                self.spare.resize(self.chunk, 0);
            } else {
                self.grow();
            }
        }
        let n = loop {
            match self.inner.read(&mut self.spare) {
                Ok(n) => break n,
                Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                Err(err) => return Err(err),
            }
        };
        let filled = self.spare.split_to(n.min(self.spare.len()));
        // O(1): `filled` starts where `buf` ends, in the same allocation
        // (or `buf` is empty and simply becomes `filled`).
        self.buf.unsplit(filled);
        Ok(n)
    }

    /// Starts a new region: `spare` becomes one chunk of zeroed memory
    /// right after `buf`, with room to zero more chunks in place later.
    ///
    /// Safe Rust cannot hand uninitialised memory to `Read::read`, so spare
    /// memory is zeroed before a read lands in it. The point is to zero each
    /// byte once, one chunk at a time, not once per `read` call as a
    /// `resize`-then-`truncate` of the buffer would when reads come back
    /// short (on a socket they often do); reads then join `buf` with an
    /// O(1) `unsplit`. Measured on loopback TCP (benches/loopback.rs, 2
    /// shared cores): with 64 KiB frames this was about 10% faster than
    /// `reserve` + `resize` + `truncate` per read, level with 64 B frames;
    /// in a profile the `memset` takes about 3% of the samples, against
    /// about 16% for the kernel's two copies. `unsafe` (reading into
    /// uninitialised capacity) would save that 3% and is not worth it.
    ///
    /// A region is allocated (not touched) for four chunks, so the pending
    /// bytes of a partial frame are copied to a new region once every four
    /// chunks at most, not at every read; the old region is reclaimed in
    /// place when every frame split off it has been dropped. While a frame
    /// larger than a chunk is arriving, the chunk grows with what has
    /// arrived (copies stay linear overall); what is zeroed, and so
    /// resident, never exceeds twice what has arrived plus one chunk,
    /// whatever the frame's header declares.
    fn grow(&mut self) {
        let pending = self.buf.len();
        let want = self.chunk.max(pending);
        // Let go of the old spare region so `reserve` can reclaim it.
        self.spare = BytesMut::new();
        self.buf.reserve(want.max(REGION_CHUNKS * self.chunk));
        self.buf.resize(pending + want, 0);
        self.spare = self.buf.split_off(pending);
    }

    /// The underlying reader.
    ///
    /// # Examples
    ///
    /// ```
    /// use rionet::frame::{FrameReader, LengthPrefix};
    ///
    /// let frames = FrameReader::new(&b"abc"[..], LengthPrefix::new());
    /// assert_eq!(*frames.get_ref(), b"abc");
    /// ```
    pub fn get_ref(&self) -> &R {
        &self.inner
    }

    /// The underlying reader, mutably. Reading from it directly skips the
    /// bytes this reader has buffered: see [`buffer`](FrameReader::buffer).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::Cursor;
    /// use rionet::frame::{FrameReader, LengthPrefix};
    ///
    /// let mut frames = FrameReader::new(Cursor::new(vec![0u8; 4]), LengthPrefix::new());
    /// frames.get_mut().set_position(4);
    /// assert_eq!(frames.read_frame()?, None);
    /// # Ok::<(), rionet::frame::FrameError>(())
    /// ```
    pub fn get_mut(&mut self) -> &mut R {
        &mut self.inner
    }

    /// The reader and the decoder at once, for [`Framed`](super::Framed).
    pub(crate) fn parts_mut(&mut self) -> (&mut R, &mut D) {
        (&mut self.inner, &mut self.decoder)
    }

    /// The decoder.
    ///
    /// # Examples
    ///
    /// ```
    /// use rionet::frame::{FrameReader, LengthPrefix};
    ///
    /// let frames = FrameReader::new(&b""[..], LengthPrefix::new());
    /// assert_eq!(frames.decoder().max_frame_len(), 8 << 20);
    /// ```
    pub fn decoder(&self) -> &D {
        &self.decoder
    }

    /// The decoder, mutably.
    ///
    /// # Examples
    ///
    /// ```
    /// use rionet::frame::{FrameReader, LengthPrefix};
    ///
    /// let mut frames = FrameReader::new(&b""[..], LengthPrefix::new());
    /// *frames.decoder_mut() = LengthPrefix::builder().field_len(2).build();
    /// ```
    pub fn decoder_mut(&mut self) -> &mut D {
        &mut self.decoder
    }

    /// The bytes read from the underlying reader but not yet decoded: the
    /// start of the next frame, or of whatever follows the framed part of
    /// the stream.
    ///
    /// # Examples
    ///
    /// ```
    /// use rionet::frame::{FrameReader, LengthPrefix};
    ///
    /// let mut frames = FrameReader::new(&b"\0\0\0\x01!\0\0"[..], LengthPrefix::new());
    /// frames.read_frame()?;
    /// assert_eq!(frames.buffer(), b"\0\0");
    /// # Ok::<(), rionet::frame::FrameError>(())
    /// ```
    pub fn buffer(&self) -> &[u8] {
        &self.buf[self.lent..]
    }

    /// The underlying reader; the buffered bytes are lost (use
    /// [`into_parts`](FrameReader::into_parts) to keep them).
    ///
    /// # Examples
    ///
    /// ```
    /// use rionet::frame::{FrameReader, LengthPrefix};
    ///
    /// let frames = FrameReader::new(&b"abc"[..], LengthPrefix::new());
    /// assert_eq!(frames.into_inner(), b"abc");
    /// ```
    pub fn into_inner(self) -> R {
        self.inner
    }

    /// The underlying reader, the decoder and the bytes read but not yet
    /// decoded, to hand the stream over to something else.
    ///
    /// # Examples
    ///
    /// ```
    /// use rionet::frame::{FrameReader, LengthPrefix};
    ///
    /// let mut frames = FrameReader::new(&b"\0\0\0\x01!rest"[..], LengthPrefix::new());
    /// frames.read_frame()?;
    /// let (_reader, _codec, buffered) = frames.into_parts();
    /// assert_eq!(&buffered[..], b"rest");
    /// # Ok::<(), rionet::frame::FrameError>(())
    /// ```
    pub fn into_parts(mut self) -> (R, D, BytesMut) {
        self.settle();
        (self.inner, self.decoder, self.buf)
    }
}

impl<R: Read, D: BorrowDecoder> FrameReader<R, D> {
    /// The next frame borrowed from the reader's buffer, valid until the
    /// next call on the reader: `Ok(None)` at a clean end of stream.
    ///
    /// The same frames, limits, skips and errors as
    /// [`read_frame`](FrameReader::read_frame), without the per-frame cost
    /// of a [`Bytes`](bytes::Bytes) (a `split_to` and a reference count):
    /// the reader hands out a slice of its buffer and drops the frames it
    /// lent only when it next needs room, the way Go's
    /// `bufio.Scanner.Bytes` does. Any [`BorrowDecoder`] works; both kinds
    /// of call may be mixed on one reader.
    ///
    /// # Errors
    ///
    /// As [`read_frame`](FrameReader::read_frame).
    ///
    /// # Examples
    ///
    /// ```
    /// use rionet::frame::{FrameReader, Lines};
    ///
    /// let mut lines = FrameReader::new(&b"GET / HTTP/1.0\r\nHost: x\r\n\r\n"[..], Lines::new());
    /// let mut headers = 0;
    /// while let Some(line) = lines.read_frame_slice()? {
    ///     if line.is_empty() {
    ///         break;
    ///     }
    ///     headers += 1;
    /// }
    /// assert_eq!(headers, 2);
    /// # Ok::<(), rionet::frame::FrameError>(())
    /// ```
    #[inline]
    pub fn read_frame_slice(&mut self) -> Result<Option<&[u8]>, D::Error> {
        loop {
            let found = self.decoder.decode_slice(&self.buf[self.lent..], self.eof);
            let start = self.lent;
            self.lent += found.consumed;
            match found.result {
                Ok(Some(frame)) => {
                    return Ok(Some(&self.buf[start + frame.start..start + frame.end]));
                }
                Ok(None) if self.eof => return Ok(None),
                Ok(None) => {}
                Err(err) => return Err(err),
            }
            self.settle();
            if self.fill()? == 0 {
                self.eof = true;
            }
        }
    }
}

impl<R, D> FrameReader<R, D> {
    /// Drops the bytes lent by [`read_frame_slice`](FrameReader::read_frame_slice).
    #[inline]
    fn settle(&mut self) {
        if self.lent > 0 {
            self.buf.advance(self.lent);
            self.lent = 0;
        }
    }
}

impl<R: Read, D: Decoder> Iterator for FrameReader<R, D>
where
    D::Error: 'static,
{
    type Item = Result<D::Item, D::Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let item = self.read_frame().transpose();
        self.done = match &item {
            None => true,
            Some(Ok(_)) => false,
            Some(Err(err)) => !is_recoverable(err),
        };
        item
    }
}

/// Whether an error of any type is known to leave the stream usable: see
/// [`FrameReader`]'s iterator.
fn is_recoverable<E: 'static>(err: &E) -> bool {
    let err: &dyn Any = err;
    if let Some(err) = err.downcast_ref::<FrameError>() {
        err.is_recoverable()
    } else if let Some(err) = err.downcast_ref::<io::Error>() {
        io_is_recoverable(err)
    } else if let Some(err) = err.downcast_ref::<crate::Error>() {
        match err {
            crate::Error::Frame(err) => err.is_recoverable(),
            crate::Error::Io(err) => io_is_recoverable(err),
            _ => false,
        }
    } else {
        false
    }
}
