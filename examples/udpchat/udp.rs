//! The two UDP socket chores both modes share: binding the server
//! dual-stack, and receiving one datagram within the socket's read timeout.
//!
//! `bind_dual_stack` is the UDP twin of the dual-stack part of
//! `rionet::open_listenfd`; it lives here until a second UDP user makes it
//! earn a place in the library.

use std::io;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, UdpSocket};

use socket2::{Domain, Protocol, Socket, Type};

/// Binds a UDP socket on `port` for both IPv4 and IPv6 where possible.
///
/// Tries `[::]:port` with `IPV6_V6ONLY` off (IPv4 peers then appear as
/// `::ffff:a.b.c.d`); if the host has no IPv6 (creating or binding the IPv6
/// socket fails for any reason but "address in use" or "permission denied"),
/// falls back to `0.0.0.0:port`. No `SO_REUSEADDR`: UDP has no `TIME_WAIT` to
/// wait out, and on Linux the option would let a second server share the port
/// and silently steal datagrams.
pub(crate) fn bind_dual_stack(port: u16) -> io::Result<UdpSocket> {
    let v6 = || -> io::Result<UdpSocket> {
        let socket = Socket::new(Domain::IPV6, Type::DGRAM, Some(Protocol::UDP))?;
        socket.set_only_v6(false)?;
        socket.bind(&SocketAddr::from((Ipv6Addr::UNSPECIFIED, port)).into())?;
        Ok(socket.into())
    };
    match v6() {
        Ok(socket) => Ok(socket),
        Err(e)
            if matches!(
                e.kind(),
                io::ErrorKind::AddrInUse | io::ErrorKind::PermissionDenied
            ) =>
        {
            Err(io::Error::new(e.kind(), format!("bind [::]:{port}: {e}")))
        }
        Err(v6_err) => {
            let v4 = SocketAddr::from((Ipv4Addr::UNSPECIFIED, port));
            eprintln!("udpchat: no IPv6 ([::]:{port}: {v6_err}); serving IPv4 only");
            UdpSocket::bind(v4).map_err(|e| {
                io::Error::new(
                    e.kind(),
                    format!("bind [::]:{port}: {v6_err}; bind {v4}: {e}"),
                )
            })
        }
    }
}

/// Receives one datagram into `buf`, waiting at most the socket's read
/// timeout: `Ok(None)` when it passed (`WouldBlock` or `TimedOut`, depending
/// on the platform); `Interrupted` is retried.
pub(crate) fn recv_within(
    socket: &UdpSocket,
    buf: &mut [u8],
) -> io::Result<Option<(usize, SocketAddr)>> {
    loop {
        match socket.recv_from(buf) {
            Ok(got) => return Ok(Some(got)),
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                return Ok(None);
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn dual_stack_bind_gives_a_port_and_port_0_picks_a_free_one() {
        let socket = bind_dual_stack(0).unwrap();
        let local = socket.local_addr().unwrap();
        assert_ne!(local.port(), 0);
        assert!(local.ip().is_unspecified());
        // A second server on the same port is refused, not silently shared.
        let err = bind_dual_stack(local.port()).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AddrInUse);
    }

    #[test]
    fn recv_within_reports_the_timeout_as_none() {
        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
        socket
            .set_read_timeout(Some(Duration::from_millis(20)))
            .unwrap();
        let mut buf = [0u8; 8];
        assert!(recv_within(&socket, &mut buf).unwrap().is_none());
        socket.send_to(b"hi", socket.local_addr().unwrap()).unwrap();
        let (n, from) = recv_within(&socket, &mut buf).unwrap().unwrap();
        assert_eq!(
            (&buf[..n], from),
            (&b"hi"[..], socket.local_addr().unwrap())
        );
    }
}
