//! Connection helpers: `open_clientfd`, `open_listenfd`, `bind_udp` and their
//! builders, their errors, and a server helper to serve a listener.

mod connect;
mod deadline;
mod errno;
mod error;
mod keepalive;
mod listen;
mod server;
mod udp;

pub use connect::{Connector, open_clientfd};
pub use deadline::{ReadDeadline, TimedStream};
pub use error::{Attempt, ConnectError, ListenError};
pub use keepalive::Keepalive;
pub use listen::{ListenOptions, open_listenfd};
pub use server::{Overload, ServeError, Server, ServerHandle};
pub use udp::bind_udp;
