//! The crate's one error type.

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

/// A `Result` whose error is [`rionet::Error`](Error).
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in rionet.
///
/// Messages are lowercase, carry their context (host, port, address, byte
/// counts) and have no trailing period. Every variant converts into an
/// [`io::Error`] with the most relevant [`io::ErrorKind`], so rionet drops into
/// code that speaks `io::Result`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Name resolution (`getaddrinfo` through [`std::net::ToSocketAddrs`]) failed.
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

    /// Every connection attempt failed; each one is listed.
    #[error("could not connect to {target}: {}", AttemptList(attempts))]
    Connect {
        /// What was being connected to, as `host:port`.
        target: String,
        /// Every attempt, in the order they were started.
        attempts: Vec<Attempt>,
    },

    /// Every address a listener could bind failed; each one is listed.
    #[error("could not listen on port {port}: {}", AttemptList(attempts))]
    Listen {
        /// The port asked for (0 for an ephemeral one).
        port: u16,
        /// Every bind attempt, in order.
        attempts: Vec<Attempt>,
    },

    /// A robust read or write ([`readn`](crate::readn),
    /// [`writen`](crate::writen), [`RioReader::readnb`](crate::RioReader::readnb)
    /// ...) failed after `transferred` bytes had already been moved. Those
    /// bytes are not lost: they sit at the front of the caller's buffer (read)
    /// or are already in the writer (write).
    #[error("i/o error after {transferred} bytes: {source}")]
    PartialIo {
        /// Bytes read into, or written from, the caller's buffer before the
        /// error.
        transferred: usize,
        /// The error that stopped the transfer; [`Error::kind`] is its kind.
        #[source]
        source: io::Error,
    },

    /// A line is longer than the reader's maximum line length. The line was
    /// discarded; the reader carries on with the next line.
    #[error("line of {len} bytes exceeds the maximum of {max} bytes")]
    LineTooLong {
        /// The line's length in bytes, its `\n` included.
        len: u64,
        /// The reader's maximum line length.
        max: usize,
    },

    /// `accept` failed in a way that leaves the listener unusable (`EBADF`,
    /// `ENOTSOCK`, `EINVAL`): a [`Server`](crate::Server)'s accept loop stops.
    #[error("accept on {addr} failed: {source}")]
    Accept {
        /// The listener's local address.
        addr: SocketAddr,
        /// The error of `accept`.
        #[source]
        source: io::Error,
    },

    /// A framing error, from [`frame`](crate::frame).
    #[error(transparent)]
    Frame(#[from] crate::frame::FrameError),

    /// An I/O error from the underlying reader, writer or socket.
    #[error(transparent)]
    Io(#[from] io::Error),
}

impl Error {
    /// The attempts behind a [`Error::Connect`] or [`Error::Listen`], in the
    /// order they were started; empty for every other variant.
    pub fn attempts(&self) -> &[Attempt] {
        match self {
            Error::Connect { attempts, .. } | Error::Listen { attempts, .. } => attempts,
            _ => &[],
        }
    }

    /// The [`io::ErrorKind`] this error converts to.
    ///
    /// For a list of failed attempts, the most relevant one wins: a refusal or
    /// a timeout outranks a reset, which outranks "address not available" or
    /// "network unreachable" (std and tokio report whichever came last).
    pub fn kind(&self) -> io::ErrorKind {
        match self {
            Error::Resolve { source, .. } => source.kind(),
            Error::NoAddresses { .. } => io::ErrorKind::NotFound,
            Error::Connect { attempts, .. } | Error::Listen { attempts, .. } => attempts
                .iter()
                .map(|a| a.error.kind())
                .max_by_key(|&kind| kind_relevance(kind))
                .unwrap_or(io::ErrorKind::Other),
            Error::PartialIo { source, .. } => source.kind(),
            Error::LineTooLong { .. } => io::ErrorKind::InvalidData,
            Error::Accept { source, .. } => source.kind(),
            Error::Frame(err) => err.kind(),
            Error::Io(err) => err.kind(),
        }
    }
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

impl From<Error> for io::Error {
    fn from(err: Error) -> io::Error {
        match err {
            Error::Io(err) => err,
            other => io::Error::new(other.kind(), other),
        }
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
            let err = Error::Connect {
                target: "example:1".into(),
                attempts: order.map(attempt).into(),
            };
            assert_eq!(io::Error::from(err).kind(), ConnectionRefused);
        }
        let err = Error::Connect {
            target: "example:1".into(),
            attempts: vec![attempt(AddrNotAvailable), attempt(TimedOut)],
        };
        assert_eq!(err.kind(), TimedOut);
    }

    #[test]
    fn attempts_are_listed_in_the_message() {
        let err = Error::Listen {
            port: 80,
            attempts: vec![attempt(io::ErrorKind::AddrInUse)],
        };
        let text = err.to_string();
        assert!(
            text.starts_with("could not listen on port 80: 127.0.0.1:1: "),
            "{text}"
        );
        assert!(text.contains("after 1ms"), "{text}");
    }

    #[test]
    fn io_errors_pass_through_unchanged() {
        let err = Error::from(io::Error::new(io::ErrorKind::BrokenPipe, "gone"));
        let back = io::Error::from(err);
        assert_eq!(back.kind(), io::ErrorKind::BrokenPipe);
        assert_eq!(back.to_string(), "gone");
    }
}
