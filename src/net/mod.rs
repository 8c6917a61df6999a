//! Connection helpers: `open_clientfd`, `open_listenfd` and their builders,
//! and a server helper to serve a listener.

mod connect;
mod listen;
mod server;

pub use connect::{Connector, open_clientfd};
pub use listen::{ListenOptions, open_listenfd};
pub use server::{Server, ServerHandle};
