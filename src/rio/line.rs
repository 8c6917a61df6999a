//! Bounded line reads on `RioReader`: `readlineb`, `read_line_slice` and the
//! policy for over-long lines.

use std::io::Read;

use super::reader::RioReader;
use crate::{Error, Result};

/// What a [`RioReader`] does with a line longer than its maximum line length.
///
/// Either way the long line is never buffered whole (memory stays bounded
/// by the maximum), its bytes up to and including the next `\n` are used up,
/// and the following line reads normally. Nothing is split silently.
///
/// # Examples
///
/// ```
/// use rionet::{Error, LinePolicy, RioReader};
///
/// let input = &b"way too long\nok\n"[..];
///
/// let mut rio = RioReader::new(input);
/// rio.max_line(4); // LinePolicy::Error is the default
/// assert!(matches!(rio.read_line_slice(), Err(Error::LineTooLong { len: 13, max: 4 })));
/// assert_eq!(rio.read_line_slice()?, b"ok\n");
///
/// let mut rio = RioReader::new(input);
/// rio.max_line(4).line_policy(LinePolicy::Truncate);
/// assert_eq!(rio.read_line_slice()?, b"way ");
/// assert_eq!(rio.truncated(), Some(13));
/// assert_eq!(rio.read_line_slice()?, b"ok\n");
/// assert_eq!(rio.truncated(), None);
/// # Ok::<(), rionet::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LinePolicy {
    /// The line read fails with [`Error::LineTooLong`], which carries the
    /// line's full length; the line is discarded. The default: a peer that
    /// breaks the protocol is told so.
    #[default]
    Error,
    /// The line read returns the line's first `max_line` bytes (so without
    /// its `\n`) and discards the rest; [`RioReader::truncated`] then
    /// returns the line's full length.
    Truncate,
}

/// What the line reader carries from one call to the next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum LineState {
    /// Nothing: the next line starts at the first buffered byte.
    Clean,
    /// A line read stopped (on an I/O error) while discarding an over-long
    /// line; the next line read resumes the discard.
    Skipping(Skipping),
    /// The last line returned was truncated; it had this many bytes.
    Truncated(u64),
}

/// An over-long line being discarded up to its `\n`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Skipping {
    /// Bytes of the line seen so far, kept head included.
    seen: u64,
    /// Whether the line's head was kept (`LinePolicy::Truncate`).
    keep: bool,
}

/// Where the next line is.
enum Next {
    /// The line is the first `len` buffered bytes.
    Line(usize),
    /// The line was truncated; its head is in `held`.
    Held,
    /// End of stream, nothing buffered.
    Eof,
}

impl<R: Read> RioReader<R> {
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
    /// - the scan for `\n` (with `memchr`) resumes where the last one
    ///   stopped, so a line that arrives one byte at a time costs linear
    ///   time;
    /// - a line is appended whole or not at all: if the inner reader fails
    ///   mid-line (a timeout, [`WouldBlock`](std::io::ErrorKind::WouldBlock)
    ///   on a nonblocking socket), the partial line stays buffered
    ///   ([`buffer`](RioReader::buffer) shows it) and the next call
    ///   resumes it; nothing is lost.
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
    /// # Ok::<(), rionet::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// - [`Error::LineTooLong`] under [`LinePolicy::Error`], with the line's
    ///   full length; the line was discarded and the next call reads the
    ///   line after it.
    /// - [`Error::Io`] from the inner reader (`Interrupted` is retried); the
    ///   call can be repeated.
    #[inline]
    pub fn readlineb(&mut self, line: &mut Vec<u8>) -> Result<usize> {
        let slice = match self.buffered_line() {
            Some(len) => self.take_buffered(len),
            None => {
                let found = self.next_line_slow()?;
                self.take_line(found)
            }
        };
        line.extend_from_slice(slice);
        Ok(slice.len())
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
    /// # Ok::<(), rionet::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`readlineb`](RioReader::readlineb).
    #[inline]
    pub fn read_line_slice(&mut self) -> Result<&[u8]> {
        if let Some(len) = self.buffered_line() {
            return Ok(self.take_buffered(len));
        }
        let found = self.next_line_slow()?;
        Ok(self.take_line(found))
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
    /// # Ok::<(), rionet::Error>(())
    /// ```
    pub fn truncated(&self) -> Option<u64> {
        match self.state {
            LineState::Truncated(len) => Some(len),
            _ => None,
        }
    }

    /// The fast path: the length of the next line if it is already
    /// buffered whole (and within `max_line`).
    #[inline(always)]
    fn buffered_line(&mut self) -> Option<usize> {
        if self.state != LineState::Clean {
            return None;
        }
        let start = self.pos + self.scanned;
        let end = self.filled.min(self.pos.saturating_add(self.max_line));
        let i = self.newline.find(self.buf.get(start..end)?)?;
        Some(start + i + 1 - self.pos)
    }

    /// Reads until a line is complete, the stream ends, or the line turns
    /// out to be too long.
    #[inline(never)]
    fn next_line_slow(&mut self) -> Result<Next> {
        match self.state {
            LineState::Skipping(skipping) => return self.skip_rest(skipping),
            LineState::Truncated(_) => self.state = LineState::Clean,
            LineState::Clean => {}
        }
        loop {
            let avail = self.filled - self.pos;
            let window = avail.min(self.max_line);
            if self.scanned < window {
                let hay = &self.buf[self.pos + self.scanned..self.pos + window];
                if let Some(i) = self.newline.find(hay) {
                    return Ok(Next::Line(self.scanned + i + 1));
                }
                self.scanned = window;
            }
            if avail > self.max_line {
                // No `\n` in the first `max_line` bytes, and more follow.
                return self.start_skip();
            }
            match self.fill_more()? {
                0 if avail == 0 => return Ok(Next::Eof),
                0 => return Ok(Next::Line(avail)),
                _ => {}
            }
        }
    }

    /// Starts discarding the line at `pos`, which is over `max_line`; keeps
    /// its head under `LinePolicy::Truncate`.
    fn start_skip(&mut self) -> Result<Next> {
        let keep = self.policy == LinePolicy::Truncate;
        if keep {
            self.held.clear();
            self.held
                .extend_from_slice(&self.buf[self.pos..self.pos + self.max_line]);
        }
        self.pos += self.max_line;
        self.scanned = 0;
        self.skip_rest(Skipping {
            seen: self.max_line as u64,
            keep,
        })
    }

    /// Discards bytes through the next `\n` (or end of stream), then reports
    /// the over-long line per its policy. If the inner reader fails, the
    /// discard is remembered and the next line read resumes it.
    fn skip_rest(&mut self, mut skipping: Skipping) -> Result<Next> {
        loop {
            let unread = &self.buf[self.pos..self.filled];
            if let Some(i) = self.newline.find(unread) {
                skipping.seen += i as u64 + 1;
                self.pos += i + 1;
                break;
            }
            skipping.seen += unread.len() as u64;
            self.pos = self.filled;
            self.state = LineState::Skipping(skipping);
            if self.fill_more()? == 0 {
                break;
            }
        }
        self.state = LineState::Clean;
        if skipping.keep {
            self.state = LineState::Truncated(skipping.seen);
            Ok(Next::Held)
        } else {
            Err(Error::LineTooLong {
                len: skipping.seen,
                max: self.max_line,
            })
        }
    }

    /// Marks the located line as read and returns it.
    #[inline]
    fn take_line(&mut self, found: Next) -> &[u8] {
        match found {
            Next::Line(len) => self.take_buffered(len),
            Next::Held => &self.held,
            Next::Eof => &[],
        }
    }

    /// Marks the first `len` buffered bytes, a whole line, as read and
    /// returns them.
    #[inline(always)]
    fn take_buffered(&mut self, len: usize) -> &[u8] {
        let start = self.pos;
        self.pos += len;
        self.scanned = 0;
        &self.buf[start..start + len]
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
            assert_eq!(rio.scanned, rio.buffer().len());
        }
        assert_eq!(rio.readlineb(&mut line).unwrap(), 1001);
        assert_eq!(rio.scanned, 0);
    }
}
