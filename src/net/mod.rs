//! Connection helpers: `open_clientfd`, `open_listenfd`, `bind_udp` and their
//! builders.

mod connect;
mod listen;
mod udp;

pub use connect::{Connector, open_clientfd};
pub use listen::{ListenOptions, open_listenfd};
pub use udp::bind_udp;
