//! [`ServeError`]: why a server stopped or could not start.

use std::io;
use std::net::SocketAddr;

/// Why [`Server::spawn`](super::Server::spawn) or
/// [`Server::serve`](super::Server::serve) failed, or why a running server
/// stopped on its own.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    /// `accept` failed in a way that leaves the listener unusable (`EBADF`,
    /// `ENOTSOCK`, `EINVAL`): the accept loop stopped.
    #[error("accept on {addr} failed: {source}")]
    Accept {
        /// The listener's local address.
        addr: SocketAddr,
        /// The error of `accept`.
        #[source]
        source: io::Error,
    },

    /// This [`Server`](super::Server) has been started already: a server
    /// runs once (build a new one to serve again).
    #[error("the server on {addr} has been started already")]
    AlreadyStarted {
        /// The listener's local address.
        addr: SocketAddr,
    },

    /// Setting the server up failed (querying or duplicating the listener,
    /// spawning a thread), or a server thread panicked.
    #[error(transparent)]
    Io(#[from] io::Error),
}

impl ServeError {
    /// The [`io::ErrorKind`] this error converts to.
    pub fn kind(&self) -> io::ErrorKind {
        match self {
            ServeError::Accept { source, .. } => source.kind(),
            ServeError::AlreadyStarted { .. } => io::ErrorKind::AlreadyExists,
            ServeError::Io(err) => err.kind(),
        }
    }
}

impl From<ServeError> for io::Error {
    fn from(err: ServeError) -> io::Error {
        match err {
            ServeError::Io(err) => err,
            other => io::Error::new(other.kind(), other),
        }
    }
}
