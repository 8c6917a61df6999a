//! [`Keepalive`]: TCP keepalive settings for [`Connector`](crate::Connector),
//! in rionet's own type so that no `socket2` type is part of the API.

use std::io;
use std::time::Duration;

use socket2::{Socket, TcpKeepalive};

use platform::{with_interval, with_retries};

/// TCP keepalive parameters: turn `SO_KEEPALIVE` on and, for each one set,
/// the matching per-socket option.
///
/// | setting | socket option | where it is available |
/// |---|---|---|
/// | [`idle`](Keepalive::idle) | `TCP_KEEPIDLE` (`TCP_KEEPALIVE` on macOS / iOS) | every platform with keepalive, Windows included |
/// | [`interval`](Keepalive::interval) | `TCP_KEEPINTVL` | Linux, Android, the BSDs but OpenBSD, macOS / iOS, illumos, Fuchsia, Windows |
/// | [`retries`](Keepalive::retries) | `TCP_KEEPCNT` | as `interval` (Windows 10 1703 and later) |
///
/// A setting left unset keeps the OS default (Linux: 7200 s idle, 75 s
/// interval, 9 probes). A setting the platform lacks makes
/// [`Connector::connect`](crate::Connector::connect) fail with
/// [`ConnectError::Configure`](crate::ConnectError::Configure) of kind
/// [`io::ErrorKind::Unsupported`] rather than being ignored. Times are
/// rounded down to whole seconds by most systems.
///
/// The setters take and return the value, so one expression builds it.
///
/// # Examples
///
/// ```no_run
/// # fn main() -> Result<(), rionet::ConnectError> {
/// use std::time::Duration;
///
/// use rionet::{Connector, Keepalive};
///
/// let keepalive = Keepalive::new()
///     .idle(Duration::from_secs(60))
///     .interval(Duration::from_secs(10))
///     .retries(3);
/// let stream = Connector::new().keepalive(Some(keepalive)).connect("localhost", 15213)?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Keepalive {
    idle: Option<Duration>,
    interval: Option<Duration>,
    retries: Option<u32>,
}

impl Keepalive {
    /// Keepalive on, every parameter left to the OS.
    pub const fn new() -> Self {
        Keepalive {
            idle: None,
            interval: None,
            retries: None,
        }
    }

    /// How long the connection stays idle before the first probe
    /// (`TCP_KEEPIDLE`).
    pub const fn idle(self, idle: Duration) -> Self {
        Keepalive {
            idle: Some(idle),
            ..self
        }
    }

    /// The time between probes that get no answer (`TCP_KEEPINTVL`).
    pub const fn interval(self, interval: Duration) -> Self {
        Keepalive {
            interval: Some(interval),
            ..self
        }
    }

    /// How many unanswered probes close the connection (`TCP_KEEPCNT`).
    pub const fn retries(self, retries: u32) -> Self {
        Keepalive {
            retries: Some(retries),
            ..self
        }
    }

    /// Sets `SO_KEEPALIVE` and the parameters on `socket`.
    pub(crate) fn apply(&self, socket: &Socket) -> io::Result<()> {
        let mut params = TcpKeepalive::new();
        if let Some(idle) = self.idle {
            params = params.with_time(idle);
        }
        if let Some(interval) = self.interval {
            params = with_interval(params, interval)?;
        }
        if let Some(retries) = self.retries {
            params = with_retries(params, retries)?;
        }
        socket.set_keepalive(true)?;
        socket.set_tcp_keepalive(&params)
    }
}

/// Where socket2 sets `TCP_KEEPINTVL` and `TCP_KEEPCNT`.
#[cfg(any(
    target_os = "android",
    target_os = "dragonfly",
    target_os = "freebsd",
    target_os = "fuchsia",
    target_os = "illumos",
    target_os = "ios",
    target_os = "linux",
    target_os = "macos",
    target_os = "netbsd",
    target_os = "tvos",
    target_os = "watchos",
    target_os = "windows",
))]
mod platform {
    use std::io;
    use std::time::Duration;

    use socket2::TcpKeepalive;

    pub(super) fn with_interval(
        params: TcpKeepalive,
        interval: Duration,
    ) -> io::Result<TcpKeepalive> {
        Ok(params.with_interval(interval))
    }

    pub(super) fn with_retries(params: TcpKeepalive, retries: u32) -> io::Result<TcpKeepalive> {
        Ok(params.with_retries(retries))
    }
}

/// Everywhere else: asking for either is an error, never a silent no-op.
#[cfg(not(any(
    target_os = "android",
    target_os = "dragonfly",
    target_os = "freebsd",
    target_os = "fuchsia",
    target_os = "illumos",
    target_os = "ios",
    target_os = "linux",
    target_os = "macos",
    target_os = "netbsd",
    target_os = "tvos",
    target_os = "watchos",
    target_os = "windows",
)))]
mod platform {
    use std::io;
    use std::time::Duration;

    use socket2::TcpKeepalive;

    pub(super) fn with_interval(
        _params: TcpKeepalive,
        _interval: Duration,
    ) -> io::Result<TcpKeepalive> {
        Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "TCP_KEEPINTVL is not available on this platform",
        ))
    }

    pub(super) fn with_retries(_params: TcpKeepalive, _retries: u32) -> io::Result<TcpKeepalive> {
        Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "TCP_KEEPCNT is not available on this platform",
        ))
    }
}
