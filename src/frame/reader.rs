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

/// A region more than this many times a normal one, grown for a large
/// frame, is left once the bytes that follow the frame fit a normal one.
const SHRINK_FACTOR: usize = 2;

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
/// as [`Bytes`](bytes::Bytes) without copying. Every read has room for one
/// chunk (64 KiB by default, see
/// [`with_capacity`](FrameReader::with_capacity)), or for the rest of the
/// frame plus one chunk once the decoder knows the frame's length
/// ([`Decoder::frame_len_hint`]; [`LengthPrefix`](super::LengthPrefix)
/// does). When frames are up to two chunks long, the chunk is rounded up to
/// whole frames of the last length told, so that with frames of one size
/// reads end on frame boundaries (64 KiB payloads behind a 4-byte header
/// take one read each, as many reads as the raw bytes need).
///
/// Memory: the buffer lives in regions of four chunks. A frame larger than
/// that grows the region fourfold at a time, never beyond four times what
/// has arrived (so a header alone reserves nothing: a header declaring
/// 4 GiB with 10 bytes behind it costs one region), and once a quarter of
/// the frame has arrived, one region of exactly the frame plus one chunk
/// is allocated. While a large frame arrives, the buffer holds at most
/// 1.25 × the frame plus one chunk (both regions during the last move),
/// and the bytes copied between regions add up to less than half the
/// frame. After a large frame, the reader goes back to a normal region as
/// soon as what follows fits one, before it blocks in a read, so an idle
/// connection does not keep the large region; the large region itself is
/// freed when the frame split off it is dropped. Spare memory is zeroed
/// once, as reads reach it (safe Rust reads only into initialised memory).
/// Frames read with [`read_frame_slice`](FrameReader::read_frame_slice)
/// leave their memory to the reader, which reuses it without allocating or
/// zeroing it again: a stream of borrowed frames lives in one region.
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
    /// Size of the allocation `buf` and `spare` live in (0 before the
    /// first read).
    region: usize,
    /// The last frame length the decoder told (0: none yet).
    last_whole: usize,
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
    /// (at least 1), or up to the rest of a frame plus about `chunk` when
    /// the decoder knows the frame's length; the buffer's normal region is
    /// four chunks (see [`FrameReader`]).
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
            region: 0,
            last_whole: 0,
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
    #[inline]
    pub fn read_frame(&mut self) -> Result<Option<D::Item>, D::Error> {
        // The fast path, inlined: a whole frame is buffered. Callgrind,
        // 64 B frames from memory (`benches/profile.rs frame-read rionet
        // 64`, `memcpy` / `memset` left out): 156 instructions a frame
        // through the iterator, 201 with the loop below in one function.
        if self.lent == 0 && !self.eof {
            if let Some(frame) = self.decoder.decode(&mut self.buf)? {
                return Ok(Some(frame));
            }
            return self.read_frame_slow(true);
        }
        self.read_frame_slow(false)
    }

    /// [`read_frame`](FrameReader::read_frame) from the top, or, with
    /// `decoded`, right after a `decode` that wanted more bytes: reads
    /// until the decoder has a frame, or hands over to `decode_eof` at end
    /// of stream.
    #[cold]
    #[inline(never)]
    fn read_frame_slow(&mut self, decoded: bool) -> Result<Option<D::Item>, D::Error> {
        self.settle();
        let mut decoded = decoded;
        loop {
            if decoded && self.fill()? == 0 {
                self.eof = true;
            }
            decoded = true;
            if self.eof {
                return self.decoder.decode_eof(&mut self.buf);
            }
            if let Some(frame) = self.decoder.decode(&mut self.buf)? {
                return Ok(Some(frame));
            }
        }
    }

    /// One `read` into the spare capacity, retrying `Interrupted`; returns
    /// the byte count (0 at end of stream).
    ///
    /// The read gets room for one chunk, or, when the decoder's
    /// [`frame_len_hint`](Decoder::frame_len_hint) says how long the frame
    /// at the front is, for the rest of that frame plus one chunk (so a
    /// frame slightly larger than a chunk does not cost two reads per
    /// chunk). Near the end of a region it gets exactly the rest of a large
    /// frame if that fits, so the next region starts on a frame boundary
    /// and nothing has to be copied over; otherwise what is left of the
    /// region if that is at least half a chunk.
    ///
    /// Bytes lent by [`read_frame_slice`](FrameReader::read_frame_slice)
    /// stay in front of the pending ones until a new region is needed.
    fn fill(&mut self) -> io::Result<usize> {
        let pending = self.buf.len() - self.lent;
        let whole = self
            .decoder
            .frame_len_hint(&self.buf[self.lent..])
            .filter(|&whole| whole > pending);
        let rest = whole.map(|whole| whole - pending);
        if let Some(whole) = whole {
            self.last_whole = whole;
        }
        let next = self.next_read();
        let room = rest.map_or(next, |rest| rest.saturating_add(next));
        let available = self.spare.capacity();
        let normal = self.normal_region();
        // A region that grew for a large frame is left as soon as the bytes
        // that follow fit a normal one: an idle connection does not keep it.
        let shrink = self.region > SHRINK_FACTOR.saturating_mul(normal)
            && pending.saturating_add(room) <= normal;
        // A frame of more than an eighth of a chunk that can end at the
        // region's end is read just to its end: the next region starts on
        // a frame boundary, with nothing to copy over. Smaller frames fill
        // the region; the partial frame at its end is copied (a few bytes).
        let ends_here = whole.is_some_and(|whole| whole > self.chunk / 8)
            && rest.is_some_and(|rest| rest <= available);
        let room = if shrink || available >= room {
            room
        } else if ends_here {
            rest.unwrap_or(room)
        } else if pending == 0 {
            // Nothing to copy: a new region costs nothing.
            room
        } else if available >= self.chunk / 2 && available > 0 {
            available
        } else {
            room
        };
        let room = if shrink || available < room {
            let size = self.region_size(pending, room, whole);
            self.relocate(size);
            // A region still growing towards a large frame: fill it.
            room.min(self.spare.capacity())
        } else {
            room
        };
        if self.spare.len() < room {
            // Within the region's capacity: zeroes only the bytes not
            // zeroed before; memory a short read left untouched is reused.
            self.spare.resize(room, 0);
        }
        let n = loop {
            match self.inner.read(&mut self.spare[..room]) {
                Ok(n) => break n,
                Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                Err(err) => return Err(err),
            }
        };
        let filled = self.spare.split_to(n.min(room));
        // O(1): `filled` starts where `buf` ends, in the same allocation
        // (or `buf` is empty and simply becomes `filled`).
        self.buf.unsplit(filled);
        Ok(n)
    }

    /// How much to read beyond the frame at the front: one chunk, rounded
    /// up to a whole number of frames when the last frame whose length the
    /// decoder told was at most two chunks long. With frames of one size
    /// (say 64 KiB payloads behind a 4-byte header, a little over a chunk)
    /// reads then end on frame boundaries, and so do regions.
    fn next_read(&self) -> usize {
        let last = self.last_whole;
        if last == 0 || last > self.chunk.saturating_mul(2) {
            self.chunk
        } else {
            self.chunk.div_ceil(last) * last
        }
    }

    /// A region's size when no frame asks for more: four chunks.
    fn normal_region(&self) -> usize {
        self.chunk.saturating_mul(REGION_CHUNKS)
    }

    /// How large a new region must be to hold the `pending` bytes and a
    /// read of `room` bytes, `whole` being the frame's declared length if
    /// the decoder knows it.
    ///
    /// Small needs get a normal region (four chunks), so the pending bytes
    /// of a partial frame are copied at most once every few chunks. A
    /// larger need without a declared length doubles the pending bytes.
    /// With a declared length `whole`, regions grow fourfold but stay
    /// below `whole / 4` until a quarter of the frame has arrived; then one
    /// region of exactly `whole` plus one chunk is allocated. So:
    ///
    /// - the memory reserved never exceeds about four times what has
    ///   arrived plus a normal region, whatever the header declares;
    /// - while the new region is filled from the old one, the two together
    ///   hold at most `1.25 × whole` plus one chunk;
    /// - the bytes copied from region to region add up to less than half
    ///   the frame (a geometric series ending at `whole / 4`).
    fn region_size(&self, pending: usize, room: usize, whole: Option<usize>) -> usize {
        let normal = self.normal_region();
        let need = pending.saturating_add(room);
        if need <= normal {
            return normal;
        }
        let Some(whole) = whole else {
            return pending.saturating_add(pending.max(normal));
        };
        let cap = (whole / 4).saturating_sub(self.chunk);
        if pending.saturating_add(self.chunk) > cap {
            need
        } else {
            normal.max(cap.min(pending.saturating_mul(4)))
        }
    }

    /// Moves the pending bytes to the front of a new region of `size`
    /// bytes (allocated, zeroed lazily as reads need it) and lets go of the
    /// old one, which is freed once the frames split off it are dropped.
    ///
    /// Safe Rust cannot hand uninitialised memory to `Read::read`, so spare
    /// memory is zeroed before a read lands in it: each byte of a region
    /// once, as reads reach it (a short read leaves the rest zeroed for the
    /// next one), never once per `read` call. Frames leave the region as
    /// [`Bytes`](bytes::Bytes) without a copy, so their memory cannot be
    /// reused without zeroing it again; that is the price of zero-copy
    /// frames in safe code (about 3% of a loopback profile, against 16%
    /// for the kernel's copies).
    ///
    /// When the memory from the front of `buf` to the region's end is
    /// exactly `size` bytes and the front of it holds frames lent as slices,
    /// that memory is reused instead ([`reuse_lent`](FrameReader::reuse_lent)):
    /// the same layout, so the same reads, without allocating or zeroing.
    fn relocate(&mut self, size: usize) {
        self.region = size;
        if self.lent > 0 && self.buf.len() + self.spare.capacity() == size && self.reuse_lent() {
            return;
        }
        self.settle();
        // Let go of the old spare memory first.
        self.spare = BytesMut::new();
        let mut region = BytesMut::with_capacity(size);
        region.extend_from_slice(&self.buf);
        self.buf = region;
        self.spare = self.buf.split_off(self.buf.len());
    }

    /// Makes the memory of the lent bytes spare again, without allocating
    /// or zeroing anything: moves the pending bytes to the front of
    /// `buf`'s memory and joins what follows them, all of it initialised
    /// already, to `spare`. Frames lent as slices stay in the buffer, so
    /// their memory is the reader's to reuse (frames split off as
    /// [`Bytes`](bytes::Bytes) are not: their memory is theirs).
    ///
    /// Returns false, changing nothing, if `spare` does not follow `buf` in
    /// one allocation (bytes handed over to
    /// [`with_buffered`](FrameReader::with_buffered), before the first
    /// region).
    ///
    /// Callgrind, 64 B frames from memory (`benches/profile.rs frame-read
    /// borrowed 64`): `memset` goes from 68 instructions a frame (one a
    /// byte received) to 1 (the first region).
    fn reuse_lent(&mut self) -> bool {
        let end = self.buf.len();
        let spare = std::mem::take(&mut self.spare);
        if let Err(spare) = self.buf.try_unsplit(spare) {
            self.spare = spare;
            return false;
        }
        self.buf.copy_within(self.lent..end, 0);
        self.spare = self.buf.split_off(end - self.lent);
        self.lent = 0;
        true
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
    /// `bufio.Scanner.Bytes` does, reusing their memory for the reads that
    /// follow. Any [`BorrowDecoder`] works; both kinds
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

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.read_frame() {
            Ok(Some(frame)) => Some(Ok(frame)),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(err) => {
                self.done = !is_recoverable(&err);
                Some(Err(err))
            }
        }
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
