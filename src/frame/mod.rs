//! Framers for TCP byte streams: the cure for "sticky packets".
//!
//! TCP delivers bytes, not messages: two writes may arrive in one read, one
//! write may take several. A framer finds the message boundaries again, with
//! one of the three classic cures:
//!
//! | cure | codec | wire |
//! |---|---|---|
//! | a length header | [`LengthPrefix`] | `len | payload`, 1..=8-byte or LEB128 varint field, Netty / tokio-util layouts |
//! | a delimiter | [`Delimited`], [`Lines`] | `payload | delimiter` |
//! | a fixed size | [`FixedLength`] | `payload` of exactly `n` bytes |
//!
//! Every codec is sans-IO: it implements [`Decoder`] (bytes in a
//! [`BytesMut`](bytes::BytesMut) → frames as [`Bytes`](bytes::Bytes), split
//! off without copying) and [`Encoder`] (frames → bytes, in exactly the
//! layout its decoder reads). [`FrameReader`] and [`FrameWriter`] drive them
//! over any blocking `Read` / `Write`; with the `tokio-util` feature they
//! also plug into tokio-util's `FramedRead` / `FramedWrite`.
//!
//! Every decoder bounds memory: a maximum frame size with an [`Oversize`]
//! policy, and no reservation on the word of a length header. A stream that
//! ends inside a frame is [`Error::PartialFrame`](crate::Error::PartialFrame),
//! which carries the pending bytes.
//!
//! # Examples
//!
//! ```
//! use rionet::frame::{FrameReader, FrameWriter, LengthPrefix};
//!
//! # fn main() -> rionet::Result<()> {
//! let mut writer = FrameWriter::new(Vec::new(), LengthPrefix::new());
//! writer.send(&b"Client Query test"[..])?;
//! writer.send(&b"Cleint Query"[..])?;
//! let wire = writer.into_inner()?; // all stuck together
//!
//! let frames: Vec<_> = FrameReader::new(&wire[..], LengthPrefix::new())
//!     .collect::<rionet::Result<_>>()?;
//! assert_eq!(frames, [&b"Client Query test"[..], &b"Cleint Query"[..]]);
//! # Ok(())
//! # }
//! ```

mod codec;
mod delimiter;
mod fixed;
mod length;
mod lines;
mod oversize;
mod reader;
mod scan;
#[cfg(feature = "tokio-util")]
mod tokio;
mod writer;

pub use codec::{Decoder, Encoder};
pub use delimiter::{Delimited, DelimitedBuilder};
pub use fixed::FixedLength;
pub use length::{LengthPrefix, LengthPrefixBuilder};
pub use lines::{Lines, LinesBuilder};
pub use oversize::Oversize;
pub use reader::FrameReader;
pub use writer::FrameWriter;
