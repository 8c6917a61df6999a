//! `RioReader`: CS:APP's buffered `rio_t`, its buffer and its raw reads.

use std::fmt;
use std::io::{self, BufRead, Read};

use super::buffer::Buffer;
use super::error::RioError;
use super::line::{LinePolicy, LineScanner};
use super::readn::{read_retrying, readn};

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
/// default) or truncated. The limit rule, shared with the framers'
/// `max_frame_len`: max_line counts the bytes readlineb hands back, the `\n`
/// included. Memory stays below
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
/// # Ok::<(), rionet::RioError>(())
/// ```
pub struct RioReader<R> {
    inner: R,
    buf: Buffer,
    lines: LineScanner,
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
    /// # Ok::<(), rionet::RioError>(())
    /// ```
    pub fn with_capacity(capacity: usize, inner: R) -> Self {
        Self {
            inner,
            buf: Buffer::with_capacity(capacity),
            lines: LineScanner::new(DEFAULT_MAX_LINE),
        }
    }

    /// Sets the maximum line length in bytes (default 64 KiB): max_line
    /// counts the bytes readlineb hands back, the `\n` included.
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
    /// # Ok::<(), rionet::RioError>(())
    /// ```
    pub fn max_line(&mut self, max: usize) -> &mut Self {
        assert!(max > 0, "the maximum line length must be at least 1");
        self.lines.set_max_line(max);
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
    /// # Ok::<(), rionet::RioError>(())
    /// ```
    pub fn line_policy(&mut self, policy: LinePolicy) -> &mut Self {
        self.lines.set_policy(policy);
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
    /// If a line read was interrupted by an error while discarding an
    /// over-long line, `readnb` first finishes that discard and reports the
    /// line as [`RioError::LineTooLong`] (under either [`LinePolicy`]), so
    /// no byte of it ever comes back as data; the next call reads what
    /// follows the line.
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
    /// # Ok::<(), rionet::RioError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`RioError::PartialIo`] with the count of bytes already at the front
    /// of `buf` (possibly 0) and the inner reader's error, whose kind
    /// [`RioError::kind`] reports. After
    /// [`WouldBlock`](io::ErrorKind::WouldBlock) or a timeout, call again
    /// with `&mut buf[transferred..]`. [`RioError::LineTooLong`] for an
    /// interrupted over-long line, as above (nothing was read into `buf`).
    pub fn readnb(&mut self, buf: &mut [u8]) -> Result<usize, RioError> {
        self.lines
            .finish_discard(&mut self.buf, &mut self.inner)
            .map_err(|err| match err {
                RioError::Io(source) => RioError::PartialIo {
                    transferred: 0,
                    source,
                },
                other => other,
            })?;
        // `Read for RioReader` goes through the buffer; `readn` adds the
        // loop, the retries and the byte count on error.
        readn(self, buf)
    }
    /// Appends the next line, its `\n` included, to `line`; returns its
    /// length, 0 at end of stream.
    ///
    /// This is CS:APP's `rio_readlineb`, with these differences:
    ///
    /// - the line is appended to a `Vec<u8>` as bytes, `\n` included, with
    ///   no NUL terminator: a line may hold any byte, NUL too;
    /// - the last line of a stream that does not end in `\n` comes back as
    ///   it is: a line that does not end in `\n` is that last line (or, under
    ///   [`LinePolicy::Truncate`], a truncated one, as
    ///   [`truncated`](RioReader::truncated) tells);
    /// - `rio_readlineb` silently splits a line longer than `maxlen` and
    ///   returns the rest as the next line. Here the maximum line length
    ///   ([`max_line`](RioReader::max_line), default 64 KiB) is enforced by
    ///   the [`LinePolicy`]; a line is never split;
    /// - the scan for `\n` resumes where the last one stopped, so a line
    ///   that arrives one byte at a time costs linear time; it compares
    ///   128 bytes at once (SSE2, or AVX2 where the CPU has it), then goes
    ///   on with `memchr`, and the window's later `\n`s serve the next
    ///   lines without a search;
    /// - a line is appended whole or not at all: if the inner reader fails
    ///   mid-line (a timeout, [`WouldBlock`](std::io::ErrorKind::WouldBlock)
    ///   on a nonblocking socket), the partial line stays buffered
    ///   ([`buffer`](RioReader::buffer) shows it) and the next call
    ///   resumes it; nothing is lost. An over-long line cut mid-discard is
    ///   not buffered: [`discarding`](RioReader::discarding) counts the
    ///   bytes it dropped;
    /// - a line of up to 128 bytes found whole in the buffer, with 128
    ///   bytes of buffer from its start, is appended as one 128-byte copy,
    ///   then truncated: `line` may gain up to that much spare capacity.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut rio = rionet::RioReader::new(&b"one\ntwo"[..]);
    /// let mut line = Vec::new();
    /// assert_eq!(rio.readlineb(&mut line)?, 4);
    /// assert_eq!(line, b"one\n");
    /// line.clear();
    /// assert_eq!(rio.readlineb(&mut line)?, 3);
    /// assert_eq!(line, b"two"); // no '\n': the stream ended mid-line
    /// assert_eq!(rio.readlineb(&mut line)?, 0); // end of stream
    /// # Ok::<(), rionet::RioError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// - [`RioError::LineTooLong`] under [`LinePolicy::Error`], with the line's
    ///   full length; the line was discarded and the next call reads the
    ///   line after it.
    /// - [`RioError::Io`] from the inner reader (`Interrupted` is retried); the
    ///   call can be repeated.
    #[inline]
    pub fn readlineb(&mut self, line: &mut Vec<u8>) -> Result<usize, RioError> {
        self.lines.append_line(&mut self.buf, &mut self.inner, line)
    }

    /// Returns the next line, its `\n` included, borrowed from the internal
    /// buffer without copying; an empty slice at end of stream.
    ///
    /// Like Go's `bufio.Reader.ReadSlice('\n')`, with the same contract as
    /// [`readlineb`](RioReader::readlineb) (an unterminated last line comes
    /// back as it is; over-long lines follow the [`LinePolicy`]; a failed
    /// read keeps the partial line buffered). The slice lives until the next
    /// call on the reader; copy it to keep it. A line longer than the buffer
    /// grows it, up to `max_line + 1` bytes.
    ///
    /// CS:APP has no counterpart.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut rio = rionet::RioReader::new(&b"GET / HTTP/1.0\r\nHost: x\r\n\r\n"[..]);
    /// let mut headers = 0;
    /// loop {
    ///     let line = rio.read_line_slice()?;
    ///     if line.is_empty() || line == b"\r\n" {
    ///         break;
    ///     }
    ///     headers += 1;
    /// }
    /// assert_eq!(headers, 2);
    /// # Ok::<(), rionet::RioError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`readlineb`](RioReader::readlineb).
    #[inline]
    pub fn read_line_slice(&mut self) -> Result<&[u8], RioError> {
        self.lines.next_line(&mut self.buf, &mut self.inner)
    }

    /// The full length of the line the last line read returned, if it was
    /// truncated under [`LinePolicy::Truncate`]; `None` otherwise.
    ///
    /// The length counts the line's `\n` (if it had one before end of
    /// stream). A truncated line never ends in `\n`, so a caller that checks
    /// for the `\n` notices it even without asking. The answer holds until
    /// the next read of any kind.
    ///
    /// # Examples
    ///
    /// ```
    /// use rionet::{LinePolicy, RioReader};
    ///
    /// let mut rio = RioReader::new(&b"abcdef\nab\n"[..]);
    /// rio.max_line(3).line_policy(LinePolicy::Truncate);
    /// assert_eq!(rio.read_line_slice()?, b"abc");
    /// assert_eq!(rio.truncated(), Some(7));
    /// assert_eq!(rio.read_line_slice()?, b"ab\n");
    /// assert_eq!(rio.truncated(), None);
    /// # Ok::<(), rionet::RioError>(())
    /// ```
    pub fn truncated(&self) -> Option<u64> {
        self.lines.truncated()
    }

    /// How many bytes of an over-long line were dropped by a line read that
    /// an I/O error (say [`WouldBlock`](io::ErrorKind::WouldBlock)) cut in
    /// the middle of the line's discard; `None` when no discard is pending.
    ///
    /// The count covers the line from its first byte (a kept head
    /// included). While it is `Some`, the next read of any kind finishes the
    /// discard, and [`into_parts`](RioReader::into_parts) or
    /// [`into_inner`](RioReader::into_inner) hand back the stream from the
    /// first byte after those dropped ones: the rest of that line comes
    /// first. Check it before taking the reader apart, or those bytes are
    /// lost unnoticed.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::{self, Read};
    ///
    /// /// Hands out its bytes once, then `WouldBlock`.
    /// struct Once(Option<&'static [u8]>);
    /// impl Read for Once {
    ///     fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
    ///         let Some(data) = self.0.take() else {
    ///             return Err(io::ErrorKind::WouldBlock.into());
    ///         };
    ///         buf[..data.len()].copy_from_slice(data);
    ///         Ok(data.len())
    ///     }
    /// }
    ///
    /// let mut rio = rionet::RioReader::new(Once(Some(b"0123456789")));
    /// rio.max_line(4);
    /// assert!(rio.read_line_slice().is_err()); // WouldBlock mid-discard
    /// assert_eq!(rio.discarding(), Some(10));
    /// let (_inner, buffered) = rio.into_parts();
    /// assert!(buffered.is_empty()); // the 10 bytes are gone, as counted
    /// ```
    pub fn discarding(&self) -> Option<u64> {
        self.lines.discarding()
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
    /// far are gone, and the next read of any kind finishes the discard).
    ///
    /// # Examples
    ///
    /// ```
    /// let mut rio = rionet::RioReader::new(&b"STARTTLS\n\x16\x03\x01"[..]);
    /// assert_eq!(rio.read_line_slice()?, b"STARTTLS\n");
    /// assert_eq!(rio.buffer(), b"\x16\x03\x01");
    /// # Ok::<(), rionet::RioError>(())
    /// ```
    pub fn buffer(&self) -> &[u8] {
        self.buf.buffer()
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
        self.buf.capacity()
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
    /// # Ok::<(), rionet::RioError>(())
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
    /// Except for a pending discard: if [`discarding`](RioReader::discarding)
    /// is `Some(n)`, the first `n` bytes of an over-long line are gone and
    /// the rest of that line comes first.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut rio = rionet::RioReader::new(&b"LINE\nrest"[..]);
    /// assert_eq!(rio.read_line_slice()?, b"LINE\n");
    /// let (inner, buffered) = rio.into_parts();
    /// assert_eq!(buffered, b"rest");
    /// assert!(inner.is_empty());
    /// # Ok::<(), rionet::RioError>(())
    /// ```
    pub fn into_parts(self) -> (R, Vec<u8>) {
        (self.inner, self.buf.into_vec())
    }

    /// Marks `n` buffered bytes (at most what is buffered) as read raw.
    fn consume_buffered(&mut self, n: usize) {
        self.buf.consume(n);
        self.lines.consumed(n);
    }
}

/// Reads through the buffer, like [`RioReader::readnb`] for one call;
/// `Interrupted` is retried. As with `readnb`, an over-long line whose
/// discard an error interrupted is discarded first and reported, as an
/// [`io::ErrorKind::InvalidData`] error wrapping [`RioError::LineTooLong`].
impl<R: Read> Read for RioReader<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        self.lines.finish_discard(&mut self.buf, &mut self.inner)?;
        if out.is_empty() {
            return Ok(0);
        }
        if self.buf.is_empty() && out.len() >= self.buf.capacity() {
            return read_retrying(&mut self.inner, out);
        }
        let buffered = self.buf.fill_if_empty(&mut self.inner)?;
        let n = buffered.len().min(out.len());
        out[..n].copy_from_slice(&buffered[..n]);
        self.consume_buffered(n);
        Ok(n)
    }
}

/// `fill_buf` returns [`buffer`](RioReader::buffer), reading first only if it
/// is empty. std's `read_line` / `lines` through this trait ignore the
/// maximum line length; use [`RioReader::readlineb`] for bounded lines. As
/// with `read`, an interrupted discard of an over-long line is finished and
/// reported first.
impl<R: Read> BufRead for RioReader<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.lines.finish_discard(&mut self.buf, &mut self.inner)?;
        self.buf.fill_if_empty(&mut self.inner)
    }

    fn consume(&mut self, amt: usize) {
        self.consume_buffered(amt);
    }
}

impl<R: fmt::Debug> fmt::Debug for RioReader<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RioReader")
            .field("inner", &self.inner)
            .field("buffered", &self.buf.len())
            .field("capacity", &self.buf.capacity())
            .field("max_line", &self.lines.max_line())
            .field("policy", &self.lines.policy())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use std::io::{self, Read};

    use super::RioReader;

    /// Hands out one byte per call, with `WouldBlock` in between.
    struct Trickle {
        data: Vec<u8>,
        at: usize,
        block: bool,
    }

    impl Read for Trickle {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            self.block = !self.block;
            if self.block {
                return Err(io::ErrorKind::WouldBlock.into());
            }
            let Some(&b) = self.data.get(self.at) else {
                return Ok(0);
            };
            buf[0] = b;
            self.at += 1;
            Ok(1)
        }
    }

    #[test]
    fn the_newline_scan_resumes_where_it_stopped() {
        let mut data = vec![b'x'; 1000];
        data.push(b'\n');
        let mut rio = RioReader::new(Trickle {
            data,
            at: 0,
            block: false,
        });
        let mut line = Vec::new();
        // The first call gets WouldBlock at once, each later one byte first.
        for _ in 0..=1000 {
            assert!(rio.readlineb(&mut line).is_err());
            // Every buffered byte has been scanned once and is not scanned
            // again: the next call only looks at the new byte.
            assert_eq!(rio.lines.scanned(), rio.buffer().len());
        }
        assert_eq!(rio.readlineb(&mut line).unwrap(), 1001);
        assert_eq!(rio.lines.scanned(), 0);
    }
}
