//! Framers for TCP byte streams: the cure for "sticky packets".

mod codec;
mod delimiter;
mod fixed;
mod lines;
mod oversize;
mod scan;

pub use codec::{Decoder, Encoder};
pub use delimiter::{Delimited, DelimitedBuilder};
pub use fixed::FixedLength;
pub use lines::{Lines, LinesBuilder};
pub use oversize::Oversize;
