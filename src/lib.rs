//! Network-programming helpers in the spirit of CS:APP chapter 11.
#![deny(
    missing_docs,
    missing_debug_implementations,
    rust_2018_idioms,
    unreachable_pub
)]
#![forbid(unsafe_code)]

mod error;
pub mod frame;
mod net;
mod rio;

pub use error::{Attempt, Error, Result};
pub use net::{Server, ServerHandle};
