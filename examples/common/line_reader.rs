//! A server's line reader: `RioReader::readlineb` with a deadline per line,
//! so a client that trickles bytes without ever finishing a line is cut.
//!
//! The deadline is armed when the first byte of a line arrives (the first
//! read that returns data while no line is in progress), not when the
//! server starts waiting: between lines only the idle timeout applies, so a
//! quiet client is judged by `--idle-timeout` and a slow line by
//! `--line-timeout`. When a line is complete the deadline is cleared, or
//! re-armed at once if bytes of the next line are already buffered.

use std::io::{self, Read};
use std::time::{Duration, Instant};

use rionet::{RioError, RioReader, TimedStream};

/// Reads lines from a server's client, each complete within `limit` of its
/// first byte.
pub struct LineReader<'a> {
    rio: RioReader<FirstByte<'a>>,
}

/// The stream, arming the deadline when a line's first bytes arrive.
struct FirstByte<'a> {
    stream: &'a TimedStream,
    limit: Duration,
    /// When the line in progress must be complete.
    deadline: Option<Instant>,
    /// Bytes of the line in progress read so far.
    arrived: u64,
    /// Setting the deadline failed after bytes were read: reported by the
    /// next read or line read, so those bytes are not lost.
    failed: Option<io::Error>,
}

impl Read for FirstByte<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some(err) = self.failed.take() {
            return Err(err);
        }
        let mut stream = self.stream;
        let n = stream.read(buf)?;
        if n > 0 && self.deadline.is_none() {
            if let Err(err) = self.arm() {
                self.failed = Some(err);
            }
        }
        self.arrived += n as u64;
        Ok(n)
    }
}

impl FirstByte<'_> {
    fn arm(&mut self) -> io::Result<()> {
        let at = Instant::now() + self.limit;
        self.deadline = Some(at);
        self.arrived = 0;
        self.stream.set_read_deadline(Some(at))
    }
}

impl<'a> LineReader<'a> {
    /// A reader of `stream`'s lines (at most 64 KiB each, `RioReader`'s
    /// default), each due `limit` after its first byte.
    pub fn new(stream: &'a TimedStream, limit: Duration) -> LineReader<'a> {
        LineReader {
            rio: RioReader::new(FirstByte {
                stream,
                limit,
                deadline: None,
                arrived: 0,
                failed: None,
            }),
        }
    }

    /// Appends the next line to `line`, as `RioReader::readlineb`.
    ///
    /// # Errors
    ///
    /// As `readlineb`; a line not complete in time is `TimedOut`, saying
    /// how long it had and how many of its bytes had arrived.
    pub fn read_line(&mut self, line: &mut Vec<u8>) -> Result<usize, RioError> {
        if let Some(err) = self.rio.get_mut().failed.take() {
            return Err(err.into());
        }
        let result = self.rio.readlineb(line);
        match &result {
            Ok(_) | Err(RioError::LineTooLong { .. }) => {
                if let Err(err) = self.next_line() {
                    self.rio.get_mut().failed = Some(err);
                }
                result
            }
            Err(err) => match self.cut(err) {
                Some(cut) => Err(cut.into()),
                None => result,
            },
        }
    }

    /// A line is done: the next one is due `limit` from now if it has
    /// started (buffered bytes), else no deadline until its first byte.
    fn next_line(&mut self) -> io::Result<()> {
        let buffered = self.rio.buffer().len() as u64;
        let first = self.rio.get_mut();
        if buffered > 0 {
            first.arm()?;
            first.arrived = buffered;
            Ok(())
        } else {
            first.deadline = None;
            first.arrived = 0;
            first.stream.set_read_deadline(None)
        }
    }

    /// The error for a line cut at its deadline, if that is what `err` is
    /// (not the idle timeout, nor any other failure).
    fn cut(&self, err: &RioError) -> Option<io::Error> {
        let first = self.rio.get_ref();
        let deadline = first.deadline?;
        // The kernel may wake a hair early: a timeout this close to the
        // deadline is the deadline's.
        let due = Instant::now() + Duration::from_millis(5) >= deadline;
        (err.kind() == io::ErrorKind::TimedOut && due).then(|| {
            io::Error::new(
                io::ErrorKind::TimedOut,
                format!(
                    "line not complete {:?} after its first byte: {} bytes of it had arrived",
                    first.limit, first.arrived
                ),
            )
        })
    }
}
