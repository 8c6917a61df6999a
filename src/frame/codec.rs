//! The sans-IO codec traits every framer implements.

use bytes::{Bytes, BytesMut};

use crate::{Error, Result};

/// Splits frames off the front of a byte buffer.
///
/// A decoder is sans-IO: the caller appends whatever bytes arrived to `src`
/// and calls [`decode`](Decoder::decode) until it returns `Ok(None)`.
/// Frames come out as [`Bytes`] split off `src` without copying.
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
