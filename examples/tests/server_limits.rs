//! An example server under hostile conditions, run as a user runs it: out of
//! file descriptors under a real `ulimit -n`, and silent on stderr (the
//! library prints nothing of its own).

mod util;

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::thread;

use util::{IO_TIMEOUT, example, with_timeouts};

/// A child process killed and reaped when the test ends, pass or fail.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Sends every line `from` yields to a channel, on a thread.
fn lines_of(from: impl Read + Send + 'static) -> Receiver<String> {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        for line in BufReader::new(from).lines() {
            let Ok(line) = line else { return };
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    rx
}

/// What one client saw.
#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    Served,
    Closed,
}

/// Sends a line and reads the answer: the echo, or the server closing the
/// connection (end of stream, a reset). A read timeout fails the test.
fn try_echo(stream: &mut TcpStream, line: &str) -> Outcome {
    if stream.write_all(line.as_bytes()).is_err() {
        return Outcome::Closed;
    }
    let mut reply = String::new();
    match BufReader::new(&*stream).read_line(&mut reply) {
        Ok(0) => Outcome::Closed,
        Ok(_) => {
            assert_eq!(reply, line);
            Outcome::Served
        }
        Err(err) => match err.kind() {
            io::ErrorKind::ConnectionReset | io::ErrorKind::ConnectionAborted => Outcome::Closed,
            _ => panic!("client left hanging: {err}"),
        },
    }
}

/// Waits for the server to close the connection (end of stream or a
/// reset) without a byte more; a read timeout fails the test.
fn assert_closed_by_server(stream: &mut TcpStream) {
    let mut rest = Vec::new();
    match stream.read_to_end(&mut rest) {
        Ok(_) => assert!(rest.is_empty(), "got {rest:?}"),
        Err(err) => assert!(
            matches!(
                err.kind(),
                io::ErrorKind::ConnectionReset | io::ErrorKind::ConnectionAborted
            ),
            "client left hanging: {err}"
        ),
    }
}

/// echoserver under `ulimit -n 64`, facing 100 clients held open at once:
/// every client is served or closed promptly (none hangs), the server keeps
/// serving once descriptors free up, and writes nothing on stderr.
#[cfg(unix)]
#[test]
fn echoserver_survives_running_out_of_descriptors() {
    let binary = example("echoserver");
    let mut child = Command::new("sh")
        .args(["-c", "ulimit -n 64 && exec \"$0\" 0"])
        .arg(&binary)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = lines_of(child.stdout.take().unwrap());
    let stderr = lines_of(child.stderr.take().unwrap());
    let _server = KillOnDrop(child);
    let first = stdout.recv_timeout(IO_TIMEOUT).expect("no output");
    let addr: SocketAddr = first
        .strip_prefix("listening on ")
        .and_then(|rest| rest.split(' ').next())
        .and_then(|addr| addr.parse().ok())
        .unwrap_or_else(|| panic!("unexpected first line {first:?}"));
    let port = addr.port();
    let connect = || with_timeouts(TcpStream::connect(("127.0.0.1", port)).unwrap());

    let mut clients = Vec::new();
    let mut outcomes = Vec::new();
    for i in 0..100 {
        let mut stream = connect();
        outcomes.push(try_echo(&mut stream, &format!("client {i}\n")));
        clients.push(stream);
    }
    let served = outcomes.iter().filter(|o| **o == Outcome::Served).count();
    assert!(served >= 30, "only {served} of 100 clients served");
    assert!(
        served < 100,
        "every client was served: the descriptor limit was never reached"
    );
    // Those served are still served.
    for (stream, outcome) in clients.iter_mut().zip(&outcomes) {
        if *outcome == Outcome::Served {
            assert_eq!(try_echo(stream, "again\n"), Outcome::Served);
        }
    }
    // Each served client hangs up and waits for the server's close: then the
    // server has given that descriptor back. With all of them back, a new
    // client is served (the accept loop may first finish a back-off pause).
    for (mut stream, outcome) in clients.into_iter().zip(&outcomes) {
        if *outcome == Outcome::Served {
            stream.shutdown(std::net::Shutdown::Write).unwrap();
            assert_closed_by_server(&mut stream);
        }
    }
    assert_eq!(
        try_echo(&mut connect(), "after\n"),
        Outcome::Served,
        "the server stopped serving"
    );

    let lines: Vec<String> = stderr.try_iter().collect();
    assert!(lines.is_empty(), "stderr: {lines:?}");
}
