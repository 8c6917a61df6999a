//! The sans-IO codec traits every framer implements.

use bytes::{Bytes, BytesMut};

use crate::{Error, Result};

/// Splits frames off the front of a byte buffer.
///
/// A decoder is sans-IO: the caller appends whatever bytes arrived to `src`
/// and calls [`decode`](Decoder::decode) until it returns `Ok(None)`.
/// Frames come out as [`Bytes`] split off `src` without copying.
///
/// # Examples
///
/// ```
/// use bytes::BytesMut;
/// use rionet::frame::{Decoder, LengthPrefix};
///
/// let mut codec = LengthPrefix::new();
/// let mut src = BytesMut::new();
/// src.extend_from_slice(b"\0\0\0\x02h"); // a read cut the frame short
/// assert_eq!(codec.decode(&mut src)?, None);
/// src.extend_from_slice(b"i\0\0\0\x01!"); // the next read
/// assert_eq!(codec.decode(&mut src)?.as_deref(), Some(&b"hi"[..]));
/// assert_eq!(codec.decode(&mut src)?.as_deref(), Some(&b"!"[..]));
/// assert_eq!(codec.decode(&mut src)?, None);
/// # Ok::<(), rionet::Error>(())
/// ```
pub trait Decoder {
    /// Takes the next complete frame off the front of `src`.
    ///
    /// Returns `Ok(None)` when `src` does not yet hold a whole frame; the
    /// decoder remembers how far it got, so the next call does not rescan.
    ///
    /// # Errors
    ///
    /// Malformed or oversized input, as documented by each framer.
    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Bytes>>;

    /// Like [`decode`](Decoder::decode), called once the stream has ended:
    /// no more bytes will be appended to `src`.
    ///
    /// # Errors
    ///
    /// [`Error::PartialFrame`] when `src` still holds bytes that are not a
    /// whole frame; the error carries those bytes.
    ///
    /// # Examples
    ///
    /// ```
    /// use bytes::BytesMut;
    /// use rionet::frame::{Decoder, LengthPrefix};
    ///
    /// let mut codec = LengthPrefix::new();
    /// let mut src = BytesMut::from(&b"\0\0\0\x05hel"[..]);
    /// match codec.decode_eof(&mut src) {
    ///     Err(rionet::Error::PartialFrame { pending }) => assert_eq!(&pending[..], b"\0\0\0\x05hel"),
    ///     other => panic!("{other:?}"),
    /// }
    /// ```
    fn decode_eof(&mut self, src: &mut BytesMut) -> Result<Option<Bytes>> {
        match self.decode(src)? {
            Some(frame) => Ok(Some(frame)),
            None if src.is_empty() => Ok(None),
            None => Err(Error::PartialFrame {
                pending: src.split().freeze(),
            }),
        }
    }
}

/// Writes frames of type `Item` into a byte buffer, in the wire layout its
/// decoder reads.
///
/// # Examples
///
/// ```
/// use bytes::BytesMut;
/// use rionet::frame::{Encoder, LengthPrefix};
///
/// let mut codec = LengthPrefix::builder().field_len(1).build();
/// let mut dst = BytesMut::new();
/// codec.encode(&b"hi"[..], &mut dst)?;
/// assert_eq!(&dst[..], b"\x02hi");
/// // 256 bytes do not fit a 1-byte length: an error, and nothing written.
/// assert!(codec.encode(&[0u8; 256][..], &mut dst).is_err());
/// assert_eq!(&dst[..], b"\x02hi");
/// # Ok::<(), rionet::Error>(())
/// ```
pub trait Encoder<Item> {
    /// Appends `item`, framed, to `dst`.
    ///
    /// # Errors
    ///
    /// An item the wire format cannot carry (too long for the length field,
    /// over the maximum frame size, containing a delimiter...), as
    /// documented by each framer. Nothing is written to `dst` then.
    fn encode(&mut self, item: Item, dst: &mut BytesMut) -> Result<()>;

    /// Frames `item` as three parts, `head ++ payload ++ tail`, where the
    /// payload is borrowed from `item` instead of copied, so a writer can
    /// send a large payload with one vectored write (see
    /// [`FrameWriter`](crate::frame::FrameWriter)).
    ///
    /// On `Ok(Some(payload))` the encoder has appended the bytes that go
    /// before the payload to `head` and those that go after it to `tail`,
    /// and `head ++ payload ++ tail` is exactly what
    /// [`encode`](Encoder::encode) would have appended to `dst`. On
    /// `Ok(None)` (the provided default) nothing was written: the codec
    /// cannot split this item, and the caller falls back to `encode`.
    ///
    /// A length-prefix codec returns its header and the payload with an
    /// empty tail; a delimiter or line codec an empty head, the payload and
    /// the delimiter; a fixed-length codec the payload alone.
    ///
    /// # Errors
    ///
    /// The same as [`encode`](Encoder::encode); nothing is written to
    /// `head` or `tail` then.
    ///
    /// # Examples
    ///
    /// ```
    /// use bytes::{Bytes, BytesMut};
    /// use rionet::frame::{Encoder, LengthPrefix};
    ///
    /// let mut codec = LengthPrefix::new();
    /// let item = Bytes::from_static(b"hello");
    /// let (mut head, mut tail) = (BytesMut::new(), BytesMut::new());
    /// let payload = codec.encode_parts(&item, &mut head, &mut tail)?;
    /// assert_eq!(&head[..], b"\0\0\0\x05");
    /// assert_eq!(payload, Some(&b"hello"[..]));
    /// assert!(tail.is_empty());
    /// # Ok::<(), rionet::Error>(())
    /// ```
    fn encode_parts<'i>(
        &mut self,
        item: &'i Item,
        head: &mut BytesMut,
        tail: &mut BytesMut,
    ) -> Result<Option<&'i [u8]>> {
        let _ = (item, head, tail);
        Ok(None)
    }
}
