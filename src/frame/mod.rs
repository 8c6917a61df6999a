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
//! off without copying) and [`Encoder`] (any `AsRef<[u8]>` item → bytes, in
//! exactly the layout its decoder reads), with [`FrameError`] as their
//! error. [`FrameReader`], [`FrameWriter`] and [`Framed`] drive any codec
//! of these two traits over blocking `Read` / `Write`, a codec of your own
//! included (typed messages parsed from a built-in codec's frames, see
//! [`Decoder`]); with the `tokio-util` feature the built-in codecs also plug
//! into tokio-util's `FramedRead` / `FramedWrite`, with the same typed error.
//!
//! Where a frame is looked at and dropped (parsed, counted, copied on), a
//! built-in codec also lends it: [`BorrowDecoder::decode_slice`] finds the
//! next frame as a range of a byte slice, and
//! [`FrameReader::read_frame_slice`] hands it out as `&[u8]` borrowed from
//! the reader's buffer until the next call, with the same limits, skips
//! and errors and without the per-frame cost of a `Bytes`.
//!
//! # Limits: one rule
//!
//! Every codec builder has `max_frame_len` ([`FixedLength`] has no builder
//! and needs no limit: its one frame length is the `new` argument), and it
//! counts one thing: **the bytes of the frame the decoder hands back** — after the header bytes it
//! strips, without a stripped delimiter, with a kept one. The encoder takes
//! that same frame as its item and refuses one over the maximum.
//! [`RioReader::max_line`](crate::RioReader) follows the same rule (its
//! lines come back with their `\n`, which therefore counts). Any number is
//! a maximum, `usize::MAX` included: a header declaring more is
//! [`FrameError::FrameTooLarge`]. Memory stays bounded by the maximum: a
//! decoder never buffers more than the maximum plus a header (or a
//! delimiter) of a frame it has not handed back, and never reserves memory
//! on the word of a header.
//!
//! | setting elsewhere | rionet |
//! |---|---|
//! | tokio-util `LengthDelimitedCodec::max_frame_length` (default 8 MiB, the adjusted length after the header) | [`LengthPrefixBuilder::max_frame_len`] (default 8 MiB): the same frames pass with the default strip |
//! | tokio-util `num_skip(n)` | [`LengthPrefixBuilder::strip`]`(n)`; the stripped bytes do not count |
//! | tokio-util `length_adjustment(a)` | [`LengthPrefixBuilder::length_adjustment`]: the same when `num_skip` is the whole header, otherwise `a + num_skip − header` |
//! | tokio-util `LinesCodec::new_with_max_length(n)` | [`LinesBuilder::max_frame_len`]`(n)`, line ending excluded (tokio-util counts a `\r` before the `\n`, rionet does not) |
//! | tokio-util `AnyDelimiterCodec::new_with_max_length(.., n)` | [`DelimitedBuilder::max_frame_len`]`(n)` |
//! | Netty `maxFrameLength` (the whole frame, header included) | `max_frame_len(maxFrameLength − initialBytesToStrip)` |
//! | Netty `initialBytesToStrip` | [`LengthPrefixBuilder::strip`] |
//! | Netty `lengthAdjustment` | [`LengthPrefixBuilder::length_adjustment`], the same |
//!
//! What happens to a frame over the maximum is the [`Oversize`] policy:
//! an error, or a skip. A skip is not an error: the frame is dropped and
//! counted (`skipped_frames`, `skipped_bytes` on the codec, reachable
//! through [`FrameReader::decoder`]).
//!
//! # Errors: recoverable or fatal
//!
//! Every [`FrameError`] says, with [`FrameError::is_recoverable`], whether
//! the stream is still usable (the table is on [`FrameError`]): an
//! oversized line under [`Delimited`] / [`Lines`] is recoverable, a
//! distrusted length header or a broken connection is not.
//! [`FrameReader`]'s iterator yields a recoverable error and carries on, and
//! ends after a fatal one. A stream cut mid-frame reports what it had and,
//! where a header said so, what it expected ("10 of 104 bytes").
//!
//! # Examples
//!
//! ```
//! use rionet::frame::{FrameError, FrameReader, FrameWriter, LengthPrefix};
//!
//! let mut writer = FrameWriter::new(Vec::new(), LengthPrefix::new());
//! writer.send("Client Query test")?;
//! writer.send(b"Cleint Query")?;
//! let wire = writer.into_inner()?; // all stuck together
//!
//! let frames: Vec<_> = FrameReader::new(&wire[..], LengthPrefix::new())
//!     .collect::<Result<_, FrameError>>()?;
//! assert_eq!(frames, [&b"Client Query test"[..], &b"Cleint Query"[..]]);
//! # Ok::<(), FrameError>(())
//! ```

mod borrow;
mod codec;
mod deadline;
mod delimiter;
mod error;
mod fixed;
mod framed;
mod length;
mod lines;
mod oversize;
mod reader;
mod scan;
#[cfg(feature = "tokio-util")]
mod tokio;
mod write_buf;
mod writer;

pub use borrow::{BorrowDecoder, Decoded};
pub use codec::{Decoder, Encoder};
pub use delimiter::{Delimited, DelimitedBuilder};
pub use error::FrameError;
pub use fixed::FixedLength;
pub use framed::Framed;
pub use length::{LengthPrefix, LengthPrefixBuilder};
pub use lines::{Lines, LinesBuilder};
pub use oversize::Oversize;
pub use reader::FrameReader;
pub use writer::FrameWriter;
