//! Frame deadlines: "this frame must have arrived by T", a bound a trickling
//! peer cannot extend. [`FrameReader::read_frame_by`] and
//! [`Framed::recv_by`], over any stream that implements [`ReadDeadline`]
//! ([`TimedStream`](crate::TimedStream), `&TimedStream`, or a stream of your
//! own).

use std::io::{self, Read, Write};
use std::time::Instant;

use super::{Decoder, FrameReader, Framed};
use crate::ReadDeadline;

impl<R: Read + ReadDeadline, D: Decoder> FrameReader<R, D> {
    /// The next frame, which must have arrived whole by `deadline`:
    /// [`read_frame`](FrameReader::read_frame) with the stream's read
    /// deadline set to `deadline` for its reads, and cleared afterwards
    /// whatever the outcome.
    ///
    /// A read timeout restarts with every byte; a deadline does not: a peer
    /// sending one byte a second is cut at `deadline`. A frame already
    /// buffered whole comes back without a read, even past the deadline.
    /// Any deadline set on the stream before is replaced, and none is left
    /// set.
    ///
    /// # Errors
    ///
    /// As [`read_frame`](FrameReader::read_frame). When the deadline passes
    /// first, the stream's [`io::ErrorKind::TimedOut`] error converted into
    /// `D::Error` ([`FrameError::Io`](super::FrameError::Io) for the built-in
    /// codecs): for a `TimedStream` it says the deadline passed and how many
    /// bytes had arrived since this call set it. The bytes read stay
    /// buffered, so the reader is still usable (a server usually drops the
    /// peer instead). Setting the deadline can fail with the stream's error,
    /// before anything is read. A failure to clear it is reported only when
    /// the read itself ended cleanly without a frame: a frame in hand is
    /// never dropped for it, nor is the read's own error hidden.
    ///
    /// # Examples
    ///
    /// Each request must have arrived whole within two seconds of the
    /// previous reply, however its client trickles it:
    ///
    /// ```no_run
    /// use std::time::{Duration, Instant};
    /// use rionet::frame::{FrameError, FrameReader, FrameWriter, LengthPrefix};
    /// use rionet::TimedStream;
    ///
    /// fn serve(stream: TimedStream) -> Result<(), FrameError> {
    ///     let mut requests = FrameReader::new(&stream, LengthPrefix::new());
    ///     let mut replies = FrameWriter::new(&stream, LengthPrefix::new());
    ///     while let Some(request) = requests.read_frame_by(Instant::now() + Duration::from_secs(2))? {
    ///         replies.send(request)?; // echo it
    ///         replies.flush()?;
    ///     }
    ///     Ok(())
    /// }
    /// ```
    ///
    /// To bound a frame from its first byte instead, and leave the silence
    /// before it to the idle read timeout, wait for that byte first (as the
    /// `frameserver` example does with `TcpStream::peek` when
    /// [`buffer`](FrameReader::buffer) is empty), then call this.
    ///
    /// A peer that trickles is cut at the deadline, with what had arrived:
    ///
    /// ```
    /// use std::io::{ErrorKind, Write};
    /// use std::net::{TcpListener, TcpStream};
    /// use std::time::{Duration, Instant};
    /// use rionet::frame::{FrameReader, LengthPrefix};
    /// use rionet::TimedStream;
    ///
    /// let listener = TcpListener::bind("127.0.0.1:0")?;
    /// let mut peer = TcpStream::connect(listener.local_addr()?)?;
    /// let stream = TimedStream::new(listener.accept()?.0)?;
    /// stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    /// peer.write_all(b"\0\0\0\x10only half")?; // 9 of 16 bytes, then nothing
    ///
    /// let mut frames = FrameReader::new(&stream, LengthPrefix::new());
    /// let err = frames
    ///     .read_frame_by(Instant::now() + Duration::from_millis(50))
    ///     .unwrap_err();
    /// assert_eq!(err.kind(), ErrorKind::TimedOut);
    /// assert!(err.to_string().contains("13 bytes had arrived"), "{err}");
    /// assert_eq!(stream.read_deadline(), None); // cleared again
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn read_frame_by(&mut self, deadline: Instant) -> Result<Option<D::Item>, D::Error> {
        set(self.get_ref(), deadline)?;
        let result = self.read_frame();
        let cleared = self.get_ref().set_read_deadline(None);
        settle(result, cleared)
    }
}

impl<S: Read + Write + ReadDeadline, C: Decoder> Framed<S, C> {
    /// Flushes what [`send`](Framed::send) buffered, then reads the next
    /// frame, which must have arrived whole by `deadline`:
    /// [`recv`](Framed::recv) with the stream's read deadline set for its
    /// reads, and cleared afterwards whatever the outcome, as
    /// [`FrameReader::read_frame_by`] does. The flush is bounded by the
    /// stream's write timeout, not by the deadline.
    ///
    /// # Errors
    ///
    /// As [`recv`](Framed::recv) and [`FrameReader::read_frame_by`]: when the
    /// deadline passes first, the stream's [`io::ErrorKind::TimedOut`] error
    /// converted into `C::Error`.
    ///
    /// # Examples
    ///
    /// A client that gives the server two seconds to answer, however it
    /// trickles its reply:
    ///
    /// ```no_run
    /// use std::time::{Duration, Instant};
    /// use rionet::frame::{FrameError, Framed, Lines};
    /// use rionet::TimedStream;
    ///
    /// # fn main() -> Result<(), FrameError> {
    /// let stream = TimedStream::new(std::net::TcpStream::connect("127.0.0.1:15213")?)?;
    /// let mut conn = Framed::new(stream, Lines::new());
    /// conn.send("GET greeting")?;
    /// let reply = conn.recv_by(Instant::now() + Duration::from_secs(2))?;
    /// println!("{reply:?}");
    /// # Ok(())
    /// # }
    /// ```
    pub fn recv_by(&mut self, deadline: Instant) -> Result<Option<C::Item>, C::Error> {
        set(self.get_ref(), deadline)?;
        let result = self.recv();
        let cleared = self.get_ref().set_read_deadline(None);
        settle(result, cleared)
    }
}

/// Sets `deadline` on `stream`; if that fails, tries to leave none set and
/// returns the failure.
fn set<S: ReadDeadline, E: From<io::Error>>(stream: &S, deadline: Instant) -> Result<(), E> {
    stream.set_read_deadline(Some(deadline)).map_err(|err| {
        let _ = stream.set_read_deadline(None);
        E::from(err)
    })
}

/// The read's outcome, unless it ended cleanly without a frame and clearing
/// the deadline failed: then that failure.
fn settle<T, E: From<io::Error>>(
    result: Result<Option<T>, E>,
    cleared: io::Result<()>,
) -> Result<Option<T>, E> {
    match (result, cleared) {
        (Ok(None), Err(err)) => Err(E::from(err)),
        (result, _) => result,
    }
}

#[cfg(test)]
mod tests {
    use std::cell::{Cell, RefCell};
    use std::time::Duration;

    use super::*;
    use crate::frame::{FrameError, LengthPrefix, Lines};

    /// A scripted stream that records every deadline set on it and can be
    /// told to fail setting or clearing one.
    #[derive(Default)]
    struct Recorder {
        data: RefCell<io::Cursor<Vec<u8>>>,
        /// `Some` / `None` for each call of `set_read_deadline`, in order.
        calls: RefCell<Vec<bool>>,
        /// The deadline in force when each read was made.
        read_under: RefCell<Vec<Option<Instant>>>,
        current: Cell<Option<Instant>>,
        fail_set: bool,
        fail_clear: bool,
        /// Fail reads with this kind once the data is used up.
        then: Option<io::ErrorKind>,
    }

    impl Recorder {
        fn new(data: &[u8]) -> Self {
            Recorder {
                data: RefCell::new(io::Cursor::new(data.to_vec())),
                ..Recorder::default()
            }
        }
    }

    impl ReadDeadline for Recorder {
        fn set_read_deadline(&self, deadline: Option<Instant>) -> io::Result<()> {
            self.calls.borrow_mut().push(deadline.is_some());
            let fail = if deadline.is_some() {
                self.fail_set
            } else {
                self.fail_clear
            };
            if fail {
                return Err(io::Error::other("setsockopt failed"));
            }
            self.current.set(deadline);
            Ok(())
        }
    }

    impl Read for &Recorder {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            self.read_under.borrow_mut().push(self.current.get());
            let n = self.data.borrow_mut().read(buf)?;
            match self.then {
                Some(kind) if n == 0 => Err(io::Error::new(kind, "scripted")),
                _ => Ok(n),
            }
        }
    }

    impl Write for &Recorder {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    fn soon() -> Instant {
        Instant::now() + Duration::from_secs(5)
    }

    #[test]
    fn reads_run_under_the_deadline_and_it_is_cleared_after() {
        let stream = Recorder::new(b"\0\0\0\x02hi");
        let mut frames = FrameReader::with_capacity(3, &stream, LengthPrefix::new());
        let at = soon();
        assert_eq!(
            frames.read_frame_by(at).unwrap().as_deref(),
            Some(&b"hi"[..])
        );
        assert_eq!(*stream.calls.borrow(), [true, false]);
        assert!(stream.read_under.borrow().iter().all(|d| *d == Some(at)));
        assert_eq!(stream.current.get(), None);
    }

    #[test]
    fn an_error_clears_the_deadline_too() {
        let stream = Recorder {
            then: Some(io::ErrorKind::TimedOut),
            ..Recorder::new(b"\0\0\0\x09half")
        };
        let mut frames = FrameReader::new(&stream, LengthPrefix::new());
        let err = frames.read_frame_by(soon()).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
        assert_eq!(stream.current.get(), None);
        // Nothing was lost: the bytes of the frame stay buffered.
        assert_eq!(frames.buffer(), b"\0\0\0\x09half");
    }

    #[test]
    fn a_buffered_frame_comes_back_even_past_the_deadline() {
        let stream = Recorder::new(b"");
        let mut frames = FrameReader::with_buffered(&stream, Lines::new(), b"ready\n");
        let past = Instant::now();
        assert_eq!(
            frames.read_frame_by(past).unwrap().as_deref(),
            Some(&b"ready"[..])
        );
        assert!(stream.read_under.borrow().is_empty(), "no read was needed");
    }

    #[test]
    fn a_failure_to_set_reads_nothing() {
        let stream = Recorder {
            fail_set: true,
            ..Recorder::new(b"a\n")
        };
        let mut frames = FrameReader::new(&stream, Lines::new());
        let err: FrameError = frames.read_frame_by(soon()).unwrap_err();
        assert!(err.to_string().contains("setsockopt failed"), "{err}");
        assert!(stream.read_under.borrow().is_empty());
        assert_eq!(*stream.calls.borrow(), [true, false]);
        // The line is still there for the next call.
        assert_eq!(frames.read_frame().unwrap().as_deref(), Some(&b"a"[..]));
    }

    #[test]
    fn a_failure_to_clear_never_drops_a_frame() {
        let stream = Recorder {
            fail_clear: true,
            ..Recorder::new(b"a\n")
        };
        let mut frames = FrameReader::new(&stream, Lines::new());
        assert_eq!(
            frames.read_frame_by(soon()).unwrap().as_deref(),
            Some(&b"a"[..])
        );
        // At a clean end of stream there is nothing to lose: it is reported.
        let err = frames.read_frame_by(soon()).unwrap_err();
        assert!(err.to_string().contains("setsockopt failed"), "{err}");
    }

    #[test]
    fn recv_by_flushes_then_reads_under_the_deadline() {
        let stream = Recorder::new(b"pong\n");
        let mut conn = Framed::new(&stream, Lines::new());
        conn.send("ping").unwrap();
        let at = soon();
        assert_eq!(conn.recv_by(at).unwrap().as_deref(), Some(&b"pong"[..]));
        assert!(conn.write_buffer().is_empty());
        assert!(stream.read_under.borrow().iter().all(|d| *d == Some(at)));
        assert_eq!(stream.current.get(), None);
    }
}
