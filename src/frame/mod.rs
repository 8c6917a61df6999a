//! Framers for TCP byte streams: the cure for "sticky packets".

mod codec;

pub use codec::{Decoder, Encoder};
