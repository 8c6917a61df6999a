//! A socket reader bounded by an absolute deadline, so a peer that trickles
//! one byte at a time cannot extend it.

use std::io::{self, Read};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// Reads from a [`TcpStream`], each read with `SO_RCVTIMEO` recomputed from
/// the deadline, so all reads together end by it. Past the deadline a read
/// fails with [`io::ErrorKind::TimedOut`] (never a bare `WouldBlock`).
#[derive(Debug)]
pub struct DeadlineReader<'a> {
    stream: &'a TcpStream,
    deadline: Instant,
}

impl<'a> DeadlineReader<'a> {
    /// A reader over `stream` whose reads end `within` from now.
    pub fn new(stream: &'a TcpStream, within: Duration) -> Self {
        DeadlineReader {
            stream,
            deadline: Instant::now() + within,
        }
    }

    /// Moves the deadline to `within` from now.
    pub fn restart(&mut self, within: Duration) {
        self.deadline = Instant::now() + within;
    }
}

impl Read for DeadlineReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(timed_out());
        }
        self.stream.set_read_timeout(Some(left))?;
        match (&mut &*self.stream).read(buf) {
            Err(err)
                if matches!(
                    err.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                Err(timed_out())
            }
            other => other,
        }
    }
}

fn timed_out() -> io::Error {
    io::Error::new(io::ErrorKind::TimedOut, "deadline passed")
}
