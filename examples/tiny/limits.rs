//! Every bound Tiny puts on a client, in one place: sizes here, timeouts and
//! the connection limit handed to `rionet::Server` by
//! [`Limits::configure`].

use std::time::Duration;

use rionet::{Overload, Server};

use crate::response::busy_reply;

/// A request line longer than this (its CRLF not counted) gets 414.
pub const MAX_REQUEST_LINE: usize = 8 * 1024;
/// Header lines (each CRLF counted, the blank line too) longer than this in
/// total get 431.
pub const MAX_HEADER_BYTES: usize = 64 * 1024;
/// More header lines than this get 431.
pub const MAX_HEADER_LINES: usize = 100;
/// A request body (Tiny ignores it) longer than this gets 413.
pub const MAX_IGNORED_BODY: u64 = 64 * 1024;
/// After an error reply, unread request bytes are drained for at most this
/// long before closing, so the reply is not destroyed by a reset.
pub const LINGER: Duration = Duration::from_secs(1);
/// At most this many unread bytes are drained when lingering.
pub const LINGER_BYTES: u64 = 256 * 1024;
/// A CGI program's output (head and body) over this many bytes gets 502.
pub const MAX_CGI_OUTPUT: u64 = 1024 * 1024;

/// The timeouts and the connection limit, with their defaults.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// A request head must have arrived in full this long after the
    /// connection opened or the previous response was sent (default 20 s),
    /// however slowly its bytes trickle in; else 408 and close. A
    /// keep-alive connection idle this long is closed without a reply.
    pub head_timeout: Duration,
    /// A write that makes no progress for this long drops the connection
    /// (default 30 s).
    pub write_timeout: Duration,
    /// Connections served at once (default 1024); one more gets 503.
    pub max_connections: usize,
    /// A CGI program must have finished within this long (default 10 s),
    /// else it is killed and the client gets 504.
    pub cgi_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            head_timeout: Duration::from_secs(20),
            write_timeout: Duration::from_secs(30),
            max_connections: 1024,
            cgi_timeout: Duration::from_secs(10),
        }
    }
}

impl Limits {
    /// Hands the server-level bounds to `server`: the write timeout, the
    /// head timeout as the idle read timeout (no read waits longer, whatever
    /// deadline is set), and the connection limit, one more being answered
    /// [`busy_reply`] and closed by the accept loop before any thread is
    /// spent on it. The head deadline is set per request by
    /// [`crate::conn::serve`].
    pub fn configure(&self, server: &mut Server) {
        server
            .read_timeout(Some(self.head_timeout))
            .write_timeout(Some(self.write_timeout))
            .max_connections(self.max_connections)
            .overload(Overload::RefuseWith(busy_reply().into()));
    }
}
