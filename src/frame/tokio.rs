//! tokio-util interop (cargo feature `tokio-util`): every rionet codec is
//! also a [`tokio_util::codec::Decoder`] and [`tokio_util::codec::Encoder`],
//! so it plugs into `FramedRead` / `FramedWrite` / `Framed`.
//!
//! The tokio-util traits want an error type that is `From<io::Error>`: the
//! rionet error is converted with `From<rionet::Error> for io::Error`, which
//! keeps it as the source (recover it with
//! [`io::Error::into_inner`] and `downcast`) and picks the matching
//! [`io::ErrorKind`] ([`rionet::Error::kind`](crate::Error::kind)).
//!
//! ```
//! use bytes::BytesMut;
//! use tokio_util::codec::Decoder;
//!
//! let mut codec = rionet::frame::LengthPrefix::new();
//! let mut src = BytesMut::from(&b"\0\0\0\x02hi"[..]);
//! // The tokio-util trait method, as FramedRead calls it.
//! let frame = Decoder::decode(&mut codec, &mut src)?;
//! assert_eq!(frame.as_deref(), Some(&b"hi"[..]));
//! # Ok::<(), std::io::Error>(())
//! ```

use std::io;

use bytes::{Bytes, BytesMut};

use crate::frame::{Delimited, FixedLength, LengthPrefix, Lines};

/// Implements the tokio-util codec traits for each listed rionet codec by
/// forwarding to its rionet `Decoder` / `Encoder<Item>` impls (every item
/// type it encodes).
macro_rules! tokio_codecs {
    ($($codec:ty),* $(,)?) => {$(
        impl tokio_util::codec::Decoder for $codec {
            type Item = Bytes;
            type Error = io::Error;

            fn decode(&mut self, src: &mut BytesMut) -> io::Result<Option<Bytes>> {
                crate::frame::Decoder::decode(self, src).map_err(io::Error::from)
            }

            fn decode_eof(&mut self, src: &mut BytesMut) -> io::Result<Option<Bytes>> {
                crate::frame::Decoder::decode_eof(self, src).map_err(io::Error::from)
            }
        }

        impl<Item> tokio_util::codec::Encoder<Item> for $codec
        where
            $codec: crate::frame::Encoder<Item>,
        {
            type Error = io::Error;

            fn encode(&mut self, item: Item, dst: &mut BytesMut) -> io::Result<()> {
                crate::frame::Encoder::encode(self, item, dst).map_err(io::Error::from)
            }
        }
    )*};
}

tokio_codecs!(LengthPrefix, Delimited, Lines, FixedLength);
