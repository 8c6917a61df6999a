//! The kvstore example, run as a user runs it: the built binary as server
//! and as client over loopback, and a raw socket speaking its line protocol.

mod util;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread;

use util::{IO_TIMEOUT, example, with_timeouts};

/// The server process, killed and reaped when the test ends.
struct Server {
    child: Child,
    port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `kvstore server 0` and reads the port from its first log line.
fn start_server() -> Server {
    let mut child = Command::new(example("kvstore"))
        .args(["server", "0"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("run kvstore server");
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { return };
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    let mut server = Server { child, port: 0 };
    let line = rx
        .recv_timeout(IO_TIMEOUT)
        .expect("no log line from kvstore");
    let addr = line
        .strip_prefix("listening on ")
        .and_then(|rest| rest.split(' ').next())
        .and_then(|addr| addr.parse::<SocketAddr>().ok())
        .unwrap_or_else(|| panic!("bad first line {line:?}"));
    server.port = addr.port();
    server
}

/// Runs `kvstore ARGS` to completion with `stdin` piped in, within the I/O
/// timeout; returns (exit code, stdout, stderr).
fn run(args: &[&str], stdin: &[u8]) -> (Option<i32>, String, String) {
    let mut child = Command::new(example("kvstore"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run kvstore");
    let mut input = child.stdin.take().unwrap();
    let stdin = stdin.to_vec();
    thread::spawn(move || input.write_all(&stdin));
    let collect = |mut from: Box<dyn Read + Send>| {
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            let mut all = String::new();
            let _ = from.read_to_string(&mut all);
            let _ = tx.send(all);
        });
        rx
    };
    let stdout = collect(Box::new(child.stdout.take().unwrap()));
    let stderr = collect(Box::new(child.stderr.take().unwrap()));
    let out = stdout.recv_timeout(IO_TIMEOUT);
    let err = stderr.recv_timeout(IO_TIMEOUT);
    if out.is_err() || err.is_err() {
        let _ = child.kill();
    }
    let status = child.wait().unwrap();
    (
        status.code(),
        out.expect("kvstore did not finish"),
        err.expect("kvstore did not finish"),
    )
}

#[test]
fn help_prints_usage_and_exits_0() {
    let (code, stdout, _) = run(&["--help"], b"");
    assert_eq!(code, Some(0));
    assert!(stdout.starts_with("usage: kvstore server"), "{stdout}");
    assert!(
        stdout.contains("\n       kvstore client HOST PORT\n"),
        "{stdout}"
    );
    let (code, stdout, _) = run(&["server", "--help"], b"");
    assert_eq!(code, Some(0));
    assert!(stdout.contains("--pool N"), "{stdout}");
}

#[test]
fn bad_arguments_are_named_and_exit_2() {
    for (args, says) in [
        (&["serve"][..], "kvstore: unknown mode \"serve\""),
        (&[], "kvstore: missing mode"),
        (
            &["server", "70000"],
            "kvstore server: port 70000 is out of range",
        ),
        (&["client", "localhost"], "kvstore client: missing PORT"),
        (
            &["client", "localhost", "0"],
            "kvstore client: port 0 is out of range",
        ),
    ] {
        let (code, _, stderr) = run(args, b"");
        assert_eq!(code, Some(2), "{args:?}: {stderr}");
        assert!(stderr.starts_with(says), "{args:?}: {stderr}");
        assert!(stderr.contains("usage: kvstore"), "{args:?}: {stderr}");
    }
}

#[test]
fn client_and_server_speak_typed_commands() {
    let server = start_server();
    let port = server.port.to_string();
    let script = b"SET greeting hello world\nGET greeting\nFETCH x\nDEL greeting\nGET greeting\nQUIT\nGET never-sent\n";
    let (code, stdout, stderr) = run(&["client", "localhost", &port], script);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(stdout, "OK\nVALUE hello world\nOK\nNOT_FOUND\nBYE\n");
    // The bad line was refused by the client's own parser, never sent.
    assert!(stderr.contains("bad line \"FETCH x\""), "{stderr}");
}

#[test]
fn server_answers_bad_and_oversized_lines_and_goes_on() {
    let server = start_server();
    let stream = with_timeouts(TcpStream::connect(("127.0.0.1", server.port)).unwrap());
    let mut replies = BufReader::new(stream.try_clone().unwrap());
    let mut to_server = &stream;
    let mut ask = |line: &[u8]| {
        to_server.write_all(line).unwrap();
        let mut reply = String::new();
        replies.read_line(&mut reply).unwrap();
        reply
    };
    assert_eq!(ask(b"SET k v\n"), "OK\n");
    assert_eq!(ask(b"HELLO\n"), "ERROR bad line \"HELLO\"\n");
    let long = format!("SET k {}\n", "x".repeat(2000));
    assert!(
        ask(long.as_bytes()).starts_with("ERROR frame of "),
        "an oversized line is reported"
    );
    // Both were recoverable: the session and the store are intact.
    assert_eq!(ask(b"GET k\n"), "VALUE v\n");
    assert_eq!(ask(b"QUIT\n"), "BYE\n");
}

#[test]
fn a_server_that_is_not_there_is_reported_with_exit_1() {
    let (addr, _bound) = util::refusing_port("127.0.0.1".parse().unwrap());
    let port = addr.port().to_string();
    let (code, stdout, stderr) = run(&["client", "127.0.0.1", &port], b"GET k\n");
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    assert!(stderr.starts_with("kvstore: "), "{stderr}");
    assert!(stderr.contains(&port), "the error names the port: {stderr}");
}
