//! Receiving one datagram within the socket's read timeout, a chore both
//! modes share. (The server's dual-stack bind is `rionet::bind_udp`.)

use std::io;
use std::net::{SocketAddr, UdpSocket};

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
