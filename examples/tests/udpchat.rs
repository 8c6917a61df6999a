//! The `udpchat` example end to end: the real binary as server and clients on
//! loopback, plus raw UDP sockets that speak (or garble) the documented wire
//! format. The codec and room logic have unit tests inside the example.

mod util;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, UdpSocket};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, Sender};
use std::thread;
use std::time::{Duration, Instant};

/// Longest wait for any one expected line.
const WAIT: Duration = Duration::from_secs(15);

enum Output {
    Line(String),
    /// One of the two streams reached end of file.
    Closed,
}

/// A running `udpchat`, killed on drop; stdout and stderr lines arrive
/// through a channel so every wait is bounded.
struct Proc {
    label: String,
    child: Child,
    stdin: Option<ChildStdin>,
    output: Receiver<Output>,
    open_streams: usize,
    transcript: Vec<String>,
}

impl Proc {
    fn spawn(label: &str, args: &[&str]) -> Proc {
        let mut child = Command::new(util::example("udpchat"))
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn udpchat");
        let (tx, output) = mpsc::channel();
        forward(child.stdout.take().unwrap(), tx.clone());
        forward(child.stderr.take().unwrap(), tx);
        let stdin = child.stdin.take();
        Proc {
            label: label.to_owned(),
            child,
            stdin,
            output,
            open_streams: 2,
            transcript: Vec::new(),
        }
    }

    /// Waits for a stdout or stderr line containing `pattern`; returns the
    /// lines seen before it (since the last match).
    fn expect(&mut self, pattern: &str) -> Vec<String> {
        let deadline = Instant::now() + WAIT;
        let mut before = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.output.recv_timeout(left) {
                Ok(Output::Line(line)) => {
                    self.transcript.push(line.clone());
                    if line.contains(pattern) {
                        return before;
                    }
                    before.push(line);
                }
                Ok(Output::Closed) if self.open_streams > 1 => self.open_streams -= 1,
                _ => panic!(
                    "{}: no line containing {pattern:?}; output so far:\n{}",
                    self.label,
                    self.log()
                ),
            }
        }
    }

    /// Types `line` on the process's stdin.
    fn say(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        writeln!(stdin, "{line}")
            .and_then(|()| stdin.flush())
            .expect("write to udpchat stdin");
    }

    /// Waits for the process to end (both output streams closed); returns its
    /// status and the lines it printed meanwhile.
    fn expect_exit(&mut self) -> (ExitStatus, Vec<String>) {
        let deadline = Instant::now() + WAIT;
        let mut lines = Vec::new();
        while self.open_streams > 0 {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.output.recv_timeout(left) {
                Ok(Output::Line(line)) => {
                    self.transcript.push(line.clone());
                    lines.push(line);
                }
                Ok(Output::Closed) => self.open_streams -= 1,
                Err(_) => panic!(
                    "{}: did not exit; output so far:\n{}",
                    self.label,
                    self.log()
                ),
            }
        }
        // Both pipes closed: the process has exited (or is about to).
        (self.child.wait().expect("wait for udpchat"), lines)
    }

    fn log(&self) -> String {
        self.transcript.join("\n")
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn forward(stream: impl Read + Send + 'static, tx: Sender<Output>) {
    thread::spawn(move || {
        for line in BufReader::new(stream).lines() {
            let Ok(line) = line else { break };
            if tx.send(Output::Line(line)).is_err() {
                return;
            }
        }
        let _ = tx.send(Output::Closed);
    });
}

/// Starts a server on a free port (port 0); returns it and the real port.
fn server(extra: &[&str]) -> (Proc, u16) {
    let mut args = vec!["server", "0"];
    args.extend_from_slice(extra);
    let mut server = Proc::spawn("server", &args);
    server.expect("listening on");
    let line = server.transcript.last().unwrap().clone();
    let port = line.rsplit(':').next().and_then(|p| p.trim().parse().ok());
    (
        server,
        port.unwrap_or_else(|| panic!("no port in {line:?}")),
    )
}

/// Starts a client and waits until it has joined as `name`.
fn client(host: &str, port: u16, name: &str, extra: &[&str]) -> Proc {
    let port = port.to_string();
    let mut args = vec!["client", host, &port, name];
    args.extend_from_slice(extra);
    let mut client = Proc::spawn(name, &args);
    client.expect(&format!("* joined as {name} via"));
    client
}

/// A raw UDP socket on loopback with timeouts, connected to `port`.
fn raw_socket(port: u16) -> UdpSocket {
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    socket.set_read_timeout(Some(util::IO_TIMEOUT)).unwrap();
    socket.set_write_timeout(Some(util::IO_TIMEOUT)).unwrap();
    socket.connect(("127.0.0.1", port)).unwrap();
    socket
}

fn recv(socket: &UdpSocket) -> Vec<u8> {
    let mut buf = [0u8; 2048];
    let n = socket
        .recv(&mut buf)
        .expect("a datagram before the timeout");
    buf[..n].to_vec()
}

#[test]
fn three_clients_join_chat_and_leave() {
    let (_server, port) = server(&[]);
    let mut alice = client("localhost", port, "alice", &[]);
    // A name full of the seed's separator and other punctuation.
    let mut bob = client("127.0.0.1", port, "b|ob:1", &[]);
    alice.expect("* b|ob:1 joined");

    // The third client asks for a taken name, is told, and picks another.
    let port_arg = port.to_string();
    let mut carol = Proc::spawn("carol", &["client", "::1", &port_arg, "alice"]);
    carol.expect("taken");
    carol.say("卡罗尔");
    carol.expect("* joined as 卡罗尔 via [::1]");
    alice.expect("* 卡罗尔 joined");
    bob.expect("* 卡罗尔 joined");

    // Broadcast: UTF-8 and separators arrive untouched at every other member.
    let text = r#"你好，世界 | a|b ; c:d \ "q" %s {} 0x7C"#;
    alice.say(text);
    bob.expect(&format!("alice: {text}"));
    carol.expect(&format!("alice: {text}"));
    bob.say("from | bob");
    let before = alice.expect("b|ob:1: from | bob");
    assert!(
        before.iter().all(|l| !l.contains("你好")),
        "alice got her own message back: {before:?}"
    );
    carol.expect("b|ob:1: from | bob");

    // Oversize: 1201 bytes are refused by the client; 1200 bytes (400
    // three-byte characters) go through.
    alice.say(&"x".repeat(1201));
    alice.expect("too long");
    let longest = "字".repeat(400);
    alice.say(&longest);
    let before = bob.expect(&format!("alice: {longest}"));
    assert!(
        before.iter().all(|l| !l.contains("xxx")),
        "the oversize message was sent: {before:?}"
    );

    // Leave with `exit`: the client ends, the others are told.
    carol.say("exit");
    let (status, _) = carol.expect_exit();
    assert!(status.success(), "carol exited with {status}");
    alice.expect("* 卡罗尔 left");
    bob.expect("* 卡罗尔 left");

    // End of input leaves too.
    drop(bob.stdin.take());
    let (status, _) = bob.expect_exit();
    assert!(status.success(), "bob exited with {status}");
    assert!(
        alice
            .expect("* b|ob:1 left")
            .iter()
            .all(|l| !l.contains("timed out"))
    );
}

#[test]
fn a_silent_member_is_dropped_and_announced() {
    let (mut server, port) = server(&["--idle-ms", "600"]);
    let mut alice = client("localhost", port, "alice", &["--heartbeat-ms", "100"]);
    // `--heartbeat-ms 0`: this client never sends a heartbeat.
    let mut ghost = client("127.0.0.1", port, "ghost", &["--heartbeat-ms", "0"]);
    alice.expect("* ghost joined");
    alice.expect("* ghost left (timed out)");
    server.expect("ghost left (timed out)");

    // The dropped client learns it when it next speaks, and exits with an error.
    ghost.say("anyone?");
    let (status, lines) = ghost.expect_exit();
    assert!(!status.success());
    assert!(
        lines.iter().any(|l| l.contains("no longer knows")),
        "{lines:?}"
    );

    // Heartbeats kept alice in the room all along.
    let mut bob = client("::1", port, "bob", &[]);
    alice.expect("* bob joined");
    alice.say("still here");
    bob.expect("alice: still here");
}

/// JOINs as `name` from `raw` and confirms with a HEARTBEAT, as the client
/// does; returns the token from the JOIN_OK (checked byte for byte).
fn raw_member(raw: &UdpSocket, name: &[u8]) -> [u8; 8] {
    let mut join = vec![2, 0x01, name.len() as u8];
    join.extend_from_slice(name);
    raw.send(&join).unwrap();
    let reply = recv(raw);
    // JOIN_OK: the JOIN's name, then the 8-byte token.
    assert_eq!(reply.len(), join.len() + 8, "{reply:?}");
    assert_eq!(reply[..2], [2, 0x02]);
    assert_eq!(reply[2..join.len()], join[2..]);
    let token: [u8; 8] = reply[join.len()..].try_into().unwrap();
    raw.send(&[&[2, 0x0A][..], &token].concat()).unwrap();
    token
}

#[test]
fn the_server_speaks_the_documented_format_and_shrugs_off_garbage() {
    let (mut server, port) = server(&[]);
    let raw = raw_socket(port);
    let garbage: &[(&[u8], &str)] = &[
        (&[], "truncated"),
        (&[1, 0x0A], "unsupported version 1"),
        (&[2, 0x42], "unknown message type 0x42"),
        (&[2, 0x01, 5, b'a'], "truncated"),
        (&[2, 0x01, 2, 0xC3, 0x28], "not valid UTF-8"),
        (&[2, 0x01, 2, b'a', b'\n'], "control character"),
        (&[2, 0x0A, 0, 0, 0, 0, 0, 0, 0, 0, 0], "trailing"),
        (
            &[2, 0x05, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF],
            "text too long",
        ),
    ];
    for (bytes, _) in garbage {
        raw.send(bytes).unwrap();
    }
    raw.send(&[2; 3000]).unwrap();
    for (_, log) in garbage {
        server.expect(log);
    }
    server.expect("datagram too large");

    // JOIN "r|w" -> JOIN_OK "r|w" + token, then HEARTBEAT token confirms.
    let token = raw_member(&raw, b"r|w");
    server.expect("r|w joined from");

    let mut alice = client("localhost", port, "alice", &[]);
    assert_eq!(recv(&raw), [2, 0x07, 5, b'a', b'l', b'i', b'c', b'e']);
    alice.say("é");
    assert_eq!(
        recv(&raw),
        [2, 0x06, 5, b'a', b'l', b'i', b'c', b'e', 0, 2, 0xC3, 0xA9]
    );
    // SAY token "a|b" from the raw member reaches the real client.
    raw.send(&[&[2, 0x05][..], &token, &[0, 3, b'a', b'|', b'b']].concat())
        .unwrap();
    alice.expect("r|w: a|b");

    // A stranger's SAY is answered with NOT_MEMBER and relayed to nobody.
    let stranger = raw_socket(port);
    stranger
        .send(&[&[2, 0x05][..], &token, &[0, 2, b'h', b'i']].concat())
        .unwrap();
    assert_eq!(recv(&stranger), [2, 0x0B]);

    // LEAVE token -> LEFT "r|w" (reason 0) to the others.
    raw.send(&[&[2, 0x09][..], &token].concat()).unwrap();
    let before = alice.expect("* r|w left");
    assert!(
        before.iter().all(|l| !l.contains(": hi")),
        "stranger was relayed: {before:?}"
    );
}

/// A LEAVE or SAY from a member's own address (as a spoofer would forge
/// it) but without the member's token does nothing.
#[test]
fn a_forged_leave_does_not_kick_and_a_forged_say_is_not_relayed() {
    let (mut server, port) = server(&[]);
    let raw = raw_socket(port);
    let token = raw_member(&raw, b"victim");
    let mut alice = client("localhost", port, "alice", &[]);
    assert_eq!(recv(&raw)[..2], [2, 0x07]);
    let mut forged = token;
    forged[7] ^= 1;
    raw.send(&[&[2, 0x09][..], &forged].concat()).unwrap();
    raw.send(
        &[
            &[2, 0x05][..],
            &forged,
            &[0, 6, b'f', b'o', b'r', b'g', b'e', b'd'],
        ]
        .concat(),
    )
    .unwrap();
    // A JOIN under another name from the member's address renames nobody.
    raw.send(&[2, 0x01, 3, b'b', b'a', b'd']).unwrap();
    server.expect("ignored LEAVE from");
    server.expect("ignored SAY from");
    server.expect("ignored JOIN as \"bad\"");
    // The member is still there: its real SAY is relayed, and alice saw
    // nothing of the forgeries.
    raw.send(&[&[2, 0x05][..], &token, &[0, 4, b'r', b'e', b'a', b'l']].concat())
        .unwrap();
    let before = alice.expect("victim: real");
    assert!(
        before
            .iter()
            .all(|l| !l.contains("victim left") && !l.contains("forged") && !l.contains("bad")),
        "{before:?}"
    );
}

#[test]
fn joins_from_one_address_are_capped() {
    let (_server, port) = server(&["--max-per-address", "3"]);
    let sockets: Vec<UdpSocket> = (0..6).map(|_| raw_socket(port)).collect();
    let mut replies = Vec::new();
    for (i, socket) in sockets.iter().enumerate() {
        socket.send(&[2, 0x01, 2, b'm', b'0' + i as u8]).unwrap();
        replies.push(recv(socket));
    }
    for (i, reply) in replies.iter().enumerate() {
        let want = if i < 3 { 0x02 } else { 0x04 };
        assert_eq!(reply[..2], [2, want], "join {i}: {reply:?}");
    }
    // The cap is per address: a client from ::1 still gets in.
    let mut bob = client("::1", port, "bob", &[]);
    bob.say("exit");
    assert!(bob.expect_exit().0.success());
}

/// A flood of bad datagrams is logged at the configured rate, with a count
/// of what was suppressed, not one line per datagram.
#[test]
fn log_lines_are_bounded_under_a_flood() {
    const PER_SEC: usize = 5;
    const FLOOD: usize = 2000;
    let (mut server, port) = server(&["--log-lines-per-sec", &PER_SEC.to_string()]);
    let raw = raw_socket(port);
    let start = Instant::now();
    for _ in 0..FLOOD {
        raw.send(&[9, 9]).unwrap();
    }
    // The count comes out once the flood's second is over.
    let before = server.expect("log lines suppressed");
    let seconds = start.elapsed().as_secs() as usize + 1;
    let logged = before.iter().filter(|l| l.contains("ignored")).count();
    assert!(logged >= 1, "{before:?}");
    assert!(
        logged <= PER_SEC * (seconds + 1),
        "{logged} lines in {seconds} s at {PER_SEC} a second"
    );
    let summary = server.transcript.last().unwrap().clone();
    let suppressed: usize = summary
        .split_whitespace()
        .find_map(|w| w.parse().ok())
        .unwrap_or_else(|| panic!("no count in {summary:?}"));
    assert!(suppressed >= 1 && logged + suppressed <= FLOOD, "{summary}");
}

/// A stand-in server that answers only what the test tells it to: a bound
/// loopback socket (with a timeout) and its port.
fn fake_server() -> (UdpSocket, u16) {
    let fake = UdpSocket::bind("127.0.0.1:0").unwrap();
    fake.set_read_timeout(Some(util::IO_TIMEOUT)).unwrap();
    let port = fake.local_addr().unwrap().port();
    (fake, port)
}

/// Starts client "zed" on 127.0.0.1:`port` with `options`, without waiting.
fn spawn_zed(port: u16, options: &[&str]) -> Proc {
    let port = port.to_string();
    let mut args = vec!["client", "127.0.0.1", &port, "zed"];
    args.extend_from_slice(options);
    Proc::spawn("zed", &args)
}

/// `JOIN "zed"` as documented.
const JOIN_ZED: [u8; 6] = [2, 0x01, 3, b'z', b'e', b'd'];

#[test]
fn join_is_retried_when_the_reply_is_lost() {
    let (fake, port) = fake_server();
    let mut zed = spawn_zed(port, &["--join-timeout-ms", "200"]);
    let mut buf = [0u8; 64];
    // The first JOIN "is lost" (not answered); the retry comes from the same
    // address and gets its JOIN_OK.
    let (n, first) = fake.recv_from(&mut buf).unwrap();
    assert_eq!(buf[..n], JOIN_ZED);
    let (n, second): (usize, SocketAddr) = fake.recv_from(&mut buf).unwrap();
    assert_eq!((&buf[..n], second), (&JOIN_ZED[..], first));
    let join_ok = [2, 0x02, 3, b'z', b'e', b'd', 0, 0, 0, 0, 0, 0, 0, 7];
    fake.send_to(&join_ok, second).unwrap();
    zed.expect("* joined as zed via 127.0.0.1");
    // Joined, zed confirms with a HEARTBEAT carrying the token it was given.
    let n = fake.recv(&mut buf).unwrap();
    assert_eq!(buf[..n], [2, 0x0A, 0, 0, 0, 0, 0, 0, 0, 7]);
}

#[test]
fn join_gives_up_after_the_configured_attempts() {
    let (fake, port) = fake_server();
    let options = ["--join-timeout-ms", "100", "--join-attempts", "3"];
    let mut zed = spawn_zed(port, &options);
    let mut buf = [0u8; 64];
    for _ in 0..3 {
        let n = fake.recv(&mut buf).unwrap();
        assert_eq!(buf[..n], JOIN_ZED);
    }
    let (status, lines) = zed.expect_exit();
    assert!(!status.success());
    let gave_up = |why: &str| {
        lines
            .iter()
            .any(|l| l.contains("gave up") && l.contains(why))
    };
    assert!(gave_up("no reply to 3 join attempts"), "{lines:?}");
    fake.set_nonblocking(true).unwrap();
    let extra = fake.recv(&mut buf);
    assert!(extra.is_err(), "a fourth JOIN arrived: {extra:?}");

    // Nobody on the port at all: ICMP port unreachable ends it at once.
    drop(fake);
    let (status, lines) = spawn_zed(port, &options).expect_exit();
    assert!(!status.success());
    assert!(
        lines
            .iter()
            .any(|l| l.contains("gave up") && l.contains("refused")),
        "{lines:?}"
    );
}

#[test]
fn bad_arguments_print_usage_and_fail() {
    for args in [
        &[][..],
        &["chat"],
        &["server", "65536"],
        &["server", "1", "2"],
        &["server", "--idle-ms", "soon"],
        &["client", "localhost", "15213"],
        &["client", "localhost", "http", "alice"],
        &["client", "localhost", "15213", "alice", "--heartbeat"],
    ] {
        let out = Command::new(util::example("udpchat"))
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.starts_with("udpchat"), "{args:?}: {stderr}");
        assert!(stderr.contains("\nusage: udpchat "), "{args:?}: {stderr}");
    }
}

/// The server goes on after whoever read its log has gone (stdout closed):
/// `println!` on a join would panic and take the room down.
#[test]
fn the_server_survives_its_stdout_closing() {
    /// Kills and reaps the server when the test ends, pass or fail.
    struct KillOnDrop(std::process::Child);
    impl Drop for KillOnDrop {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let mut server = KillOnDrop(
        Command::new(util::example("udpchat"))
            .args(["server", "0"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn udpchat"),
    );
    let line = util::first_line_then_close(server.0.stdout.take().unwrap(), WAIT);
    let port: u16 = line.trim().rsplit(':').next().unwrap().parse().unwrap();
    for name in [b'a', b'b'] {
        // Each join is logged on the closed stdout, then answered.
        let raw = raw_socket(port);
        raw.send(&[2, 0x01, 1, name]).unwrap();
        assert_eq!(recv(&raw)[..4], [2, 0x02, 1, name]);
    }
}
