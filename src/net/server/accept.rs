//! The accept loop: admits connections under the limit and the overload
//! policy, sorts `accept` errors by `errno`, sheds clients when out of file
//! descriptors, and backs off without spinning.

use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, Ipv6Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::time::Duration;

use super::builder::{Overload, Settings};
use super::error::ServeError;
use super::events::event;
use super::live::{Counters, Shared};
use super::pool::{Dispatcher, Job, Rejected};
use crate::net::deadline::TimedStream;
use crate::net::errno;

/// First pause after accept runs out of a resource (file descriptors, memory).
pub(super) const BACKOFF_MIN: Duration = Duration::from_millis(5);
/// Longest pause after accept runs out of a resource.
pub(super) const BACKOFF_MAX: Duration = Duration::from_secs(1);
/// How long one wake-up connection to the listener may take.
const WAKE_CONNECT_TIMEOUT: Duration = Duration::from_millis(250);
/// At most this much a refused client sent is read (and dropped) before its
/// socket closes, so the close sends a FIN after the reply, not a reset.
const REFUSE_DRAIN: usize = 4096;

/// What the accept loop does after an error from `accept`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum AcceptError {
    /// Only the pending connection is lost: accept again at once.
    Transient,
    /// Out of file descriptors: shed a pending client with the reserve.
    OutOfFds,
    /// Out of another resource, or unknown: pause, accept again.
    BackOff,
    /// The listener itself is unusable: stop.
    Fatal,
}

/// Sorts an `accept` error; see [`Server`](super::Server) for the list.
pub(super) fn classify(err: &io::Error) -> AcceptError {
    use io::ErrorKind::*;
    match err.kind() {
        Interrupted | ConnectionAborted | ConnectionReset | NetworkDown | NetworkUnreachable
        | HostUnreachable | TimedOut => return AcceptError::Transient,
        // EAGAIN from a listener someone made nonblocking behind our back:
        // pausing beats spinning.
        WouldBlock | OutOfMemory => return AcceptError::BackOff,
        InvalidInput => return AcceptError::Fatal,
        _ => {}
    }
    // Linux passes on the new socket's pending network errors, which
    // accept(2) says to treat like EAGAIN; EPERM is a firewall rule refusing
    // that one connection.
    let transient = [
        errno::EPROTO,
        errno::ENONET,
        errno::ENOPROTOOPT,
        errno::EOPNOTSUPP,
        errno::EHOSTDOWN,
        errno::ENOSR,
        errno::ESOCKTNOSUPPORT,
        errno::EPROTONOSUPPORT,
        errno::EPERM,
    ];
    if transient.iter().any(|&code| errno::is(err, code)) {
        AcceptError::Transient
    } else if [errno::EMFILE, errno::ENFILE]
        .iter()
        .any(|&code| errno::is(err, code))
    {
        AcceptError::OutOfFds
    } else if [errno::EBADF, errno::ENOTSOCK, errno::EINVAL]
        .iter()
        .any(|&code| errno::is(err, code))
    {
        AcceptError::Fatal
    } else {
        // ENOBUFS, ENOMEM (kernel memory: it comes back), and anything unknown.
        AcceptError::BackOff
    }
}

/// One spare descriptor, given up to accept (and close) a pending client
/// when the process is out of them, then taken back.
struct Reserve(Option<std::fs::File>);

/// What [`Reserve::shed`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shed {
    /// A pending client was accepted and closed.
    Closed,
    /// No client was pending: nothing to shed.
    NonePending,
    /// No spare descriptor (it could not be taken back last time).
    NoReserve,
}

impl Reserve {
    fn open() -> Reserve {
        #[cfg(unix)]
        let file = std::fs::File::open("/dev/null").ok();
        #[cfg(not(unix))]
        let file = None;
        Reserve(file)
    }

    /// Takes the spare back if an earlier [`shed`](Reserve::shed) lost it.
    fn refill(&mut self) {
        if self.0.is_none() {
            *self = Reserve::open();
        }
    }

    /// Frees the spare descriptor, accepts one pending client without
    /// waiting and closes it at once, and takes the descriptor back.
    ///
    /// Out of descriptors, `accept` fails at once whether or not a client
    /// is pending; a blocking `accept` here would wait for the next client
    /// and close it, however late it came and though descriptors might
    /// have freed up meanwhile.
    fn shed(&mut self, listener: &TcpListener) -> Shed {
        if self.0.take().is_none() {
            self.refill();
            return Shed::NoReserve;
        }
        let shed = match listener.set_nonblocking(true) {
            Ok(()) => {
                let accepted = listener.accept();
                // Should this fail, `accept` reports `WouldBlock` and the
                // loop backs off instead of spinning.
                let _ = listener.set_nonblocking(false);
                if accepted.is_ok() {
                    Shed::Closed
                } else {
                    Shed::NonePending
                }
            }
            Err(_) => Shed::NonePending,
        };
        *self = Reserve::open();
        shed
    }
}

/// Accepts until the server is stopped or the listener fails for good.
pub(super) fn accept_loop<H>(
    listener: &TcpListener,
    settings: &Settings,
    shared: &Arc<Shared>,
    dispatcher: &mut Dispatcher<H>,
) -> Result<(), ServeError>
where
    H: Fn(TimedStream, SocketAddr) + Send + Sync + 'static,
{
    let addr = shared.local_addr;
    let wait = matches!(settings.overload, Overload::Wait);
    let mut backoff = BACKOFF_MIN;
    let mut reserve = Reserve::open();
    loop {
        if wait && !shared.wait_for_room(settings.max_connections) {
            return Ok(());
        }
        if shared.stopped() {
            return Ok(());
        }
        let err = match listener.accept() {
            Ok((socket, peer)) => {
                // The connection that woke us for a shutdown ends here too.
                if shared.stopped() {
                    return Ok(());
                }
                Counters::bump(&shared.counters.accepted);
                reserve.refill();
                if admit(socket, peer, settings, shared, dispatcher, wait) {
                    backoff = BACKOFF_MIN;
                } else {
                    pause(shared, &mut backoff);
                }
                continue;
            }
            Err(err) => err,
        };
        match classify(&err) {
            AcceptError::Transient => {}
            AcceptError::OutOfFds => match reserve.shed(listener) {
                Shed::Closed => {
                    Counters::bump(&shared.counters.refused);
                    event!(
                        warn,
                        "rionet server on {addr}: accept failed: {err}; closed one pending connection with the reserve descriptor"
                    );
                }
                // Nobody waits: look again after a pause, without a word.
                Shed::NonePending => pause(shared, &mut backoff),
                Shed::NoReserve => {
                    event!(
                        warn,
                        "rionet server on {addr}: accept failed: {err}; pausing {backoff:?}"
                    );
                    pause(shared, &mut backoff);
                }
            },
            AcceptError::BackOff => {
                event!(
                    warn,
                    "rionet server on {addr}: accept failed: {err}; pausing {backoff:?}"
                );
                pause(shared, &mut backoff);
            }
            AcceptError::Fatal => return Err(ServeError::Accept { addr, source: err }),
        }
    }
}

/// Sets the timeouts, takes a place in the count and hands the connection
/// over, or refuses it; false if it failed for want of a resource (a
/// thread, a socket option), so that the loop pauses.
fn admit<H>(
    socket: TcpStream,
    peer: SocketAddr,
    settings: &Settings,
    shared: &Arc<Shared>,
    dispatcher: &mut Dispatcher<H>,
    wait: bool,
) -> bool
where
    H: Fn(TimedStream, SocketAddr) + Send + Sync + 'static,
{
    let addr = shared.local_addr;
    let stream = match TimedStream::with_timeouts(
        socket,
        settings.read_timeout,
        settings.write_timeout,
    ) {
        Ok(stream) => stream,
        Err(err) => {
            Counters::bump(&shared.counters.refused);
            event!(
                warn,
                "rionet server on {addr}: closed the connection from {peer}: cannot set its timeouts: {err}"
            );
            return false;
        }
    };
    let Some(slot) = shared.admit(&stream, peer, settings.max_connections) else {
        refuse(
            shared,
            &settings.overload,
            stream,
            peer,
            "the connection limit is reached",
        );
        return true;
    };
    match dispatcher.dispatch(Job { stream, peer, slot }, wait) {
        Ok(()) => true,
        Err(Rejected::Full(job)) => {
            let Job { stream, peer, slot } = job;
            drop(slot);
            refuse(
                shared,
                &settings.overload,
                stream,
                peer,
                "every worker is busy",
            );
            true
        }
        Err(Rejected::Failed(err)) => {
            Counters::bump(&shared.counters.refused);
            event!(
                warn,
                "rionet server on {addr}: closed the connection from {peer} unserved: {err}"
            );
            false
        }
    }
}

/// Closes a connection over the limit, after the policy's reply if any.
fn refuse(shared: &Shared, overload: &Overload, stream: TimedStream, peer: SocketAddr, why: &str) {
    Counters::bump(&shared.counters.refused);
    event!(
        info,
        "rionet server on {}: refused the connection from {peer}: {why}",
        shared.local_addr
    );
    if shared.stopped() {
        return;
    }
    // Nonblocking: a refusal must never stall the accept loop.
    if stream.set_nonblocking(true).is_err() {
        return;
    }
    if let Overload::RefuseWith(reply) = overload {
        let _ = (&stream).write(reply);
    }
    let _ = stream.shutdown(Shutdown::Write);
    // Closing with unread input would reset the connection and could
    // destroy the reply before the client reads it.
    let mut sink = [0u8; 512];
    let mut drained = 0;
    while drained < REFUSE_DRAIN {
        match (&stream).read(&mut sink) {
            Ok(n) if n > 0 => drained += n,
            _ => break,
        }
    }
}

/// Sleeps for `backoff` (cut short by a shutdown), then doubles it up to
/// [`BACKOFF_MAX`].
pub(super) fn pause(shared: &Shared, backoff: &mut Duration) {
    shared.sleep_unless_stopped(*backoff);
    *backoff = (*backoff * 2).min(BACKOFF_MAX);
}

/// Connects to the listener so that an `accept` blocked on it returns.
pub(super) fn wake(local_addr: SocketAddr) {
    let port = local_addr.port();
    let targets: &[SocketAddr] = match local_addr.ip() {
        ip if !ip.is_unspecified() => &[local_addr],
        std::net::IpAddr::V4(_) => &[SocketAddr::new(Ipv4Addr::LOCALHOST.into(), port)],
        // A dual-stack `[::]` also answers on 127.0.0.1, should ::1 be missing.
        std::net::IpAddr::V6(_) => &[
            SocketAddr::new(Ipv6Addr::LOCALHOST.into(), port),
            SocketAddr::new(Ipv4Addr::LOCALHOST.into(), port),
        ],
    };
    for target in targets {
        if TcpStream::connect_timeout(target, WAKE_CONNECT_TIMEOUT).is_ok() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_errors_are_sorted() {
        let kind = |kind| classify(&io::Error::from(kind));
        assert_eq!(
            kind(io::ErrorKind::ConnectionAborted),
            AcceptError::Transient
        );
        assert_eq!(kind(io::ErrorKind::Interrupted), AcceptError::Transient);
        assert_eq!(kind(io::ErrorKind::InvalidInput), AcceptError::Fatal);
        assert_eq!(kind(io::ErrorKind::OutOfMemory), AcceptError::BackOff);
        assert_eq!(kind(io::ErrorKind::Other), AcceptError::BackOff);
        let raw = |code| classify(&io::Error::from_raw_os_error(code));
        if errno::EMFILE != errno::NONE {
            assert_eq!(raw(errno::EMFILE), AcceptError::OutOfFds, "EMFILE");
            assert_eq!(raw(errno::ENFILE), AcceptError::OutOfFds, "ENFILE");
            assert_eq!(raw(errno::ENOMEM), AcceptError::BackOff, "ENOMEM");
            assert_eq!(raw(errno::ENOBUFS), AcceptError::BackOff, "ENOBUFS");
            assert_eq!(raw(errno::EBADF), AcceptError::Fatal, "EBADF");
            assert_eq!(raw(errno::ENOTSOCK), AcceptError::Fatal, "ENOTSOCK");
            assert_eq!(raw(errno::EINVAL), AcceptError::Fatal, "EINVAL");
            assert_eq!(raw(errno::EPROTO), AcceptError::Transient, "EPROTO");
            // A firewall rule refusing one connection must not pause the
            // loop for everyone else.
            assert_eq!(raw(errno::EPERM), AcceptError::Transient, "EPERM");
        }
        #[cfg(all(target_os = "linux", target_arch = "x86_64"))]
        {
            // The table against the numbers of <errno.h> on this very host.
            assert_eq!(raw(105), AcceptError::BackOff, "ENOBUFS");
            assert_eq!(raw(71), AcceptError::Transient, "EPROTO");
            assert_eq!(raw(103), AcceptError::Transient, "ECONNABORTED");
            assert_eq!(raw(88), AcceptError::Fatal, "ENOTSOCK");
            assert_eq!(raw(63), AcceptError::Transient, "ENOSR");
            assert_eq!(raw(24), AcceptError::OutOfFds, "EMFILE");
        }
    }

    #[test]
    fn pause_grows_and_is_bounded() {
        let shared = Shared::new("127.0.0.1:1".parse().unwrap());
        let _ = shared.stop(); // makes pause return at once
        let mut backoff = BACKOFF_MIN;
        for _ in 0..20 {
            pause(&shared, &mut backoff);
        }
        assert_eq!(backoff, BACKOFF_MAX);
    }
}
