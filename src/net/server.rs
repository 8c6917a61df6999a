//! A small server helper: an accept loop that hands every connection to a
//! handler, on a thread per connection or on a fixed pool of workers.

use std::collections::HashMap;
use std::fmt;
use std::io::{self, Write};
use std::net::{Ipv4Addr, Ipv6Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use crate::{Error, Result};

/// Accepted connections a worker pool queues by default: CS:APP's `SBUFSIZE`.
const DEFAULT_QUEUE_CAPACITY: usize = 16;
/// First pause after accept runs out of a resource (file descriptors, memory).
const BACKOFF_MIN: Duration = Duration::from_millis(5);
/// Longest pause after accept runs out of a resource.
const BACKOFF_MAX: Duration = Duration::from_secs(1);
/// How long one wake-up connection to the listener may take.
const WAKE_CONNECT_TIMEOUT: Duration = Duration::from_millis(250);
/// First wait for the accept loop to notice a shutdown before waking it again.
const WAKE_RETRY_MIN: Duration = Duration::from_millis(100);

/// Serves a [`TcpListener`]: accepts connections and runs a handler on each,
/// on a thread per connection (CS:APP's `echoservert`) or on a fixed pool of
/// worker threads fed by a bounded queue (`echoservert_pre` with `sbuf`).
///
/// Defaults, set by [`Server::new`]:
/// - one thread per connection ([`Server::thread_per_connection`]);
/// - for a pool ([`Server::pool`]), a queue of 16 accepted connections
///   ([`Server::queue_capacity`], CS:APP's `SBUFSIZE`).
///
/// The handler is any `Fn(TcpStream, SocketAddr) + Send + Sync + 'static`:
/// it gets the connection and the peer's address. The server keeps a
/// duplicate of the socket (to shut it down on [`ServerHandle::shutdown`])
/// until the handler returns, so the connection closes when the handler
/// returns, or earlier if it calls [`TcpStream::shutdown`].
///
/// The accept loop never spins and never gives up on a passing error:
///
/// - `ECONNABORTED`, `ECONNRESET`, `EINTR`, `EPROTO`, the network errors
///   Linux passes on from the new socket (`ENETDOWN`, `ENETUNREACH`,
///   `EHOSTDOWN`, `EHOSTUNREACH`, `ENONET`, `ENOPROTOOPT`, `EOPNOTSUPP`,
///   `ETIMEDOUT`, `ENOSR`, `ESOCKTNOSUPPORT`, `EPROTONOSUPPORT`), and
///   Linux's `EPERM` (a firewall rule refused that one connection): the
///   connection is lost and the loop accepts the next one at once;
/// - `EMFILE`, `ENFILE`, `ENOBUFS`, `ENOMEM`, a thread that cannot be
///   spawned, and any error it does not know: the loop logs the error to
///   stderr and backs off, 5 ms after the first error, doubling up to 1 s,
///   until an accept succeeds again;
/// - `EBADF`, `ENOTSOCK`, `EINVAL` (the socket is not a listening socket):
///   the loop stops and the error is returned as [`Error::Accept`].
///
/// Errors are told apart by [`io::ErrorKind`] where std has a kind for them,
/// else by their raw OS code (Linux, the BSDs and macOS, Windows).
///
/// A handler that panics loses only its own connection: the panic is caught
/// ([`std::panic::catch_unwind`]), logged to stderr with the peer's address,
/// the stream is dropped, and the thread serves the next connection.
///
/// # Examples
///
/// A thread-per-connection echo server that runs in the background until it
/// is shut down:
///
/// ```no_run
/// use std::io;
/// use std::net::TcpListener;
///
/// use rionet::Server;
///
/// fn main() -> rionet::Result<()> {
///     let listener = TcpListener::bind("127.0.0.1:0")?;
///     let server = Server::new(listener).spawn(|stream, peer| {
///         eprintln!("client {peer}");
///         let _ = io::copy(&mut &stream, &mut &stream);
///     })?;
///     println!("listening on {}", server.local_addr());
///     // ... later:
///     server.shutdown()
/// }
/// ```
///
/// A pool of 4 workers serving on the calling thread (CS:APP's
/// `echoservert_pre`):
///
/// ```no_run
/// use std::io;
///
/// use rionet::Server;
///
/// fn main() -> rionet::Result<()> {
///     let listener = rionet::open_listenfd(15213)?;
///     Server::new(listener).pool(4).serve(|stream, _peer| {
///         let _ = io::copy(&mut &stream, &mut &stream);
///     })
/// }
/// ```
#[derive(Debug)]
pub struct Server {
    listener: TcpListener,
    mode: Mode,
    queue_capacity: usize,
}

/// How accepted connections reach the handler.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    ThreadPerConnection,
    Pool { workers: usize },
}

impl Server {
    /// A server for `listener`, with the defaults: one thread per connection;
    /// a queue of 16 connections if [`pool`](Server::pool) is chosen.
    ///
    /// The listener must be listening already (as [`TcpListener::bind`] and
    /// [`open_listenfd`](crate::open_listenfd) leave it). Nothing runs until
    /// [`spawn`](Server::spawn) or [`serve`](Server::serve).
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # fn main() -> std::io::Result<()> {
    /// let server = rionet::Server::new(std::net::TcpListener::bind("[::1]:0")?);
    /// # Ok(())
    /// # }
    /// ```
    pub fn new(listener: TcpListener) -> Server {
        Server {
            listener,
            mode: Mode::ThreadPerConnection,
            queue_capacity: DEFAULT_QUEUE_CAPACITY,
        }
    }

    /// Serves every connection on a thread of its own (the default;
    /// CS:APP's `echoservert`). The threads are tracked, and joined by
    /// [`ServerHandle::shutdown`].
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # fn main() -> rionet::Result<()> {
    /// let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    /// let server = rionet::Server::new(listener)
    ///     .thread_per_connection()
    ///     .spawn(|_stream, peer| println!("hello {peer}"))?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn thread_per_connection(&mut self) -> &mut Self {
        self.mode = Mode::ThreadPerConnection;
        self
    }

    /// Serves connections on a fixed pool of `workers` threads fed by a
    /// bounded queue (CS:APP's `echoservert_pre` with `sbuf`). At most
    /// `workers` connections are served at a time; when the queue is full
    /// too, the accept loop waits and new connections wait in the kernel's
    /// listen backlog.
    ///
    /// # Panics
    ///
    /// If `workers` is 0.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # fn main() -> rionet::Result<()> {
    /// let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    /// let server = rionet::Server::new(listener)
    ///     .pool(8)
    ///     .queue_capacity(32)
    ///     .spawn(|_stream, peer| println!("hello {peer}"))?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn pool(&mut self, workers: usize) -> &mut Self {
        assert!(workers > 0, "a worker pool needs at least one worker");
        self.mode = Mode::Pool { workers };
        self
    }

    /// How many accepted connections a worker pool queues before the accept
    /// loop waits for a free worker (default 16, CS:APP's `SBUFSIZE`; 0
    /// hands each connection straight to a waiting worker). Ignored for
    /// thread-per-connection.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # fn main() -> std::io::Result<()> {
    /// # let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    /// let mut server = rionet::Server::new(listener);
    /// server.pool(4).queue_capacity(64);
    /// # Ok(())
    /// # }
    /// ```
    pub fn queue_capacity(&mut self, connections: usize) -> &mut Self {
        self.queue_capacity = connections;
        self
    }

    /// The address the listener is bound to.
    ///
    /// # Errors
    ///
    /// The error of `getsockname`, as [`Error::Io`].
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # fn main() -> rionet::Result<()> {
    /// let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    /// println!("listening on {}", rionet::Server::new(listener).local_addr()?);
    /// # Ok(())
    /// # }
    /// ```
    pub fn local_addr(&self) -> Result<SocketAddr> {
        Ok(self.listener.local_addr()?)
    }

    /// Starts serving on a background thread (named `rionet-accept`) and
    /// returns a handle that stops it.
    ///
    /// The accept loop runs on a duplicate of the listener
    /// ([`TcpListener::try_clone`], `dup`), put in blocking mode. The
    /// listening socket stays open while this `Server` or the running
    /// server holds it: drop both to close the port. Dropping the
    /// [`ServerHandle`] shuts the server down.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] if the listener cannot be duplicated or queried, or a
    /// thread cannot be spawned; nothing is left running then.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use std::io::Write;
    ///
    /// fn main() -> rionet::Result<()> {
    ///     let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    ///     let server = rionet::Server::new(listener).pool(2).spawn(|mut stream, _| {
    ///         let _ = stream.write_all(b"hello\n");
    ///     })?;
    ///     let reply = std::io::read_to_string(std::net::TcpStream::connect(server.local_addr())?)?;
    ///     assert_eq!(reply, "hello\n");
    ///     server.shutdown()
    /// }
    /// ```
    pub fn spawn<H>(&self, handler: H) -> Result<ServerHandle>
    where
        H: Fn(TcpStream, SocketAddr) + Send + Sync + 'static,
    {
        let listener = self.listener.try_clone()?;
        listener.set_nonblocking(false)?;
        let local_addr = listener.local_addr()?;
        let shared = Arc::new(Shared::new(local_addr));
        let mut dispatcher = Dispatcher::start(self.mode, self.queue_capacity, handler, &shared)?;
        let (done_tx, done) = mpsc::channel::<()>();
        let loop_shared = Arc::clone(&shared);
        let spawned = thread::Builder::new()
            .name("rionet-accept".into())
            .spawn(move || {
                let result = accept_loop(&listener, &loop_shared, &mut dispatcher);
                drop(listener);
                drop(done_tx);
                dispatcher.finish();
                result
            });
        match spawned {
            Ok(acceptor) => Ok(ServerHandle {
                local_addr,
                shared,
                acceptor: Some(acceptor),
                done: Mutex::new(done),
            }),
            // The closure, with the dispatcher in it, was dropped: dropping a
            // pool's queue lets its idle workers exit.
            Err(err) => Err(err.into()),
        }
    }

    /// Serves on the calling thread, forever: it returns only when the
    /// accept loop stops for good (see the type's docs), after the workers
    /// or connection threads have finished.
    ///
    /// Use [`spawn`](Server::spawn) for a server that can be shut down.
    ///
    /// # Errors
    ///
    /// [`Error::Accept`] when the listener is no longer usable; [`Error::Io`]
    /// if a worker thread cannot be spawned at the start.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use std::io::{BufRead, BufReader, Write};
    ///
    /// fn main() -> rionet::Result<()> {
    ///     let listener = rionet::open_listenfd(15213)?;
    ///     rionet::Server::new(listener).serve(|stream, peer| {
    ///         let mut out = &stream;
    ///         for line in BufReader::new(&stream).lines() {
    ///             let Ok(line) = line else { break };
    ///             if out.write_all(format!("{line}\n").as_bytes()).is_err() {
    ///                 break;
    ///             }
    ///         }
    ///         eprintln!("{peer} left");
    ///     })
    /// }
    /// ```
    pub fn serve<H>(&self, handler: H) -> Result<()>
    where
        H: Fn(TcpStream, SocketAddr) + Send + Sync + 'static,
    {
        self.listener.set_nonblocking(false)?;
        let shared = Arc::new(Shared::new(self.listener.local_addr()?));
        let mut dispatcher = Dispatcher::start(self.mode, self.queue_capacity, handler, &shared)?;
        let result = accept_loop(&self.listener, &shared, &mut dispatcher);
        dispatcher.finish();
        result
    }
}

/// A running server, from [`Server::spawn`]. [`shutdown`](ServerHandle::shutdown)
/// (or dropping the handle) stops it.
///
/// # Examples
///
/// ```no_run
/// # fn main() -> rionet::Result<()> {
/// let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
/// let server = rionet::Server::new(listener).spawn(|_, _| {})?;
/// println!("{} connections so far", server.accepted());
/// server.shutdown()?;
/// # Ok(())
/// # }
/// ```
pub struct ServerHandle {
    local_addr: SocketAddr,
    shared: Arc<Shared>,
    acceptor: Option<JoinHandle<Result<()>>>,
    /// Disconnects when the accept loop has returned. (In a mutex only to
    /// make the handle `Sync`.)
    done: Mutex<Receiver<()>>,
}

impl ServerHandle {
    /// The address the server listens on.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # fn main() -> rionet::Result<()> {
    /// let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    /// let server = rionet::Server::new(listener).spawn(|_, _| {})?;
    /// let port = server.local_addr().port();
    /// # Ok(())
    /// # }
    /// ```
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// How many connections the accept loop has accepted so far (queued,
    /// served, or being served).
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # fn main() -> rionet::Result<()> {
    /// # let server = rionet::Server::new(std::net::TcpListener::bind("127.0.0.1:0")?).spawn(|_, _| {})?;
    /// eprintln!("{} accepted", server.accepted());
    /// # Ok(())
    /// # }
    /// ```
    pub fn accepted(&self) -> u64 {
        self.shared.accepted.load(Ordering::Relaxed)
    }

    /// How many handlers are running right now.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # fn main() -> rionet::Result<()> {
    /// # let server = rionet::Server::new(std::net::TcpListener::bind("127.0.0.1:0")?).spawn(|_, _| {})?;
    /// eprintln!("{} clients connected", server.active());
    /// # Ok(())
    /// # }
    /// ```
    pub fn active(&self) -> usize {
        self.shared.lock().live.len()
    }

    /// Stops the server and waits until all of its threads have finished.
    ///
    /// In order: no new handler starts (connections still queued for a pool
    /// are closed unserved); the accept loop, blocked in `accept`, is woken
    /// by a connection to the listener's own address (the loopback address
    /// of the same family when it is bound to `0.0.0.0` or `[::]`); every
    /// live connection is shut down in both directions (`shutdown(SHUT_RDWR)`),
    /// so a handler blocked reading sees end of stream and its writes fail;
    /// the wake-up is repeated, with growing pauses, until the loop has
    /// noticed; then the accept thread, the workers and the connection
    /// threads are joined. [`shutdown_after`](ServerHandle::shutdown_after)
    /// lets live connections finish first.
    ///
    /// It returns promptly as long as handlers return once their connection
    /// fails. Do not call it from one of this server's handlers: it would
    /// wait for that very handler to return, forever; have the handler tell
    /// another thread (a channel) to shut the server down instead. Waking by connection keeps `accept` blocking (no polling
    /// interval, no added latency); the price is that the listener must be
    /// reachable from this host — if a firewall drops loopback connections to
    /// it, the loop notices only at the next real connection.
    ///
    /// # Errors
    ///
    /// [`Error::Accept`] if the accept loop had already stopped on a
    /// listener error; [`Error::Io`] if the accept thread panicked.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # fn main() -> rionet::Result<()> {
    /// let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    /// let server = rionet::Server::new(listener).pool(4).spawn(|_, _| {})?;
    /// server.shutdown()?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn shutdown(mut self) -> Result<()> {
        self.stop_and_join(Duration::ZERO)
    }

    /// Like [`shutdown`](ServerHandle::shutdown), but gives the live
    /// connections up to `grace` to end on their own before shutting down
    /// those that are left.
    ///
    /// No new handler starts meanwhile: the accept loop is told to stop
    /// first, and connections queued for a pool are closed unserved. It
    /// returns as soon as the last handler has returned, `grace` at most
    /// after it was called (plus the time handlers take to notice the
    /// shutdown).
    ///
    /// # Errors
    ///
    /// As [`shutdown`](ServerHandle::shutdown).
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # fn main() -> rionet::Result<()> {
    /// use std::time::Duration;
    ///
    /// let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    /// let server = rionet::Server::new(listener).spawn(|_, _| {})?;
    /// // Let clients finish what they are doing, for up to 5 seconds.
    /// server.shutdown_after(Duration::from_secs(5))?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn shutdown_after(mut self, grace: Duration) -> Result<()> {
        self.stop_and_join(grace)
    }

    fn stop_and_join(&mut self, grace: Duration) -> Result<()> {
        let Some(acceptor) = self.acceptor.take() else {
            return Ok(());
        };
        self.shared.stop_accepting();
        // In case the loop is pausing after a resource error.
        acceptor.thread().unpark();
        wake(self.local_addr);
        self.shared.close_live_after(grace);
        let done = self.done.get_mut().unwrap_or_else(PoisonError::into_inner);
        // One wake-up is enough unless the accept loop missed it (another
        // server sharing the listener took the connection, or the backlog
        // was full): wake it again, less and less often.
        let mut pause = WAKE_RETRY_MIN;
        while let Err(RecvTimeoutError::Timeout) = done.recv_timeout(pause) {
            wake(self.local_addr);
            pause = (pause * 2).min(BACKOFF_MAX);
        }
        acceptor
            .join()
            .unwrap_or_else(|_| Err(io::Error::other("the accept thread panicked").into()))
    }
}

impl Drop for ServerHandle {
    fn drop(&mut self) {
        if let Err(err) = self.stop_and_join(Duration::ZERO) {
            log(format_args!("rionet server on {}: {err}", self.local_addr));
        }
    }
}

impl fmt::Debug for ServerHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerHandle")
            .field("local_addr", &self.local_addr)
            .field("accepted", &self.accepted())
            .field("active", &self.active())
            .field("running", &self.acceptor.is_some())
            .finish()
    }
}

/// State shared by the accept loop, the handler threads and the handle.
#[derive(Debug)]
struct Shared {
    local_addr: SocketAddr,
    accepted: AtomicU64,
    state: Mutex<State>,
    /// Notified when the last live connection ends.
    idle: Condvar,
}

#[derive(Debug, Default)]
struct State {
    stopped: bool,
    next_id: u64,
    /// A duplicate of every connection whose handler is running, so that
    /// shutdown can unblock the handler.
    live: HashMap<u64, TcpStream>,
}

impl Shared {
    fn new(local_addr: SocketAddr) -> Shared {
        Shared {
            local_addr,
            accepted: AtomicU64::new(0),
            state: Mutex::new(State::default()),
            idle: Condvar::new(),
        }
    }

    /// Nothing panics while holding the lock, but a poisoned lock still holds
    /// consistent state.
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn stopped(&self) -> bool {
        self.lock().stopped
    }

    /// Marks the server stopped: no handler starts from now on.
    fn stop_accepting(&self) {
        self.lock().stopped = true;
    }

    /// Waits up to `grace` for the live connections to end, then shuts
    /// down in both directions those that are left.
    fn close_live_after(&self, grace: Duration) {
        let deadline = Instant::now() + grace;
        let mut state = self.lock();
        while !state.live.is_empty() {
            let Some(left) = deadline
                .checked_duration_since(Instant::now())
                .filter(|d| !d.is_zero())
            else {
                break;
            };
            state = self
                .idle
                .wait_timeout(state, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        for stream in state.live.values() {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }

    /// Registers a connection whose handler is about to run; `None` if the
    /// server has stopped (checked under the same lock as `stop`, so no
    /// handler can start unseen by a shutdown).
    fn track(&self, stream: &TcpStream, peer: SocketAddr) -> Option<Tracked<'_>> {
        let mut state = self.lock();
        if state.stopped {
            return None;
        }
        let duplicate = match stream.try_clone() {
            Ok(duplicate) => duplicate,
            Err(err) => {
                log(format_args!(
                    "rionet server on {}: closing the connection from {peer}: cannot track it: {err}",
                    self.local_addr
                ));
                return None;
            }
        };
        let id = state.next_id;
        state.next_id += 1;
        state.live.insert(id, duplicate);
        Some(Tracked { shared: self, id })
    }
}

/// Removes a connection from the live set when its handler is done.
struct Tracked<'a> {
    shared: &'a Shared,
    id: u64,
}

impl Drop for Tracked<'_> {
    fn drop(&mut self) {
        let mut state = self.shared.lock();
        state.live.remove(&self.id);
        if state.live.is_empty() {
            self.shared.idle.notify_all();
        }
    }
}

/// Runs the handler on one connection, containing a panic to it.
fn serve_one<H>(shared: &Shared, handler: &H, stream: TcpStream, peer: SocketAddr)
where
    H: Fn(TcpStream, SocketAddr),
{
    let Some(_tracked) = shared.track(&stream, peer) else {
        return;
    };
    if let Err(payload) = panic::catch_unwind(AssertUnwindSafe(|| handler(stream, peer))) {
        let message = payload
            .downcast_ref::<&str>()
            .copied()
            .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
            .unwrap_or("a non-string payload");
        log(format_args!(
            "rionet server on {}: the handler for {peer} panicked ({message}); its connection is closed",
            shared.local_addr
        ));
    }
}

type Job = (TcpStream, SocketAddr);

/// Where accepted connections go.
enum Dispatcher<H> {
    ThreadPerConnection {
        handler: Arc<H>,
        shared: Arc<Shared>,
        threads: Vec<JoinHandle<()>>,
    },
    Pool {
        queue: SyncSender<Job>,
        workers: Vec<JoinHandle<()>>,
    },
}

impl<H> Dispatcher<H>
where
    H: Fn(TcpStream, SocketAddr) + Send + Sync + 'static,
{
    /// Spawns a pool's workers, or gets ready to spawn connection threads.
    fn start(mode: Mode, queue_capacity: usize, handler: H, shared: &Arc<Shared>) -> Result<Self> {
        let handler = Arc::new(handler);
        let Mode::Pool { workers: count } = mode else {
            return Ok(Dispatcher::ThreadPerConnection {
                handler,
                shared: Arc::clone(shared),
                threads: Vec::new(),
            });
        };
        let (queue, jobs) = mpsc::sync_channel::<Job>(queue_capacity);
        let jobs = Arc::new(Mutex::new(jobs));
        let mut workers = Vec::with_capacity(count);
        for i in 0..count {
            let (jobs, handler, shared) =
                (Arc::clone(&jobs), Arc::clone(&handler), Arc::clone(shared));
            let spawned = thread::Builder::new()
                .name(format!("rionet-worker-{i}"))
                .spawn(move || worker(&jobs, &*handler, &shared));
            match spawned {
                Ok(worker) => workers.push(worker),
                Err(err) => {
                    // Closing the queue lets the workers started so far exit.
                    Dispatcher::<H>::Pool { queue, workers }.finish();
                    return Err(err.into());
                }
            }
        }
        Ok(Dispatcher::Pool { queue, workers })
    }

    /// Hands one connection over. An error means the connection was closed
    /// unserved because a thread could not be spawned.
    fn dispatch(&mut self, stream: TcpStream, peer: SocketAddr) -> io::Result<()> {
        match self {
            Dispatcher::Pool { queue, .. } => queue
                .send((stream, peer))
                .map_err(|_| io::Error::other("the worker pool has stopped")),
            Dispatcher::ThreadPerConnection {
                handler,
                shared,
                threads,
            } => {
                // Forget threads that have finished, so the list stays as
                // long as the number of live connections.
                threads.retain(|thread| !thread.is_finished());
                let (handler, shared) = (Arc::clone(handler), Arc::clone(shared));
                let thread = thread::Builder::new()
                    .name("rionet-conn".into())
                    .spawn(move || serve_one(&shared, &*handler, stream, peer))?;
                threads.push(thread);
                Ok(())
            }
        }
    }

    /// Closes a pool's queue and joins every thread. Handler panics were
    /// caught already, so a join error cannot carry one.
    fn finish(self) {
        let threads = match self {
            Dispatcher::Pool { queue, workers } => {
                drop(queue);
                workers
            }
            Dispatcher::ThreadPerConnection { threads, .. } => threads,
        };
        for thread in threads {
            let _ = thread.join();
        }
    }
}

/// A pool worker: serves queued connections until the queue closes; once
/// the server has stopped, closes them unserved.
fn worker<H>(jobs: &Mutex<Receiver<Job>>, handler: &H, shared: &Shared)
where
    H: Fn(TcpStream, SocketAddr),
{
    loop {
        let job = jobs.lock().unwrap_or_else(PoisonError::into_inner).recv();
        let Ok((stream, peer)) = job else {
            return;
        };
        serve_one(shared, handler, stream, peer);
    }
}

/// What the accept loop does after an error from `accept`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AcceptError {
    /// Only the pending connection is lost: accept again at once.
    Transient,
    /// Out of a resource, or unknown: log, pause, accept again.
    BackOff,
    /// The listener itself is unusable: stop.
    Fatal,
}

/// Sorts an `accept` error; see [`Server`] for the list.
fn classify(err: &io::Error) -> AcceptError {
    use io::ErrorKind::*;
    match err.kind() {
        Interrupted | ConnectionAborted | ConnectionReset | NetworkDown | NetworkUnreachable
        | HostUnreachable | TimedOut => return AcceptError::Transient,
        // EAGAIN from a listener someone made non-blocking behind our back:
        // pausing beats spinning.
        WouldBlock | OutOfMemory => return AcceptError::BackOff,
        InvalidInput => return AcceptError::Fatal,
        _ => {}
    }
    let Some(code) = err.raw_os_error() else {
        return AcceptError::BackOff;
    };
    if os::TRANSIENT.contains(&code) {
        AcceptError::Transient
    } else if os::FATAL.contains(&code) {
        AcceptError::Fatal
    } else {
        // EMFILE, ENFILE, ENOBUFS, ENOMEM, and anything unknown.
        AcceptError::BackOff
    }
}

/// Raw `errno` values `accept` can fail with, where std has no
/// [`io::ErrorKind`] of their own. The codes that mean "out of a resource" —
/// `EMFILE` 24, `ENFILE` 23, `ENOMEM` 12 and `ENOBUFS` (105 on Linux, 55 on
/// the BSDs and macOS; `WSAEMFILE` 10024 and `WSAENOBUFS` 10055 on Windows) —
/// need no list: every code not listed here backs off.
mod os {
    /// Linux: network errors pending on the new socket, which accept(2)
    /// says to treat like `EAGAIN`: `EPROTO`, `ENONET`, `ENOPROTOOPT`,
    /// `EOPNOTSUPP`, `EHOSTDOWN`, and the other errors it lists for the new
    /// socket, `ENOSR`, `ESOCKTNOSUPPORT`, `EPROTONOSUPPORT`; and `EPERM`,
    /// a firewall rule refusing that one connection.
    #[cfg(any(target_os = "linux", target_os = "android"))]
    pub(super) const TRANSIENT: &[i32] = &[71, 64, 92, 95, 112, 63, 94, 93, 1];
    /// `EBADF`, `ENOTSOCK`.
    #[cfg(any(target_os = "linux", target_os = "android"))]
    pub(super) const FATAL: &[i32] = &[9, 88];

    /// BSDs and macOS: `EPROTO` (`ECONNABORTED` has a kind).
    #[cfg(all(unix, not(any(target_os = "linux", target_os = "android"))))]
    pub(super) const TRANSIENT: &[i32] = &[92];
    /// `EBADF`, `ENOTSOCK`.
    #[cfg(all(unix, not(any(target_os = "linux", target_os = "android"))))]
    pub(super) const FATAL: &[i32] = &[9, 38];

    /// Windows: none beyond the kinds.
    #[cfg(windows)]
    pub(super) const TRANSIENT: &[i32] = &[];
    /// `WSAEBADF`, `WSAENOTSOCK`.
    #[cfg(windows)]
    pub(super) const FATAL: &[i32] = &[10009, 10038];

    /// Elsewhere: unknown codes back off.
    #[cfg(not(any(unix, windows)))]
    pub(super) const TRANSIENT: &[i32] = &[];
    /// Elsewhere: unknown codes back off.
    #[cfg(not(any(unix, windows)))]
    pub(super) const FATAL: &[i32] = &[];
}

/// Accepts until the server is stopped or the listener fails for good.
fn accept_loop<H>(
    listener: &TcpListener,
    shared: &Shared,
    dispatcher: &mut Dispatcher<H>,
) -> Result<()>
where
    H: Fn(TcpStream, SocketAddr) + Send + Sync + 'static,
{
    let addr = shared.local_addr;
    let mut backoff = BACKOFF_MIN;
    loop {
        if shared.stopped() {
            return Ok(());
        }
        let err = match listener.accept() {
            Ok((stream, peer)) => {
                // The connection that woke us for a shutdown ends here too.
                if shared.stopped() {
                    return Ok(());
                }
                shared.accepted.fetch_add(1, Ordering::Relaxed);
                match dispatcher.dispatch(stream, peer) {
                    Ok(()) => {
                        backoff = BACKOFF_MIN;
                        continue;
                    }
                    Err(err) => {
                        log(format_args!(
                            "rionet server on {addr}: closed the connection from {peer} unserved: {err}; pausing {backoff:?}"
                        ));
                        pause(shared, &mut backoff);
                        continue;
                    }
                }
            }
            Err(err) => err,
        };
        match classify(&err) {
            AcceptError::Transient => {}
            AcceptError::BackOff => {
                log(format_args!(
                    "rionet server on {addr}: accept failed: {err}; pausing {backoff:?}"
                ));
                pause(shared, &mut backoff);
            }
            AcceptError::Fatal => return Err(Error::Accept { addr, source: err }),
        }
    }
}

/// Logs one line on stderr. A failed write is ignored: `eprintln!` would
/// panic (stderr a pipe whose reader has gone), and that panic would kill
/// the accept loop, or a pool worker after it caught a handler's panic.
fn log(line: fmt::Arguments<'_>) {
    let _ = writeln!(io::stderr(), "{line}");
}

/// Sleeps for `backoff` (cut short by a shutdown), then doubles it up to
/// [`BACKOFF_MAX`].
fn pause(shared: &Shared, backoff: &mut Duration) {
    let deadline = Instant::now() + *backoff;
    *backoff = (*backoff * 2).min(BACKOFF_MAX);
    while !shared.stopped() {
        let now = Instant::now();
        if now >= deadline {
            return;
        }
        thread::park_timeout(deadline - now);
    }
}

/// Connects to the listener so that an `accept` blocked on it returns.
fn wake(local_addr: SocketAddr) {
    let port = local_addr.port();
    let targets: &[SocketAddr] = match local_addr.ip() {
        ip if !ip.is_unspecified() => &[local_addr],
        std::net::IpAddr::V4(_) => &[SocketAddr::new(Ipv4Addr::LOCALHOST.into(), port)],
        // A dual-stack `[::]` also answers on 127.0.0.1, should ::1 be missing.
        std::net::IpAddr::V6(_) => &[
            SocketAddr::new(Ipv6Addr::LOCALHOST.into(), port),
            SocketAddr::new(Ipv4Addr::LOCALHOST.into(), port),
        ],
    };
    for target in targets {
        if TcpStream::connect_timeout(target, WAKE_CONNECT_TIMEOUT).is_ok() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_errors_are_sorted() {
        let kind = |kind| classify(&io::Error::from(kind));
        assert_eq!(
            kind(io::ErrorKind::ConnectionAborted),
            AcceptError::Transient
        );
        assert_eq!(kind(io::ErrorKind::Interrupted), AcceptError::Transient);
        assert_eq!(kind(io::ErrorKind::InvalidInput), AcceptError::Fatal);
        assert_eq!(kind(io::ErrorKind::OutOfMemory), AcceptError::BackOff);
        assert_eq!(kind(io::ErrorKind::Other), AcceptError::BackOff);
        #[cfg(unix)]
        {
            let raw = |code| classify(&io::Error::from_raw_os_error(code));
            assert_eq!(raw(24), AcceptError::BackOff, "EMFILE");
            assert_eq!(raw(23), AcceptError::BackOff, "ENFILE");
            assert_eq!(raw(12), AcceptError::BackOff, "ENOMEM");
            assert_eq!(raw(9), AcceptError::Fatal, "EBADF");
            assert_eq!(raw(22), AcceptError::Fatal, "EINVAL");
        }
        #[cfg(any(target_os = "linux", target_os = "android"))]
        {
            let raw = |code| classify(&io::Error::from_raw_os_error(code));
            assert_eq!(raw(105), AcceptError::BackOff, "ENOBUFS");
            assert_eq!(raw(71), AcceptError::Transient, "EPROTO");
            assert_eq!(raw(103), AcceptError::Transient, "ECONNABORTED");
            assert_eq!(raw(88), AcceptError::Fatal, "ENOTSOCK");
            // A firewall rule refusing one connection must not pause the
            // loop for everyone else.
            assert_eq!(raw(1), AcceptError::Transient, "EPERM");
            assert_eq!(raw(63), AcceptError::Transient, "ENOSR");
        }
    }

    #[test]
    fn pause_grows_and_is_bounded() {
        let shared = Shared::new("127.0.0.1:1".parse().unwrap());
        shared.stop_accepting(); // makes pause return at once
        let mut backoff = BACKOFF_MIN;
        for _ in 0..20 {
            pause(&shared, &mut backoff);
        }
        assert_eq!(backoff, BACKOFF_MAX);
    }
}
