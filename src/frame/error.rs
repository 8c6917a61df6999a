//! [`FrameError`]: what framing can report.

use std::fmt;
use std::io;

use bytes::Bytes;

/// Everything a built-in codec, [`FrameReader`](super::FrameReader),
/// [`FrameWriter`](super::FrameWriter) or [`Framed`](super::Framed) can
/// report.
///
/// Messages are lowercase, carry their byte counts and have no trailing
/// period. [`is_recoverable`](FrameError::is_recoverable) says whether the
/// stream is still usable after the error:
///
/// | error | recoverable? |
/// |---|---|
/// | [`FrameTooLarge`](FrameError::FrameTooLarge) from [`Delimited`](super::Delimited) / [`Lines`](super::Lines) decoding | yes: the line is discarded up to its delimiter, decoding goes on |
/// | [`FrameTooLarge`](FrameError::FrameTooLarge) from [`LengthPrefix`](super::LengthPrefix) decoding | no: a distrusted header leaves no way to find the next frame |
/// | [`InvalidLength`](FrameError::InvalidLength) from decoding | no, for the same reason |
/// | [`PartialFrame`](FrameError::PartialFrame) | no: the stream has ended |
/// | any encoder error (`FrameTooLarge`, `InvalidLength`, `LengthFieldOverflow`, `DelimiterInFrame`, `FrameLengthMismatch`) | yes: nothing was written |
/// | [`Io`](FrameError::Io) of kind `WouldBlock`, `TimedOut` or `Interrupted` | yes: nothing was lost, call again |
/// | any other [`Io`](FrameError::Io) | no: the connection is broken |
///
/// A frame skipped under [`Oversize::Skip`](super::Oversize::Skip) is not an
/// error at all: the codecs count it (`skipped_frames`, `skipped_bytes`).
///
/// `FrameError` converts into [`io::Error`] (kind [`kind`](FrameError::kind),
/// the `FrameError` as its inner error) and back again without loss, so a
/// framing error survives a trip through code that speaks `io::Result`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FrameError {
    /// A frame (declared by a header, scanned, or handed to an encoder) is
    /// longer than the codec's maximum, counted the way
    /// [the module docs](super#limits-one-rule) say.
    #[error("frame of {len} bytes exceeds the maximum of {max} bytes")]
    FrameTooLarge {
        /// The frame's length in bytes, as declared or as seen so far.
        len: u64,
        /// The codec's maximum frame length.
        max: usize,
        /// Whether the stream is still usable (see
        /// [`is_recoverable`](FrameError::is_recoverable)).
        recoverable: bool,
    },

    /// The stream ended in the middle of a frame.
    #[error("stream ended in the middle of a frame: {}", Progress { had: *had, expected: *expected })]
    PartialFrame {
        /// Bytes of the frame that had arrived (the header included).
        had: u64,
        /// The whole frame's length on the wire, when a header said so.
        expected: Option<u64>,
        /// The unfinished frame's bytes, as they arrived (empty when they
        /// were being skipped).
        pending: Bytes,
    },

    /// A length prefix that cannot describe a frame: an overlong or
    /// overflowing varint, or a declared length that, once adjusted, is
    /// shorter than the frame's header or than the bytes to strip. The
    /// encoder reports the same when an item cannot be laid out.
    #[error("invalid length prefix: {detail}")]
    InvalidLength {
        /// What is wrong, with the byte counts involved.
        detail: String,
        /// Whether the stream is still usable: `false` from a decoder,
        /// `true` from an encoder (nothing was written).
        recoverable: bool,
    },

    /// The encoder was given an item whose length value does not fit the
    /// length field. Nothing was written.
    #[error("length value {len} does not fit a length field of {field_len} bytes (at most {max})")]
    LengthFieldOverflow {
        /// The value the length field would have to hold.
        len: u64,
        /// The length field's width in bytes.
        field_len: usize,
        /// The largest value the field holds.
        max: u64,
    },

    /// An encoder was handed a payload its decoder would not read back
    /// whole: a delimiter (or line ending) starts at `offset` inside it,
    /// possibly running into the delimiter the encoder appends. Nothing was
    /// written.
    #[error("frame of {len} bytes contains a delimiter at offset {offset}")]
    DelimiterInFrame {
        /// Where the delimiter starts, from the start of the payload.
        offset: usize,
        /// The payload's length in bytes.
        len: usize,
    },

    /// A fixed-length encoder was handed a payload of another length.
    /// Nothing was written.
    #[error("frame of {len} bytes does not match the fixed frame length of {expected} bytes")]
    FrameLengthMismatch {
        /// The payload's length in bytes.
        len: usize,
        /// The codec's frame length in bytes.
        expected: usize,
    },

    /// An I/O error from the underlying reader or writer.
    #[error(transparent)]
    Io(io::Error),
}

impl FrameError {
    /// Whether the stream is still usable after this error: decoding or
    /// sending may go on. See the table on [`FrameError`].
    ///
    /// # Examples
    ///
    /// ```
    /// use bytes::BytesMut;
    /// use rionet::frame::{Decoder, LengthPrefix, Lines};
    ///
    /// let mut lines = Lines::builder().max_frame_len(4).build();
    /// let err = lines.decode(&mut BytesMut::from(&b"too long\nok\n"[..])).unwrap_err();
    /// assert!(err.is_recoverable()); // the next line is still there
    ///
    /// let mut length = LengthPrefix::builder().max_frame_len(4).build();
    /// let err = length.decode(&mut BytesMut::from(&b"\0\0\0\x09"[..])).unwrap_err();
    /// assert!(!err.is_recoverable()); // drop the connection
    /// ```
    pub fn is_recoverable(&self) -> bool {
        match self {
            FrameError::FrameTooLarge { recoverable, .. }
            | FrameError::InvalidLength { recoverable, .. } => *recoverable,
            FrameError::PartialFrame { .. } => false,
            FrameError::LengthFieldOverflow { .. }
            | FrameError::DelimiterInFrame { .. }
            | FrameError::FrameLengthMismatch { .. } => true,
            FrameError::Io(err) => io_is_recoverable(err),
        }
    }

    /// The [`io::ErrorKind`] this error converts to: `InvalidData` for what
    /// came off the wire, `InvalidInput` for an item an encoder refused,
    /// `UnexpectedEof` for a partial frame, the kind itself for
    /// [`Io`](FrameError::Io).
    pub fn kind(&self) -> io::ErrorKind {
        match self {
            FrameError::FrameTooLarge { .. } | FrameError::InvalidLength { .. } => {
                io::ErrorKind::InvalidData
            }
            FrameError::PartialFrame { .. } => io::ErrorKind::UnexpectedEof,
            FrameError::LengthFieldOverflow { .. }
            | FrameError::DelimiterInFrame { .. }
            | FrameError::FrameLengthMismatch { .. } => io::ErrorKind::InvalidInput,
            FrameError::Io(err) => err.kind(),
        }
    }
}

/// Whether an I/O error leaves the stream usable: a timeout or a signal.
pub(crate) fn io_is_recoverable(err: &io::Error) -> bool {
    matches!(
        err.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut | io::ErrorKind::Interrupted
    )
}

impl From<io::Error> for FrameError {
    /// Wraps `err` as [`FrameError::Io`], unless it carries a `FrameError`
    /// (made by `From<FrameError> for io::Error`): that one comes back.
    fn from(err: io::Error) -> FrameError {
        match err.downcast::<FrameError>() {
            Ok(frame) => frame,
            Err(err) => FrameError::Io(err),
        }
    }
}

impl From<FrameError> for io::Error {
    /// [`FrameError::Io`] unwrapped; any other error as an `io::Error` of
    /// [`FrameError::kind`] that carries it.
    fn from(err: FrameError) -> io::Error {
        match err {
            FrameError::Io(err) => err,
            other => io::Error::new(other.kind(), other),
        }
    }
}

/// Formats what a partial frame had: `10 of 104 bytes`, or `10 bytes`.
struct Progress {
    had: u64,
    expected: Option<u64>,
}

impl fmt::Display for Progress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.expected {
            Some(expected) => write!(f, "{} of {expected} bytes", self.had),
            None => write!(f, "{} bytes", self.had),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_frame_error_survives_a_trip_through_io_error() {
        let err = FrameError::PartialFrame {
            had: 10,
            expected: Some(104),
            pending: Bytes::from_static(b"0123456789"),
        };
        assert_eq!(
            err.to_string(),
            "stream ended in the middle of a frame: 10 of 104 bytes"
        );
        let io = io::Error::from(err);
        assert_eq!(io.kind(), io::ErrorKind::UnexpectedEof);
        match FrameError::from(io) {
            FrameError::PartialFrame {
                had: 10, pending, ..
            } => {
                assert_eq!(&pending[..], b"0123456789")
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn io_errors_pass_through_unchanged() {
        let err = FrameError::from(io::Error::new(io::ErrorKind::BrokenPipe, "gone"));
        assert!(!err.is_recoverable());
        let back = io::Error::from(err);
        assert_eq!(back.kind(), io::ErrorKind::BrokenPipe);
        assert_eq!(back.to_string(), "gone");
        assert!(FrameError::from(io::Error::from(io::ErrorKind::WouldBlock)).is_recoverable());
    }
}
