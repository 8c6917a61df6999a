//! [`TimedStream`]: a `TcpStream` that knows the timeouts set on it, and a
//! read deadline a trickling peer cannot extend.

use std::fmt;
use std::io::{self, IoSlice, IoSliceMut, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// A [`TcpStream`] with an idle read timeout, a write timeout and an absolute
/// read deadline, whose expiry reads as [`io::ErrorKind::TimedOut`] with a
/// message that says which one fired, never as a bare `WouldBlock`.
///
/// - The **read timeout** (`SO_RCVTIMEO`) bounds each wait for data: a peer
///   silent that long fails the read. Every byte that arrives restarts it.
/// - The **read deadline** is an [`Instant`] by which reading must be done,
///   whatever the peer sends: before each read the socket's `SO_RCVTIMEO` is
///   recomputed as the time left (or the read timeout, if shorter), the way
///   socket2's `connect_timeout` recomputes its `poll`, so a peer sending one
///   byte a second is cut at the deadline. The error says the deadline passed
///   and how many bytes had arrived since it was set.
/// - The **write timeout** (`SO_SNDTIMEO`) bounds each wait for room in the
///   send buffer: a peer that stops reading fails the write.
///
/// The [`Server`](crate::Server) hands every handler one, with the timeouts
/// of [`Server::read_timeout`](crate::Server::read_timeout) and
/// [`Server::write_timeout`](crate::Server::write_timeout) set. It wraps the
/// one descriptor of the connection (no `dup`), and, like `TcpStream`, reads
/// and writes through `&TimedStream` too, so one thread can read while
/// another writes.
///
/// Set timeouts and blocking mode through this type, not through
/// [`get_ref`](TimedStream::get_ref): it maps `WouldBlock` to `TimedOut` only
/// while it knows a timeout or deadline is in force and the socket is
/// blocking. After [`set_nonblocking(true)`](TimedStream::set_nonblocking) a
/// read with no data is `WouldBlock`, as on any nonblocking socket.
///
/// # Examples
///
/// A request must arrive whole within 2 seconds of its first byte:
///
/// ```no_run
/// use std::io::Read;
/// use std::time::{Duration, Instant};
///
/// # fn main() -> std::io::Result<()> {
/// let stream = rionet::TimedStream::new(std::net::TcpStream::connect("127.0.0.1:15213")?)?;
/// stream.set_read_deadline(Some(Instant::now() + Duration::from_secs(2)))?;
/// let mut request = [0u8; 16];
/// match (&stream).read_exact(&mut request) {
///     Err(err) if err.kind() == std::io::ErrorKind::TimedOut => {
///         // "read deadline passed 2s after it was set; 5 bytes had arrived since"
///         assert!(err.to_string().contains("bytes had arrived"));
///     }
///     other => other?,
/// }
/// # Ok(())
/// # }
/// ```
pub struct TimedStream {
    inner: Arc<Inner>,
}

/// What the server's bookkeeping shares with a handler's stream.
struct Inner {
    socket: TcpStream,
    state: Mutex<State>,
    /// Set when a timeout or deadline has fired on this stream.
    timed_out: AtomicBool,
}

#[derive(Debug, Default)]
struct State {
    read_timeout: Option<Duration>,
    write_timeout: Option<Duration>,
    /// The deadline and when it was set.
    deadline: Option<(Instant, Instant)>,
    /// Bytes read since the deadline was set.
    arrived: u64,
    /// The `SO_RCVTIMEO` currently on the socket.
    applied: Option<Duration>,
    /// Whether `applied` is the time left to the deadline (shorter than the
    /// read timeout), so that its expiry is the deadline's.
    by_deadline: bool,
    nonblocking: bool,
}

impl TimedStream {
    /// Wraps `socket`, taking over the read and write timeouts it has now
    /// (`getsockopt` of `SO_RCVTIMEO` and `SO_SNDTIMEO`). No deadline is set.
    ///
    /// # Errors
    ///
    /// The error of `getsockopt`.
    pub fn new(socket: TcpStream) -> io::Result<TimedStream> {
        let (read, write) = (socket.read_timeout()?, socket.write_timeout()?);
        TimedStream::with_timeouts(socket, read, write)
    }

    /// Wraps `socket` after setting its read and write timeouts: how the
    /// server prepares an accepted connection.
    pub(crate) fn with_timeouts(
        socket: TcpStream,
        read_timeout: Option<Duration>,
        write_timeout: Option<Duration>,
    ) -> io::Result<TimedStream> {
        socket.set_read_timeout(read_timeout)?;
        socket.set_write_timeout(write_timeout)?;
        let state = State {
            read_timeout,
            write_timeout,
            applied: read_timeout,
            ..State::default()
        };
        Ok(TimedStream {
            inner: Arc::new(Inner {
                socket,
                state: Mutex::new(state),
                timed_out: AtomicBool::new(false),
            }),
        })
    }

    /// Sets the idle read timeout (`SO_RCVTIMEO`); `None` waits forever.
    ///
    /// # Errors
    ///
    /// [`io::ErrorKind::InvalidInput`] for `Some(Duration::ZERO)`; the error
    /// of `setsockopt`.
    pub fn set_read_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        let mut state = self.inner.lock();
        self.inner.socket.set_read_timeout(timeout)?;
        state.read_timeout = timeout;
        state.applied = timeout;
        Ok(())
    }

    /// Sets the write timeout (`SO_SNDTIMEO`); `None` waits forever.
    ///
    /// # Errors
    ///
    /// [`io::ErrorKind::InvalidInput`] for `Some(Duration::ZERO)`; the error
    /// of `setsockopt`.
    pub fn set_write_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        let mut state = self.inner.lock();
        self.inner.socket.set_write_timeout(timeout)?;
        state.write_timeout = timeout;
        Ok(())
    }

    /// Sets the instant by which reads must be done, or clears it (`None`),
    /// and restarts the count of bytes arrived. A read at or after the
    /// deadline fails at once with [`io::ErrorKind::TimedOut`]; a read
    /// before it waits at most until it (or the read timeout, if sooner).
    ///
    /// Set it when a request (a frame, a line) starts, clear it when it is
    /// complete.
    ///
    /// # Errors
    ///
    /// The error of `setsockopt` when the read timeout is put back.
    pub fn set_read_deadline(&self, deadline: Option<Instant>) -> io::Result<()> {
        let mut state = self.inner.lock();
        state.deadline = deadline.map(|at| (at, Instant::now()));
        state.arrived = 0;
        state.by_deadline = false;
        if deadline.is_none() && state.applied != state.read_timeout {
            self.inner.socket.set_read_timeout(state.read_timeout)?;
            state.applied = state.read_timeout;
        }
        Ok(())
    }

    /// The idle read timeout.
    pub fn read_timeout(&self) -> Option<Duration> {
        self.inner.lock().read_timeout
    }

    /// The write timeout.
    pub fn write_timeout(&self) -> Option<Duration> {
        self.inner.lock().write_timeout
    }

    /// The read deadline, if one is set.
    pub fn read_deadline(&self) -> Option<Instant> {
        self.inner.lock().deadline.map(|(at, _)| at)
    }

    /// Whether a timeout or the deadline has fired on this stream.
    pub fn timed_out(&self) -> bool {
        self.inner.timed_out.load(Ordering::Relaxed)
    }

    /// Puts the socket in or out of nonblocking mode (`O_NONBLOCK`). While
    /// it is nonblocking, reads and writes that would block fail with
    /// `WouldBlock`, as on any socket.
    ///
    /// # Errors
    ///
    /// The error of `fcntl` (`ioctlsocket` on Windows).
    pub fn set_nonblocking(&self, nonblocking: bool) -> io::Result<()> {
        let mut state = self.inner.lock();
        self.inner.socket.set_nonblocking(nonblocking)?;
        state.nonblocking = nonblocking;
        Ok(())
    }

    /// Shuts down the read half, the write half or both (`shutdown(2)`).
    ///
    /// # Errors
    ///
    /// The error of `shutdown`.
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.inner.socket.shutdown(how)
    }

    /// The peer's address (`getpeername`).
    ///
    /// # Errors
    ///
    /// The error of `getpeername`.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.inner.socket.peer_addr()
    }

    /// The socket, for options this type does not wrap (`set_nodelay`,
    /// `local_addr`). Change timeouts and blocking mode through
    /// `TimedStream`, or its errors lose their context.
    pub fn get_ref(&self) -> &TcpStream {
        &self.inner.socket
    }

    /// A handle the server keeps to shut the connection down and to see
    /// whether it timed out, without a second descriptor.
    pub(crate) fn watch(&self) -> Watch {
        Watch(Arc::clone(&self.inner))
    }

    /// Before a read: the deadline check and the `SO_RCVTIMEO` to wait with.
    fn before_read(&self) -> io::Result<()> {
        let mut state = self.inner.lock();
        let Some((at, set)) = state.deadline else {
            return Ok(());
        };
        let now = Instant::now();
        let Some(left) = at.checked_duration_since(now).filter(|d| !d.is_zero()) else {
            self.inner.timed_out.store(true, Ordering::Relaxed);
            return Err(deadline_passed(at, set, state.arrived));
        };
        let wait = state.read_timeout.map_or(left, |idle| idle.min(left));
        state.by_deadline = state.read_timeout.is_none_or(|idle| left < idle);
        if state.applied != Some(wait) {
            self.inner.socket.set_read_timeout(Some(wait))?;
            state.applied = Some(wait);
        }
        Ok(())
    }

    /// After a read: counts what arrived, or gives a timeout its context.
    fn after_read(&self, result: io::Result<usize>) -> io::Result<usize> {
        let mut state = self.inner.lock();
        match result {
            Ok(n) => {
                state.arrived += n as u64;
                Ok(n)
            }
            Err(err) if is_timeout(&err) && !state.nonblocking && state.applied.is_some() => {
                self.inner.timed_out.store(true, Ordering::Relaxed);
                let now = Instant::now();
                match state.deadline {
                    // The kernel may wake a hair early: a wait cut to the
                    // deadline that expires is the deadline's expiry.
                    Some((at, set)) if now >= at || state.by_deadline => {
                        Err(deadline_passed(at, set, state.arrived))
                    }
                    _ => Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        format!(
                            "read timed out: no data for {:?} (the read timeout)",
                            state.applied.unwrap_or_default()
                        ),
                    )),
                }
            }
            Err(err) => Err(err),
        }
    }

    /// After a write: gives a write timeout its context.
    fn after_write(&self, result: io::Result<usize>) -> io::Result<usize> {
        match result {
            Err(err) if is_timeout(&err) => {
                let state = self.inner.lock();
                match state.write_timeout {
                    Some(timeout) if !state.nonblocking => {
                        self.inner.timed_out.store(true, Ordering::Relaxed);
                        Err(io::Error::new(
                            io::ErrorKind::TimedOut,
                            format!(
                                "write timed out: the peer took no data for {timeout:?} (the write timeout)"
                            ),
                        ))
                    }
                    _ => Err(err),
                }
            }
            other => other,
        }
    }
}

impl Inner {
    /// Nothing panics while holding the lock; a poisoned one is still sound.
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// `SO_RCVTIMEO` / `SO_SNDTIMEO` expiring: `EAGAIN` on Unix, `WSAETIMEDOUT`
/// on Windows.
fn is_timeout(err: &io::Error) -> bool {
    matches!(
        err.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

fn deadline_passed(at: Instant, set: Instant, arrived: u64) -> io::Error {
    io::Error::new(
        io::ErrorKind::TimedOut,
        format!(
            "read deadline passed {:?} after it was set; {arrived} bytes had arrived since",
            at.saturating_duration_since(set)
        ),
    )
}

/// A reader that can be told "reading must be done by this instant": what a
/// framer or buffered reader needs from its stream to offer a per-request
/// deadline without knowing the stream's type.
///
/// [`TimedStream`] implements it (by value and by reference); so can a
/// user's own stream.
pub trait ReadDeadline {
    /// Sets (`Some`) or clears (`None`) the deadline for reads; a read that
    /// would end past it fails with [`io::ErrorKind::TimedOut`].
    ///
    /// # Errors
    ///
    /// Whatever setting the deadline on the underlying socket fails with.
    fn set_read_deadline(&self, deadline: Option<Instant>) -> io::Result<()>;
}

impl ReadDeadline for TimedStream {
    fn set_read_deadline(&self, deadline: Option<Instant>) -> io::Result<()> {
        TimedStream::set_read_deadline(self, deadline)
    }
}

impl<T: ReadDeadline + ?Sized> ReadDeadline for &T {
    fn set_read_deadline(&self, deadline: Option<Instant>) -> io::Result<()> {
        (**self).set_read_deadline(deadline)
    }
}

/// The server's view of a live connection: the same socket, shared.
pub(crate) struct Watch(Arc<Inner>);

impl Watch {
    /// Shuts the connection down both ways, waking a blocked handler.
    pub(crate) fn shutdown(&self) {
        let _ = self.0.socket.shutdown(Shutdown::Both);
    }

    /// Whether a timeout or the deadline fired on the connection.
    pub(crate) fn timed_out(&self) -> bool {
        self.0.timed_out.load(Ordering::Relaxed)
    }
}

impl Read for &TimedStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.before_read()?;
        let result = (&self.inner.socket).read(buf);
        self.after_read(result)
    }

    fn read_vectored(&mut self, bufs: &mut [IoSliceMut<'_>]) -> io::Result<usize> {
        self.before_read()?;
        let result = (&self.inner.socket).read_vectored(bufs);
        self.after_read(result)
    }
}

impl Read for TimedStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        (&*self).read(buf)
    }

    fn read_vectored(&mut self, bufs: &mut [IoSliceMut<'_>]) -> io::Result<usize> {
        (&*self).read_vectored(bufs)
    }
}

impl Write for &TimedStream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let result = (&self.inner.socket).write(buf);
        self.after_write(result)
    }

    fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        let result = (&self.inner.socket).write_vectored(bufs);
        self.after_write(result)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Write for TimedStream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        (&*self).write(buf)
    }

    fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        (&*self).write_vectored(bufs)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl fmt::Debug for TimedStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.inner.lock();
        f.debug_struct("TimedStream")
            .field("socket", &self.inner.socket)
            .field("read_timeout", &state.read_timeout)
            .field("write_timeout", &state.write_timeout)
            .field("read_deadline", &state.deadline.map(|(at, _)| at))
            .finish()
    }
}
