//! `open_listenfd` and the [`ListenOptions`] behind it: a listening socket
//! that is dual-stack where the host has IPv6.

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener};
use std::time::Instant;

use socket2::{Domain, Protocol, Socket, Type};

use super::error::{Attempt, ListenError};

/// Opens a listening TCP socket on `port` on every local address: CS:APP's
/// `open_listenfd`.
///
/// Listens on `[::]` with `IPV6_V6ONLY` off, so one socket accepts both IPv6
/// and IPv4 clients (these appear as IPv4-mapped addresses such as
/// `[::ffff:127.0.0.1]`); on a host without IPv6 it falls back to `0.0.0.0`.
/// `SO_REUSEADDR` is on, so a restarted server rebinds at once although old
/// connections linger in `TIME_WAIT`; the backlog is 1024, CS:APP's `LISTENQ`.
/// Port 0 picks a free ephemeral port: read it back with
/// [`TcpListener::local_addr`].
///
/// CS:APP's version walks `getaddrinfo(NULL, port, AI_PASSIVE)` and keeps the
/// first address that binds, which on glibc is `0.0.0.0`: IPv4 only.
///
/// # Examples
///
/// ```no_run
/// # fn main() -> rionet::Result<()> {
/// let listener = rionet::open_listenfd(0)?;
/// println!("listening on {}", listener.local_addr()?);
/// for stream in listener.incoming() {
///     let stream = stream?;
///     // serve it
/// }
/// # Ok(())
/// # }
/// ```
///
/// # Errors
///
/// A [`ListenError`] listing every address tried, when none could be bound.
pub fn open_listenfd(port: u16) -> Result<TcpListener, ListenError> {
    ListenOptions::new().listen(port)
}

/// Builder for listening TCP sockets (`socket(2)`, `setsockopt(2)`,
/// `bind(2)`, `listen(2)`).
///
/// Defaults, as [`ListenOptions::new`] sets them:
///
/// | setting | default |
/// |---|---|
/// | [`bind_addr`](ListenOptions::bind_addr) | none: `[::]` dual-stack, else `0.0.0.0` |
/// | [`backlog`](ListenOptions::backlog) | 1024 (CS:APP's `LISTENQ`) |
/// | [`reuse_address`](ListenOptions::reuse_address) (`SO_REUSEADDR`, Unix) | on |
/// | [`reuse_port`](ListenOptions::reuse_port) (`SO_REUSEPORT`) | off |
///
/// # Examples
///
/// ```no_run
/// # fn main() -> rionet::Result<()> {
/// use std::net::Ipv6Addr;
///
/// let listener = rionet::ListenOptions::new()
///     .bind_addr(Ipv6Addr::LOCALHOST.into())
///     .backlog(16)
///     .listen(8080)?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct ListenOptions {
    bind_addr: Option<IpAddr>,
    backlog: i32,
    reuse_address: bool,
    reuse_port: bool,
}

impl Default for ListenOptions {
    fn default() -> Self {
        Self::new()
    }
}

impl ListenOptions {
    /// Options with the defaults listed in the type's documentation.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # fn main() -> rionet::Result<()> {
    /// let listener = rionet::ListenOptions::new().listen(15213)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn new() -> Self {
        ListenOptions {
            bind_addr: None,
            backlog: 1024,
            reuse_address: true,
            reuse_port: false,
        }
    }

    /// Binds this one address instead of the wildcard. `::` (unspecified
    /// IPv6) is still bound dual-stack.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # fn main() -> rionet::Result<()> {
    /// use std::net::Ipv4Addr;
    ///
    /// // Loopback only: reachable from this host alone.
    /// let listener = rionet::ListenOptions::new()
    ///     .bind_addr(Ipv4Addr::LOCALHOST.into())
    ///     .listen(0)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn bind_addr(&mut self, addr: IpAddr) -> &mut Self {
        self.bind_addr = Some(addr);
        self
    }

    /// The `listen(2)` backlog: how many connections the kernel queues before
    /// the server accepts them. The OS may cap it (`somaxconn` on Linux).
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # fn main() -> rionet::Result<()> {
    /// let listener = rionet::ListenOptions::new().backlog(4096).listen(15213)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn backlog(&mut self, backlog: u32) -> &mut Self {
        self.backlog = i32::try_from(backlog).unwrap_or(i32::MAX);
        self
    }

    /// `SO_REUSEADDR`: rebind a port whose old connections are still in
    /// `TIME_WAIT`. Applied on Unix only (on Windows the option lets another
    /// socket steal a port in use, which is not what this means).
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # fn main() -> rionet::Result<()> {
    /// let listener = rionet::ListenOptions::new().reuse_address(false).listen(15213)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn reuse_address(&mut self, on: bool) -> &mut Self {
        self.reuse_address = on;
        self
    }

    /// `SO_REUSEPORT`: let several sockets listen on the same port, the
    /// kernel spreading connections among them. Where the OS has no such
    /// option, [`listen`](ListenOptions::listen) fails with
    /// [`io::ErrorKind::Unsupported`].
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # fn main() -> rionet::Result<()> {
    /// // Two listeners on one port; the kernel spreads the connections.
    /// let mut options = rionet::ListenOptions::new();
    /// options.reuse_port(true);
    /// let first = options.listen(15213)?;
    /// let second = options.listen(15213)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn reuse_port(&mut self, on: bool) -> &mut Self {
        self.reuse_port = on;
        self
    }

    /// Creates, configures, binds and listens.
    ///
    /// Without a [`bind_addr`](ListenOptions::bind_addr), binds `[::]`
    /// dual-stack, and falls back to `0.0.0.0` only when the host has no
    /// IPv6 (a port already in use is reported, not papered over with an
    /// IPv4-only listener). A socket that fails any step is closed.
    ///
    /// # Errors
    ///
    /// A [`ListenError`] listing each address tried and why it failed.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # fn main() -> rionet::Result<()> {
    /// let listener = rionet::ListenOptions::new().listen(0)?;
    /// println!("listening on port {}", listener.local_addr()?.port());
    /// # Ok(())
    /// # }
    /// ```
    pub fn listen(&self, port: u16) -> Result<TcpListener, ListenError> {
        bind_wildcard(self.bind_addr, port, |addr| self.bind(addr))
            .map_err(|attempts| ListenError::tcp(port, attempts))
    }

    fn bind(&self, addr: SocketAddr) -> io::Result<TcpListener> {
        let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
        if addr.is_ipv6() && addr.ip().is_unspecified() {
            socket.set_only_v6(false)?;
        }
        if cfg!(unix) && self.reuse_address {
            socket.set_reuse_address(true)?;
        }
        if self.reuse_port {
            set_reuse_port(&socket)?;
        }
        socket.bind(&addr.into())?;
        socket.listen(self.backlog)?;
        Ok(socket.into())
    }
}

/// Binds `ip` (or, for `None`, `[::]` and then, only where the host has no
/// IPv6, `0.0.0.0`) on `port` with `bind`; when none binds, every attempt.
pub(crate) fn bind_wildcard<T>(
    ip: Option<IpAddr>,
    port: u16,
    bind: impl Fn(SocketAddr) -> io::Result<T>,
) -> Result<T, Vec<Attempt>> {
    let candidates = match ip {
        Some(ip) => vec![ip],
        None => vec![Ipv6Addr::UNSPECIFIED.into(), Ipv4Addr::UNSPECIFIED.into()],
    };
    let mut attempts = Vec::new();
    for ip in candidates {
        let addr = SocketAddr::new(ip, port);
        let began = Instant::now();
        match bind(addr) {
            Ok(bound) => return Ok(bound),
            Err(error) => {
                let ipv6_missing = ip.is_ipv6() && means_no_ipv6(&error);
                attempts.push(Attempt {
                    addr,
                    error,
                    elapsed: began.elapsed(),
                });
                if !ipv6_missing {
                    break;
                }
            }
        }
    }
    Err(attempts)
}

/// Whether an error from an IPv6 socket means the host has no IPv6 at all.
fn means_no_ipv6(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::AddrNotAvailable | io::ErrorKind::Unsupported
    ) || super::errno::is(error, super::errno::EAFNOSUPPORT)
}

#[cfg(all(
    unix,
    not(any(target_os = "solaris", target_os = "illumos", target_os = "cygwin"))
))]
fn set_reuse_port(socket: &Socket) -> io::Result<()> {
    socket.set_reuse_port(true)
}

#[cfg(not(all(
    unix,
    not(any(target_os = "solaris", target_os = "illumos", target_os = "cygwin"))
)))]
fn set_reuse_port(_socket: &Socket) -> io::Result<()> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "SO_REUSEPORT is not available on this platform",
    ))
}
