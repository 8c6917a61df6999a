//! `FixedLength`: frames that all have the same size.

use bytes::{Bytes, BytesMut};

use super::borrow::{Found, Scan};
use super::{BorrowDecoder, Decoded, Decoder, Encoder, FrameError};

type Result<T, E = FrameError> = std::result::Result<T, E>;

/// A codec for frames of exactly `n` bytes each, with nothing between them.
///
/// ```text
/// +---- n bytes ----+---- n bytes ----+---- n bytes ----+
/// |     frame 1     |     frame 2     |     frame 3     |  ...
/// +-----------------+-----------------+-----------------+
/// ```
///
/// The decoder splits `n` bytes off the buffer as soon as they are there,
/// without copying, and never reserves memory ahead of them. At end of
/// stream, fewer than `n` remaining bytes are an
/// [`FrameError::PartialFrame`] that carries them ("3 of 4 bytes"). The
/// encoder takes anything `AsRef<[u8]>` and refuses, writing nothing, a
/// payload whose length is not `n` ([`FrameError::FrameLengthMismatch`]).
///
/// # Examples
///
/// ```
/// use bytes::BytesMut;
/// use rionet::frame::{Decoder, Encoder, FixedLength, FrameError};
///
/// let mut codec = FixedLength::new(4);
/// let mut buf = BytesMut::from(&b"abcdefghij"[..]);
/// assert_eq!(codec.decode(&mut buf)?.unwrap(), &b"abcd"[..]);
/// assert_eq!(codec.decode(&mut buf)?.unwrap(), &b"efgh"[..]);
/// assert_eq!(codec.decode(&mut buf)?, None);
/// assert!(matches!(
///     codec.decode_eof(&mut buf),
///     Err(FrameError::PartialFrame { pending, expected: Some(4), .. }) if pending == &b"ij"[..]
/// ));
///
/// let mut out = BytesMut::new();
/// codec.encode(&b"wxyz"[..], &mut out)?;
/// assert!(codec.encode(&b"short"[..], &mut out).is_err());
/// assert_eq!(&out[..], b"wxyz");
/// # Ok::<(), rionet::frame::FrameError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FixedLength {
    len: usize,
}

impl FixedLength {
    /// A codec for frames of `len` bytes.
    ///
    /// # Panics
    ///
    /// If `len` is zero: a framer of empty frames would yield frames forever
    /// from an empty buffer. This is a programming error; nothing received
    /// from the network can make a `FixedLength` panic.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(rionet::frame::FixedLength::new(16).frame_length(), 16);
    /// ```
    pub fn new(len: usize) -> FixedLength {
        assert!(
            len > 0,
            "FixedLength needs a frame length of at least one byte"
        );
        FixedLength { len }
    }

    /// The size of every frame, in bytes.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(rionet::frame::FixedLength::new(512).frame_length(), 512);
    /// ```
    pub fn frame_length(&self) -> usize {
        self.len
    }

    fn encode_slice(&self, item: &[u8], dst: &mut BytesMut) -> Result<()> {
        self.check(item)?;
        dst.extend_from_slice(item);
        Ok(())
    }

    /// Refuses an item that is not exactly the frame length.
    fn check(&self, item: &[u8]) -> Result<()> {
        if item.len() != self.len {
            return Err(FrameError::FrameLengthMismatch {
                len: item.len(),
                expected: self.len,
            });
        }
        Ok(())
    }
}

impl Decoder for FixedLength {
    type Item = Bytes;
    type Error = FrameError;

    /// Takes the next `n` bytes off `src`, if they are there.
    ///
    /// # Errors
    ///
    /// None: any bytes make frames.
    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Bytes>> {
        let scan = self.scan(src, false);
        scan.into_bytes(src)
    }

    /// Like `decode`, once the stream has ended.
    ///
    /// # Errors
    ///
    /// [`FrameError::PartialFrame`] when fewer than `n` bytes are left.
    fn decode_eof(&mut self, src: &mut BytesMut) -> Result<Option<Bytes>> {
        let scan = self.scan(src, true);
        scan.into_bytes(src)
    }
}

impl BorrowDecoder for FixedLength {
    /// The [`decode`](Decoder::decode) / [`decode_eof`](Decoder::decode_eof)
    /// framing, in place: the same frames and errors.
    #[inline]
    fn decode_slice(&mut self, src: &[u8], eof: bool) -> Decoded {
        self.scan(src, eof).into_decoded(src)
    }
}

impl FixedLength {
    /// The next `n` bytes, if they are there: the framing of both paths.
    #[inline(always)]
    fn scan(&self, src: &[u8], eof: bool) -> Scan {
        if src.len() >= self.len {
            Scan::frame(0..self.len, self.len)
        } else if eof && !src.is_empty() {
            Scan {
                consumed: 0,
                found: Found::Partial {
                    had: None,
                    expected: Some(self.len as u64),
                },
            }
        } else {
            Scan::wait(0)
        }
    }
}

impl<T: AsRef<[u8]>> Encoder<T> for FixedLength {
    type Error = FrameError;

    /// Appends `item` to `dst`.
    ///
    /// # Errors
    ///
    /// [`FrameError::FrameLengthMismatch`] when `item` is not exactly the
    /// frame length; `dst` is unchanged.
    fn encode(&mut self, item: T, dst: &mut BytesMut) -> Result<()> {
        self.encode_slice(item.as_ref(), dst)
    }

    /// An empty head, `item` borrowed, an empty tail.
    fn encode_parts<'i>(
        &mut self,
        item: &'i T,
        _head: &mut BytesMut,
        _tail: &mut BytesMut,
    ) -> Result<Option<&'i [u8]>> {
        let payload = item.as_ref();
        self.check(payload).map(|()| Some(payload))
    }
}
