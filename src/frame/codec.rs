//! The sans-IO codec traits every framer implements.

use std::io;

use bytes::BytesMut;

use super::FrameError;

/// Splits frames off the front of a byte buffer.
///
/// A decoder is sans-IO: the caller appends whatever bytes arrived to `src`
/// and calls [`decode`](Decoder::decode) until it returns `Ok(None)`. The
/// built-in codecs yield [`Bytes`](bytes::Bytes) split off `src` without
/// copying, with [`FrameError`] as their error; a codec of your own picks
/// its `Item` (a typed message) and its `Error` (anything `From<io::Error>`),
/// and plugs into [`FrameReader`](super::FrameReader) and
/// [`Framed`](super::Framed) the same way. The shape is tokio-util's
/// `Decoder`, so a codec ports between the two by changing the `use` line.
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
/// # Ok::<(), rionet::frame::FrameError>(())
/// ```
///
/// A codec of your own usually wraps a built-in one and parses its frames:
///
/// ```
/// use bytes::BytesMut;
/// use rionet::frame::{Decoder, FrameError, Lines};
///
/// /// `ADD a b` lines, parsed.
/// struct AddCodec(Lines);
///
/// #[derive(Debug, thiserror::Error)]
/// enum AddError {
///     #[error(transparent)]
///     Frame(#[from] FrameError),
///     #[error("not an ADD command: {0:?}")]
///     Parse(String),
/// }
///
/// impl From<std::io::Error> for AddError {
///     fn from(err: std::io::Error) -> Self {
///         AddError::Frame(err.into())
///     }
/// }
///
/// impl Decoder for AddCodec {
///     type Item = (i64, i64);
///     type Error = AddError;
///
///     fn decode(&mut self, src: &mut BytesMut) -> Result<Option<(i64, i64)>, AddError> {
///         let Some(line) = self.0.decode(src)? else { return Ok(None) };
///         let text = String::from_utf8_lossy(&line);
///         let mut words = text.split(' ');
///         match (words.next(), words.next(), words.next()) {
///             (Some("ADD"), Some(a), Some(b)) => match (a.parse(), b.parse()) {
///                 (Ok(a), Ok(b)) => Ok(Some((a, b))),
///                 _ => Err(AddError::Parse(text.into_owned())),
///             },
///             _ => Err(AddError::Parse(text.into_owned())),
///         }
///     }
/// }
///
/// let mut codec = AddCodec(Lines::new());
/// let mut src = BytesMut::from(&b"ADD 2 40\n"[..]);
/// assert_eq!(codec.decode(&mut src)?, Some((2, 40)));
/// # Ok::<(), AddError>(())
/// ```
pub trait Decoder {
    /// What a frame decodes to: [`Bytes`](bytes::Bytes) for the built-in
    /// codecs.
    type Item;

    /// What decoding can fail with: [`FrameError`] for the built-in codecs.
    /// `From<io::Error>`, so a reader can report its I/O errors through it.
    type Error: From<io::Error>;

    /// Takes the next complete frame off the front of `src`.
    ///
    /// Returns `Ok(None)` when `src` does not yet hold a whole frame; the
    /// decoder remembers how far it got, so the next call does not rescan.
    ///
    /// # Errors
    ///
    /// Malformed or oversized input, as documented by each framer.
    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Self::Item>, Self::Error>;

    /// After [`decode`](Decoder::decode) returned `Ok(None)` on `src`: the
    /// whole length on the wire of the frame at the front of `src` (from
    /// `src[0]`, header included), when a header has declared it.
    ///
    /// [`FrameReader`](super::FrameReader) uses it to size its reads to the
    /// rest of the frame and to grow its buffer towards the frame's size
    /// without copying it again and again; it never reserves more than a
    /// few times what has actually arrived on the word of a hint, so a
    /// wrong or hostile hint costs speed, not memory. `None` (the provided
    /// default) is always correct.
    ///
    /// # Examples
    ///
    /// ```
    /// use bytes::BytesMut;
    /// use rionet::frame::{Decoder, LengthPrefix};
    ///
    /// let mut codec = LengthPrefix::new();
    /// let mut src = BytesMut::from(&b"\0\0\x01\0abc"[..]);
    /// assert_eq!(codec.decode(&mut src)?, None);
    /// assert_eq!(codec.frame_len_hint(&src), Some(4 + 256));
    /// # Ok::<(), rionet::frame::FrameError>(())
    /// ```
    fn frame_len_hint(&self, src: &[u8]) -> Option<usize> {
        let _ = src;
        None
    }

    /// Like [`decode`](Decoder::decode), called once the stream has ended:
    /// no more bytes will be appended to `src`.
    ///
    /// # Errors
    ///
    /// [`FrameError::PartialFrame`] when `src` still holds bytes that are
    /// not a whole frame; the error carries those bytes. The provided method
    /// hands it over as an `io::Error` of kind `UnexpectedEof` converted
    /// into `Self::Error` (which gives the `FrameError` back when
    /// `Self::Error` is `FrameError`); the built-in codecs also say how long
    /// the frame was to be when a header told them.
    ///
    /// # Examples
    ///
    /// ```
    /// use bytes::BytesMut;
    /// use rionet::frame::{Decoder, FrameError, LengthPrefix};
    ///
    /// let mut codec = LengthPrefix::new();
    /// let mut src = BytesMut::from(&b"\0\0\0\x05hel"[..]);
    /// let err = codec.decode_eof(&mut src).unwrap_err();
    /// assert_eq!(err.to_string(), "stream ended in the middle of a frame: 7 of 9 bytes");
    /// match err {
    ///     FrameError::PartialFrame { pending, .. } => assert_eq!(&pending[..], b"\0\0\0\x05hel"),
    ///     other => panic!("{other:?}"),
    /// }
    /// ```
    fn decode_eof(&mut self, src: &mut BytesMut) -> Result<Option<Self::Item>, Self::Error> {
        match self.decode(src)? {
            Some(frame) => Ok(Some(frame)),
            None if src.is_empty() => Ok(None),
            None => {
                let pending = src.split().freeze();
                let err = FrameError::PartialFrame {
                    had: pending.len() as u64,
                    expected: None,
                    pending,
                };
                Err(io::Error::from(err).into())
            }
        }
    }
}

/// Writes frames of type `Item` into a byte buffer, in the wire layout its
/// decoder reads.
///
/// The built-in codecs take any `T: AsRef<[u8]>` (`&[u8]`, `&[u8; N]`,
/// `&str`, `String`, `Vec<u8>`, `Bytes`, `BytesMut`...) with [`FrameError`]
/// as their error; a codec of your own encodes its typed messages, usually
/// by formatting them and handing the bytes to a built-in codec.
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
/// codec.encode("ok", &mut dst)?;
/// assert_eq!(&dst[..], b"\x02hi\x02ok");
/// # Ok::<(), rionet::frame::FrameError>(())
/// ```
pub trait Encoder<Item> {
    /// What encoding can fail with: [`FrameError`] for the built-in codecs.
    type Error: From<io::Error>;

    /// Appends `item`, framed, to `dst`.
    ///
    /// # Errors
    ///
    /// An item the wire format cannot carry (too long for the length field,
    /// over the maximum frame size, containing a delimiter...), as
    /// documented by each framer. Nothing is written to `dst` then.
    fn encode(&mut self, item: Item, dst: &mut BytesMut) -> Result<(), Self::Error>;

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
    /// # Ok::<(), rionet::frame::FrameError>(())
    /// ```
    fn encode_parts<'i>(
        &mut self,
        item: &'i Item,
        head: &mut BytesMut,
        tail: &mut BytesMut,
    ) -> Result<Option<&'i [u8]>, Self::Error> {
        let _ = (item, head, tail);
        Ok(None)
    }
}
