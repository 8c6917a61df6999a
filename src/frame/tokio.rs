//! tokio-util interop (cargo feature `tokio-util`): every rionet codec is
//! also a [`tokio_util::codec::Decoder`] and [`tokio_util::codec::Encoder`],
//! with the same item and the same typed error ([`FrameError`]), so it plugs
//! into `FramedRead` / `FramedWrite` / `Framed` and a caller still matches
//! on [`FrameError::FrameTooLarge`] and asks
//! [`is_recoverable`](FrameError::is_recoverable).
//!
//! Both crates name their traits `Decoder` and `Encoder`, with the same
//! method names: with both in scope, `codec.decode(..)` is ambiguous. Import
//! one of them by name and the other anonymously (`use
//! tokio_util::codec::Decoder as _;` is enough for `FramedRead`), or call
//! through the trait, as below.
//!
//! ```
//! use bytes::BytesMut;
//! use rionet::frame::{Decoder, FrameError, LengthPrefix};
//!
//! let mut codec = LengthPrefix::builder().max_frame_len(4).build();
//! let mut src = BytesMut::from(&b"\0\0\0\x02hi\0\0\0\x09"[..]);
//! // The tokio-util trait method, as FramedRead calls it.
//! let frame = tokio_util::codec::Decoder::decode(&mut codec, &mut src)?;
//! assert_eq!(frame.as_deref(), Some(&b"hi"[..]));
//! // rionet's, on the same codec: the same typed error either way.
//! match Decoder::decode(&mut codec, &mut src) {
//!     Err(FrameError::FrameTooLarge { len: 9, max: 4, .. }) => {}
//!     other => panic!("{other:?}"),
//! }
//! # Ok::<(), FrameError>(())
//! ```

use bytes::{Bytes, BytesMut};

use crate::frame::{Delimited, FixedLength, FrameError, LengthPrefix, Lines};

macro_rules! tokio_codecs {
    ($($codec:ty),* $(,)?) => {$(
        impl tokio_util::codec::Decoder for $codec {
            type Item = Bytes;
            type Error = FrameError;

            fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Bytes>, FrameError> {
                crate::frame::Decoder::decode(self, src)
            }

            fn decode_eof(&mut self, src: &mut BytesMut) -> Result<Option<Bytes>, FrameError> {
                crate::frame::Decoder::decode_eof(self, src)
            }
        }

        impl<Item: AsRef<[u8]>> tokio_util::codec::Encoder<Item> for $codec {
            type Error = FrameError;

            fn encode(&mut self, item: Item, dst: &mut BytesMut) -> Result<(), FrameError> {
                crate::frame::Encoder::encode(self, item, dst)
            }
        }
    )*};
}

tokio_codecs!(LengthPrefix, Delimited, Lines, FixedLength);
