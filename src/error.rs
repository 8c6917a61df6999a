//! The umbrella error type, [`Error`], over the error of each layer.

use std::io;

use crate::frame::FrameError;
use crate::{ConnectError, ListenError, RioError, ServeError};

/// A `Result` whose error is [`rionet::Error`](Error).
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in rionet.
///
/// Each layer returns its own error, so a function returns only what it can
/// produce: [`ConnectError`] (connecting), [`ListenError`] (listening,
/// binding), [`RioError`] (robust I/O), [`FrameError`] (framing), [`ServeError`]
/// (serving). This umbrella takes each of them
/// through `From`, so `?` collects them in one function returning
/// [`rionet::Result`](Result). Messages are lowercase, carry their context
/// (host, port, address, byte counts) and have no trailing period. Every
/// variant converts into an [`io::Error`] with the most relevant
/// [`io::ErrorKind`], so rionet drops into code that speaks `io::Result`.
///
/// # Examples
///
/// ```
/// fn serve_once() -> rionet::Result<()> {
///     let listener = rionet::open_listenfd(0)?; // ListenError
///     let port = listener.local_addr()?.port(); // io::Error
///     let mut client = rionet::open_clientfd("localhost", port)?; // ConnectError
///     rionet::writen(&mut client, b"hi\n")?; // RioError
///     Ok(())
/// }
/// serve_once()?;
/// # Ok::<(), rionet::Error>(())
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Connecting failed: see [`ConnectError`].
    #[error(transparent)]
    Connect(#[from] ConnectError),

    /// Listening or binding failed: see [`ListenError`].
    #[error(transparent)]
    Listen(#[from] ListenError),

    /// A robust read or write, or a line read, failed: see [`RioError`].
    #[error(transparent)]
    Rio(#[from] RioError),

    /// Framing failed: see [`FrameError`].
    #[error(transparent)]
    Frame(#[from] FrameError),

    /// A [`Server`](crate::Server) could not start, or its accept loop
    /// stopped on a listener error.
    #[error(transparent)]
    Serve(#[from] ServeError),

    /// An I/O error from the underlying reader, writer or socket.
    #[error(transparent)]
    Io(#[from] io::Error),
}

impl Error {
    /// The attempts behind a connect or listen failure, in the order they
    /// were started; empty for every other error.
    pub fn attempts(&self) -> &[crate::Attempt] {
        match self {
            Error::Connect(err) => err.attempts(),
            Error::Listen(err) => err.attempts(),
            _ => &[],
        }
    }

    /// The [`io::ErrorKind`] this error converts to; for a layer's error,
    /// that error's own `kind()`.
    pub fn kind(&self) -> io::ErrorKind {
        match self {
            Error::Connect(err) => err.kind(),
            Error::Listen(err) => err.kind(),
            Error::Rio(err) => err.kind(),
            Error::Frame(err) => err.kind(),
            Error::Serve(err) => err.kind(),
            Error::Io(err) => err.kind(),
        }
    }
}

/// An [`Error::Io`] passes through unchanged, and so does the `Io` of a
/// [`RioError`]; every other error keeps its message inside an
/// [`io::Error`] of its [`kind`](Error::kind).
impl From<Error> for io::Error {
    fn from(err: Error) -> io::Error {
        match err {
            Error::Io(err) => err,
            Error::Connect(err) => err.into(),
            Error::Listen(err) => err.into(),
            Error::Rio(err) => err.into(),
            Error::Frame(err) => err.into(),
            other => io::Error::new(other.kind(), other),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::Attempt;

    #[test]
    fn io_errors_pass_through_unchanged() {
        let err = Error::from(io::Error::new(io::ErrorKind::BrokenPipe, "gone"));
        let back = io::Error::from(err);
        assert_eq!(back.kind(), io::ErrorKind::BrokenPipe);
        assert_eq!(back.to_string(), "gone");
        let err = Error::from(RioError::Io(io::Error::new(
            io::ErrorKind::TimedOut,
            "slow",
        )));
        let back = io::Error::from(err);
        assert_eq!(back.kind(), io::ErrorKind::TimedOut);
        assert_eq!(back.to_string(), "slow");
    }

    #[test]
    fn layer_errors_keep_their_kind_message_and_attempts() {
        let connect = ConnectError::AllFailed {
            target: "example:1".into(),
            attempts: vec![Attempt {
                addr: "127.0.0.1:1".parse().unwrap(),
                error: io::ErrorKind::ConnectionRefused.into(),
                elapsed: Duration::from_millis(1),
            }],
        };
        let text = connect.to_string();
        let err = Error::from(connect);
        assert_eq!(err.kind(), io::ErrorKind::ConnectionRefused);
        assert_eq!(err.attempts().len(), 1);
        assert_eq!(err.to_string(), text);
        let err = Error::from(RioError::LineTooLong { len: 9, max: 4 });
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        assert!(err.attempts().is_empty());
        let back = io::Error::from(err);
        assert_eq!(
            back.to_string(),
            "line of 9 bytes exceeds the maximum of 4 bytes"
        );
    }
}
