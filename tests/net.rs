//! Connection helpers over real loopback sockets.

mod util;

use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, TcpStream};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use rionet::{ConnectError, Connector, Keepalive, ListenOptions, open_clientfd, open_listenfd};
use util::{IO_TIMEOUT, refusing_port, with_timeouts};

/// A listener that serves one echo round trip per connection, until it has
/// served `count` of them. A connection closed without a round trip is
/// skipped: on a loaded machine the connector may start a second attempt
/// before the first one completes, and then closes the loser.
fn echo_once(listener: TcpListener, count: usize) -> thread::JoinHandle<()> {
    thread::spawn(move || {
        let mut served = 0;
        while served < count {
            let (stream, _) = listener.accept().unwrap();
            let mut stream = with_timeouts(stream);
            let mut buf = [0u8; 5];
            if stream.read_exact(&mut buf).is_err() {
                continue;
            }
            stream.write_all(&buf).unwrap();
            served += 1;
        }
    })
}

fn round_trip(stream: TcpStream) {
    let mut stream = with_timeouts(stream);
    stream.write_all(b"hello").unwrap();
    let mut buf = [0u8; 5];
    stream.read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"hello");
}

/// A loopback port nothing listens on: connecting to it is refused at once.
/// The port stays reserved (and refusing) while the socket lives.
fn closed_port(ip: &str) -> (SocketAddr, socket2::Socket) {
    refusing_port(ip.parse().unwrap())
}

/// An address on 127.0.0.1 whose `connect` never completes: a listener with
/// a full accept queue drops new SYNs. Returns the listener and the queued
/// connections, which must stay alive while the address is used.
fn black_hole() -> (SocketAddr, TcpListener, Vec<TcpStream>) {
    let listener = ListenOptions::new()
        .bind_addr(Ipv4Addr::LOCALHOST.into())
        .backlog(0)
        .listen(0)
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let mut queued = Vec::new();
    for _ in 0..16 {
        match TcpStream::connect_timeout(&addr, Duration::from_millis(200)) {
            Ok(stream) => queued.push(stream),
            Err(e) if e.kind() == io::ErrorKind::TimedOut => return (addr, listener, queued),
            Err(e) => panic!("unexpected error filling the accept queue: {e}"),
        }
    }
    panic!("the accept queue of a backlog-0 listener never filled");
}

#[test]
fn connects_by_every_spelling_of_loopback() {
    let listener = open_listenfd(0).unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = echo_once(listener, 6);
    for host in ["localhost", "127.0.0.1", "::1", "[::1]"] {
        let stream = open_clientfd(host, port).unwrap_or_else(|e| panic!("{host}: {e}"));
        round_trip(stream);
    }
    // With a deadline, resolution runs on a helper thread.
    let stream = Connector::new()
        .timeout(Some(IO_TIMEOUT))
        .connect("localhost", port)
        .unwrap();
    round_trip(stream);
    let stream = Connector::new()
        .timeout(Some(IO_TIMEOUT))
        .connect_to(format!("localhost:{port}"))
        .unwrap();
    round_trip(stream);
    server.join().unwrap();
}

#[test]
fn listener_is_dual_stack() {
    let listener = open_listenfd(0).unwrap();
    let local = listener.local_addr().unwrap();
    assert!(
        local.is_ipv6(),
        "expected [::] on a host with IPv6, got {local}"
    );
    assert!(local.ip().is_unspecified());
    let port = local.port();
    let server = echo_once(listener, 2);
    round_trip(TcpStream::connect((Ipv4Addr::LOCALHOST, port)).unwrap());
    round_trip(TcpStream::connect((Ipv6Addr::LOCALHOST, port)).unwrap());
    server.join().unwrap();
}

#[test]
fn explicit_bind_address_and_backlog() {
    let listener = ListenOptions::new()
        .bind_addr(Ipv4Addr::LOCALHOST.into())
        .backlog(8)
        .listen(0)
        .unwrap();
    let addr = listener.local_addr().unwrap();
    assert_eq!(addr.ip(), Ipv4Addr::LOCALHOST);
    let server = echo_once(listener, 1);
    round_trip(open_clientfd("127.0.0.1", addr.port()).unwrap());
    server.join().unwrap();
}

#[test]
fn falls_back_when_the_first_candidate_refuses() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let good = listener.local_addr().unwrap();
    let server = echo_once(listener, 1);
    let (refused, _reserved) = closed_port("127.0.0.1");
    let stream = Connector::new().connect_addrs(&[refused, good]).unwrap();
    assert_eq!(stream.peer_addr().unwrap(), good);
    round_trip(stream);
    server.join().unwrap();
}

#[test]
fn a_black_holed_first_candidate_costs_only_the_attempt_delay() {
    let (hole, _listener, _queued) = black_hole();
    let good_listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let good = good_listener.local_addr().unwrap();
    let server = echo_once(good_listener, 1);

    let began = Instant::now();
    let stream = Connector::new().connect_addrs(&[hole, good]).unwrap();
    let took = began.elapsed();
    assert_eq!(stream.peer_addr().unwrap(), good);
    // The stagger is 250 ms; the OS connect timeout is minutes.
    assert!(took < Duration::from_secs(2), "took {took:?}");
    assert!(
        took >= Duration::from_millis(200),
        "did not wait for the first: {took:?}"
    );
    round_trip(stream);
    server.join().unwrap();
}

#[test]
fn when_all_fail_the_error_lists_every_attempt() {
    let (v4, _v4_reserved) = closed_port("127.0.0.1");
    let (v6, _v6_reserved) = closed_port("::1");
    let err = Connector::new().connect_addrs(&[v4, v6]).unwrap_err();
    let attempts = err.attempts();
    assert_eq!(attempts.len(), 2, "{err}");
    let tried: Vec<SocketAddr> = attempts.iter().map(|a| a.addr).collect();
    assert!(tried.contains(&v4) && tried.contains(&v6), "{tried:?}");
    let text = err.to_string();
    assert!(text.starts_with("could not connect to"), "{text}");
    assert!(
        text.contains(&v4.to_string()) && text.contains(&v6.to_string()),
        "{text}"
    );
    for attempt in attempts {
        assert_eq!(attempt.error.kind(), io::ErrorKind::ConnectionRefused);
    }
    assert_eq!(
        io::Error::from(err).kind(),
        io::ErrorKind::ConnectionRefused
    );
}

#[test]
fn open_clientfd_to_a_closed_port_names_host_and_port() {
    let (addr, _reserved) = closed_port("127.0.0.1");
    let port = addr.port();
    let err = open_clientfd("127.0.0.1", port).unwrap_err();
    assert!(matches!(err, ConnectError::AllFailed { .. }), "{err:?}");
    let text = err.to_string();
    assert!(text.contains(&format!("127.0.0.1:{port}")), "{text}");
    assert_eq!(err.kind(), io::ErrorKind::ConnectionRefused);
}

#[test]
fn unresolvable_name_reports_host_port_and_resolver_message() {
    let err = open_clientfd("no-such-host.invalid", 80).unwrap_err();
    match &err {
        ConnectError::Resolve { target, source } => {
            assert_eq!(target, "no-such-host.invalid:80");
            assert!(!source.to_string().is_empty());
        }
        other => panic!("expected a resolver error, got {other:?}"),
    }
    // Whatever std's own kind for a getaddrinfo failure, the user gets one
    // to match on.
    assert_eq!(err.kind(), io::ErrorKind::NotFound);
    let text = err.to_string();
    assert!(text.contains("no-such-host.invalid:80"), "{text}");
    assert!(text.starts_with("failed to resolve"), "{text}");
}

#[test]
fn a_host_with_a_port_in_it_is_an_invalid_host_not_a_lookup() {
    for host in ["localhost:80", "127.0.0.1:80", "[localhost]"] {
        let err = open_clientfd(host, 80).unwrap_err();
        assert!(
            matches!(&err, ConnectError::InvalidHost { host: h } if h == host),
            "{host}: {err:?}"
        );
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        let text = err.to_string();
        assert!(
            text.starts_with(&format!("invalid host {host:?}")),
            "{text}"
        );
        assert!(!text.contains(&format!("[{host}]")), "{text}");
    }
}

#[test]
fn ipv6_literals_connect_with_or_without_brackets() {
    let Ok(listener) = TcpListener::bind("[::1]:0") else {
        return; // no IPv6 loopback on this host
    };
    let port = listener.local_addr().unwrap().port();
    for host in ["::1", "[::1]"] {
        let stream = open_clientfd(host, port).unwrap();
        assert!(stream.peer_addr().unwrap().is_ipv6(), "{host}");
    }
}

#[test]
fn connect_addrs_with_no_address_says_so() {
    let err = Connector::new().connect_addrs(&[]).unwrap_err();
    assert!(matches!(err, ConnectError::NoAddressGiven), "{err:?}");
    assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    assert_eq!(err.to_string(), "no address to connect to was given");
    assert!(err.attempts().is_empty());
}

#[test]
fn connect_errors_convert_into_the_umbrella_and_io_errors() {
    let (addr, _reserved) = closed_port("127.0.0.1");
    let err: rionet::Error = open_clientfd("127.0.0.1", addr.port()).unwrap_err().into();
    assert!(matches!(err, rionet::Error::Connect(_)), "{err:?}");
    assert_eq!(err.attempts().len(), 1);
    assert_eq!(
        io::Error::from(err).kind(),
        io::ErrorKind::ConnectionRefused
    );
}

#[test]
fn overall_deadline_is_honoured() {
    let (hole, _listener, _queued) = black_hole();
    let began = Instant::now();
    let err = Connector::new()
        .timeout(Some(Duration::from_millis(300)))
        .connect_addrs(&[hole])
        .unwrap_err();
    let took = began.elapsed();
    // poll(2) counts whole milliseconds, so allow a little slack below.
    assert!(
        took >= Duration::from_millis(250),
        "gave up early: {took:?}"
    );
    assert!(took < Duration::from_secs(2), "took {took:?}");
    assert_eq!(err.kind(), io::ErrorKind::TimedOut, "{err}");
    assert_eq!(err.attempts().len(), 1);
    assert!(err.to_string().contains(&hole.to_string()));
}

/// A deadline that passes before every address was tried (here at once;
/// in life, after a slow resolver) is a timeout naming every address.
#[test]
fn a_deadline_that_leaves_addresses_untried_names_them() {
    let (first, _first_reserved) = closed_port("127.0.0.1");
    let (second, _second_reserved) = closed_port("::1");
    let err = Connector::new()
        .timeout(Some(Duration::ZERO))
        .connect_addrs(&[first, second])
        .unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::TimedOut, "{err}");
    let tried: Vec<SocketAddr> = err.attempts().iter().map(|a| a.addr).collect();
    assert_eq!(tried, [first, second], "{err}");
    assert!(err.to_string().contains("deadline"), "{err}");
}

#[test]
fn per_attempt_timeout_moves_on() {
    let (hole, _listener, _queued) = black_hole();
    let err = Connector::new()
        .attempt_timeout(Some(Duration::from_millis(100)))
        .connect_addrs(&[hole])
        .unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::TimedOut, "{err}");
}

#[test]
fn socket_options_reach_the_connected_stream() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let stream = open_clientfd("127.0.0.1", port).unwrap();
    assert!(stream.nodelay().unwrap());
    let stream = Connector::new()
        .nodelay(false)
        .keepalive(Some(
            Keepalive::new()
                .idle(Duration::from_secs(30))
                .interval(Duration::from_secs(7))
                .retries(3),
        ))
        .connect("127.0.0.1", port)
        .unwrap();
    assert!(!stream.nodelay().unwrap());
    let socket = socket2::SockRef::from(&stream);
    assert!(socket.keepalive().unwrap());
    if cfg!(target_os = "linux") {
        assert_eq!(
            socket.tcp_keepalive_time().unwrap(),
            Duration::from_secs(30)
        );
        assert_eq!(
            socket.tcp_keepalive_interval().unwrap(),
            Duration::from_secs(7)
        );
        assert_eq!(socket.tcp_keepalive_retries().unwrap(), 3);
    }
}

/// The server closes first, so its side of the connection sits in
/// TIME_WAIT; a restarted server must still bind the port at once.
#[test]
fn restarted_server_rebinds_despite_time_wait() {
    let listener = open_listenfd(0).unwrap();
    let port = listener.local_addr().unwrap().port();
    let (accepted_tx, accepted_rx) = mpsc::channel();
    let server = thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        stream.write_all(b"bye").unwrap();
        drop(stream); // the server closes first: TIME_WAIT is on its side
        accepted_tx.send(()).unwrap();
        // the listener is dropped with the thread
    });
    let mut client = with_timeouts(TcpStream::connect(("127.0.0.1", port)).unwrap());
    accepted_rx.recv_timeout(IO_TIMEOUT).unwrap();
    let mut rest = Vec::new();
    client.read_to_end(&mut rest).unwrap();
    assert_eq!(rest, b"bye");
    drop(client);
    server.join().unwrap();

    // The scenario is real: without SO_REUSEADDR the port is still taken.
    if cfg!(target_os = "linux") {
        let err = ListenOptions::new()
            .reuse_address(false)
            .listen(port)
            .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AddrInUse, "{err}");
    }
    let again = open_listenfd(port).unwrap_or_else(|e| panic!("rebinding port {port}: {e}"));
    assert_eq!(again.local_addr().unwrap().port(), port);
}

#[test]
fn a_port_in_use_is_reported_not_papered_over() {
    let first = open_listenfd(0).unwrap();
    let port = first.local_addr().unwrap().port();
    let err = open_listenfd(port).unwrap_err();
    assert_eq!(err.port(), port);
    assert_eq!(err.kind(), io::ErrorKind::AddrInUse, "{err}");
    assert!(err.to_string().contains(&format!("port {port}")), "{err}");
    assert!(!err.attempts().is_empty());
}

#[test]
fn udp_socket_is_dual_stack_and_refuses_a_second_server() {
    let socket = rionet::bind_udp(0).unwrap();
    socket.set_read_timeout(Some(IO_TIMEOUT)).unwrap();
    let local = socket.local_addr().unwrap();
    assert!(local.ip().is_unspecified() && local.is_ipv6(), "{local}");
    for peer_ip in ["127.0.0.1", "::1"] {
        let peer = std::net::UdpSocket::bind((peer_ip, 0)).unwrap();
        peer.send_to(b"ping", (peer_ip, local.port())).unwrap();
        let mut buf = [0u8; 8];
        let (n, _) = socket.recv_from(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"ping", "from {peer_ip}");
    }
    let err = rionet::bind_udp(local.port()).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::AddrInUse, "{err}");
}
