//! Bounded lines: the policy for over-long lines and the line scanner that
//! `RioReader`'s line reads run on its buffer.

use std::io::Read;

use super::buffer::Buffer;
use super::cursor::Cursor;
use super::error::RioError;
use super::scan::ByteFinder;

/// What a [`RioReader`](crate::RioReader) does with a line longer than its maximum line length.
///
/// Either way the long line is never buffered whole (memory stays bounded
/// by the maximum), its bytes up to and including the next `\n` are used up,
/// and the following line reads normally. Nothing is split silently.
///
/// # Examples
///
/// ```
/// use rionet::{LinePolicy, RioError, RioReader};
///
/// let input = &b"way too long\nok\n"[..];
///
/// let mut rio = RioReader::new(input);
/// rio.max_line(4); // LinePolicy::Error is the default
/// assert!(matches!(rio.read_line_slice(), Err(RioError::LineTooLong { len: 13, max: 4 })));
/// assert_eq!(rio.read_line_slice()?, b"ok\n");
///
/// let mut rio = RioReader::new(input);
/// rio.max_line(4).line_policy(LinePolicy::Truncate);
/// assert_eq!(rio.read_line_slice()?, b"way ");
/// assert_eq!(rio.truncated(), Some(13));
/// assert_eq!(rio.read_line_slice()?, b"ok\n");
/// assert_eq!(rio.truncated(), None);
/// # Ok::<(), rionet::RioError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LinePolicy {
    /// The line read fails with [`RioError::LineTooLong`], which carries the
    /// line's full length; the line is discarded. The default: a peer that
    /// breaks the protocol is told so.
    #[default]
    Error,
    /// The line read returns the line's first `max_line` bytes (so without
    /// its `\n`) and discards the rest;
    /// [`RioReader::truncated`](crate::RioReader::truncated) then
    /// returns the line's full length.
    Truncate,
}

/// What the line reader carries from one call to the next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LineState {
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
struct Skipping {
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

/// The line-reading state of a `RioReader`: the limit and policy, the
/// search for `\n` in the buffered bytes, and an over-long line in
/// progress. It works on a [`Buffer`] and an inner reader it is handed.
#[derive(Debug)]
pub(super) struct LineScanner {
    max_line: usize,
    policy: LinePolicy,
    /// Where the search for `\n` resumes in the buffered bytes, and the
    /// `\n`s it found past the last line, listed for the next lines.
    /// Nothing is listed whenever the slow path starts.
    cursor: Cursor,
    /// A discard in progress, or the length of a truncated line.
    state: LineState,
    /// The kept head of a truncated line (`LinePolicy::Truncate`).
    held: Vec<u8>,
    newline: ByteFinder,
}

impl LineScanner {
    /// A scanner for lines of at most `max_line` bytes under `LinePolicy::Error`.
    pub(super) fn new(max_line: usize) -> Self {
        LineScanner {
            max_line,
            policy: LinePolicy::Error,
            cursor: Cursor::new(),
            state: LineState::Clean,
            held: Vec::new(),
            newline: ByteFinder::new(b'\n'),
        }
    }

    pub(super) fn max_line(&self) -> usize {
        self.max_line
    }

    /// Sets the maximum (at least 1, the caller checks); the scan restarts.
    pub(super) fn set_max_line(&mut self, max: usize) {
        self.max_line = max;
        self.restart_scan();
    }

    /// Forgets what the scan knows: the next line read searches the
    /// buffered bytes from the front.
    fn restart_scan(&mut self) {
        self.cursor.restart_at(0);
    }

    pub(super) fn policy(&self) -> LinePolicy {
        self.policy
    }

    pub(super) fn set_policy(&mut self, policy: LinePolicy) {
        self.policy = policy;
    }

    /// The full length of the line last returned, if it was truncated.
    pub(super) fn truncated(&self) -> Option<u64> {
        match self.state {
            LineState::Truncated(len) => Some(len),
            _ => None,
        }
    }

    /// How many bytes of an over-long line a cut discard has dropped so
    /// far (its kept head included), if a discard is pending.
    pub(super) fn discarding(&self) -> Option<u64> {
        match self.state {
            LineState::Skipping(skipping) => Some(skipping.seen),
            _ => None,
        }
    }

    /// How many buffered bytes are known to hold no `\n`.
    #[cfg(test)]
    pub(super) fn scanned(&self) -> usize {
        self.cursor.resume()
    }

    /// The caller consumed `n` buffered bytes as raw data (not as a line):
    /// the scan position moves with them and a truncation answer ends. A
    /// pending discard stays pending (the buffer is empty while it is).
    #[inline]
    pub(super) fn consumed(&mut self, n: usize) {
        let resume = if self.cursor.has_listed() {
            0
        } else {
            self.cursor.resume().saturating_sub(n)
        };
        self.cursor.restart_at(resume);
        if let LineState::Truncated(_) = self.state {
            self.state = LineState::Clean;
        }
    }

    /// Before raw bytes are handed out: finishes the discard of an
    /// over-long line that an I/O error interrupted, so that none of its
    /// bytes come back as data, and reports the line as too long (whatever
    /// the policy: the raw read does not return its kept head). Also ends a
    /// truncation answer.
    ///
    /// # Errors
    ///
    /// [`RioError::LineTooLong`] once the discard completes;
    /// [`RioError::Io`] if the inner reader fails again (the discard then
    /// stays pending).
    #[inline]
    pub(super) fn finish_discard<R: Read + ?Sized>(
        &mut self,
        buf: &mut Buffer,
        inner: &mut R,
    ) -> Result<(), RioError> {
        match self.state {
            LineState::Clean => Ok(()),
            LineState::Truncated(_) => {
                self.state = LineState::Clean;
                Ok(())
            }
            LineState::Skipping(skipping) => {
                let len = self.discard(buf, inner, skipping)?;
                Err(RioError::LineTooLong {
                    len,
                    max: self.max_line,
                })
            }
        }
    }

    /// The next line, consumed from `buf` (or, truncated, from the held
    /// head); an empty slice at end of stream.
    ///
    /// # Errors
    ///
    /// [`RioError::LineTooLong`] under `LinePolicy::Error`, the line
    /// discarded; [`RioError::Io`] from `inner`, the partial line kept.
    #[inline(always)]
    pub(super) fn next_line<'a, R: Read + ?Sized>(
        &'a mut self,
        buf: &'a mut Buffer,
        inner: &mut R,
    ) -> Result<&'a [u8], RioError> {
        if let Some(len) = self.buffered_line(buf) {
            return Ok(buf.take(len));
        }
        self.unbuffered_line(buf, inner)
    }

    /// [`next_line`](LineScanner::next_line), the line appended to `dst`;
    /// returns its length. A line found buffered is appended by
    /// [`Buffer::take_into`].
    ///
    /// # Errors
    ///
    /// As [`next_line`](LineScanner::next_line).
    #[inline(always)]
    pub(super) fn append_line<R: Read + ?Sized>(
        &mut self,
        buf: &mut Buffer,
        inner: &mut R,
        dst: &mut Vec<u8>,
    ) -> Result<usize, RioError> {
        if let Some(len) = self.buffered_line(buf) {
            buf.take_into(len, dst);
            return Ok(len);
        }
        let line = self.unbuffered_line(buf, inner)?;
        dst.extend_from_slice(line);
        Ok(line.len())
    }

    /// [`next_line`](LineScanner::next_line) once the fast path found no
    /// whole line buffered.
    #[inline]
    fn unbuffered_line<'a, R: Read + ?Sized>(
        &'a mut self,
        buf: &'a mut Buffer,
        inner: &mut R,
    ) -> Result<&'a [u8], RioError> {
        let found = self.next_line_slow(buf, inner)?;
        Ok(match found {
            Next::Line(len) => {
                self.cursor.consume(len);
                buf.take(len)
            }
            Next::Held => &self.held,
            Next::Eof => &[],
        })
    }

    /// The fast path: the length of the next line if it is already
    /// buffered whole (and within `max_line`), the search moved past it
    /// (the caller consumes it): [`Cursor::next_hit`], the framing
    /// scanner's search, with the `\n`s a fill finds after the line listed
    /// for the next lines. `None` leaves nothing listed and the search past
    /// the bytes it examined: the slow path goes on from there rather than
    /// search them again.
    #[inline(always)]
    fn buffered_line(&mut self, buf: &Buffer) -> Option<usize> {
        if self.state != LineState::Clean {
            return None;
        }
        let hay = buf.buffer();
        let end = hay.len().min(self.max_line);
        let len = self.cursor.next_hit(&self.newline, &hay[..end])? + 1;
        self.cursor.consume(len);
        Some(len)
    }

    /// Reads until a line is complete, the stream ends, or the line turns
    /// out to be too long.
    #[inline(never)]
    fn next_line_slow<R: Read + ?Sized>(
        &mut self,
        buf: &mut Buffer,
        inner: &mut R,
    ) -> Result<Next, RioError> {
        debug_assert!(
            !self.cursor.has_listed(),
            "the fast path hands out the listed lines first"
        );
        match self.state {
            LineState::Skipping(skipping) => return self.report(buf, inner, skipping),
            LineState::Truncated(_) => self.state = LineState::Clean,
            LineState::Clean => {}
        }
        loop {
            let avail = buf.len();
            let window = avail.min(self.max_line);
            if let Some(newline) = self.cursor.next_hit(&self.newline, &buf.buffer()[..window]) {
                return Ok(Next::Line(newline + 1));
            }
            if avail > self.max_line {
                // No `\n` in the first `max_line` bytes, and more follow.
                return self.start_skip(buf, inner);
            }
            match buf.fill_more(inner, self.max_line.saturating_add(1))? {
                0 if avail == 0 => return Ok(Next::Eof),
                0 => return Ok(Next::Line(avail)),
                _ => {}
            }
        }
    }

    /// Starts discarding the buffered line, which is over `max_line`; keeps
    /// its head under `LinePolicy::Truncate`.
    fn start_skip<R: Read + ?Sized>(
        &mut self,
        buf: &mut Buffer,
        inner: &mut R,
    ) -> Result<Next, RioError> {
        let keep = self.policy == LinePolicy::Truncate;
        if keep {
            self.held.clear();
            self.held.extend_from_slice(&buf.buffer()[..self.max_line]);
        }
        buf.consume(self.max_line);
        self.restart_scan();
        self.report(
            buf,
            inner,
            Skipping {
                seen: self.max_line as u64,
                keep,
            },
        )
    }

    /// Finishes the discard, then reports the over-long line per its policy.
    fn report<R: Read + ?Sized>(
        &mut self,
        buf: &mut Buffer,
        inner: &mut R,
        skipping: Skipping,
    ) -> Result<Next, RioError> {
        let len = self.discard(buf, inner, skipping)?;
        if skipping.keep {
            self.state = LineState::Truncated(len);
            Ok(Next::Held)
        } else {
            Err(RioError::LineTooLong {
                len,
                max: self.max_line,
            })
        }
    }

    /// Discards bytes through the next `\n` (or end of stream); returns the
    /// line's full length. If the inner reader fails, the discard is
    /// remembered (the buffer is then empty) and resumed by the next call.
    fn discard<R: Read + ?Sized>(
        &mut self,
        buf: &mut Buffer,
        inner: &mut R,
        mut skipping: Skipping,
    ) -> Result<u64, RioError> {
        loop {
            let unread = buf.buffer();
            if let Some(i) = self.newline.find(unread) {
                skipping.seen += i as u64 + 1;
                buf.consume(i + 1);
                break;
            }
            let n = unread.len();
            skipping.seen += n as u64;
            buf.consume(n);
            self.state = LineState::Skipping(skipping);
            if buf.fill_more(inner, self.max_line.saturating_add(1))? == 0 {
                break;
            }
        }
        self.state = LineState::Clean;
        Ok(skipping.seen)
    }
}
