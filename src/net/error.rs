//! The errors of connecting and listening: [`ConnectError`], [`ListenError`]
//! and the [`Attempt`] both list.

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

/// Why [`open_clientfd`](crate::open_clientfd) or a
/// [`Connector`](crate::Connector) could not connect.
///
/// Messages are lowercase and name the target as `host:port`.
/// [`kind`](ConnectError::kind) gives the [`io::ErrorKind`] the error
/// converts to (`From<ConnectError> for io::Error`).
///
/// # Examples
///
/// ```
/// use rionet::ConnectError;
///
/// // A port inside the host is refused before any lookup.
/// let err = rionet::open_clientfd("localhost:80", 80).unwrap_err();
/// assert!(matches!(err, ConnectError::InvalidHost { .. }));
/// assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConnectError {
    /// The host contains `:` but is not an IPv6 literal (`localhost:80`:
    /// give the port separately), or has brackets around something other
    /// than an IPv6 literal. Nothing was looked up.
    #[error(
        "invalid host {host:?}: a host containing ':' must be an IPv6 literal (give the port separately)"
    )]
    InvalidHost {
        /// The host as given.
        host: String,
    },

    /// Name resolution (`getaddrinfo` through [`std::net::ToSocketAddrs`])
    /// failed, or did not answer before the connector's deadline.
    ///
    /// [`kind`](ConnectError::kind) is [`io::ErrorKind::TimedOut`] when the
    /// deadline passed, [`io::ErrorKind::InvalidInput`] when the target is
    /// not of a form that can be resolved (std's parse errors, say a
    /// `"host:port"` string without a port), and
    /// [`io::ErrorKind::NotFound`] for every failure of the resolver itself
    /// (unknown name, no DNS server, a temporary DNS failure: std does not
    /// tell these apart); [`source`](std::error::Error::source) keeps the
    /// resolver's own error and message.
    #[error("failed to resolve {target}: {source}")]
    Resolve {
        /// What was being resolved, as `host:port`.
        target: String,
        /// The resolver's own error.
        #[source]
        source: io::Error,
    },

    /// Name resolution succeeded but gave no addresses.
    #[error("{target} resolved to no addresses")]
    NoAddresses {
        /// What was being resolved, as `host:port`.
        target: String,
    },

    /// [`Connector::connect_addrs`](crate::Connector::connect_addrs) was
    /// given an empty slice.
    #[error("no address to connect to was given")]
    NoAddressGiven,

    /// Every connection attempt failed; each one is listed, in the order
    /// they were started.
    #[error("could not connect to {target}: {}", AttemptList(attempts))]
    AllFailed {
        /// What was being connected to, as `host:port`.
        target: String,
        /// Every attempt, in the order they were started.
        attempts: Vec<Attempt>,
    },

    /// The connection was made but a socket option (`TCP_NODELAY`,
    /// `SO_KEEPALIVE` and its parameters) could not be set; the socket was
    /// closed.
    #[error("could not configure the connection to {addr}: {source}")]
    Configure {
        /// The peer the connection went to.
        addr: SocketAddr,
        /// The error of `setsockopt`.
        #[source]
        source: io::Error,
    },
}

impl ConnectError {
    /// The [`io::ErrorKind`] this error converts to.
    ///
    /// `InvalidHost` and `NoAddressGiven` are `InvalidInput`, `NoAddresses`
    /// is `NotFound`, `Resolve` is as its documentation says, and
    /// `Configure` is the kind of its source. For a list of failed attempts
    /// the most relevant one wins: a refusal or a timeout outranks a reset,
    /// which outranks "address not available" or "network unreachable"
    /// (std and tokio report whichever came last).
    pub fn kind(&self) -> io::ErrorKind {
        match self {
            ConnectError::InvalidHost { .. } | ConnectError::NoAddressGiven => {
                io::ErrorKind::InvalidInput
            }
            ConnectError::Resolve { source, .. } => match source.kind() {
                kind @ (io::ErrorKind::TimedOut | io::ErrorKind::InvalidInput) => kind,
                _ => io::ErrorKind::NotFound,
            },
            ConnectError::NoAddresses { .. } => io::ErrorKind::NotFound,
            ConnectError::AllFailed { attempts, .. } => most_relevant_kind(attempts),
            ConnectError::Configure { source, .. } => source.kind(),
        }
    }

    /// The attempts behind [`ConnectError::AllFailed`], in the order they
    /// were started; empty for every other variant.
    pub fn attempts(&self) -> &[Attempt] {
        match self {
            ConnectError::AllFailed { attempts, .. } => attempts,
            _ => &[],
        }
    }
}

impl From<ConnectError> for io::Error {
    fn from(err: ConnectError) -> io::Error {
        io::Error::new(err.kind(), err)
    }
}

/// Why [`open_listenfd`](crate::open_listenfd), a
/// [`ListenOptions`](crate::ListenOptions) or [`bind_udp`](crate::bind_udp)
/// could not bind: every address tried, with its error.
///
/// # Examples
///
/// ```
/// # fn main() -> std::io::Result<()> {
/// let taken = rionet::ListenOptions::new()
///     .bind_addr(std::net::Ipv4Addr::LOCALHOST.into())
///     .reuse_address(false)
///     .listen(0)?;
/// let port = taken.local_addr()?.port();
/// let err = rionet::ListenOptions::new()
///     .bind_addr(std::net::Ipv4Addr::LOCALHOST.into())
///     .listen(port)
///     .unwrap_err();
/// assert_eq!(err.port(), port);
/// assert_eq!(err.kind(), std::io::ErrorKind::AddrInUse);
/// assert_eq!(err.attempts().len(), 1);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, thiserror::Error)]
#[error("could not {what} port {port}: {}", AttemptList(attempts))]
pub struct ListenError {
    what: &'static str,
    port: u16,
    attempts: Vec<Attempt>,
}

impl ListenError {
    /// A TCP listen failure on `port`.
    pub(crate) fn tcp(port: u16, attempts: Vec<Attempt>) -> Self {
        ListenError {
            what: "listen on",
            port,
            attempts,
        }
    }

    /// A UDP bind failure on `port`.
    pub(crate) fn udp(port: u16, attempts: Vec<Attempt>) -> Self {
        ListenError {
            what: "bind udp",
            port,
            attempts,
        }
    }

    /// The port asked for (0 for an ephemeral one).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Every bind attempt, in order.
    pub fn attempts(&self) -> &[Attempt] {
        &self.attempts
    }

    /// The [`io::ErrorKind`] this error converts to: that of the most
    /// relevant attempt, ranked as for [`ConnectError::kind`] (`AddrInUse`
    /// outranks "address not available").
    pub fn kind(&self) -> io::ErrorKind {
        most_relevant_kind(&self.attempts)
    }
}

impl From<ListenError> for io::Error {
    fn from(err: ListenError) -> io::Error {
        io::Error::new(err.kind(), err)
    }
}

/// One failed attempt to connect to, or bind, one address.
#[derive(Debug)]
pub struct Attempt {
    /// The address tried.
    pub addr: SocketAddr,
    /// Why it failed.
    pub error: io::Error,
    /// How long the attempt ran before it failed or was abandoned.
    pub elapsed: Duration,
}

impl fmt::Display for Attempt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} after {:?}", self.addr, self.error, self.elapsed)
    }
}

/// The kind of the most relevant attempt, `Other` for none.
fn most_relevant_kind(attempts: &[Attempt]) -> io::ErrorKind {
    attempts
        .iter()
        .map(|a| a.error.kind())
        .max_by_key(|&kind| kind_relevance(kind))
        .unwrap_or(io::ErrorKind::Other)
}

/// Ranks error kinds by how much they tell the user about the peer.
fn kind_relevance(kind: io::ErrorKind) -> u8 {
    use io::ErrorKind::*;
    match kind {
        ConnectionRefused | TimedOut => 4,
        ConnectionReset | ConnectionAborted | PermissionDenied | AddrInUse => 3,
        AddrNotAvailable | NetworkUnreachable | HostUnreachable | NetworkDown => 1,
        _ => 2,
    }
}

/// Formats attempts as `a: err after t; b: err after t`.
struct AttemptList<'a>(&'a [Attempt]);

impl fmt::Display for AttemptList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("no address was tried");
        }
        for (i, attempt) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{attempt}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attempt(kind: io::ErrorKind) -> Attempt {
        Attempt {
            addr: "127.0.0.1:1".parse().unwrap(),
            error: io::Error::from(kind),
            elapsed: Duration::from_millis(1),
        }
    }

    #[test]
    fn a_refusal_outranks_an_unreachable_network_whatever_the_order() {
        use io::ErrorKind::*;
        for order in [
            [NetworkUnreachable, ConnectionRefused],
            [ConnectionRefused, NetworkUnreachable],
        ] {
            let err = ConnectError::AllFailed {
                target: "example:1".into(),
                attempts: order.map(attempt).into(),
            };
            assert_eq!(io::Error::from(err).kind(), ConnectionRefused);
        }
        let err = ConnectError::AllFailed {
            target: "example:1".into(),
            attempts: vec![attempt(AddrNotAvailable), attempt(TimedOut)],
        };
        assert_eq!(err.kind(), TimedOut);
        assert_eq!(err.attempts().len(), 2);
    }

    #[test]
    fn attempts_are_listed_in_the_message() {
        let err = ListenError::tcp(80, vec![attempt(io::ErrorKind::AddrInUse)]);
        let text = err.to_string();
        assert!(
            text.starts_with("could not listen on port 80: 127.0.0.1:1: "),
            "{text}"
        );
        assert!(text.contains("after 1ms"), "{text}");
        let text = ListenError::udp(53, vec![]).to_string();
        assert_eq!(text, "could not bind udp port 53: no address was tried");
    }

    #[test]
    fn resolver_failures_map_to_a_kind_a_user_can_match() {
        let resolve = |kind| ConnectError::Resolve {
            target: "example:1".into(),
            source: io::Error::new(kind, "lookup failed"),
        };
        assert_eq!(
            resolve(io::ErrorKind::Other).kind(),
            io::ErrorKind::NotFound
        );
        assert_eq!(
            resolve(io::ErrorKind::TimedOut).kind(),
            io::ErrorKind::TimedOut
        );
        assert_eq!(
            resolve(io::ErrorKind::InvalidInput).kind(),
            io::ErrorKind::InvalidInput
        );
    }
}
