//! A server helper: an accept loop that hands every connection to a handler,
//! on a thread per connection or on a fixed pool of workers, with timeouts,
//! a connection limit, and counters instead of output.

mod accept;
mod builder;
mod error;
mod events;
mod handle;
mod live;
mod pool;

pub use builder::{Overload, Server};
pub use error::ServeError;
pub use handle::ServerHandle;
