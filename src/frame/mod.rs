//! Framers for TCP byte streams: the cure for "sticky packets".

mod codec;
mod oversize;

pub use codec::{Decoder, Encoder};
pub use oversize::Oversize;
