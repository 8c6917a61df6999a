//! Framers for TCP byte streams: the cure for "sticky packets".

mod codec;
mod length;
mod oversize;
mod reader;
#[cfg(feature = "tokio-util")]
mod tokio;
mod writer;

pub use codec::{Decoder, Encoder};
pub use length::{LengthPrefix, LengthPrefixBuilder};
pub use oversize::Oversize;
pub use reader::FrameReader;
pub use writer::FrameWriter;
