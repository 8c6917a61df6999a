//! [`Server`]: the builder, its settings and its two finishers.

use std::net::{SocketAddr, TcpListener};
use std::sync::{Arc, OnceLock};
use std::thread;
use std::time::Duration;

use bytes::Bytes;

use super::accept::accept_loop;
use super::error::ServeError;
use super::handle::ServerHandle;
use super::live::Shared;
use super::pool::{Dispatcher, Mode};
use crate::net::deadline::TimedStream;

/// Accepted connections a worker pool queues by default: CS:APP's `SBUFSIZE`.
const DEFAULT_QUEUE_CAPACITY: usize = 16;
/// Default idle read timeout: a client silent this long is dropped.
const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(60);
/// Default write timeout: a client that reads nothing this long is dropped.
const DEFAULT_WRITE_TIMEOUT: Duration = Duration::from_secs(30);
/// Default connection limit (CS:APP's `LISTENQ`, the listen backlog).
const DEFAULT_MAX_CONNECTIONS: usize = 1024;

/// What the accept loop does with a connection beyond
/// [`Server::max_connections`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Overload {
    /// Stop accepting until a connection ends: new clients wait in the
    /// kernel's listen backlog (and, once it is full, their connects time
    /// out). The default.
    #[default]
    Wait,
    /// Accept and close at once.
    Refuse,
    /// Accept, write these bytes (without blocking: at most what the socket
    /// buffer takes, which a short line always fits), and close.
    RefuseWith(Bytes),
}

/// The settings the accept loop applies to every connection.
#[derive(Debug, Clone)]
pub(super) struct Settings {
    pub(super) read_timeout: Option<Duration>,
    pub(super) write_timeout: Option<Duration>,
    pub(super) max_connections: usize,
    pub(super) overload: Overload,
}

/// Serves a [`TcpListener`]: accepts connections and runs a handler on each,
/// on a thread per connection (CS:APP's `echoservert`) or on a fixed pool of
/// worker threads fed by a bounded queue (`echoservert_pre` with `sbuf`).
///
/// Defaults, set by [`Server::new`], safe for a server facing the internet:
/// - one thread per connection ([`Server::thread_per_connection`]); for a
///   pool ([`Server::pool`]), a queue of 16 ([`Server::queue_capacity`]);
/// - a read timeout of 60 s ([`Server::read_timeout`]) and a write timeout
///   of 30 s ([`Server::write_timeout`]) on every connection;
/// - at most 1024 connections at once ([`Server::max_connections`]), the
///   next ones waiting in the listen backlog ([`Overload::Wait`]).
///
/// The handler is any `Fn(TimedStream, SocketAddr) + Send + Sync + 'static`:
/// it gets the connection, as a [`TimedStream`] whose timeouts expire as
/// [`TimedOut`](std::io::ErrorKind::TimedOut) errors and which takes a read
/// deadline, and the peer's address. The connection is the accepted
/// descriptor itself (no `dup`): it closes when the handler drops it.
///
/// The accept loop never spins and never gives up on a passing error:
///
/// - `ECONNABORTED`, `ECONNRESET`, `EINTR`, `EPROTO`, the network errors
///   Linux passes on from the new socket (`ENETDOWN`, `ENETUNREACH`,
///   `EHOSTDOWN`, `EHOSTUNREACH`, `ENONET`, `ENOPROTOOPT`, `EOPNOTSUPP`,
///   `ETIMEDOUT`, `ENOSR`, `ESOCKTNOSUPPORT`, `EPROTONOSUPPORT`), and
///   Linux's `EPERM` (a firewall rule refused that one connection): the
///   connection is lost and the loop accepts the next one at once;
/// - `EMFILE`, `ENFILE` (out of file descriptors): the loop keeps one spare
///   descriptor; it closes it, accepts the pending client, closes that
///   connection at once (the client sees end of stream, not a hang), and
///   takes the spare back, counting a refusal. Clients are shed this way
///   until descriptors free up. When no client is pending it takes the
///   spare back at once and backs off as below, so a client that comes
///   after descriptors free up is served. Without a spare (or on a target
///   without `/dev/null`), it backs off as below;
/// - `ENOBUFS`, `ENOMEM`, a thread that cannot be spawned, and any error it
///   does not know: it backs off, 5 ms after the first error, doubling up
///   to 1 s, until an accept succeeds again;
/// - `EBADF`, `ENOTSOCK`, `EINVAL` (the socket is not a listening socket):
///   the loop stops with [`ServeError::Accept`].
///
/// Errors are told apart by [`io::ErrorKind`](std::io::ErrorKind) where std
/// has a kind for them, else by their `errno`, named in one table per
/// target (Linux and Android, macOS, each BSD).
///
/// A handler that panics loses only its own connection: the panic is caught
/// ([`std::panic::catch_unwind`]), counted, and the thread serves the next
/// connection. The library prints nothing: with the `log` feature, events
/// (panics, back-off, refusals, timeouts) go to the `log` facade under the
/// target `rionet::server`; the counters on [`ServerHandle`] count them
/// either way.
///
/// # Examples
///
/// A thread-per-connection echo server that runs in the background until it
/// is shut down:
///
/// ```no_run
/// use std::io;
/// use std::net::TcpListener;
/// use std::time::Duration;
///
/// use rionet::Server;
///
/// fn main() -> rionet::Result<()> {
///     let listener = TcpListener::bind("127.0.0.1:0")?;
///     let server = Server::new(listener)
///         .read_timeout(Some(Duration::from_secs(10)))
///         .max_connections(100)
///         .spawn(|stream, _peer| {
///             let _ = io::copy(&mut &stream, &mut &stream);
///         })?;
///     println!("listening on {}", server.local_addr());
///     // ... later:
///     Ok(server.shutdown()?)
/// }
/// ```
///
/// A pool of 4 workers serving on the calling thread (CS:APP's
/// `echoservert_pre`), stopped from another thread:
///
/// ```no_run
/// use std::io;
///
/// use rionet::Server;
///
/// fn main() -> rionet::Result<()> {
///     let listener = rionet::open_listenfd(15213)?;
///     let mut server = Server::new(listener);
///     server.pool(4);
///     let handle = server.handle()?;
///     std::thread::spawn(move || {
///         // ... on a signal, a command, a timer:
///         let _ = handle.shutdown();
///     });
///     server.serve(|stream, _peer| {
///         let _ = io::copy(&mut &stream, &mut &stream);
///     })?;
///     Ok(())
/// }
/// ```
#[derive(Debug)]
pub struct Server {
    listener: TcpListener,
    mode: Mode,
    queue_capacity: usize,
    settings: Settings,
    run: OnceLock<Arc<Shared>>,
}

impl Server {
    /// A server for `listener`, with the defaults listed on [`Server`].
    ///
    /// The listener must be listening already (as [`TcpListener::bind`] and
    /// [`open_listenfd`](crate::open_listenfd) leave it). Nothing runs until
    /// [`spawn`](Server::spawn) or [`serve`](Server::serve).
    pub fn new(listener: TcpListener) -> Server {
        Server {
            listener,
            mode: Mode::ThreadPerConnection,
            queue_capacity: DEFAULT_QUEUE_CAPACITY,
            settings: Settings {
                read_timeout: Some(DEFAULT_READ_TIMEOUT),
                write_timeout: Some(DEFAULT_WRITE_TIMEOUT),
                max_connections: DEFAULT_MAX_CONNECTIONS,
                overload: Overload::Wait,
            },
            run: OnceLock::new(),
        }
    }

    /// Serves every connection on a thread of its own (the default;
    /// CS:APP's `echoservert`).
    pub fn thread_per_connection(&mut self) -> &mut Self {
        self.mode = Mode::ThreadPerConnection;
        self
    }

    /// Serves connections on a fixed pool of `workers` threads fed by a
    /// bounded queue (CS:APP's `echoservert_pre` with `sbuf`). At most
    /// `workers` connections are served at a time; the queue holds the next
    /// [`queue_capacity`](Server::queue_capacity) ones. When it is full,
    /// [`Overload::Wait`] makes the accept loop wait for a free worker, and
    /// the refusing policies refuse.
    ///
    /// # Panics
    ///
    /// If `workers` is 0.
    pub fn pool(&mut self, workers: usize) -> &mut Self {
        assert!(workers > 0, "a worker pool needs at least one worker");
        self.mode = Mode::Pool { workers };
        self
    }

    /// How many accepted connections a worker pool queues before it counts
    /// as full (default 16, CS:APP's `SBUFSIZE`; 0: none, the pool is full
    /// exactly when every worker is serving). A worker that is done with a
    /// connection counts as free before that connection closes. Ignored for
    /// thread-per-connection.
    pub fn queue_capacity(&mut self, connections: usize) -> &mut Self {
        self.queue_capacity = connections;
        self
    }

    /// The idle read timeout (`SO_RCVTIMEO`) set on every accepted
    /// connection (default 60 s; `None`: none, unsafe against a client that
    /// goes silent). A read that waits this long fails with
    /// [`TimedOut`](std::io::ErrorKind::TimedOut), so a handler that stops
    /// on errors closes the connection. Each byte restarts it: bound a whole
    /// request with [`TimedStream::set_read_deadline`].
    ///
    /// # Panics
    ///
    /// If it is `Some(Duration::ZERO)`, which sockets refuse.
    pub fn read_timeout(&mut self, timeout: Option<Duration>) -> &mut Self {
        assert!(timeout != Some(Duration::ZERO), "a zero read timeout");
        self.settings.read_timeout = timeout;
        self
    }

    /// The write timeout (`SO_SNDTIMEO`) set on every accepted connection
    /// (default 30 s; `None`: none): a write to a client that reads nothing
    /// for this long fails with [`TimedOut`](std::io::ErrorKind::TimedOut).
    ///
    /// # Panics
    ///
    /// If it is `Some(Duration::ZERO)`, which sockets refuse.
    pub fn write_timeout(&mut self, timeout: Option<Duration>) -> &mut Self {
        assert!(timeout != Some(Duration::ZERO), "a zero write timeout");
        self.settings.write_timeout = timeout;
        self
    }

    /// At most this many connections at once (default 1024), counted from
    /// accept to close, queued ones included, the same way in both modes.
    /// What happens to the next one is the [`overload`](Server::overload)
    /// policy. With the limit and a frame or line bound, a server's worst
    /// case memory is bounded.
    ///
    /// # Panics
    ///
    /// If `connections` is 0.
    pub fn max_connections(&mut self, connections: usize) -> &mut Self {
        assert!(connections > 0, "a server needs room for one connection");
        self.settings.max_connections = connections;
        self
    }

    /// What to do with a connection beyond
    /// [`max_connections`](Server::max_connections) or a full pool queue
    /// (default [`Overload::Wait`]).
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # fn main() -> std::io::Result<()> {
    /// # let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    /// use rionet::{Overload, Server};
    ///
    /// let mut server = Server::new(listener);
    /// server
    ///     .max_connections(500)
    ///     .overload(Overload::RefuseWith("busy, try later\n".into()));
    /// # Ok(())
    /// # }
    /// ```
    pub fn overload(&mut self, policy: Overload) -> &mut Self {
        self.settings.overload = policy;
        self
    }

    /// The address the listener is bound to.
    ///
    /// # Errors
    ///
    /// The error of `getsockname`, as [`ServeError::Io`].
    pub fn local_addr(&self) -> Result<SocketAddr, ServeError> {
        Ok(self.listener.local_addr()?)
    }

    /// A handle on this server's run, taken before [`serve`](Server::serve)
    /// blocks, for another thread (a signal handler's, a timer's) to stop it
    /// or read its counters. Its [`shutdown`](ServerHandle::shutdown) makes
    /// `serve` return `Ok(())`; dropping it does nothing.
    ///
    /// # Errors
    ///
    /// The error of `getsockname`, as [`ServeError::Io`].
    pub fn handle(&self) -> Result<ServerHandle, ServeError> {
        Ok(ServerHandle::remote(self.run()?))
    }

    /// Starts serving on a background thread (named `rionet-accept`) and
    /// returns the handle that owns the run: dropping it shuts the server
    /// down (see [`ServerHandle`]).
    ///
    /// The accept loop runs on a duplicate of the listener
    /// ([`TcpListener::try_clone`], `dup`), put in blocking mode. The
    /// listening socket stays open while this `Server` or the running
    /// server holds it: drop both to close the port.
    ///
    /// # Errors
    ///
    /// [`ServeError::AlreadyStarted`] if this server was started before;
    /// [`ServeError::Io`] if the listener cannot be duplicated or queried,
    /// or a thread cannot be spawned; nothing is left running then.
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
    ///     Ok(server.shutdown()?)
    /// }
    /// ```
    pub fn spawn<H>(&self, handler: H) -> Result<ServerHandle, ServeError>
    where
        H: Fn(TimedStream, SocketAddr) + Send + Sync + 'static,
    {
        let shared = self.start()?;
        let finished = Finished(Arc::clone(&shared));
        let listener = self.listener.try_clone()?;
        listener.set_nonblocking(false)?;
        let mut dispatcher = Dispatcher::start(self.mode, self.queue_capacity, handler)?;
        let settings = self.settings.clone();
        let loop_shared = Arc::clone(&shared);
        let acceptor = thread::Builder::new()
            .name("rionet-accept".into())
            .spawn(move || {
                let finished = finished;
                let result = accept_loop(&listener, &settings, &loop_shared, &mut dispatcher);
                drop(listener);
                loop_shared.loop_done();
                dispatcher.finish();
                drop(finished);
                result
            })?;
        Ok(ServerHandle::owner(shared, acceptor))
    }

    /// Serves on the calling thread until the accept loop stops: after a
    /// [`ServerHandle::shutdown`] through a [`handle`](Server::handle)
    /// (`Ok(())`), or on a listener error. It returns after the workers or
    /// connection threads have finished.
    ///
    /// # Errors
    ///
    /// [`ServeError::Accept`] when the listener is no longer usable;
    /// [`ServeError::AlreadyStarted`] if this server was started before;
    /// [`ServeError::Io`] if the listener cannot be queried or a worker
    /// thread cannot be spawned at the start.
    pub fn serve<H>(&self, handler: H) -> Result<(), ServeError>
    where
        H: Fn(TimedStream, SocketAddr) + Send + Sync + 'static,
    {
        let shared = self.start()?;
        let _finished = Finished(Arc::clone(&shared));
        self.listener.set_nonblocking(false)?;
        let mut dispatcher = Dispatcher::start(self.mode, self.queue_capacity, handler)?;
        let result = accept_loop(&self.listener, &self.settings, &shared, &mut dispatcher);
        shared.loop_done();
        dispatcher.finish();
        result
    }

    /// This server's run state, made on first use.
    fn run(&self) -> Result<Arc<Shared>, ServeError> {
        if let Some(shared) = self.run.get() {
            return Ok(Arc::clone(shared));
        }
        let addr = self.listener.local_addr()?;
        Ok(Arc::clone(
            self.run.get_or_init(|| Arc::new(Shared::new(addr))),
        ))
    }

    /// The run state, marked started; an error if it was already.
    fn start(&self) -> Result<Arc<Shared>, ServeError> {
        let shared = self.run()?;
        if !shared.start() {
            return Err(ServeError::AlreadyStarted {
                addr: shared.local_addr,
            });
        }
        Ok(shared)
    }
}

/// Marks the run finished when dropped, however the run ends (an early
/// error included), so that no handle waits for it forever.
struct Finished(Arc<Shared>);

impl Drop for Finished {
    fn drop(&mut self) {
        self.0.finish();
    }
}
