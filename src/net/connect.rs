//! `open_clientfd` and the [`Connector`] behind it: resolve, then race every
//! candidate address the RFC 8305 ("Happy Eyeballs v2") way.

use std::fmt;
use std::io;
use std::net::{Ipv6Addr, SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use socket2::{Domain, Protocol, Socket, Type};

use super::error::{Attempt, ConnectError};
use super::keepalive::Keepalive;

/// What connecting returns.
type Result<T, E = ConnectError> = std::result::Result<T, E>;

/// Opens a TCP connection to `host` on `port`: CS:APP's `open_clientfd`.
///
/// `host` may be a DNS name (`localhost`), an IPv4 literal (`127.0.0.1`) or an
/// IPv6 literal with or without brackets (`::1`, `[::1]`). Every address it
/// resolves to is tried, raced as [`Connector`] describes with its defaults:
/// attempts staggered by 250 ms, families interleaved, `TCP_NODELAY` on.
///
/// CS:APP's version tries the addresses one after another, so one black-holed
/// address costs the OS connect timeout (minutes); here it costs 250 ms.
///
/// # Examples
///
/// ```no_run
/// # fn main() -> rionet::Result<()> {
/// use std::io::Write;
///
/// let mut stream = rionet::open_clientfd("localhost", 15213)?;
/// stream.write_all(b"hello\n")?;
/// # Ok(())
/// # }
/// ```
///
/// # Errors
///
/// A [`ConnectError`]: [`InvalidHost`](ConnectError::InvalidHost) for a
/// host with `:` that is not an IPv6 literal (`"localhost:80"`: give the
/// port separately), [`Resolve`](ConnectError::Resolve) (with host, port and
/// the resolver's message), [`NoAddresses`](ConnectError::NoAddresses), or
/// [`AllFailed`](ConnectError::AllFailed) listing every attempt.
pub fn open_clientfd(host: &str, port: u16) -> Result<TcpStream> {
    Connector::new().connect(host, port)
}

/// Builder for outgoing TCP connections that tries every resolved address.
///
/// Attempts are raced as RFC 8305 section 5 describes: the addresses are
/// ordered with the families interleaved (the resolver's first address, then
/// one of the other family, and so on), a new attempt starts every
/// [`attempt_delay`](Connector::attempt_delay) while earlier ones are still
/// pending, and at once when one fails. The first attempt to succeed wins;
/// the others are cancelled (their sockets are shut down and closed).
///
/// Each attempt is a blocking `connect(2)` on its own short-lived thread, so
/// the winner is a plain blocking [`TcpStream`] and no runtime is needed.
///
/// Defaults, as [`Connector::new`] sets them:
///
/// | setting | default |
/// |---|---|
/// | [`attempt_delay`](Connector::attempt_delay) | 250 ms (RFC 8305's recommendation) |
/// | [`timeout`](Connector::timeout) (overall, resolution included) | none |
/// | [`attempt_timeout`](Connector::attempt_timeout) | none (the OS's) |
/// | [`nodelay`](Connector::nodelay) (`TCP_NODELAY`) | on |
/// | [`keepalive`](Connector::keepalive) (`SO_KEEPALIVE`) | off |
///
/// # Examples
///
/// ```no_run
/// # fn main() -> rionet::Result<()> {
/// use std::time::Duration;
///
/// let stream = rionet::Connector::new()
///     .timeout(Some(Duration::from_secs(5)))
///     .attempt_delay(Duration::from_millis(100))
///     .connect("localhost", 15213)?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct Connector {
    attempt_delay: Duration,
    timeout: Option<Duration>,
    attempt_timeout: Option<Duration>,
    nodelay: bool,
    keepalive: Option<Keepalive>,
}

impl Default for Connector {
    fn default() -> Self {
        Self::new()
    }
}

impl Connector {
    /// Shortest connection-attempt delay accepted (RFC 8305 section 5).
    pub const MIN_ATTEMPT_DELAY: Duration = Duration::from_millis(10);
    /// Longest connection-attempt delay accepted (RFC 8305 section 5).
    pub const MAX_ATTEMPT_DELAY: Duration = Duration::from_secs(2);

    /// A connector with the defaults listed in the type's documentation.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # fn main() -> rionet::Result<()> {
    /// let stream = rionet::Connector::new().connect("localhost", 15213)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn new() -> Self {
        Connector {
            attempt_delay: Duration::from_millis(250),
            timeout: None,
            attempt_timeout: None,
            nodelay: true,
            keepalive: None,
        }
    }

    /// How long to wait for a pending attempt before starting the next one in
    /// parallel. Clamped to [`MIN_ATTEMPT_DELAY`](Self::MIN_ATTEMPT_DELAY)
    /// ..= [`MAX_ATTEMPT_DELAY`](Self::MAX_ATTEMPT_DELAY).
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # fn main() -> rionet::Result<()> {
    /// use std::time::Duration;
    ///
    /// let stream = rionet::Connector::new()
    ///     .attempt_delay(Duration::from_millis(100))
    ///     .connect("localhost", 15213)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn attempt_delay(&mut self, delay: Duration) -> &mut Self {
        self.attempt_delay = delay.clamp(Self::MIN_ATTEMPT_DELAY, Self::MAX_ATTEMPT_DELAY);
        self
    }

    /// An overall deadline for the whole connect, name resolution included;
    /// `None` for no deadline. When it passes, pending attempts are
    /// cancelled and the [`ConnectError::AllFailed`] lists every address, those still
    /// pending or never tried as timed out ([`io::ErrorKind::TimedOut`]).
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # fn main() -> rionet::Result<()> {
    /// use std::time::Duration;
    ///
    /// // Give up after 5 s, however many addresses the name has.
    /// let stream = rionet::Connector::new()
    ///     .timeout(Some(Duration::from_secs(5)))
    ///     .connect("localhost", 15213)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn timeout(&mut self, timeout: Option<Duration>) -> &mut Self {
        self.timeout = timeout;
        self
    }

    /// A cap on each single attempt; `None` leaves it to the OS (often
    /// minutes against an address that drops packets).
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # fn main() -> rionet::Result<()> {
    /// use std::time::Duration;
    ///
    /// let stream = rionet::Connector::new()
    ///     .attempt_timeout(Some(Duration::from_secs(2)))
    ///     .connect("localhost", 15213)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn attempt_timeout(&mut self, timeout: Option<Duration>) -> &mut Self {
        self.attempt_timeout = timeout;
        self
    }

    /// Whether the connected socket gets `TCP_NODELAY` (Nagle off).
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # fn main() -> rionet::Result<()> {
    /// let stream = rionet::Connector::new().nodelay(false).connect("localhost", 15213)?;
    /// assert!(!stream.nodelay()?);
    /// # Ok(())
    /// # }
    /// ```
    pub fn nodelay(&mut self, nodelay: bool) -> &mut Self {
        self.nodelay = nodelay;
        self
    }

    /// `SO_KEEPALIVE` with these parameters (`TCP_KEEPIDLE`,
    /// `TCP_KEEPINTVL`, `TCP_KEEPCNT`, see [`Keepalive`] for what each
    /// platform supports) on the connected socket; `None` leaves keepalive
    /// off.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # fn main() -> rionet::Result<()> {
    /// use std::time::Duration;
    ///
    /// use rionet::Keepalive;
    ///
    /// let stream = rionet::Connector::new()
    ///     .keepalive(Some(Keepalive::new().idle(Duration::from_secs(60))))
    ///     .connect("localhost", 15213)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn keepalive(&mut self, keepalive: Option<Keepalive>) -> &mut Self {
        self.keepalive = keepalive;
        self
    }

    /// Resolves `host` and connects to `port` on the first address that
    /// answers. `host` is as for [`open_clientfd`].
    ///
    /// # Errors
    ///
    /// As for [`open_clientfd`]: [`ConnectError::InvalidHost`],
    /// [`ConnectError::Resolve`], [`ConnectError::NoAddresses`], or
    /// [`ConnectError::AllFailed`] listing every attempt; also
    /// [`ConnectError::Configure`] if a socket option on the connected socket
    /// cannot be set (the socket is closed then).
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # fn main() -> rionet::Result<()> {
    /// // A name, an IPv4 literal, or an IPv6 literal with or without brackets.
    /// for host in ["localhost", "127.0.0.1", "::1", "[::1]"] {
    ///     let stream = rionet::Connector::new().connect(host, 15213)?;
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn connect(&self, host: &str, port: u16) -> Result<TcpStream> {
        let start = Instant::now();
        let bare = bare_host(host)?;
        let target = if bare.contains(':') {
            format!("[{bare}]:{port}")
        } else {
            format!("{bare}:{port}")
        };
        let addrs = self.resolve((bare.to_owned(), port), &target, start)?;
        self.race(&target, addrs, start)
    }

    /// Connects to the first address of `addr` that answers, for any owned
    /// [`ToSocketAddrs`]: `"host:port"`, `(String, u16)`, a [`SocketAddr`].
    ///
    /// `addr` must be `'static` because, with a deadline, resolution runs on
    /// a helper thread that may outlive the call; for borrowed, already
    /// resolved addresses use [`connect_addrs`](Connector::connect_addrs).
    ///
    /// # Errors
    ///
    /// As for [`connect`](Connector::connect); errors name the target by its
    /// `Debug` form.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # fn main() -> rionet::Result<()> {
    /// let stream = rionet::Connector::new().connect_to("localhost:15213")?;
    /// let stream = rionet::Connector::new().connect_to((String::from("::1"), 15213))?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn connect_to<A>(&self, addr: A) -> Result<TcpStream>
    where
        A: ToSocketAddrs + fmt::Debug + Send + 'static,
    {
        let start = Instant::now();
        let target = format!("{addr:?}").trim_matches('"').to_owned();
        let addrs = self.resolve(addr, &target, start)?;
        self.race(&target, addrs, start)
    }

    /// Races connections to already resolved addresses (no resolution).
    ///
    /// # Errors
    ///
    /// [`ConnectError::NoAddressGiven`] for an empty slice,
    /// [`ConnectError::AllFailed`] listing every attempt, or
    /// [`ConnectError::Configure`].
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # fn main() -> rionet::Result<()> {
    /// use std::net::SocketAddr;
    ///
    /// let addrs = [
    ///     SocketAddr::from(([0, 0, 0, 0, 0, 0, 0, 1], 15213)),
    ///     SocketAddr::from(([127, 0, 0, 1], 15213)),
    /// ];
    /// let stream = rionet::Connector::new().connect_addrs(&addrs)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn connect_addrs(&self, addrs: &[SocketAddr]) -> Result<TcpStream> {
        let target = match addrs {
            [] => return Err(ConnectError::NoAddressGiven),
            [one] => one.to_string(),
            _ => format!("{addrs:?}"),
        };
        self.race(&target, addrs.to_vec(), Instant::now())
    }

    fn deadline(&self, start: Instant) -> Option<Instant> {
        self.timeout.map(|t| start + t)
    }

    /// Resolves `addr`; with a deadline, on a helper thread so that a slow
    /// resolver cannot overrun it.
    fn resolve<A>(&self, addr: A, target: &str, start: Instant) -> Result<Vec<SocketAddr>>
    where
        A: ToSocketAddrs + Send + 'static,
    {
        let resolved = match self.deadline(start) {
            None => addr.to_socket_addrs().map(Iterator::collect),
            Some(deadline) => {
                let (tx, rx) = mpsc::channel();
                thread::spawn(move || {
                    let _ = tx.send(addr.to_socket_addrs().map(Iterator::collect::<Vec<_>>));
                });
                let wait = deadline.saturating_duration_since(Instant::now());
                rx.recv_timeout(wait).unwrap_or_else(|_| {
                    Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        format!(
                            "no answer within the {:?} deadline",
                            self.timeout.unwrap_or_default()
                        ),
                    ))
                })
            }
        };
        let addrs: Vec<SocketAddr> = resolved.map_err(|source| ConnectError::Resolve {
            target: target.to_owned(),
            source,
        })?;
        if addrs.is_empty() {
            return Err(ConnectError::NoAddresses {
                target: target.to_owned(),
            });
        }
        Ok(addrs)
    }

    /// Races connection attempts to `addrs` (RFC 8305 section 5).
    fn race(&self, target: &str, addrs: Vec<SocketAddr>, start: Instant) -> Result<TcpStream> {
        let deadline = self.deadline(start);
        let order = interleave_families(addrs);
        let (tx, rx) = mpsc::channel::<(usize, io::Result<Socket>)>();
        // Per address: when its attempt started, and a handle to cancel it
        // while it is pending.
        let mut started: Vec<(Instant, Option<Socket>)> = Vec::with_capacity(order.len());
        let mut failures: Vec<Option<Attempt>> = Vec::with_capacity(order.len());
        let mut pending = 0;
        let mut next_start = Instant::now();

        loop {
            let now = Instant::now();
            if deadline.is_some_and(|d| now >= d) {
                return Err(self.give_up(target, &order, started, failures));
            }
            if started.len() < order.len() && (pending == 0 || now >= next_start) {
                let index = started.len();
                let addr = order[index];
                match self.start_attempt(index, addr, deadline, tx.clone()) {
                    Ok(cancel) => {
                        started.push((now, Some(cancel)));
                        failures.push(None);
                        pending += 1;
                    }
                    Err(error) => {
                        started.push((now, None));
                        failures.push(Some(Attempt {
                            addr,
                            error,
                            elapsed: now.elapsed(),
                        }));
                    }
                }
                next_start = now + self.attempt_delay;
                continue;
            }
            if pending == 0 {
                let attempts = failures.into_iter().flatten().collect();
                return Err(ConnectError::AllFailed {
                    target: target.to_owned(),
                    attempts,
                });
            }

            let wake = match (started.len() < order.len(), deadline) {
                (true, Some(d)) => Some(next_start.min(d)),
                (true, None) => Some(next_start),
                (false, d) => d,
            };
            let received = match wake {
                Some(at) => rx.recv_timeout(at.saturating_duration_since(Instant::now())),
                None => rx.recv().map_err(|_| mpsc::RecvTimeoutError::Disconnected),
            };
            let Ok((index, result)) = received else {
                continue; // time to start the next attempt, or the deadline
            };
            pending -= 1;
            let (began, cancel) = &mut started[index];
            cancel.take();
            match result {
                Ok(socket) => {
                    cancel_pending(&mut started);
                    return self.finish(socket, order[index]);
                }
                Err(error) => {
                    failures[index] = Some(Attempt {
                        addr: order[index],
                        error,
                        elapsed: began.elapsed(),
                    });
                    next_start = Instant::now(); // a failure starts the next at once
                }
            }
        }
    }

    /// Creates the socket for one attempt and connects it on its own thread,
    /// which reports to `tx`. Returns a handle that cancels the attempt.
    fn start_attempt(
        &self,
        index: usize,
        addr: SocketAddr,
        deadline: Option<Instant>,
        tx: mpsc::Sender<(usize, io::Result<Socket>)>,
    ) -> io::Result<Socket> {
        let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
        let cancel = socket.try_clone()?;
        let until_deadline = deadline.map(|d| d.saturating_duration_since(Instant::now()));
        let limit = [self.attempt_timeout, until_deadline]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(Duration::MAX);
        thread::Builder::new()
            .name(format!("rionet-connect-{addr}"))
            .spawn(move || {
                let result = socket.connect_timeout(&addr.into(), limit).map(|()| socket);
                // After the race is decided nobody listens: the socket is
                // dropped, and so closed, right here.
                let _ = tx.send((index, result));
            })?;
        Ok(cancel)
    }

    /// Applies the socket options to the winner, connected to `addr`.
    fn finish(&self, socket: Socket, addr: SocketAddr) -> Result<TcpStream> {
        let configure = || -> io::Result<()> {
            socket.set_tcp_nodelay(self.nodelay)?;
            if let Some(keepalive) = &self.keepalive {
                keepalive.apply(&socket)?;
            }
            Ok(())
        };
        configure().map_err(|source| ConnectError::Configure { addr, source })?;
        Ok(socket.into())
    }

    /// Builds the error for an overall deadline that passed: attempts still
    /// pending are cancelled and listed as timed out, and so are the
    /// addresses the deadline left no time to try.
    fn give_up(
        &self,
        target: &str,
        order: &[SocketAddr],
        mut started: Vec<(Instant, Option<Socket>)>,
        failures: Vec<Option<Attempt>>,
    ) -> ConnectError {
        let timeout = self.timeout.unwrap_or_default();
        let timed_out = |what: &str| {
            io::Error::new(
                io::ErrorKind::TimedOut,
                format!("{what} the {timeout:?} deadline"),
            )
        };
        let mut attempts: Vec<Attempt> = failures
            .into_iter()
            .zip(&started)
            .zip(order)
            .map(|((failure, (began, _)), &addr)| {
                failure.unwrap_or_else(|| Attempt {
                    addr,
                    error: timed_out("still pending at"),
                    elapsed: began.elapsed(),
                })
            })
            .collect();
        attempts.extend(order[started.len()..].iter().map(|&addr| Attempt {
            addr,
            error: timed_out("not tried before"),
            elapsed: Duration::ZERO,
        }));
        cancel_pending(&mut started);
        ConnectError::AllFailed {
            target: target.to_owned(),
            attempts,
        }
    }
}

/// Cancels every attempt still pending: `shutdown(2)` wakes a thread blocked
/// in connect, which then closes its socket.
fn cancel_pending(started: &mut [(Instant, Option<Socket>)]) {
    for (_, cancel) in started {
        if let Some(socket) = cancel.take() {
            let _ = socket.shutdown(std::net::Shutdown::Both);
        }
    }
}

/// The host without the brackets of a bracketed IPv6 literal; refuses a host
/// with `:` (or brackets) that is not an IPv6 literal, such as `localhost:80`,
/// which would otherwise reach the resolver as `[localhost:80]:80`. A zone
/// (`fe80::1%eth0`) is left to the resolver.
fn bare_host(host: &str) -> Result<&str> {
    let bracketed = host.strip_prefix('[').and_then(|h| h.strip_suffix(']'));
    let bare = bracketed.unwrap_or(host);
    let is_ipv6 = || {
        let addr = bare.split_once('%').map_or(bare, |(addr, _zone)| addr);
        addr.parse::<Ipv6Addr>().is_ok()
    };
    if (bracketed.is_some() || bare.contains(':')) && !is_ipv6() {
        return Err(ConnectError::InvalidHost {
            host: host.to_owned(),
        });
    }
    Ok(bare)
}

/// Orders addresses as RFC 8305 section 4 asks, with a first-family count of
/// one: the resolver's first address, then alternately one of the other
/// family and one of the first, each family keeping its resolver order.
fn interleave_families(addrs: Vec<SocketAddr>) -> Vec<SocketAddr> {
    let Some(first) = addrs.first() else {
        return addrs;
    };
    let first_is_v6 = first.is_ipv6();
    let (mut same, mut other): (Vec<_>, Vec<_>) =
        addrs.into_iter().partition(|a| a.is_ipv6() == first_is_v6);
    let mut order = Vec::with_capacity(same.len() + other.len());
    let (mut same, mut other) = (same.drain(..), other.drain(..));
    loop {
        match (same.next(), other.next()) {
            (None, None) => return order,
            (a, b) => order.extend(a.into_iter().chain(b)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    #[test]
    fn families_interleave_starting_with_the_first() {
        let addrs = vec![
            addr("[::1]:1"),
            addr("[::2]:1"),
            addr("[::3]:1"),
            addr("127.0.0.1:1"),
            addr("127.0.0.2:1"),
        ];
        let order = interleave_families(addrs);
        assert_eq!(
            order,
            vec![
                addr("[::1]:1"),
                addr("127.0.0.1:1"),
                addr("[::2]:1"),
                addr("127.0.0.2:1"),
                addr("[::3]:1"),
            ]
        );
    }

    #[test]
    fn one_family_keeps_resolver_order() {
        let addrs = vec![
            addr("127.0.0.3:1"),
            addr("127.0.0.1:1"),
            addr("127.0.0.2:1"),
        ];
        assert_eq!(interleave_families(addrs.clone()), addrs);
    }

    #[test]
    fn a_host_with_a_colon_must_be_an_ipv6_literal() {
        assert_eq!(bare_host("::1").unwrap(), "::1");
        assert_eq!(bare_host("[::1]").unwrap(), "::1");
        assert_eq!(bare_host("fe80::1%eth0").unwrap(), "fe80::1%eth0");
        assert_eq!(bare_host("localhost").unwrap(), "localhost");
        for bad in [
            "localhost:80",
            "127.0.0.1:80",
            "[localhost]",
            "[::1]:80",
            "::g",
        ] {
            let err = bare_host(bad).unwrap_err();
            assert!(
                matches!(&err, ConnectError::InvalidHost { host } if host == bad),
                "{bad}: {err:?}"
            );
            assert!(err.to_string().starts_with("invalid host "), "{err}");
        }
    }

    #[test]
    fn attempt_delay_is_clamped() {
        let mut c = Connector::new();
        c.attempt_delay(Duration::ZERO);
        assert_eq!(c.attempt_delay, Connector::MIN_ATTEMPT_DELAY);
        c.attempt_delay(Duration::from_secs(60));
        assert_eq!(c.attempt_delay, Connector::MAX_ATTEMPT_DELAY);
    }
}
