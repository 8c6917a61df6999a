//! The server helper over real loopback sockets: both modes serve clients
//! concurrently, a panicking handler loses only its connection, shutdown
//! unblocks and joins every thread, a pool's queue is bounded.

mod util;

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use rionet::{ServeError, Server, ServerHandle, TimedStream};
use util::{IO_TIMEOUT, with_timeouts};

/// Echoes every line back; panics on the line "panic".
fn echo_lines(stream: TimedStream, _peer: SocketAddr) {
    let mut out = &stream;
    for line in BufReader::new(&stream).lines() {
        let Ok(line) = line else { return };
        if line == "panic" {
            panic!("asked to panic");
        }
        // One write per line: several small ones would meet Nagle's algorithm.
        if out.write_all(format!("{line}\n").as_bytes()).is_err() {
            return;
        }
    }
}

fn listener() -> TcpListener {
    TcpListener::bind("127.0.0.1:0").unwrap()
}

fn connect(server: &ServerHandle) -> (TcpStream, BufReader<TcpStream>) {
    let stream = with_timeouts(TcpStream::connect(server.local_addr()).unwrap());
    let reader = BufReader::new(stream.try_clone().unwrap());
    (stream, reader)
}

fn round_trip(stream: &mut TcpStream, reader: &mut BufReader<TcpStream>, line: &str) -> String {
    stream.write_all(format!("{line}\n").as_bytes()).unwrap();
    let mut reply = String::new();
    reader.read_line(&mut reply).unwrap();
    reply
}

/// Asserts that the server closed the connection (end of stream or a
/// reset) without sending anything more; a read timeout fails.
fn assert_closed(mut from: impl Read) {
    let mut rest = Vec::new();
    match from.read_to_end(&mut rest) {
        Ok(_) => assert!(rest.is_empty(), "got {rest:?}"),
        Err(err) => assert!(
            matches!(
                err.kind(),
                io::ErrorKind::ConnectionReset | io::ErrorKind::ConnectionAborted
            ),
            "the connection was not closed: {err}"
        ),
    }
}

/// Runs `shutdown` on another thread and fails the test if it has not
/// returned within the I/O timeout.
fn shutdown_within_timeout(server: ServerHandle) -> Result<(), ServeError> {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || tx.send(server.shutdown()).unwrap());
    rx.recv_timeout(IO_TIMEOUT)
        .expect("shutdown did not return")
}

/// Every client stays connected while the next ones are served: only a
/// server that serves them concurrently can answer all of them.
fn serves_held_open_clients(server: &ServerHandle, clients: usize) {
    let mut open = Vec::new();
    for i in 0..clients {
        let (mut stream, mut reader) = connect(server);
        assert_eq!(
            round_trip(&mut stream, &mut reader, &format!("hello {i}")),
            format!("hello {i}\n")
        );
        open.push((stream, reader));
    }
    for (i, (stream, reader)) in open.iter_mut().enumerate() {
        assert_eq!(
            round_trip(stream, reader, &format!("again {i}")),
            format!("again {i}\n")
        );
    }
}

/// Many clients on threads of their own, several round trips each.
fn serves_parallel_clients(server: &ServerHandle, clients: usize, rounds: usize) {
    thread::scope(|scope| {
        for c in 0..clients {
            scope.spawn(move || {
                let (mut stream, mut reader) = connect(server);
                for r in 0..rounds {
                    let line = format!("client {c} round {r}");
                    assert_eq!(
                        round_trip(&mut stream, &mut reader, &line),
                        format!("{line}\n")
                    );
                }
            });
        }
    });
}

#[test]
fn thread_per_connection_serves_concurrent_clients() {
    let server = Server::new(listener()).spawn(echo_lines).unwrap();
    serves_held_open_clients(&server, 20);
    serves_parallel_clients(&server, 16, 20);
    assert_eq!(server.accepted(), 36);
    shutdown_within_timeout(server).unwrap();
}

#[test]
fn pool_serves_as_many_concurrent_clients_as_workers() {
    let server = Server::new(listener()).pool(4).spawn(echo_lines).unwrap();
    serves_held_open_clients(&server, 4);
    serves_parallel_clients(&server, 16, 20);
    shutdown_within_timeout(server).unwrap();
}

fn panicking_handler_loses_only_its_connection(server: ServerHandle) {
    for _ in 0..3 {
        let (mut stream, reader) = connect(&server);
        writeln!(stream, "panic").unwrap();
        assert_closed(reader);
        let (mut stream, mut reader) = connect(&server);
        assert_eq!(
            round_trip(&mut stream, &mut reader, "still here"),
            "still here\n"
        );
    }
    shutdown_within_timeout(server).unwrap();
}

#[test]
fn a_panicking_handler_does_not_kill_a_one_worker_pool() {
    panicking_handler_loses_only_its_connection(
        Server::new(listener()).pool(1).spawn(echo_lines).unwrap(),
    );
}

#[test]
fn a_panicking_handler_does_not_kill_a_thread_per_connection_server() {
    panicking_handler_loses_only_its_connection(Server::new(listener()).spawn(echo_lines).unwrap());
}

/// Handlers blocked reading idle clients are unblocked by shutdown, and
/// every one of them has returned when shutdown does.
fn shutdown_unblocks_and_joins(server: &mut Server, clients: usize) {
    let finished = Arc::new(AtomicUsize::new(0));
    let (started_tx, started) = mpsc::channel();
    let started_tx = Mutex::new(started_tx);
    let counter = Arc::clone(&finished);
    let handle = server
        .spawn(move |stream, _| {
            started_tx.lock().unwrap().send(()).unwrap();
            let mut byte = [0; 1];
            // A timeout far beyond the one on shutdown: only shutdown can
            // end this read in time.
            stream.set_read_timeout(Some(IO_TIMEOUT * 6)).unwrap();
            let _ = (&stream).read(&mut byte);
            counter.fetch_add(1, Ordering::SeqCst);
        })
        .unwrap();
    let idle: Vec<TcpStream> = (0..clients)
        .map(|_| with_timeouts(TcpStream::connect(handle.local_addr()).unwrap()))
        .collect();
    for _ in 0..clients {
        started
            .recv_timeout(IO_TIMEOUT)
            .expect("handler did not start");
    }
    assert_eq!(handle.active(), clients);
    shutdown_within_timeout(handle).unwrap();
    assert_eq!(
        finished.load(Ordering::SeqCst),
        clients,
        "shutdown returned before the handlers"
    );
    for stream in idle {
        assert_closed(stream);
    }
}

#[test]
fn shutdown_joins_connection_threads_promptly() {
    shutdown_unblocks_and_joins(&mut Server::new(listener()), 8);
}

#[test]
fn shutdown_joins_pool_workers_promptly() {
    shutdown_unblocks_and_joins(Server::new(listener()).pool(3), 3);
}

#[test]
fn shutdown_of_an_idle_server_closes_the_port() {
    let server = Server::new(listener()).pool(2).spawn(echo_lines).unwrap();
    let addr = server.local_addr();
    shutdown_within_timeout(server).unwrap();
    let err = TcpStream::connect(addr).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::ConnectionRefused);
}

#[test]
fn dropping_the_handle_shuts_the_server_down() {
    let server = Server::new(listener()).spawn(echo_lines).unwrap();
    let addr = server.local_addr();
    let (done_tx, done) = mpsc::channel();
    thread::spawn(move || {
        drop(server);
        done_tx.send(()).unwrap();
    });
    done.recv_timeout(IO_TIMEOUT).expect("drop did not return");
    assert!(TcpStream::connect(addr).is_err());
}

/// A listener on an unspecified address is woken through the loopback
/// address of its family.
#[test]
fn shutdown_wakes_a_listener_on_an_unspecified_address() {
    let mut addrs = vec!["0.0.0.0:0"];
    if TcpListener::bind("[::1]:0").is_ok() {
        addrs.push("[::]:0");
    }
    for addr in addrs {
        let server = Server::new(TcpListener::bind(addr).unwrap())
            .spawn(echo_lines)
            .unwrap();
        shutdown_within_timeout(server).unwrap();
        let server = Server::new(TcpListener::bind(addr).unwrap())
            .pool(2)
            .spawn(echo_lines)
            .unwrap();
        shutdown_within_timeout(server).unwrap();
    }
}

/// With one worker and a queue of one, the accept loop holds at most three
/// connections (one served, one queued, one waiting to be queued); the rest
/// wait in the kernel's backlog until the worker is free.
#[test]
fn a_pool_queue_is_bounded() {
    let (started_tx, started) = mpsc::channel();
    let (release_tx, release) = mpsc::channel::<()>();
    let started_tx = Mutex::new(started_tx);
    let release = Mutex::new(release);
    let server = Server::new(listener())
        .pool(1)
        .queue_capacity(1)
        .spawn(move |stream, _| {
            let mut line = String::new();
            let _ = BufReader::new(&stream).read_line(&mut line);
            started_tx.lock().unwrap().send(line).unwrap();
            let _ = release.lock().unwrap().recv_timeout(IO_TIMEOUT);
        })
        .unwrap();
    let clients: Vec<TcpStream> = (0..6)
        .map(|i| {
            let mut stream = with_timeouts(TcpStream::connect(server.local_addr()).unwrap());
            writeln!(stream, "client {i}").unwrap();
            stream
        })
        .collect();
    assert_eq!(started.recv_timeout(IO_TIMEOUT).unwrap(), "client 0\n");
    // Bounded wait for the accept loop to fill the queue.
    for _ in 0..1000 {
        if server.accepted() >= 3 {
            break;
        }
        thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(server.accepted(), 3);
    assert!(
        started.recv_timeout(Duration::from_millis(200)).is_err(),
        "a second handler ran"
    );
    assert_eq!(
        server.accepted(),
        3,
        "the accept loop ran past a full queue"
    );
    for i in 1..6 {
        release_tx.send(()).unwrap();
        assert_eq!(
            started.recv_timeout(IO_TIMEOUT).unwrap(),
            format!("client {i}\n")
        );
    }
    release_tx.send(()).unwrap();
    assert_eq!(server.accepted(), 6);
    drop(clients);
    shutdown_within_timeout(server).unwrap();
}

/// Linux: `shutdown(SHUT_RD)` on a listening socket makes `accept` fail
/// with `EINVAL`; `serve` returns that as `Error::Accept` instead of
/// spinning on it.
#[cfg(target_os = "linux")]
#[test]
fn serve_stops_with_an_accept_error_when_the_listener_breaks() {
    let listener = listener();
    let addr = listener.local_addr().unwrap();
    let duplicate = listener.try_clone().unwrap();
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        tx.send(Server::new(listener).pool(2).serve(echo_lines))
            .unwrap()
    });
    socket2::SockRef::from(&duplicate)
        .shutdown(std::net::Shutdown::Read)
        .unwrap();
    let result = rx.recv_timeout(IO_TIMEOUT).expect("serve did not return");
    match result {
        Err(ServeError::Accept { addr: at, source }) => {
            assert_eq!(at, addr);
            assert_eq!(source.kind(), io::ErrorKind::InvalidInput);
        }
        other => panic!("expected an accept error, got {other:?}"),
    }
}

/// A server whose handlers echo lines, with two clients connected and
/// served.
fn server_with_two_clients() -> (ServerHandle, [(TcpStream, BufReader<TcpStream>); 2]) {
    let server = Server::new(listener()).spawn(echo_lines).unwrap();
    let mut clients = [connect(&server), connect(&server)];
    for (stream, reader) in &mut clients {
        assert_eq!(round_trip(stream, reader, "hi"), "hi\n");
    }
    (server, clients)
}

/// `shutdown_after` lets live connections finish their exchange, and
/// returns as soon as the last one has ended.
#[test]
fn shutdown_after_lets_live_connections_finish() {
    let (server, [(mut first, mut first_reader), second]) = server_with_two_clients();
    let (tx, rx) = mpsc::channel();
    // A grace period far beyond the test's timeout: only the clients
    // leaving can make it return in time.
    thread::spawn(move || tx.send(server.shutdown_after(IO_TIMEOUT * 6)).unwrap());
    assert_eq!(
        round_trip(&mut first, &mut first_reader, "last words"),
        "last words\n"
    );
    drop((first, first_reader, second));
    rx.recv_timeout(IO_TIMEOUT)
        .expect("shutdown_after did not return")
        .unwrap();
}

/// `shutdown_after` cuts off the connections still open when the grace
/// period is over.
#[test]
fn shutdown_after_cuts_off_connections_after_the_grace_period() {
    let (server, clients) = server_with_two_clients();
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        tx.send(server.shutdown_after(Duration::from_millis(50)))
            .unwrap()
    });
    for (_, reader) in clients {
        assert_closed(reader);
    }
    rx.recv_timeout(IO_TIMEOUT)
        .expect("shutdown_after did not return")
        .unwrap();
}

/// With stderr a pipe nobody reads, logging a handler's panic must not
/// panic in turn (as `eprintln!` does): that would kill a pool's only
/// worker. The check runs in a child process, this test binary again,
/// whose stderr is such a pipe.
#[test]
fn a_panicking_handler_is_contained_with_stderr_closed() {
    const CHILD: &str = "RIONET_TEST_STDERR_CLOSED";
    let name = "a_panicking_handler_is_contained_with_stderr_closed";
    if std::env::var_os(CHILD).is_some() {
        panicking_handler_loses_only_its_connection(
            Server::new(listener()).pool(1).spawn(echo_lines).unwrap(),
        );
        return;
    }
    // --nocapture: the harness would otherwise capture what the server logs.
    let mut child = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", name, "--nocapture", "--test-threads=1"])
        .env(CHILD, "1")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stderr.take()); // no reader from now on
    // Bounded: every wait in the child is.
    let status = child.wait().unwrap();
    assert!(status.success(), "the worker died: {status}");
}
