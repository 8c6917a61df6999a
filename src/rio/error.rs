//! [`RioError`]: what the robust I/O functions and [`RioReader`] report.
//!
//! [`RioReader`]: crate::RioReader

use std::io;

/// The error of [`readn`](crate::readn), [`writen`](crate::writen),
/// [`writen_vectored`](crate::writen_vectored) and
/// [`RioReader`](crate::RioReader).
///
/// [`kind`](RioError::kind) is the [`io::ErrorKind`] it converts to
/// (`From<RioError> for io::Error`), so `?` works in functions returning
/// `io::Result`.
///
/// # Examples
///
/// ```
/// use rionet::{RioError, RioReader};
///
/// let mut rio = RioReader::new(&b"far too long\nok\n"[..]);
/// rio.max_line(4);
/// match rio.read_line_slice() {
///     Err(RioError::LineTooLong { len, max }) => assert_eq!((len, max), (13, 4)),
///     other => panic!("{other:?}"),
/// }
/// assert_eq!(rio.read_line_slice()?, b"ok\n");
/// # Ok::<(), RioError>(())
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RioError {
    /// A robust read or write failed after `transferred` bytes had already
    /// been moved. Those bytes are not lost: they sit at the front of the
    /// caller's buffer (read) or are already in the writer (write).
    #[error("i/o error after {transferred} bytes: {source}")]
    PartialIo {
        /// Bytes read into, or written from, the caller's buffer before the
        /// error (possibly 0).
        transferred: usize,
        /// The error that stopped the transfer; [`RioError::kind`] is its
        /// kind.
        #[source]
        source: io::Error,
    },

    /// A line is longer than the reader's maximum line length. The line was
    /// discarded; the reader carries on with the next line.
    #[error("line of {len} bytes exceeds the maximum of {max} bytes")]
    LineTooLong {
        /// The line's length in bytes, its `\n` included (the bytes a line
        /// read would have handed back).
        len: u64,
        /// The reader's maximum line length.
        max: usize,
    },

    /// An I/O error from the inner reader during a line read; no byte of
    /// the line is lost (it stays buffered) and the call can be repeated.
    #[error(transparent)]
    Io(#[from] io::Error),
}

impl RioError {
    /// The [`io::ErrorKind`] this error converts to: the source's kind for
    /// `PartialIo` and `Io`, [`io::ErrorKind::InvalidData`] for
    /// `LineTooLong`.
    pub fn kind(&self) -> io::ErrorKind {
        match self {
            RioError::PartialIo { source, .. } => source.kind(),
            RioError::LineTooLong { .. } => io::ErrorKind::InvalidData,
            RioError::Io(err) => err.kind(),
        }
    }
}

/// `Io` passes through unchanged; the others keep their message (with the
/// byte counts) inside an error of their [`kind`](RioError::kind).
impl From<RioError> for io::Error {
    fn from(err: RioError) -> io::Error {
        match err {
            RioError::Io(err) => err,
            other => io::Error::new(other.kind(), other),
        }
    }
}
