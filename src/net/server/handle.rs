//! [`ServerHandle`]: the counters of a running server, and how it stops.

use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::accept::{BACKOFF_MAX, wake};
use super::error::ServeError;
use super::live::Shared;

/// First wait for the accept loop to notice a shutdown before waking it again.
const WAKE_RETRY_MIN: Duration = Duration::from_millis(100);
/// How long dropping an owning handle waits for the server's threads.
const DROP_WAIT: Duration = Duration::from_secs(2);

/// A running server: its counters, and the way to stop it.
///
/// Two kinds of handle exist. [`Server::spawn`](crate::Server::spawn)
/// returns the one that **owns** the run: dropping it shuts the server down
/// as [`shutdown`](ServerHandle::shutdown) does, but waits at most 2 s for
/// the server's threads; a handler that ignores the shutdown (it does not
/// read or write its connection) is then left running, detached, instead of
/// hanging the drop. [`Server::handle`](crate::Server::handle) returns a
/// **remote** one for a server run by [`Server::serve`](crate::Server::serve):
/// dropping it does nothing.
///
/// # Examples
///
/// ```no_run
/// # fn main() -> rionet::Result<()> {
/// let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
/// let server = rionet::Server::new(listener).spawn(|_, _| {})?;
/// println!(
///     "{} accepted, {} refused, {} timed out",
///     server.accepted(),
///     server.refused(),
///     server.timed_out()
/// );
/// server.shutdown()?;
/// # Ok(())
/// # }
/// ```
pub struct ServerHandle {
    shared: Arc<Shared>,
    /// The accept thread, for the owning handle; `None` once joined.
    acceptor: Option<JoinHandle<Result<(), ServeError>>>,
    owner: bool,
}

impl ServerHandle {
    pub(super) fn owner(
        shared: Arc<Shared>,
        acceptor: JoinHandle<Result<(), ServeError>>,
    ) -> ServerHandle {
        ServerHandle {
            shared,
            acceptor: Some(acceptor),
            owner: true,
        }
    }

    pub(super) fn remote(shared: Arc<Shared>) -> ServerHandle {
        ServerHandle {
            shared,
            acceptor: None,
            owner: false,
        }
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.shared.local_addr
    }

    /// Connections accepted so far (served, queued, or refused after
    /// accept).
    pub fn accepted(&self) -> u64 {
        self.shared.counters.accepted.load(Ordering::Relaxed)
    }

    /// Connections open right now: being served, or queued for a pool.
    pub fn active(&self) -> usize {
        self.shared.active()
    }

    /// Connections closed unserved: over the limit under a refusing
    /// [`Overload`](crate::Overload) policy, shed when out of file
    /// descriptors, or lost for want of a thread or a socket option.
    pub fn refused(&self) -> u64 {
        self.shared.counters.refused.load(Ordering::Relaxed)
    }

    /// Connections on which a read timeout, read deadline or write timeout
    /// fired (counted when the handler is done with it).
    pub fn timed_out(&self) -> u64 {
        self.shared.counters.timed_out.load(Ordering::Relaxed)
    }

    /// Handlers that panicked.
    pub fn panicked(&self) -> u64 {
        self.shared.counters.panicked.load(Ordering::Relaxed)
    }

    /// Whether the server has finished: its accept loop and every handler
    /// have returned.
    pub fn is_finished(&self) -> bool {
        self.shared.wait_finished(Some(Instant::now()))
    }

    /// Waits until the server stops on its own (a listener error) or is
    /// shut down through another handle, and every handler has returned
    /// (for a remote handle: forever if `serve` is never called).
    ///
    /// # Errors
    ///
    /// For the owning handle: [`ServeError::Accept`] if the accept loop
    /// stopped on a listener error; [`ServeError::Io`] if the accept thread
    /// panicked. A remote handle returns `Ok(())`: `serve` returns the error.
    pub fn wait(mut self) -> Result<(), ServeError> {
        self.shared.wait_finished(None);
        self.join()
    }

    /// Stops the server and waits until all of its threads have finished.
    ///
    /// In order: no new handler starts (connections queued for a pool are
    /// closed unserved); the accept loop, blocked in `accept`, is woken by a
    /// connection to the listener's own address (the loopback address of
    /// the same family when it is bound to `0.0.0.0` or `[::]`); every live
    /// connection is shut down in both directions (`shutdown(SHUT_RDWR)` on
    /// its one descriptor), so a handler blocked reading sees end of stream
    /// and its writes fail; the wake-up is repeated, with growing pauses,
    /// until the loop has noticed; then the threads are joined.
    ///
    /// It returns promptly as long as handlers return once their connection
    /// fails. Do not call it from one of this server's handlers: it would
    /// wait for that very handler to return, forever. The listener must be
    /// reachable from this host: if a firewall drops loopback connections to
    /// it, the loop notices only at the next real connection.
    ///
    /// # Errors
    ///
    /// As [`wait`](ServerHandle::wait).
    pub fn shutdown(self) -> Result<(), ServeError> {
        self.shutdown_after(Duration::ZERO)
    }

    /// Like [`shutdown`](ServerHandle::shutdown), but gives the live
    /// connections up to `grace` to end on their own before shutting down
    /// those that are left: a drain.
    ///
    /// No new handler starts meanwhile. It returns as soon as the last
    /// handler has returned, `grace` at most after it was called (plus the
    /// time handlers take to notice the shutdown).
    ///
    /// # Errors
    ///
    /// As [`wait`](ServerHandle::wait).
    pub fn shutdown_after(mut self, grace: Duration) -> Result<(), ServeError> {
        self.stop(grace, None);
        self.join()
    }

    /// Stops accepting, wakes the loop, closes the live connections after
    /// `grace`, and waits for the run to finish until `limit`; whether it
    /// did.
    fn stop(&self, grace: Duration, limit: Option<Instant>) -> bool {
        let addr = self.shared.local_addr;
        if !self.shared.stop() {
            // Never started: `serve` or `spawn`, if called later, returns
            // at once.
            return true;
        }
        wake(addr);
        self.shared.close_live_after(grace);
        // One wake-up is enough unless the accept loop missed it (another
        // server sharing the listener took the connection, or the backlog
        // was full): wake it again, less and less often.
        let mut pause = WAKE_RETRY_MIN;
        loop {
            let step = Instant::now() + pause;
            let until = limit.map_or(step, |limit| limit.min(step));
            if self.shared.wait_loop_done(Some(until)) {
                break;
            }
            if limit.is_some_and(|limit| Instant::now() >= limit) {
                return false;
            }
            wake(addr);
            pause = (pause * 2).min(BACKOFF_MAX);
        }
        self.shared.wait_finished(limit)
    }

    /// Joins the accept thread (owning handle) once the run has finished.
    fn join(&mut self) -> Result<(), ServeError> {
        match self.acceptor.take() {
            Some(acceptor) => acceptor.join().unwrap_or_else(|_| {
                Err(std::io::Error::other("the accept thread of the server panicked").into())
            }),
            None => Ok(()),
        }
    }
}

impl Drop for ServerHandle {
    fn drop(&mut self) {
        if !self.owner || self.acceptor.is_none() {
            return;
        }
        if self.stop(Duration::ZERO, Some(Instant::now() + DROP_WAIT)) {
            // Its error, if any, has no one to go to.
            let _ = self.join();
        }
        // Otherwise the JoinHandle drops: the threads run on, detached.
    }
}

impl fmt::Debug for ServerHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerHandle")
            .field("local_addr", &self.local_addr())
            .field("owner", &self.owner)
            .field("accepted", &self.accepted())
            .field("active", &self.active())
            .field("refused", &self.refused())
            .field("timed_out", &self.timed_out())
            .field("panicked", &self.panicked())
            .finish()
    }
}
