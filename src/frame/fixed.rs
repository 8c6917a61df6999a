//! `FixedLength`: frames that all have the same size.

use bytes::{Bytes, BytesMut};

use super::{Decoder, Encoder};
use crate::{Error, Result};

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
/// [`Error::PartialFrame`] that carries them. The encoder refuses, writing
/// nothing, a payload whose length is not `n`
/// ([`Error::FrameLengthMismatch`]).
///
/// # Examples
///
/// ```
/// use bytes::BytesMut;
/// use rionet::frame::{Decoder, Encoder, FixedLength};
///
/// let mut codec = FixedLength::new(4);
/// let mut buf = BytesMut::from(&b"abcdefghij"[..]);
/// assert_eq!(codec.decode(&mut buf)?.unwrap(), &b"abcd"[..]);
/// assert_eq!(codec.decode(&mut buf)?.unwrap(), &b"efgh"[..]);
/// assert_eq!(codec.decode(&mut buf)?, None);
/// assert!(matches!(
///     codec.decode_eof(&mut buf),
///     Err(rionet::Error::PartialFrame { pending }) if pending == &b"ij"[..]
/// ));
///
/// let mut out = BytesMut::new();
/// codec.encode(&b"wxyz"[..], &mut out)?;
/// assert!(codec.encode(&b"short"[..], &mut out).is_err());
/// assert_eq!(&out[..], b"wxyz");
/// # Ok::<(), rionet::Error>(())
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
            return Err(Error::FrameLengthMismatch {
                len: item.len(),
                expected: self.len,
            });
        }
        Ok(())
    }
}

impl Decoder for FixedLength {
    /// Takes the next `n` bytes off `src`, if they are there.
    ///
    /// # Errors
    ///
    /// None: any bytes make frames. (At end of stream,
    /// [`decode_eof`](Decoder::decode_eof) reports leftover bytes as
    /// [`Error::PartialFrame`].)
    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Bytes>> {
        if src.len() < self.len {
            return Ok(None);
        }
        Ok(Some(src.split_to(self.len).freeze()))
    }
}

impl<'a> Encoder<&'a [u8]> for FixedLength {
    /// Appends `item` to `dst`.
    ///
    /// # Errors
    ///
    /// [`Error::FrameLengthMismatch`] when `item` is not exactly the frame
    /// length; `dst` is unchanged.
    fn encode(&mut self, item: &'a [u8], dst: &mut BytesMut) -> Result<()> {
        self.encode_slice(item, dst)
    }

    /// The payload alone: a fixed-length frame has no header or trailer.
    fn encode_parts<'i>(
        &mut self,
        item: &'i &'a [u8],
        _head: &mut BytesMut,
        _tail: &mut BytesMut,
    ) -> Result<Option<&'i [u8]>> {
        self.check(item).map(|()| Some(&item[..]))
    }
}

impl Encoder<Bytes> for FixedLength {
    /// Appends `item` to `dst`.
    ///
    /// # Errors
    ///
    /// As for `&[u8]` items.
    fn encode(&mut self, item: Bytes, dst: &mut BytesMut) -> Result<()> {
        self.encode_slice(&item, dst)
    }

    /// The payload alone: a fixed-length frame has no header or trailer.
    fn encode_parts<'i>(
        &mut self,
        item: &'i Bytes,
        _head: &mut BytesMut,
        _tail: &mut BytesMut,
    ) -> Result<Option<&'i [u8]>> {
        self.check(item).map(|()| Some(&item[..]))
    }
}
