//! Naive reference models of rionet's framers and readers, written from
//! their documentation: slow, obvious, and independent of the code under
//! test.

mod delimited;
mod event;
mod fixed;
mod length;
mod lines;
mod stream;

pub use delimited::{DelimitedModel, delimited_events};
pub use event::{Event, Outcome};
pub use fixed::fixed_events;
pub use length::{LengthModel, Width, length_events};
pub use lines::{LinesModel, lines_events};
pub use stream::{Line, StreamModel};
