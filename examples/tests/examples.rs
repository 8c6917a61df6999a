//! The example programs, run as a user runs them: built binaries, real
//! loopback sockets, assertions on replies, output and exit codes.

mod util;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::thread;
use std::time::{Duration, Instant};

use util::{IO_TIMEOUT, example, refusing_port, with_timeouts};

/// A child process that is killed and reaped when the test ends, pass or fail.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A running program whose output is read by threads, line by line.
struct Running {
    child: KillOnDrop,
    stdout: Receiver<String>,
    stderr: Receiver<String>,
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

/// Starts example `name` with stdout and stderr piped, and stdin as given.
fn start(name: &str, args: &[&str], stdin: Stdio) -> Child {
    Command::new(example(name))
        .args(args)
        .stdin(stdin)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|err| panic!("cannot run {name}: {err}"))
}

fn spawn(name: &str, args: &[&str]) -> Running {
    let mut child = start(name, args, Stdio::null());
    let stdout = lines_of(child.stdout.take().unwrap());
    let stderr = lines_of(child.stderr.take().unwrap());
    Running {
        child: KillOnDrop(child),
        stdout,
        stderr,
    }
}

impl Running {
    /// The next stdout line that contains `needle`, within the I/O timeout.
    fn wait_for(&self, needle: &str) -> String {
        let deadline = Instant::now() + IO_TIMEOUT;
        let mut seen = Vec::new();
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.stdout.recv_timeout(left) {
                Ok(line) if line.contains(needle) => return line,
                Ok(line) => seen.push(line),
                Err(_) => break,
            }
        }
        let stderr: Vec<String> = self.stderr.try_iter().collect();
        panic!("no line with {needle:?} on stdout; stdout: {seen:?}; stderr: {stderr:?}");
    }

    /// Whether the process is still running.
    fn is_running(&mut self) -> bool {
        self.child.0.try_wait().unwrap().is_none()
    }
}

/// Starts a server example on a free port; returns it and its port.
fn start_server(name: &str, args: &[&str]) -> (Running, u16) {
    let mut full = args.to_vec();
    full.push("0");
    let server = spawn(name, &full);
    let line = server.wait_for("listening on ");
    let addr = line["listening on ".len()..].split(' ').next().unwrap();
    let port = addr
        .parse::<SocketAddr>()
        .unwrap_or_else(|_| panic!("bad address in {line:?}"))
        .port();
    (server, port)
}

fn connect(port: u16) -> TcpStream {
    with_timeouts(TcpStream::connect(("127.0.0.1", port)).unwrap())
}

/// What a finished program printed, and how it exited.
struct Output {
    status: ExitStatus,
    stdout: Vec<u8>,
    stderr: String,
}

/// Runs a program to completion with `stdin` piped in, within the I/O
/// timeout (else it is killed and the test fails).
fn run(name: &str, args: &[&str], stdin: &[u8]) -> Output {
    let mut child = start(name, args, Stdio::piped());
    let mut input = child.stdin.take().unwrap();
    let stdin = stdin.to_vec();
    // A program that stops reading early must not block the test.
    thread::spawn(move || input.write_all(&stdin));
    let read_all = |mut from: Box<dyn Read + Send>| {
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            let mut all = Vec::new();
            let _ = from.read_to_end(&mut all);
            let _ = tx.send(all);
        });
        rx
    };
    let stdout = read_all(Box::new(child.stdout.take().unwrap()));
    let stderr = read_all(Box::new(child.stderr.take().unwrap()));
    let mut child = KillOnDrop(child);
    let stdout = stdout
        .recv_timeout(IO_TIMEOUT)
        .unwrap_or_else(|_| panic!("{name} {args:?} did not finish"));
    let stderr = stderr
        .recv_timeout(IO_TIMEOUT)
        .unwrap_or_else(|_| panic!("{name} {args:?} did not finish"));
    // Its output has ended: it is exiting.
    let status = child.0.wait().unwrap();
    Output {
        status,
        stdout,
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}

/// Sends one line and reads the one-line reply.
fn ask(stream: &mut TcpStream, reader: &mut BufReader<TcpStream>, line: &[u8]) -> Vec<u8> {
    stream.write_all(line).unwrap();
    let mut reply = Vec::new();
    reader.read_until(b'\n', &mut reply).unwrap();
    reply
}

fn with_reader(stream: TcpStream) -> (TcpStream, BufReader<TcpStream>) {
    let reader = BufReader::new(stream.try_clone().unwrap());
    (stream, reader)
}

/// 64 clients at once, each sending a burst of lines in one write and
/// checking the echo byte for byte.
fn echo_burst_clients(port: u16) {
    thread::scope(|scope| {
        for c in 0..64 {
            scope.spawn(move || {
                let burst: String = (0..50).map(|l| format!("client {c} line {l}\n")).collect();
                let mut stream = connect(port);
                stream.write_all(burst.as_bytes()).unwrap();
                let mut echo = vec![0; burst.len()];
                stream.read_exact(&mut echo).unwrap();
                assert_eq!(String::from_utf8(echo).unwrap(), burst);
                stream.shutdown(std::net::Shutdown::Write).unwrap();
                let mut rest = Vec::new();
                stream.read_to_end(&mut rest).unwrap();
                assert!(rest.is_empty());
            });
        }
    });
}

#[test]
fn echoserver_serves_64_concurrent_clients_sending_bursts() {
    let (mut server, port) = start_server("echoserver", &[]);
    echo_burst_clients(port);
    assert!(server.is_running());
}

#[test]
fn echoserver_pool_serves_64_concurrent_clients_sending_bursts() {
    let (mut server, port) = start_server("echoserver", &["--pool", "4"]);
    echo_burst_clients(port);
    assert!(server.is_running());
}

#[test]
fn echoserver_logs_the_client_and_the_bytes_it_echoed() {
    let (server, port) = start_server("echoserver", &[]);
    let (mut stream, mut reader) = with_reader(connect(port));
    let me = stream.local_addr().unwrap().port();
    assert_eq!(ask(&mut stream, &mut reader, b"hello\n"), b"hello\n");
    assert_eq!(ask(&mut stream, &mut reader, b"world!\n"), b"world!\n");
    drop((stream, reader));
    let line = server.wait_for(&format!(":{me}: closed"));
    assert!(line.contains("echoed 13 bytes in 2 lines"), "{line}");
}

#[test]
fn echoserver_survives_clients_that_vanish_mid_line() {
    let (mut server, port) = start_server("echoserver", &[]);
    // One leaves with a FIN after half a line, one with a RST.
    let mut fin = connect(port);
    fin.write_all(b"half a li").unwrap();
    drop(fin);
    let rst = connect(port);
    (&rst).write_all(b"another half").unwrap();
    socket2::SockRef::from(&rst)
        .set_linger(Some(Duration::ZERO))
        .unwrap();
    drop(rst);
    // Both sessions end, and the server keeps serving.
    server.wait_for("echoed");
    server.wait_for("echoed");
    let (mut stream, mut reader) = with_reader(connect(port));
    assert_eq!(
        ask(&mut stream, &mut reader, b"still there?\n"),
        b"still there?\n"
    );
    assert!(server.is_running());
}

/// How a client's connection ended: end of stream or a reset, within the
/// socket's read timeout (a hang fails the test).
fn assert_closed_by_server(stream: &mut TcpStream) {
    let mut rest = Vec::new();
    match stream.read_to_end(&mut rest) {
        Ok(_) => {}
        Err(err) if err.kind() == std::io::ErrorKind::ConnectionReset => {}
        Err(err) => panic!("the server did not close the connection: {err}"),
    }
}

/// A client trickling one byte every 50 ms, never finishing its line, is
/// cut at the line deadline (0.5 s after its first byte), while a normal
/// client asking a line between the trickled bytes is served throughout.
#[test]
fn echoserver_cuts_a_trickling_client_at_the_line_deadline() {
    for mode in [&[][..], &["--pool", "2"]] {
        let mut args = vec!["--line-timeout", "0.5", "--idle-timeout", "10"];
        args.extend_from_slice(mode);
        let (server, port) = start_server("echoserver", &args);
        let limits = server.wait_for("limits: ");
        assert!(
            limits.contains("idle timeout 10s, line timeout 500ms"),
            "{limits}"
        );
        let (mut normal, mut reader) = with_reader(connect(port));
        let mut trickler = connect(port);
        let started = Instant::now();
        // The idle timeout (10 s) would never fire: each byte restarts it.
        // Only the line deadline can stop this loop before 200 bytes (10 s).
        let mut sent = 0;
        while sent < 200 && trickler.write_all(b"x").is_ok() {
            sent += 1;
            assert_eq!(
                ask(&mut normal, &mut reader, b"still served\n"),
                b"still served\n"
            );
            thread::sleep(Duration::from_millis(50));
        }
        assert!(sent < 200, "the trickler was never cut ({mode:?})");
        assert!(
            started.elapsed() >= Duration::from_millis(500),
            "cut before its deadline ({mode:?})"
        );
        assert_closed_by_server(&mut trickler);
        let line = server.wait_for("dropped (line not complete 500ms after its first byte");
        assert!(line.contains("bytes of it had arrived"), "{line}");
        assert_eq!(ask(&mut normal, &mut reader, b"after\n"), b"after\n");
    }
}

/// A line that arrives whole in time is answered, however slowly the
/// client sends its lines (the deadline is per line, armed by its first
/// byte, not by the wait before it); bytes of the next line that came in
/// the same segment start that line's clock.
#[test]
fn reverseserver_line_deadline_spares_slow_but_complete_lines() {
    let (server, port) = start_server(
        "reverseserver",
        &["--line-timeout", "0.3", "--idle-timeout", "10"],
    );
    let (mut stream, mut reader) = with_reader(connect(port));
    for _ in 0..3 {
        // Silent between lines for longer than the line timeout.
        thread::sleep(Duration::from_millis(400));
        assert_eq!(ask(&mut stream, &mut reader, b"abc\n"), b"cba\n");
    }
    // A complete line followed by the start of one never finished: the
    // first is answered, the second cut.
    assert_eq!(ask(&mut stream, &mut reader, b"ab\nunfinish"), b"ba\n");
    assert_closed_by_server(&mut stream);
    let line = server.wait_for("dropped (line not complete 300ms");
    assert!(line.contains("8 bytes of it had arrived"), "{line}");
}

/// A silent client is cut at the idle timeout while a talking one is
/// served; `--stats` shows the timeout in the counters.
#[test]
fn echoserver_cuts_a_silent_client_at_the_idle_timeout() {
    let (server, port) = start_server("echoserver", &["--idle-timeout", "0.5", "--stats", "0.1"]);
    // Before the connect: the server's clock starts at its first read.
    let started = Instant::now();
    let mut silent = connect(port);
    let (mut normal, mut reader) = with_reader(connect(port));
    // The talking client stays under the idle timeout; the silent one does
    // not. Bounded: the silent one is cut within the socket timeout.
    for _ in 0..4 {
        assert_eq!(ask(&mut normal, &mut reader, b"here\n"), b"here\n");
        thread::sleep(Duration::from_millis(100));
    }
    assert_closed_by_server(&mut silent);
    assert!(started.elapsed() >= Duration::from_millis(500));
    server.wait_for("dropped (read timed out");
    assert_eq!(ask(&mut normal, &mut reader, b"still\n"), b"still\n");
    let stats = server.wait_for("timed out 1,");
    assert!(stats.starts_with("stats: accepted 2, "), "{stats}");
}

/// `--max-connections 1 --overload refuse`: the second client reads the
/// busy line and is closed; once the first leaves, a new one is served.
/// With the default policy (wait) the second waits and is served after.
#[test]
fn servers_refuse_or_queue_clients_beyond_max_connections() {
    for name in ["echoserver", "reverseserver"] {
        let (server, port) =
            start_server(name, &["--max-connections", "1", "--overload", "refuse"]);
        let (mut first, mut reader) = with_reader(connect(port));
        assert_eq!(ask(&mut first, &mut reader, b"aa\n"), b"aa\n");
        let mut second = connect(port);
        let mut busy = String::new();
        BufReader::new(&second).read_line(&mut busy).unwrap();
        assert_eq!(
            busy, "busy: the server is full, try again later\n",
            "{name}"
        );
        assert_closed_by_server(&mut second);
        // The server frees the place before it closes the connection: once
        // the first client has seen the close, the next one is served.
        first.shutdown(std::net::Shutdown::Write).unwrap();
        assert_closed_by_server(&mut first);
        server.wait_for(": closed");
        drop(reader);
        let (mut stream, mut reader) = with_reader(connect(port));
        assert_eq!(ask(&mut stream, &mut reader, b"bb\n"), b"bb\n", "{name}");
    }

    let (_server, port) = start_server("echoserver", &["--max-connections", "1"]);
    let (mut first, mut reader) = with_reader(connect(port));
    assert_eq!(ask(&mut first, &mut reader, b"one\n"), b"one\n");
    // Connected (the backlog holds it), not served yet.
    let (mut second, mut second_reader) = with_reader(connect(port));
    second.write_all(b"two\n").unwrap();
    drop((first, reader));
    let mut reply = Vec::new();
    second_reader.read_until(b'\n', &mut reply).unwrap();
    assert_eq!(reply, b"two\n");
    assert_eq!(ask(&mut second, &mut second_reader, b"three\n"), b"three\n");
}

/// echoserver answers a line over 64 KiB with an error line, and the
/// session goes on.
#[test]
fn echoserver_answers_a_too_long_line_with_an_error_line() {
    let (server, port) = start_server("echoserver", &[]);
    let (mut stream, mut reader) = with_reader(connect(port));
    let mut long = vec![b'x'; 100 * 1024];
    long.push(b'\n');
    let reply = ask(&mut stream, &mut reader, &long);
    assert_eq!(
        String::from_utf8(reply).unwrap(),
        "error: line of 102401 bytes exceeds the maximum of 65536 bytes\n"
    );
    assert_eq!(ask(&mut stream, &mut reader, b"next\n"), b"next\n");
    drop((stream, reader));
    let line = server.wait_for(": closed");
    assert!(line.contains("echoed 5 bytes in 1 lines"), "{line}");
}

#[test]
fn echoclient_echoes_stdin_and_exits_0() {
    let (_server, port) = start_server("echoserver", &[]);
    let input = b"hello\nworld\n\nno newline at the end";
    for host in ["127.0.0.1", "localhost"] {
        let out = run("echoclient", &[host, &port.to_string()], input);
        assert!(
            out.status.success(),
            "{host}: {:?} {}",
            out.status,
            out.stderr
        );
        assert_eq!(out.stdout, input);
    }
    let out = run("echoclient", &["127.0.0.1", &port.to_string()], b"");
    assert!(out.status.success());
    assert!(out.stdout.is_empty());
}

#[test]
fn echoclient_reports_a_server_that_vanishes() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    // Accepts, reads nothing, closes.
    let (accepted_tx, accepted) = mpsc::channel();
    thread::spawn(move || {
        drop(listener.accept().unwrap());
        let _ = accepted_tx.send(());
    });
    let out = run("echoclient", &["127.0.0.1", &port.to_string()], b"hello\n");
    accepted
        .recv_timeout(IO_TIMEOUT)
        .expect("echoclient did not connect");
    assert!(!out.status.success());
    assert!(out.stderr.contains("echoclient:"), "{}", out.stderr);
    // Nobody listening at all (on a port that stays reserved, so no test
    // running in parallel can start listening there).
    let (refusing, _reserved) = refusing_port(Ipv4Addr::LOCALHOST.into());
    let port = refusing.port();
    let out = run("echoclient", &["127.0.0.1", &port.to_string()], b"hello\n");
    assert!(!out.status.success());
    assert!(out.stderr.contains("could not connect"), "{}", out.stderr);
}

/// The default port, CS:APP's 15213. Skipped, with the reason printed, only
/// when another process already holds that port; anything else fails.
#[test]
fn echoserver_listens_on_15213_by_default() {
    let mut server = spawn("echoserver", &[]);
    let listening = match server.stdout.recv_timeout(IO_TIMEOUT) {
        Ok(line) => line,
        Err(RecvTimeoutError::Timeout) => panic!("echoserver neither listened nor exited"),
        // Its stdout closed without a line: it is exiting.
        Err(RecvTimeoutError::Disconnected) => {
            let status = server.child.0.wait().unwrap();
            // Every stderr line, until the pipe closes (bounded).
            let stderr: Vec<String> =
                std::iter::from_fn(|| server.stderr.recv_timeout(IO_TIMEOUT).ok()).collect();
            // Its own error says why; checking the port now instead would
            // race with the other process letting it go.
            if stderr.iter().any(|line| line.contains("already in use")) {
                eprintln!(
                    "SKIPPED: port 15213 is in use by another process; echoserver said {stderr:?}"
                );
                return;
            }
            panic!("echoserver exited with {status}, not for a port in use: {stderr:?}");
        }
    };
    assert!(listening.contains(":15213 "), "{listening}");
    let out = run("echoclient", &["localhost", "15213"], b"default port\n");
    assert!(out.status.success(), "{}", out.stderr);
    assert_eq!(out.stdout, b"default port\n");
    // Dual-stack: IPv6 loopback too, where the host has it.
    if TcpListener::bind("[::1]:0").is_ok() {
        let stream = with_timeouts(TcpStream::connect("[::1]:15213").unwrap());
        let (mut stream, mut reader) = with_reader(stream);
        assert_eq!(ask(&mut stream, &mut reader, b"v6\n"), b"v6\n");
    }
}

/// `--help` / `-h` prints the usage on stdout and exits 0, wherever it
/// comes and whatever else is on the line: nothing is resolved, bound or
/// complained about.
#[test]
fn every_example_answers_help_on_stdout_with_exit_0() {
    let cases: &[(&str, &[&str], &str)] = &[
        (
            "echoserver",
            &["--help"],
            "usage: echoserver [--pool N] [--idle-timeout SECS] [--max-connections N] [--overload POLICY] [--stats SECS] [--line-timeout SECS] [PORT]\n",
        ),
        (
            "echoserver",
            &["70000", "-h"],
            "usage: echoserver [--pool N] [--idle-timeout SECS] [--max-connections N] [--overload POLICY] [--stats SECS] [--line-timeout SECS] [PORT]\n",
        ),
        ("echoserver", &["--pool", "--help"], "usage: echoserver "),
        ("echoclient", &["-h"], "usage: echoclient HOST PORT\n"),
        (
            "reverseserver",
            &["--help"],
            "usage: reverseserver [--pool N] [--idle-timeout SECS] [--max-connections N] [--overload POLICY] [--stats SECS] [--line-timeout SECS] [PORT]\n",
        ),
        (
            "reverseclient",
            &["--help"],
            "usage: reverseclient HOST PORT\n",
        ),
        (
            "frameserver",
            &["--help"],
            "usage: frameserver [--pool N] [--idle-timeout SECS] [--max-connections N] [--overload POLICY] [--stats SECS] [--frame-timeout SECS] [--max-frame BYTES] [PORT]\n",
        ),
        (
            "frameclient",
            &["localhost", "--help"],
            "usage: frameclient HOST PORT\n",
        ),
        ("hostinfo", &["--help"], "usage: hostinfo NAME\n"),
        ("hostinfo", &["-h"], "usage: hostinfo NAME\n"),
        ("sticky", &["--help"], "usage: sticky\n"),
        (
            "udpchat",
            &["--help"],
            "usage: udpchat server [--idle-ms N] ",
        ),
        (
            "udpchat",
            &["server", "--help"],
            "usage: udpchat server [--idle-ms N] ",
        ),
        (
            "udpchat",
            &["server", "--idle-ms", "--help"],
            "usage: udpchat server ",
        ),
        ("udpchat", &["client", "-h"], "usage: udpchat client "),
    ];
    for (name, args, want) in cases {
        let out = run(name, args, b"");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{name} {args:?}: {}",
            out.stderr
        );
        assert!(stdout.starts_with(want), "{name} {args:?}: {stdout}");
        assert!(out.stderr.is_empty(), "{name} {args:?}: {}", out.stderr);
    }
    // Every argument is described, defaults included.
    let out = run("echoserver", &["--help"], b"");
    let help = String::from_utf8_lossy(&out.stdout);
    for part in [
        "PORT",
        "(default 15213)",
        "--pool N",
        "--idle-timeout SECS",
        "(default 300)",
        "--line-timeout SECS",
        "(default 10)",
        "--max-connections N",
        "(default 1024)",
        "--overload POLICY",
        "(default wait)",
        "--stats SECS",
        "-h, --help",
    ] {
        assert!(help.contains(part), "{part:?} in {help}");
    }
}

/// A bad argument: `program: what is wrong` naming the argument, then the
/// synopsis, on stderr; exit 2; nothing on stdout.
#[test]
fn bad_arguments_say_what_is_wrong_and_exit_2() {
    let cases: &[(&str, &[&str], &str)] = &[
        (
            "echoserver",
            &["70000"],
            "port 70000 is out of range 0..=65535",
        ),
        ("echoserver", &["-1"], "port -1 is out of range 0..=65535"),
        (
            "echoserver",
            &["notaport"],
            "port \"notaport\" is not a number",
        ),
        ("echoserver", &["1", "2"], "unexpected argument \"2\""),
        ("echoserver", &["--pool"], "--pool needs a value (N)"),
        (
            "echoserver",
            &["--pool", "0"],
            "--pool 0 is out of range: must be at least 1",
        ),
        ("echoserver", &["--pool=x"], "--pool \"x\" is not a number"),
        (
            "echoserver",
            &["--pool", "2", "--pool", "3"],
            "--pool is given twice",
        ),
        ("echoserver", &["--bogus"], "unknown option \"--bogus\""),
        (
            "echoserver",
            &["--idle-timeout", "0"],
            "--idle-timeout 0 is out of range: must be more than 0 seconds",
        ),
        (
            "echoserver",
            &["--stats", "1e18"],
            "--stats 1e18 is out of range: at most 1000000000 seconds",
        ),
        (
            "echoserver",
            &["--line-timeout=soon"],
            "--line-timeout \"soon\" is not a number of seconds",
        ),
        (
            "echoserver",
            &["--max-connections", "0"],
            "--max-connections 0 is out of range: must be at least 1",
        ),
        (
            "reverseserver",
            &["--overload", "drop"],
            "--overload \"drop\" is not a policy: wait or refuse",
        ),
        (
            "frameserver",
            &["--line-timeout", "1"],
            "unknown option \"--line-timeout\"",
        ),
        ("echoclient", &[], "missing HOST"),
        ("echoclient", &["localhost"], "missing PORT"),
        (
            "echoclient",
            &["localhost", "0"],
            "port 0 is out of range 1..=65535",
        ),
        (
            "echoclient",
            &["localhost", "1", "2"],
            "unexpected argument \"2\"",
        ),
        ("reverseserver", &["-x"], "unknown option \"-x\""),
        (
            "reverseclient",
            &["localhost", "http"],
            "port \"http\" is not a number",
        ),
        (
            "frameserver",
            &["99999"],
            "port 99999 is out of range 0..=65535",
        ),
        ("frameclient", &["localhost"], "missing PORT"),
        ("hostinfo", &[], "missing NAME"),
        ("hostinfo", &["a", "b"], "unexpected argument \"b\""),
        ("sticky", &["extra"], "unexpected argument \"extra\""),
    ];
    for (name, args, why) in cases {
        let out = run(name, args, b"");
        assert_eq!(
            out.status.code(),
            Some(2),
            "{name} {args:?}: {}",
            out.stderr
        );
        let mut lines = out.stderr.lines();
        assert_eq!(
            lines.next(),
            Some(&*format!("{name}: {why}")),
            "{name} {args:?}"
        );
        let usage = lines.next().unwrap_or_default();
        assert!(
            usage.starts_with(&format!("usage: {name}")),
            "{name} {args:?}: {usage}"
        );
        assert!(out.stdout.is_empty(), "{name} {args:?}");
    }
}

/// Run-time errors: `program: message` on stderr, exit 1.
#[test]
fn run_time_errors_are_program_colon_message_and_exit_1() {
    // A port another socket already listens on.
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let out = run("echoserver", &[&port], b"");
    assert_eq!(out.status.code(), Some(1), "{}", out.stderr);
    assert!(out.stderr.starts_with("echoserver: "), "{}", out.stderr);
    let out = run(
        "udpchat",
        &["client", "no-such-host.invalid", "9", "a"],
        b"",
    );
    assert_eq!(out.status.code(), Some(1), "{}", out.stderr);
    assert!(out.stderr.starts_with("udpchat: "), "{}", out.stderr);
    assert!(
        out.stderr.contains("no-such-host.invalid"),
        "{}",
        out.stderr
    );
}

#[test]
fn reverseserver_reverses_by_grapheme_cluster() {
    let (_server, port) = start_server("reverseserver", &[]);
    let (mut stream, mut reader) = with_reader(connect(port));
    let cases: &[(&str, &str)] = &[
        ("hello\n", "olleh\n"),
        ("", ""),
        ("你好，世界\n", "界世，好你\n"),
        // e + combining acute accent; a with two combining marks.
        ("e\u{301}a\u{308}\u{323}x\n", "xa\u{308}\u{323}e\u{301}\n"),
        // a family joined by ZWJ, then a thumbs-up with a skin tone.
        (
            "\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}!\u{1F44D}\u{1F3FD}\n",
            "\u{1F44D}\u{1F3FD}!\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}\n",
        ),
        // flags: Japan, France, and a rainbow flag (ZWJ sequence).
        (
            "\u{1F1EF}\u{1F1F5}\u{1F1EB}\u{1F1F7}\u{1F3F3}\u{FE0F}\u{200D}\u{1F308}\n",
            "\u{1F3F3}\u{FE0F}\u{200D}\u{1F308}\u{1F1EB}\u{1F1F7}\u{1F1EF}\u{1F1F5}\n",
        ),
        ("crlf\r\n", "flrc\n"),
    ];
    for (line, want) in cases {
        if line.is_empty() {
            continue;
        }
        let reply = ask(&mut stream, &mut reader, line.as_bytes());
        assert_eq!(String::from_utf8(reply).unwrap(), *want, "for {line:?}");
    }
}

#[test]
fn reverseserver_answers_non_utf8_with_an_error_and_goes_on() {
    let (mut server, port) = start_server("reverseserver", &[]);
    let (mut stream, mut reader) = with_reader(connect(port));
    let reply = ask(&mut stream, &mut reader, b"ok \xff\xfe bad\n");
    assert!(
        reply.starts_with(b"error: "),
        "{}",
        String::from_utf8_lossy(&reply)
    );
    assert!(reply.ends_with(b"\n"));
    assert_eq!(ask(&mut stream, &mut reader, b"abc\n"), b"cba\n");
    // An over-long line is an error reply too, and the session goes on.
    let mut long = vec![b'x'; 100 * 1024];
    long.push(b'\n');
    let reply = ask(&mut stream, &mut reader, &long);
    assert!(
        reply.starts_with(b"error: "),
        "{}",
        String::from_utf8_lossy(&reply)
    );
    assert_eq!(ask(&mut stream, &mut reader, b"abc\n"), b"cba\n");
    assert!(server.is_running());
}

#[test]
fn reverseserver_ends_the_session_on_bye_or_esc() {
    let (_server, port) = start_server("reverseserver", &["--pool", "2"]);
    for goodbye in [&b"bye\n"[..], b"bye\r\n", b"\x1b\n", b"\x1b[A\n"] {
        let (mut stream, mut reader) = with_reader(connect(port));
        assert_eq!(ask(&mut stream, &mut reader, b"ab\n"), b"ba\n");
        assert_eq!(ask(&mut stream, &mut reader, goodbye), b"bye\n");
        let mut rest = Vec::new();
        reader.read_to_end(&mut rest).unwrap();
        assert!(
            rest.is_empty(),
            "the server kept the session open after {goodbye:?}"
        );
    }
}

#[test]
fn reverseserver_serves_clients_concurrently() {
    let (_server, port) = start_server("reverseserver", &[]);
    let mut clients: Vec<_> = (0..8).map(|_| with_reader(connect(port))).collect();
    for (i, (stream, reader)) in clients.iter_mut().enumerate() {
        assert_eq!(
            ask(stream, reader, format!("{i}ab\n").as_bytes()),
            format!("ba{i}\n").as_bytes()
        );
    }
    for (stream, reader) in &mut clients {
        assert_eq!(ask(stream, reader, b"xyz\n"), b"zyx\n");
    }
}

#[test]
fn reverseclient_stops_after_bye() {
    let (_server, port) = start_server("reverseserver", &[]);
    let out = run(
        "reverseclient",
        &["127.0.0.1", &port.to_string()],
        "héllo\n🇫🇷!\nbye\nnot sent\n".as_bytes(),
    );
    assert!(out.status.success(), "{}", out.stderr);
    assert_eq!(String::from_utf8(out.stdout).unwrap(), "olléh\n!🇫🇷\nbye\n");
}

#[test]
fn hostinfo_lists_the_addresses_of_localhost() {
    let out = run("hostinfo", &["localhost"], b"");
    assert!(out.status.success(), "{}", out.stderr);
    let stdout = String::from_utf8(out.stdout).unwrap();
    let addrs: Vec<IpAddr> = stdout.lines().map(|l| l.parse().unwrap()).collect();
    assert!(!addrs.is_empty());
    assert!(addrs.iter().all(IpAddr::is_loopback), "{addrs:?}");
    let out = run("hostinfo", &["::1"], b"");
    assert_eq!(String::from_utf8(out.stdout).unwrap(), "::1\n");
}

#[test]
fn hostinfo_reports_a_name_that_does_not_resolve() {
    let out = run("hostinfo", &["no-such-host.invalid"], b"");
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert!(
        out.stderr
            .starts_with("hostinfo: cannot resolve no-such-host.invalid: "),
        "{}",
        out.stderr
    );
}

#[test]
fn sticky_shows_merged_reads_and_framed_messages() {
    let out = run("sticky", &[], b"");
    assert!(out.status.success(), "{}", out.stderr);
    let stdout = String::from_utf8(out.stdout).unwrap();
    // The naive receiver gets all three messages in its first read.
    assert!(
        stdout.contains("read() #1: 46 bytes: \"Client Query testCleint QueryClient Query Quit\""),
        "{stdout}"
    );
    // Both framed receivers get them apart, in order.
    for message in ["Client Query test", "Cleint Query", "Client Query Quit"] {
        let shown = stdout.matches(&format!(": {message:?}\n")).count();
        assert_eq!(shown, 2, "{message:?} in {stdout}");
    }
    assert_eq!(
        stdout.matches("-> 3 messages, each as it was sent").count(),
        2,
        "{stdout}"
    );
}

#[test]
fn frameclient_and_frameserver_echo_length_prefixed_frames() {
    let (server, port) = start_server("frameserver", &["--pool", "2"]);
    let input = "one\n\nthree: ünïcödé and a\ttab\n".as_bytes();
    let out = run("frameclient", &["localhost", &port.to_string()], input);
    assert!(out.status.success(), "{}", out.stderr);
    assert_eq!(out.stdout, input);
    let payload = input.len() - 3; // the three '\n' are not sent
    server.wait_for(&format!("echoed 3 frames, {payload} bytes"));
}

#[test]
fn frameserver_speaks_the_length_prefix_wire_format() {
    let (mut server, port) = start_server("frameserver", &[]);
    let mut stream = connect(port);
    // Two frames in one write, the second split across a later write.
    stream.write_all(b"\0\0\0\x05hello\0\0\0\x06wor").unwrap();
    stream.write_all(b"ld!").unwrap();
    let mut echo = [0; 19];
    stream.read_exact(&mut echo).unwrap();
    assert_eq!(&echo, b"\0\0\0\x05hello\0\0\0\x06world!");
    // A peer that vanishes mid-frame is logged; the server goes on.
    stream.write_all(b"\0\0\0\x09half").unwrap();
    drop(stream);
    let line = server.wait_for("dropped");
    assert!(line.contains("8 of 13 bytes"), "{line}");
    let mut stream = connect(port);
    stream.write_all(b"\0\0\0\x02ok").unwrap();
    let mut echo = [0; 6];
    stream.read_exact(&mut echo).unwrap();
    assert_eq!(&echo, b"\0\0\0\x02ok");
    assert!(server.is_running());
}

/// Sends `payload` as one length-prefixed frame and checks its echo.
fn frame_round_trip(stream: &mut TcpStream, payload: &[u8]) {
    let mut wire = (payload.len() as u32).to_be_bytes().to_vec();
    wire.extend_from_slice(payload);
    stream.write_all(&wire).unwrap();
    let mut echo = vec![0; wire.len()];
    stream.read_exact(&mut echo).unwrap();
    assert_eq!(echo, wire);
}

/// Reads until the server ends the connection: end of stream, or a reset
/// when it closed with bytes still unread. Panics on anything else (data,
/// the test's own I/O timeout).
fn until_closed(stream: &TcpStream) {
    let mut buf = [0u8; 64];
    match (&*stream).read(&mut buf) {
        Ok(0) => {}
        Err(err) if err.kind() == std::io::ErrorKind::ConnectionReset => {}
        other => panic!("the server did not close the connection: {other:?}"),
    }
}

#[test]
fn frameserver_help_states_the_memory_bound_and_start_prints_the_limits() {
    let out = run("frameserver", &["--help"], b"");
    let help = String::from_utf8_lossy(&out.stdout);
    for part in [
        "max(256 KiB, 1.25 x (max frame + 4) + 64 KiB) + 8 KiB",
        "392.0 MiB with the defaults",
        "--frame-timeout SECS",
        "after its first byte (default 10)",
        "--max-frame BYTES",
        "(default 262144)",
        "--max-connections N",
        "(default 1024)",
    ] {
        assert!(help.contains(part), "{part:?} in {help}");
    }
    let (server, _port) = start_server(
        "frameserver",
        &["--max-frame", "65536", "--max-connections", "100"],
    );
    let line = server.wait_for("limits: ");
    assert_eq!(
        line,
        "limits: idle timeout 300s, frame timeout 10s, write timeout 30s, frames up to 65536 bytes, at most 100 connections, then wait: at most 25.8 MiB of frame buffers"
    );
}

/// Beyond --max-connections with --overload refuse, a client reads a
/// `busy` frame (not a line: it speaks frames) and the connection closes.
#[test]
fn frameserver_refuses_with_a_busy_frame() {
    let (_server, port) = start_server(
        "frameserver",
        &["--max-connections", "1", "--overload", "refuse"],
    );
    let mut first = connect(port);
    frame_round_trip(&mut first, b"first");
    let mut second = connect(port);
    let mut refused = Vec::new();
    second.read_to_end(&mut refused).unwrap();
    let text = b"busy: the server is full, try again later";
    let mut want = (text.len() as u32).to_be_bytes().to_vec();
    want.extend_from_slice(text);
    assert_eq!(refused, want);
    frame_round_trip(&mut first, b"still served");
}

/// A frame that has started must be complete within --frame-timeout: a
/// client trickling one byte every 20 ms is cut at the deadline, while
/// another client is served before, during and after.
#[test]
fn frameserver_cuts_a_trickling_frame_at_its_deadline_and_serves_others() {
    let (server, port) = start_server(
        "frameserver",
        &["--frame-timeout", "0.5", "--idle-timeout", "5"],
    );
    let mut other = connect(port);
    frame_round_trip(&mut other, b"before");
    let trickler = connect(port);
    let (stop, stopped) = mpsc::channel::<()>();
    let mut out = trickler.try_clone().unwrap();
    let start = Instant::now();
    let writer = thread::spawn(move || {
        // The header of a 100-byte frame, then its bytes one by one.
        out.write_all(&[0, 0, 0, 100]).unwrap();
        for _ in 0..100 {
            if stopped.try_recv().is_ok() || out.write_all(b"x").is_err() {
                return;
            }
            // Pacing the trickle, not synchronisation.
            thread::sleep(Duration::from_millis(20));
        }
    });
    frame_round_trip(&mut other, b"during");
    until_closed(&trickler);
    let took = start.elapsed();
    assert!(took >= Duration::from_millis(500), "cut after {took:?}");
    let line = server.wait_for("read deadline passed");
    // The deadline ran from the frame's first byte; what had arrived is
    // counted (the header included).
    assert!(line.contains("dropped (read deadline passed "), "{line}");
    assert!(
        line.contains(" bytes had arrived since); echoed 0 frames"),
        "{line}"
    );
    frame_round_trip(&mut other, b"after");
    stop.send(()).unwrap();
    writer.join().unwrap();
}

#[test]
fn frameserver_drops_a_client_silent_between_frames_at_the_idle_timeout() {
    let (server, port) = start_server(
        "frameserver",
        &["--idle-timeout", "0.3", "--frame-timeout", "5"],
    );
    let mut stream = connect(port);
    // Timed from before the frame: the server's idle wait starts after it.
    let start = Instant::now();
    frame_round_trip(&mut stream, b"one");
    until_closed(&stream);
    assert!(start.elapsed() >= Duration::from_millis(300));
    let line = server.wait_for("idle:");
    assert!(
        line.contains(
            "dropped (idle: no frame started for 300ms (the idle timeout)); echoed 1 frames"
        ),
        "{line}"
    );
}

#[test]
fn frameserver_ends_a_session_on_a_frame_over_max_frame() {
    let (mut server, port) = start_server("frameserver", &["--max-frame", "16"]);
    let mut stream = connect(port);
    frame_round_trip(&mut stream, &[7; 16]);
    stream.write_all(&[0, 0, 0, 17]).unwrap();
    until_closed(&stream);
    let line = server.wait_for("exceeds");
    assert!(
        line.contains("frame of 17 bytes exceeds the maximum of 16 bytes"),
        "{line}"
    );
    assert!(server.is_running());
}

/// Beyond --max-connections a client waits in the backlog until a slot
/// frees up.
#[test]
fn frameserver_serves_at_most_max_connections_at_once() {
    let (_server, port) = start_server("frameserver", &["--max-connections", "1"]);
    let mut first = connect(port);
    frame_round_trip(&mut first, b"first");
    let mut second = connect(port);
    second.write_all(b"\0\0\0\x06second").unwrap();
    second
        .set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    let mut echo = [0u8; 10];
    let waiting = second.read(&mut echo).unwrap_err();
    assert_eq!(waiting.kind(), std::io::ErrorKind::WouldBlock, "{waiting}");
    drop(first);
    second.set_read_timeout(Some(IO_TIMEOUT)).unwrap();
    second.read_exact(&mut echo).unwrap();
    assert_eq!(&echo, b"\0\0\0\x06second");
}

/// A server whose log reader has gone (stdout closed) goes on serving:
/// `println!` would panic in every handler.
#[test]
fn servers_keep_serving_after_their_stdout_closes() {
    for name in ["echoserver", "reverseserver"] {
        let mut child = start(name, &["0"], Stdio::null());
        let stdout = child.stdout.take().unwrap();
        let _stderr = lines_of(child.stderr.take().unwrap());
        let child = KillOnDrop(child);
        let line = util::first_line_then_close(stdout, IO_TIMEOUT);
        let addr = line["listening on ".len()..].split(' ').next().unwrap();
        let port = addr.parse::<SocketAddr>().unwrap().port();
        for _ in 0..2 {
            let (mut stream, mut reader) = with_reader(connect(port));
            let reply = ask(&mut stream, &mut reader, b"ab\n");
            assert!(reply == b"ab\n" || reply == b"ba\n", "{name}: {reply:?}");
        }
        drop(child);
    }
}
