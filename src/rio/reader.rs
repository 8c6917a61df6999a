//! `RioReader`: CS:APP's buffered `rio_t`, its buffer and its raw reads.

use std::fmt;
use std::io::{self, BufRead, Read};

use super::line::{LinePolicy, LineState};
use super::readn::{read_retrying, readn};
use super::scan::NewlineFinder;
use crate::Result;

/// The buffer size [`RioReader::new`] uses: 8 KiB, CS:APP's `RIO_BUFSIZE`.
const DEFAULT_CAPACITY: usize = 8 * 1024;
/// The maximum line length [`RioReader::new`] uses: 64 KiB.
const DEFAULT_MAX_LINE: usize = 64 * 1024;

/// A buffered reader for line- and byte-oriented protocols: CS:APP's `rio_t`.
///
/// Wraps any [`Read`] (`TcpStream`, `File`, `&[u8]`...) and reads it through
/// an internal buffer, so a protocol can freely mix
///
/// - [`readlineb`](RioReader::readlineb): the next line, appended to a
///   `Vec<u8>` (CS:APP's `rio_readlineb`);
/// - [`read_line_slice`](RioReader::read_line_slice): the next line,
///   borrowed from the internal buffer without copying (Go's
///   `bufio.Reader.ReadSlice`);
/// - [`readnb`](RioReader::readnb): exactly `n` bytes unless the stream
///   ends (CS:APP's `rio_readnb`);
/// - [`Read`] and [`BufRead`], through the same buffer.
///
/// Lines are bounded: a line longer than the maximum line length (64 KiB by
/// default, [`max_line`](RioReader::max_line)) is never buffered whole and
/// never split silently; [`LinePolicy`] says whether it is an error (the
/// default) or truncated. Memory stays below
/// `max(capacity, max_line + 1)` bytes for the buffer, plus `max_line`
/// bytes for a truncated line under [`LinePolicy::Truncate`].
///
/// Nothing read is ever lost: [`buffer`](RioReader::buffer) shows the bytes
/// read from the inner reader but not yet returned,
/// [`consume`](BufRead::consume) drops them, and
/// [`into_parts`](RioReader::into_parts) hands them back with the inner
/// reader, so a protocol can switch from lines to framed mode mid-stream.
///
/// # Examples
///
/// ```
/// use rionet::RioReader;
///
/// let mut rio = RioReader::new(&b"HELO client\nDATA 5\nhello"[..]);
/// let mut line = Vec::new();
/// rio.readlineb(&mut line)?;
/// assert_eq!(line, b"HELO client\n");
/// assert_eq!(rio.read_line_slice()?, b"DATA 5\n");
/// let mut body = [0u8; 5];
/// assert_eq!(rio.readnb(&mut body)?, 5);
/// assert_eq!(&body, b"hello");
/// # Ok::<(), rionet::Error>(())
/// ```
pub struct RioReader<R> {
    pub(super) inner: R,
    /// The buffer; `buf.len()` is its capacity, all of it initialised.
    pub(super) buf: Vec<u8>,
    /// Start of the unread bytes in `buf`.
    pub(super) pos: usize,
    /// End of the unread bytes in `buf`.
    pub(super) filled: usize,
    pub(super) max_line: usize,
    pub(super) policy: LinePolicy,
    /// How many bytes after `pos` are known to hold no `\n` (the line scan
    /// resumes there).
    pub(super) scanned: usize,
    /// A discard in progress, or the length of a truncated line.
    pub(super) state: LineState,
    /// The kept head of a truncated line (`LinePolicy::Truncate`).
    pub(super) held: Vec<u8>,
    pub(super) newline: NewlineFinder,
}

impl<R: Read> RioReader<R> {
    /// A reader over `inner` with the defaults: an 8 KiB buffer (CS:APP's
    /// `RIO_BUFSIZE`), lines of at most 64 KiB, [`LinePolicy::Error`].
    ///
    /// This is CS:APP's `rio_readinitb`. No I/O happens until the first read.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # fn main() -> rionet::Result<()> {
    /// let stream = std::net::TcpStream::connect("localhost:15213")?;
    /// let mut rio = rionet::RioReader::new(stream);
    /// let mut line = Vec::new();
    /// rio.readlineb(&mut line)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn new(inner: R) -> Self {
        Self::with_capacity(DEFAULT_CAPACITY, inner)
    }

    /// A reader over `inner` whose buffer holds `capacity` bytes (at least
    /// 1; 0 is taken as 1); otherwise as [`new`](RioReader::new).
    ///
    /// The capacity is how much one `read` call on `inner` asks for. A line
    /// longer than it grows the buffer, up to `max_line + 1` bytes (enough
    /// to tell a line of `max_line` bytes from a longer one).
    ///
    /// # Examples
    ///
    /// ```
    /// let mut rio = rionet::RioReader::with_capacity(64 * 1024, &b"a\nb\n"[..]);
    /// assert_eq!(rio.read_line_slice()?, b"a\n");
    /// # Ok::<(), rionet::Error>(())
    /// ```
    pub fn with_capacity(capacity: usize, inner: R) -> Self {
        Self {
            inner,
            buf: vec![0; capacity.max(1)],
            pos: 0,
            filled: 0,
            max_line: DEFAULT_MAX_LINE,
            policy: LinePolicy::Error,
            scanned: 0,
            state: LineState::Clean,
            held: Vec::new(),
            newline: NewlineFinder::new(),
        }
    }

    /// Sets the maximum line length in bytes, the `\n` included (default
    /// 64 KiB).
    ///
    /// A line read never returns more than `max` bytes; what happens to a
    /// longer line is the [`line_policy`](RioReader::line_policy).
    ///
    /// # Panics
    ///
    /// If `max` is 0: no line could ever be read.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut rio = rionet::RioReader::new(&b"0123456789\nok\n"[..]);
    /// rio.max_line(8);
    /// assert!(rio.read_line_slice().is_err());
    /// assert_eq!(rio.read_line_slice()?, b"ok\n");
    /// # Ok::<(), rionet::Error>(())
    /// ```
    pub fn max_line(&mut self, max: usize) -> &mut Self {
        assert!(max > 0, "the maximum line length must be at least 1");
        self.max_line = max;
        self.scanned = 0;
        self
    }

    /// Sets what happens to a line over the maximum line length (default
    /// [`LinePolicy::Error`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use rionet::{LinePolicy, RioReader};
    ///
    /// let mut rio = RioReader::new(&b"0123456789\n"[..]);
    /// rio.max_line(4).line_policy(LinePolicy::Truncate);
    /// assert_eq!(rio.read_line_slice()?, b"0123");
    /// assert_eq!(rio.truncated(), Some(11));
    /// # Ok::<(), rionet::Error>(())
    /// ```
    pub fn line_policy(&mut self, policy: LinePolicy) -> &mut Self {
        self.policy = policy;
        self
    }

    /// Reads until `buf` is full or the stream ends, through the buffer;
    /// returns how many bytes were read.
    ///
    /// This is CS:APP's `rio_readnb`: buffered bytes come first, so it mixes
    /// freely with line reads on the same stream. A short count happens only
    /// at end of stream; `Interrupted` is retried. A request at least as
    /// large as the buffer, once the buffer is drained, reads straight into
    /// `buf` instead of copying through the buffer.
    ///
    /// Where it differs from `rio_readnb`: bytes read before an error are
    /// not lost (see below).
    ///
    /// If a line read had been interrupted by an error while discarding an
    /// over-long line, `readnb` takes over the raw stream and that discard
    /// is abandoned.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut rio = rionet::RioReader::new(&b"LEN 3\nabcdef"[..]);
    /// assert_eq!(rio.read_line_slice()?, b"LEN 3\n");
    /// let mut body = [0u8; 3];
    /// assert_eq!(rio.readnb(&mut body)?, 3);
    /// assert_eq!(&body, b"abc");
    /// let mut rest = [0u8; 8];
    /// assert_eq!(rio.readnb(&mut rest)?, 3); // short: end of stream
    /// # Ok::<(), rionet::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::PartialIo`](crate::Error::PartialIo) with the count of bytes already at the front of
    /// `buf` (possibly 0) and the inner reader's error, whose kind
    /// [`Error::kind`](crate::Error::kind) reports. After
    /// [`WouldBlock`](io::ErrorKind::WouldBlock) or a timeout, call again
    /// with `&mut buf[transferred..]`.
    pub fn readnb(&mut self, buf: &mut [u8]) -> Result<usize> {
        // `Read for RioReader` goes through the buffer; `readn` adds the
        // loop, the retries and the byte count on error.
        readn(self, buf)
    }
}

impl<R> RioReader<R> {
    /// The bytes read from the inner reader but not yet returned. No I/O.
    ///
    /// Together with [`consume`](BufRead::consume) this lets a protocol
    /// switch from lines to another framing without losing a byte. After a
    /// line read fails with an I/O error (say
    /// [`WouldBlock`](io::ErrorKind::WouldBlock)), the partial line is here
    /// (unless it was an over-long line being discarded: its bytes read so
    /// far are gone, and the next line read finishes the discard).
    ///
    /// # Examples
    ///
    /// ```
    /// let mut rio = rionet::RioReader::new(&b"STARTTLS\n\x16\x03\x01"[..]);
    /// assert_eq!(rio.read_line_slice()?, b"STARTTLS\n");
    /// assert_eq!(rio.buffer(), b"\x16\x03\x01");
    /// # Ok::<(), rionet::Error>(())
    /// ```
    pub fn buffer(&self) -> &[u8] {
        &self.buf[self.pos..self.filled]
    }

    /// The current size of the internal buffer in bytes: the capacity asked
    /// for, or more after a line longer than it (never more than
    /// `max_line + 1`).
    ///
    /// # Examples
    ///
    /// ```
    /// let rio = rionet::RioReader::new(&b""[..]);
    /// assert_eq!(rio.capacity(), 8 * 1024);
    /// ```
    pub fn capacity(&self) -> usize {
        self.buf.len()
    }

    /// The inner reader.
    ///
    /// # Examples
    ///
    /// ```
    /// let rio = rionet::RioReader::new(&b"abc"[..]);
    /// assert_eq!(rio.get_ref().len(), 3);
    /// ```
    pub fn get_ref(&self) -> &R {
        &self.inner
    }

    /// The inner reader, mutably (to set a socket option, say).
    ///
    /// Reading from it directly skips the bytes in
    /// [`buffer`](RioReader::buffer) and breaks the stream's order.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut rio = rionet::RioReader::new(std::io::Cursor::new(b"abc"));
    /// rio.get_mut().set_position(1);
    /// assert_eq!(rio.read_line_slice()?, b"bc");
    /// # Ok::<(), rionet::Error>(())
    /// ```
    pub fn get_mut(&mut self) -> &mut R {
        &mut self.inner
    }

    /// The inner reader; the buffered bytes are dropped.
    ///
    /// Use [`into_parts`](RioReader::into_parts) to keep them.
    ///
    /// # Examples
    ///
    /// ```
    /// let rio = rionet::RioReader::new(&b"abc"[..]);
    /// let inner: &[u8] = rio.into_inner();
    /// assert_eq!(inner, b"abc");
    /// ```
    pub fn into_inner(self) -> R {
        self.inner
    }

    /// The inner reader and the bytes read from it but not yet returned, in
    /// stream order: the unread stream is those bytes followed by the
    /// reader.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut rio = rionet::RioReader::new(&b"LINE\nrest"[..]);
    /// assert_eq!(rio.read_line_slice()?, b"LINE\n");
    /// let (inner, buffered) = rio.into_parts();
    /// assert_eq!(buffered, b"rest");
    /// assert!(inner.is_empty());
    /// # Ok::<(), rionet::Error>(())
    /// ```
    pub fn into_parts(self) -> (R, Vec<u8>) {
        let mut buf = self.buf;
        buf.truncate(self.filled);
        buf.drain(..self.pos);
        (self.inner, buf)
    }

    /// Marks `n` buffered bytes (at most what is buffered) as read.
    pub(super) fn consume_buffered(&mut self, n: usize) {
        let n = n.min(self.filled - self.pos);
        self.pos += n;
        self.scanned = self.scanned.saturating_sub(n);
    }
}

impl<R: Read> RioReader<R> {
    /// Reads once from the inner reader into the free end of the buffer,
    /// compacting the unread bytes to the front (or, when they fill the
    /// whole buffer, growing it up to `max_line + 1` bytes) to make room.
    /// Returns the count read, 0 at end of stream.
    pub(super) fn fill_more(&mut self) -> io::Result<usize> {
        if self.pos == self.filled {
            self.pos = 0;
            self.filled = 0;
        }
        if self.filled == self.buf.len() {
            if self.pos > 0 {
                self.buf.copy_within(self.pos..self.filled, 0);
                self.filled -= self.pos;
                self.pos = 0;
            } else {
                let len = self.buf.len();
                let grown = len
                    .saturating_mul(2)
                    .min(self.max_line.saturating_add(1))
                    .max(len + 1);
                self.buf.resize(grown, 0);
            }
        }
        let n = read_retrying(&mut self.inner, &mut self.buf[self.filled..])?;
        self.filled += n;
        Ok(n)
    }

    /// The buffered bytes, reading once first if there are none.
    fn fill_if_empty(&mut self) -> io::Result<&[u8]> {
        if self.pos == self.filled {
            self.fill_more()?;
        }
        Ok(self.buffer())
    }
}

/// Reads through the buffer, so it mixes with line reads; `Interrupted` is
/// retried.
/// Reads through the buffer, like [`RioReader::readnb`] for one call. As
/// with `readnb`, a discard of an over-long line that an error interrupted is
/// abandoned: the raw stream continues from the current position.
impl<R: Read> Read for RioReader<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        self.state = LineState::Clean;
        if out.is_empty() {
            return Ok(0);
        }
        if self.pos == self.filled && out.len() >= self.buf.len() {
            return read_retrying(&mut self.inner, out);
        }
        let buffered = self.fill_if_empty()?;
        let n = buffered.len().min(out.len());
        out[..n].copy_from_slice(&buffered[..n]);
        self.consume_buffered(n);
        Ok(n)
    }
}

/// `fill_buf` returns [`buffer`](RioReader::buffer), reading first only if it
/// is empty. std's `read_line` / `lines` through this trait ignore the
/// maximum line length; use [`RioReader::readlineb`] for bounded lines.
/// The buffered bytes, as [`RioReader::buffer`] shows them. `consume`
/// abandons an interrupted discard of an over-long line, as
/// [`RioReader::readnb`] does.
impl<R: Read> BufRead for RioReader<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.fill_if_empty()
    }

    fn consume(&mut self, amt: usize) {
        self.state = LineState::Clean;
        self.consume_buffered(amt);
    }
}

impl<R: fmt::Debug> fmt::Debug for RioReader<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RioReader")
            .field("inner", &self.inner)
            .field("buffered", &(self.filled - self.pos))
            .field("capacity", &self.buf.len())
            .field("max_line", &self.max_line)
            .field("policy", &self.policy)
            .finish()
    }
}
