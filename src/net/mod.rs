//! Connection helpers: `open_clientfd`, `open_listenfd` and their builders.

mod connect;
mod listen;

pub use connect::{Connector, open_clientfd};
pub use listen::{ListenOptions, open_listenfd};
