//! `bind_udp`: a UDP socket bound dual-stack, the datagram twin of
//! `open_listenfd`.

use std::net::UdpSocket;

use socket2::{Domain, Protocol, Socket, Type};

use super::error::ListenError;
use super::listen::bind_wildcard;

/// Binds a UDP socket on `port` on every local address, for servers that
/// answer datagrams from IPv4 and IPv6 peers alike.
///
/// Like [`open_listenfd`](crate::open_listenfd): binds `[::]` with
/// `IPV6_V6ONLY` off (IPv4 peers then appear as `[::ffff:a.b.c.d]`), falling
/// back to `0.0.0.0` only where the host has no IPv6; port 0 picks a free
/// port, readable through [`UdpSocket::local_addr`]. Unlike it, no
/// `SO_REUSEADDR`: UDP has no `TIME_WAIT` to wait out, and on Linux the
/// option would let a second server share the port and take its datagrams.
///
/// # Examples
///
/// ```
/// # fn main() -> rionet::Result<()> {
/// let socket = rionet::bind_udp(0)?;
/// let port = socket.local_addr()?.port();
/// let peer = std::net::UdpSocket::bind("127.0.0.1:0")?;
/// peer.send_to(b"ping", ("127.0.0.1", port))?;
/// let mut buf = [0u8; 16];
/// let (n, _from) = socket.recv_from(&mut buf)?;
/// assert_eq!(&buf[..n], b"ping");
/// # Ok(())
/// # }
/// ```
///
/// # Errors
///
/// A [`ListenError`] listing each address tried (a port
/// already in use is reported, not papered over with an IPv4-only socket). A
/// socket that fails any step is closed.
pub fn bind_udp(port: u16) -> Result<UdpSocket, ListenError> {
    bind_wildcard(None, port, |addr| {
        let socket = Socket::new(Domain::for_address(addr), Type::DGRAM, Some(Protocol::UDP))?;
        if addr.is_ipv6() {
            socket.set_only_v6(false)?;
        }
        socket.bind(&addr.into())?;
        Ok(socket.into())
    })
    .map_err(|attempts| ListenError::udp(port, attempts))
}
