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
use std::time::{Duration, Instant};

use rionet::{Overload, ServeError, Server, ServerHandle, TimedStream};
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

/// Reads lines, each of which must arrive whole by `deadline` after it was
/// asked for, and echoes them; reports how the connection ended.
fn echo_with_deadline(
    stream: &TimedStream,
    deadline: Duration,
    ended: &Mutex<mpsc::Sender<io::Error>>,
) {
    let mut lines = BufReader::new(stream);
    let mut out = stream;
    loop {
        let mut line = String::new();
        stream
            .set_read_deadline(Some(Instant::now() + deadline))
            .unwrap();
        match lines.read_line(&mut line) {
            Ok(0) => return,
            Ok(_) => {
                if out.write_all(line.as_bytes()).is_err() {
                    return;
                }
            }
            Err(err) => {
                let _ = ended.lock().unwrap().send(err);
                return;
            }
        }
    }
}

/// A trickling client is cut at its deadline and silent clients at the idle
/// timeout, while a normal client goes on being served; the handle counts
/// the timeouts.
fn slow_clients_are_cut(server: &mut Server) {
    let (ended_tx, ended) = mpsc::channel();
    let ended_tx = Mutex::new(ended_tx);
    let handle = server
        .read_timeout(Some(Duration::from_millis(300)))
        .spawn(move |stream, _| echo_with_deadline(&stream, Duration::from_millis(600), &ended_tx))
        .unwrap();
    let (mut normal, mut normal_reader) = connect(&handle);
    assert_eq!(
        round_trip(&mut normal, &mut normal_reader, "first"),
        "first\n"
    );

    let silent: Vec<TcpStream> = (0..2)
        .map(|_| with_timeouts(TcpStream::connect(handle.local_addr()).unwrap()))
        .collect();
    let mut trickler = with_timeouts(TcpStream::connect(handle.local_addr()).unwrap());
    // Each byte leaves at once, not held back by Nagle's algorithm.
    trickler.set_nodelay(true).unwrap();
    let trickle_reader = trickler.try_clone().unwrap();
    let (stop_tx, stop) = mpsc::channel::<()>();
    let trickle = thread::spawn(move || {
        // A byte every 30 ms, far below the idle timeout, never a newline;
        // at most 10 s of it.
        for _ in 0..330 {
            if trickler.write_all(b"x").is_err() {
                return;
            }
            if stop.recv_timeout(Duration::from_millis(30)).is_ok() {
                return;
            }
        }
    });

    // The normal client keeps talking, more often than the idle timeout,
    // while the slow ones are cut: at most 10 s of it.
    let mut messages = Vec::new();
    for round in 0..100 {
        if messages.len() == 3 {
            break;
        }
        let line = format!("round {round}");
        assert_eq!(
            round_trip(&mut normal, &mut normal_reader, &line),
            format!("{line}\n")
        );
        if let Ok(err) = ended.recv_timeout(Duration::from_millis(100)) {
            assert_eq!(err.kind(), io::ErrorKind::TimedOut, "{err}");
            messages.push(err.to_string());
        }
    }
    let idle = messages
        .iter()
        .filter(|m| m.contains("read timed out"))
        .count();
    let deadline: Vec<_> = messages
        .iter()
        .filter(|m| m.contains("read deadline passed"))
        .collect();
    assert_eq!(idle, 2, "{messages:?}");
    assert_eq!(deadline.len(), 1, "{messages:?}");
    assert!(
        !deadline[0].contains(" 0 bytes had arrived"),
        "{deadline:?}"
    );

    assert_closed(trickle_reader);
    let _ = stop_tx.send(());
    trickle.join().unwrap();
    for stream in silent {
        assert_closed(stream);
    }
    // The connection is closed after the count is taken.
    assert_eq!(handle.timed_out(), 3);
    assert_eq!(
        round_trip(&mut normal, &mut normal_reader, "still"),
        "still\n"
    );
    drop((normal, normal_reader));
    shutdown_within_timeout(handle).unwrap();
}

#[test]
fn slow_clients_are_cut_on_connection_threads() {
    slow_clients_are_cut(&mut Server::new(listener()));
}

#[test]
fn slow_clients_are_cut_in_a_pool() {
    slow_clients_are_cut(Server::new(listener()).pool(4));
}

/// Echoes lines, telling `started` when a connection is being served.
fn counted_echo(started: mpsc::Sender<()>) -> impl Fn(TimedStream, SocketAddr) + Send + Sync {
    let started = Mutex::new(started);
    move |stream, peer| {
        let _ = started.lock().unwrap().send(());
        echo_lines(stream, peer)
    }
}

/// Over the limit, a refusing server answers with its reply and closes;
/// once the first client leaves, the next one is served.
fn refuses_over_the_limit(server: &mut Server) {
    let (started_tx, started) = mpsc::channel();
    let handle = server
        .max_connections(1)
        .overload(Overload::RefuseWith("busy\n".into()))
        .spawn(counted_echo(started_tx))
        .unwrap();
    let (mut first, mut first_reader) = connect(&handle);
    assert_eq!(round_trip(&mut first, &mut first_reader, "one"), "one\n");
    for _ in 0..3 {
        let (mut other, mut other_reader) = connect(&handle);
        // Sent before the refusal is read: it must not turn the close into
        // a reset that destroys the reply.
        other.write_all(b"hello\n").unwrap();
        let mut reply = String::new();
        other_reader.read_line(&mut reply).unwrap();
        assert_eq!(reply, "busy\n");
        assert_closed(other_reader);
    }
    assert_eq!(handle.refused(), 3);
    assert_eq!(handle.active(), 1);
    // The place frees before the server closes the connection: once the
    // first client has seen the close, the very next client is served.
    first.shutdown(std::net::Shutdown::Write).unwrap();
    assert_closed(first_reader);
    let (mut next, mut next_reader) = connect(&handle);
    assert_eq!(round_trip(&mut next, &mut next_reader, "again"), "again\n");
    assert_eq!(handle.refused(), 3);
    assert_eq!(started.try_iter().count(), 2);
    shutdown_within_timeout(handle).unwrap();
}

#[test]
fn connection_threads_refuse_over_the_limit() {
    refuses_over_the_limit(&mut Server::new(listener()));
}

#[test]
fn a_pool_refuses_over_the_limit() {
    refuses_over_the_limit(Server::new(listener()).pool(2));
}

/// A one-worker pool with no queue refuses when its worker is busy, whatever
/// the connection limit.
#[test]
fn a_full_pool_refuses_under_a_refusing_policy() {
    let handle = Server::new(listener())
        .pool(1)
        .queue_capacity(0)
        .overload(Overload::Refuse)
        .spawn(echo_lines)
        .unwrap();
    let (mut first, mut first_reader) = connect(&handle);
    assert_eq!(round_trip(&mut first, &mut first_reader, "one"), "one\n");
    let (_other, other_reader) = connect(&handle);
    assert_closed(other_reader);
    assert_eq!(handle.refused(), 1);
    shutdown_within_timeout(handle).unwrap();
}

/// A pool with no queue refuses only while its worker is busy: the first
/// client, arriving before the worker has asked for a job, and every next
/// one, arriving as soon as the last one saw its connection close, are
/// served (a rendezvous hand-over refused them while the idle worker was
/// not yet waiting).
#[test]
fn a_queueless_pool_serves_each_client_once_its_worker_is_idle() {
    let handle = Server::new(listener())
        .pool(1)
        .queue_capacity(0)
        .overload(Overload::Refuse)
        .spawn(echo_lines)
        .unwrap();
    for i in 0..20 {
        let (mut client, mut reader) = connect(&handle);
        let line = format!("client {i}");
        assert_eq!(
            round_trip(&mut client, &mut reader, &line),
            format!("{line}\n")
        );
        client.shutdown(std::net::Shutdown::Write).unwrap();
        assert_closed(reader);
    }
    assert_eq!(handle.refused(), 0);
    assert_eq!(handle.accepted(), 20);
    shutdown_within_timeout(handle).unwrap();
}

/// Over the limit, a waiting server leaves the next client in the backlog
/// and serves it as soon as the first one leaves.
fn waits_over_the_limit(server: &mut Server) {
    let (started_tx, started) = mpsc::channel();
    let handle = server
        .max_connections(1)
        .overload(Overload::Wait)
        .spawn(counted_echo(started_tx))
        .unwrap();
    let (mut first, mut first_reader) = connect(&handle);
    assert_eq!(round_trip(&mut first, &mut first_reader, "one"), "one\n");
    started.recv_timeout(IO_TIMEOUT).unwrap();
    let (mut second, mut second_reader) = connect(&handle);
    second.write_all(b"two\n").unwrap();
    assert!(
        started.recv_timeout(Duration::from_millis(200)).is_err(),
        "a second connection was served over the limit"
    );
    assert_eq!(handle.accepted(), 1);
    drop((first, first_reader));
    let mut reply = String::new();
    second_reader.read_line(&mut reply).unwrap();
    assert_eq!(reply, "two\n");
    assert_eq!(handle.refused(), 0);
    drop((second, second_reader));
    shutdown_within_timeout(handle).unwrap();
}

#[test]
fn connection_threads_wait_over_the_limit() {
    waits_over_the_limit(&mut Server::new(listener()));
}

#[test]
fn a_pool_waits_over_the_limit() {
    waits_over_the_limit(Server::new(listener()).pool(4));
}

/// `serve` on the calling thread stops through a handle taken before it.
#[test]
fn serve_stops_through_a_handle_taken_before() {
    let mut server = Server::new(listener());
    server.pool(2);
    let handle = server.handle().unwrap();
    let addr = handle.local_addr();
    let (tx, rx) = mpsc::channel();
    let serving = thread::spawn(move || tx.send(server.serve(echo_lines)).unwrap());
    let mut client = with_timeouts(TcpStream::connect(addr).unwrap());
    let mut reader = BufReader::new(client.try_clone().unwrap());
    assert_eq!(round_trip(&mut client, &mut reader, "hi"), "hi\n");
    assert_eq!(handle.accepted(), 1);
    shutdown_within_timeout(handle).unwrap();
    rx.recv_timeout(IO_TIMEOUT)
        .expect("serve did not return")
        .unwrap();
    serving.join().unwrap();
    assert_closed(reader);
}

/// `wait` returns once another handle has shut the server down; a server
/// runs once.
#[test]
fn wait_returns_after_a_shutdown_elsewhere() {
    let server = Server::new(listener());
    let owner = server.spawn(echo_lines).unwrap();
    let remote = server.handle().unwrap();
    assert!(matches!(
        server.spawn(echo_lines),
        Err(ServeError::AlreadyStarted { .. })
    ));
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || tx.send(owner.wait()).unwrap());
    assert!(rx.try_recv().is_err());
    assert!(!remote.is_finished());
    shutdown_within_timeout(remote).unwrap();
    rx.recv_timeout(IO_TIMEOUT)
        .expect("wait did not return")
        .unwrap();
}

/// A handler that ignores its connection cannot make dropping the handle
/// hang: the drop gives up waiting after its bound.
#[test]
fn dropping_the_handle_does_not_wait_for_a_stuck_handler() {
    let (release_tx, release) = mpsc::channel::<()>();
    let (started_tx, started) = mpsc::channel();
    let release = Mutex::new(release);
    let started_tx = Mutex::new(started_tx);
    let server = Server::new(listener())
        .spawn(move |_stream, _| {
            started_tx.lock().unwrap().send(()).unwrap();
            let _ = release.lock().unwrap().recv_timeout(IO_TIMEOUT * 3);
        })
        .unwrap();
    let _client = with_timeouts(TcpStream::connect(server.local_addr()).unwrap());
    started.recv_timeout(IO_TIMEOUT).unwrap();
    let (done_tx, done) = mpsc::channel();
    thread::spawn(move || {
        drop(server);
        done_tx.send(()).unwrap();
    });
    done.recv_timeout(IO_TIMEOUT).expect("drop hung");
    release_tx.send(()).unwrap();
}

/// Counts the descriptors this process has open (Linux: /proc/self/fd).
#[cfg(target_os = "linux")]
fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

/// Each connection costs the server one descriptor, not two. Counted in a
/// child process (this test binary again), where no other test opens any.
#[cfg(target_os = "linux")]
#[test]
fn one_descriptor_per_connection() {
    const CHILD: &str = "RIONET_TEST_FD_COUNT";
    let name = "one_descriptor_per_connection";
    if std::env::var_os(CHILD).is_none() {
        let output = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--exact", name, "--test-threads=1"])
            .env(CHILD, "1")
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stdout)
        );
        return;
    }
    for pool in [None, Some(8)] {
        let (started_tx, started) = mpsc::channel();
        let mut server = Server::new(listener());
        if let Some(workers) = pool {
            server.pool(workers);
        }
        let handle = server
            .spawn(move |stream, _| {
                let started_tx = started_tx.clone();
                started_tx.send(()).unwrap();
                let _ = (&stream).read(&mut [0; 1]);
            })
            .unwrap();
        // One connection first, so the accept loop is running with its
        // spare descriptor open before the count.
        let first = with_timeouts(TcpStream::connect(handle.local_addr()).unwrap());
        started.recv_timeout(IO_TIMEOUT).unwrap();
        let before = open_fds();
        let clients: Vec<TcpStream> = (0..7)
            .map(|_| with_timeouts(TcpStream::connect(handle.local_addr()).unwrap()))
            .collect();
        for _ in 0..7 {
            started.recv_timeout(IO_TIMEOUT).unwrap();
        }
        // 7 client sockets and 7 accepted ones.
        assert_eq!(open_fds() - before, 14, "pool {pool:?}");
        drop((first, clients));
        shutdown_within_timeout(handle).unwrap();
    }
}

/// Without a logger, timeouts, refusals and panics leave stderr empty: the
/// library writes nothing itself. Runs in a child process (this test binary
/// again) whose stderr is captured; its panic hook is silenced, since std
/// prints panics, not rionet.
#[test]
fn server_events_write_nothing_to_stderr() {
    const CHILD: &str = "RIONET_TEST_QUIET_STDERR";
    let name = "server_events_write_nothing_to_stderr";
    if std::env::var_os(CHILD).is_none() {
        let output = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--exact", name, "--nocapture", "--test-threads=1"])
            .env(CHILD, "1")
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stdout)
        );
        assert_eq!(String::from_utf8_lossy(&output.stderr), "");
        return;
    }
    std::panic::set_hook(Box::new(|_| {}));
    let handle = Server::new(listener())
        .read_timeout(Some(Duration::from_millis(50)))
        .max_connections(1)
        .overload(Overload::Refuse)
        .spawn(echo_lines)
        .unwrap();
    // A panic.
    let (mut stream, reader) = connect(&handle);
    writeln!(stream, "panic").unwrap();
    assert_closed(reader);
    // A timeout, and a refusal while it holds the only slot.
    let (_silent, silent_reader) = connect(&handle);
    let refused = (0..50).any(|_| {
        let (_other, other_reader) = connect(&handle);
        assert_closed(other_reader);
        handle.refused() > 0
    });
    assert!(refused);
    assert_closed(silent_reader);
    assert_eq!(handle.panicked(), 1);
    assert_eq!(handle.timed_out(), 1);
    shutdown_within_timeout(handle).unwrap();
}

/// With the `log` feature, events reach the installed logger under the
/// target `rionet::server`.
#[cfg(feature = "log")]
#[test]
fn events_go_to_the_log_facade() {
    use std::sync::OnceLock;

    struct Collect(Mutex<Vec<String>>);
    impl log::Log for Collect {
        fn enabled(&self, _: &log::Metadata<'_>) -> bool {
            true
        }
        fn log(&self, record: &log::Record<'_>) {
            if record.target() == "rionet::server" {
                self.0.lock().unwrap().push(record.args().to_string());
            }
        }
        fn flush(&self) {}
    }
    static LOGGER: OnceLock<&'static Collect> = OnceLock::new();
    let logger = *LOGGER.get_or_init(|| Box::leak(Box::new(Collect(Mutex::new(Vec::new())))));
    log::set_logger(logger).unwrap();
    log::set_max_level(log::LevelFilter::Trace);

    let handle = Server::new(listener())
        .max_connections(1)
        .overload(Overload::Refuse)
        .spawn(echo_lines)
        .unwrap();
    let addr = handle.local_addr();
    let (mut first, mut first_reader) = connect(&handle);
    assert_eq!(round_trip(&mut first, &mut first_reader, "one"), "one\n");
    let (_other, other_reader) = connect(&handle);
    assert_closed(other_reader);
    writeln!(first, "panic").unwrap();
    assert_closed(first_reader);
    shutdown_within_timeout(handle).unwrap();
    let lines: Vec<String> = logger
        .0
        .lock()
        .unwrap()
        .iter()
        .filter(|line| line.contains(&addr.to_string()))
        .cloned()
        .collect();
    assert!(
        lines.iter().any(|l| l.contains("refused the connection")),
        "{lines:?}"
    );
    assert!(lines.iter().any(|l| l.contains("panicked")), "{lines:?}");
}

/// A shutdown that comes before `serve` starts (an early signal) returns at
/// once, and `serve` then returns at once too.
#[test]
fn a_shutdown_before_serve_starts_returns_and_serve_does_not_block() {
    let server = Server::new(listener());
    shutdown_within_timeout(server.handle().unwrap()).unwrap();
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || tx.send(server.serve(echo_lines)).unwrap());
    rx.recv_timeout(IO_TIMEOUT)
        .expect("serve blocked after a shutdown")
        .unwrap();
}
