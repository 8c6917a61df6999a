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
}
