//! Every bound Tiny puts on a client, in one place.
//!
//! Today's `rionet::Server` has no timeouts and no connection limit, so Tiny
//! sets socket timeouts and counts connections itself, here; once `Server`
//! has `read_timeout`, `write_timeout` and `max_connections`, these become
//! its settings.

use std::net::TcpStream;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

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
    /// Applies the socket-level settings to a new connection: the write
    /// timeout (`SO_SNDTIMEO`) and `TCP_NODELAY` (a response's last partial
    /// segment must not wait for the client's delayed ACK). Read timeouts
    /// are set per read by [`crate::deadline::DeadlineReader`].
    pub fn apply(&self, stream: &TcpStream) -> std::io::Result<()> {
        stream.set_write_timeout(Some(self.write_timeout))?;
        stream.set_nodelay(true)
    }
}

/// Counts the connections being served; [`try_enter`](Self::try_enter)
/// refuses one over the maximum.
#[derive(Debug)]
pub struct ConnectionLimit {
    active: AtomicUsize,
    max: usize,
}

/// A place taken in a [`ConnectionLimit`], given back on drop.
#[derive(Debug)]
pub struct Slot<'a>(&'a ConnectionLimit);

impl ConnectionLimit {
    /// A limit of `max` connections at once.
    pub fn new(max: usize) -> Self {
        ConnectionLimit {
            active: AtomicUsize::new(0),
            max,
        }
    }

    /// Takes a place, or `None` when `max` connections are being served.
    pub fn try_enter(&self) -> Option<Slot<'_>> {
        self.active
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < self.max).then_some(n + 1)
            })
            .ok()
            .map(|_| Slot(self))
    }
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        self.0.active.fetch_sub(1, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limit_refuses_beyond_max_and_frees_on_drop() {
        let limit = ConnectionLimit::new(2);
        let a = limit.try_enter().expect("first");
        let _b = limit.try_enter().expect("second");
        assert!(limit.try_enter().is_none());
        drop(a);
        assert!(limit.try_enter().is_some());
    }
}
