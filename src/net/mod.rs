//! Connection helpers: `open_clientfd`, `open_listenfd` and their builders.

mod server;

pub use server::{Server, ServerHandle};
