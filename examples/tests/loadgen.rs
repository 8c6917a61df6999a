//! The `loadgen` example end to end: against the real echoserver, against
//! echo servers in this file that lose or alter a byte or hang up, and its
//! command line. Loopback only; every wait is bounded.

mod util;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::thread;
use std::time::Duration;

use util::{IO_TIMEOUT, example, refusing_port, with_timeouts};

/// How long a whole loadgen run may take before the test fails; loadgen
/// itself is given `--timeout` well below it.
const RUN_LIMIT: Duration = Duration::from_secs(60);

/// A child process that is killed and reaped when the test ends.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Everything `from` yields until it ends, sent once on a channel.
fn read_all(mut from: impl Read + Send + 'static) -> Receiver<String> {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let mut text = String::new();
        let _ = from.read_to_string(&mut text);
        let _ = tx.send(text);
    });
    rx
}

/// What a loadgen run printed, and how it exited.
struct Run {
    status: ExitStatus,
    stdout: String,
    stderr: String,
}

impl Run {
    /// The value of the stdout line `name: value`.
    fn field(&self, name: &str) -> &str {
        let prefix = format!("{name}: ");
        self.stdout
            .lines()
            .find_map(|line| line.strip_prefix(&prefix))
            .unwrap_or_else(|| panic!("no {name:?} line in {}\n{}", self.stdout, self.stderr))
    }
}

/// Runs loadgen with `args` to its end, within `RUN_LIMIT`.
fn loadgen(args: &[&str]) -> Run {
    let child = Command::new(example("loadgen"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run loadgen");
    let mut child = KillOnDrop(child);
    let stdout = read_all(child.0.stdout.take().unwrap());
    let stderr = read_all(child.0.stderr.take().unwrap());
    // The pipes end when loadgen exits.
    let stdout = stdout
        .recv_timeout(RUN_LIMIT)
        .expect("loadgen did not finish in time");
    let stderr = stderr.recv_timeout(IO_TIMEOUT).expect("loadgen's stderr");
    let status = child.0.wait().expect("wait for loadgen");
    Run {
        status,
        stdout,
        stderr,
    }
}

/// Starts echoserver (`extra` arguments, port 0); returns it and its port.
fn echoserver(extra: &[&str]) -> (KillOnDrop, u16) {
    let mut child = Command::new(example("echoserver"))
        .args(extra)
        .arg("0")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("run echoserver");
    let stdout = child.stdout.take().unwrap();
    let child = KillOnDrop(child);
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let mut lines = BufReader::new(stdout).lines();
        if let Some(Ok(first)) = lines.next() {
            let _ = tx.send(first);
        }
        // Keep reading, so the server's log never fills the pipe.
        for _ in lines {}
    });
    let line = rx
        .recv_timeout(IO_TIMEOUT)
        .expect("echoserver's first line");
    let addr = line
        .strip_prefix("listening on ")
        .and_then(|rest| rest.split(' ').next())
        .and_then(|addr| addr.parse::<SocketAddr>().ok())
        .unwrap_or_else(|| panic!("no address in {line:?}"));
    (child, addr.port())
}

fn assert_clean(run: &Run, clients: u64, lines: u64) {
    assert!(run.status.success(), "{}\n{}", run.stdout, run.stderr);
    assert!(run.stderr.is_empty(), "{}", run.stderr);
    assert_eq!(
        run.field("clients").split(' ').next(),
        Some(clients.to_string().as_str())
    );
    let all = clients * lines;
    assert_eq!(
        run.field("lines"),
        format!("{all} echoed of {all} sent"),
        "{}",
        run.stdout
    );
    let bytes: Vec<&str> = run.field("bytes").split(' ').collect();
    assert_eq!(
        (bytes[0], bytes[1..3].join(" ")),
        (bytes[3], "echoed of".into())
    );
    assert!(bytes[0].parse::<u64>().unwrap() >= all, "{}", run.stdout);
    assert!(run.field("lines/s").parse::<f64>().unwrap() > 0.0);
    let trip = run.field("round trip");
    assert!(
        trip.starts_with("p50 ") && trip.contains(" us, p99 ") && trip.contains(", max "),
        "{trip}"
    );
    assert!(run.field("elapsed").ends_with(" s"));
    assert_eq!(run.field("errors"), "0");
    assert_eq!(run.field("lost bytes"), "0");
    assert_eq!(run.field("corrupted bytes"), "0");
}

#[test]
fn twenty_clients_against_echoserver_lose_nothing() {
    let (_server, port) = echoserver(&[]);
    let port = port.to_string();
    let run = loadgen(&[
        "--clients",
        "20",
        "--lines",
        "50",
        "--min-len",
        "0",
        "--max-len",
        "200",
        "--timeout",
        "30",
        "--seed",
        "1",
        &port,
    ]);
    assert_clean(&run, 20, 50);
    assert!(
        run.stdout.starts_with("loadgen: 20 clients x 50 lines"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.lines().next().unwrap().ends_with("seed 1"));
}

#[test]
fn a_window_and_a_pool_lose_nothing_either() {
    let (_server, port) = echoserver(&["--pool", "4"]);
    let port = port.to_string();
    let run = loadgen(&[
        "--clients",
        "8",
        "--lines",
        "100",
        "--window",
        "8",
        "--max-len",
        "1000",
        "--timeout",
        "30",
        "--host",
        "127.0.0.1",
        &port,
    ]);
    assert_clean(&run, 8, 100);
}

/// What the broken echo server in this file does wrong, on the fourth line
/// of the first connection it accepts (not necessarily loadgen's client 0).
#[derive(Clone, Copy)]
enum Fault {
    /// Leaves out the line's first byte.
    Drop,
    /// Changes the line's first byte.
    Alter,
    /// Closes the connection instead of echoing.
    HangUp,
}

/// An echo server on 127.0.0.1 for `clients` connections, one of which
/// suffers `fault`; returns its port.
fn broken_server(clients: usize, fault: Fault) -> u16 {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let port = listener.local_addr().unwrap().port();
    thread::spawn(move || {
        // Bounded: it serves exactly `clients` connections.
        for index in 0..clients {
            let Ok((stream, _)) = listener.accept() else {
                return;
            };
            thread::spawn(move || echo_with_fault(with_timeouts(stream), index == 0, fault));
        }
    });
    port
}

fn echo_with_fault(stream: TcpStream, faulty: bool, fault: Fault) {
    let mut reader = BufReader::new(&stream);
    let mut out = &stream;
    let mut line = Vec::new();
    for number in 0.. {
        line.clear();
        match reader.read_until(b'\n', &mut line) {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        if faulty && number == 3 {
            match fault {
                Fault::Drop => {
                    line.remove(0);
                }
                Fault::Alter => line[0] = if line[0] == b'#' { b'$' } else { b'#' },
                Fault::HangUp => return,
            }
        }
        if out.write_all(&line).is_err() {
            return;
        }
    }
}

fn against_broken(fault: Fault) -> Run {
    let port = broken_server(5, fault).to_string();
    let run = loadgen(&[
        "--clients",
        "5",
        "--lines",
        "10",
        "--min-len",
        "5",
        "--timeout",
        "20",
        "--host",
        "127.0.0.1",
        &port,
    ]);
    assert_eq!(run.status.code(), Some(1), "{}\n{}", run.stdout, run.stderr);
    run
}

#[test]
fn a_dropped_byte_is_reported_and_fails_the_run() {
    let run = against_broken(Fault::Drop);
    assert_eq!(run.field("lost bytes"), "1");
    assert_eq!(run.field("corrupted bytes"), "0");
    assert_eq!(run.field("errors"), "0");
    assert_eq!(run.field("lines"), "50 echoed of 50 sent");
    assert!(
        run.stderr
            .ends_with("loadgen: 1 bytes lost, 0 bytes corrupted, 0 of 5 clients failed\n"),
        "{}",
        run.stderr
    );
}

#[test]
fn an_altered_byte_is_reported_and_fails_the_run() {
    let run = against_broken(Fault::Alter);
    assert_eq!(run.field("lost bytes"), "0");
    assert_eq!(run.field("corrupted bytes"), "1");
    assert_eq!(run.field("errors"), "0");
}

#[test]
fn a_server_that_hangs_up_loses_the_line_in_flight() {
    let run = against_broken(Fault::HangUp);
    assert_eq!(run.field("errors"), "1");
    assert_eq!(run.field("lines"), "43 echoed of 44 sent");
    let lost: u64 = run.field("lost bytes").parse().unwrap();
    assert!((6..=81).contains(&lost), "{lost}");
    // The server hangs up on the first connection it accepts, which is any
    // of the clients: they connect concurrently.
    let hung_up = (0..5)
        .filter(|client| {
            run.stderr.contains(&format!(
                "loadgen: client {client}: the server closed the connection after 3 of 10 echoes\n"
            ))
        })
        .count();
    assert_eq!(hung_up, 1, "{}", run.stderr);
}

#[test]
fn no_server_is_an_error_for_every_client() {
    let (addr, _bound) = refusing_port(IpAddr::V4(Ipv4Addr::LOCALHOST));
    let port = addr.port().to_string();
    let run = loadgen(&[
        "--clients",
        "3",
        "--timeout",
        "10",
        "--host",
        "127.0.0.1",
        &port,
    ]);
    assert_eq!(run.status.code(), Some(1), "{}", run.stderr);
    assert_eq!(run.field("errors"), "3");
    assert!(run.field("clients").starts_with("0 connected of 3"));
    assert!(
        run.stderr.contains("loadgen: client 0: connecting: "),
        "{}",
        run.stderr
    );
}

#[test]
fn help_bad_arguments_and_remote_hosts() {
    let help = loadgen(&["--clients", "0", "--help"]);
    assert!(help.status.success());
    assert!(
        help.stdout.starts_with("usage: loadgen "),
        "{}",
        help.stdout
    );
    assert!(help.stdout.contains("--window W"), "{}", help.stdout);

    let bad = loadgen(&["--clients", "0"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        bad.stderr.starts_with(
            "loadgen: --clients 0 is out of range: must be at least 1\nusage: loadgen "
        ),
        "{}",
        bad.stderr
    );
    let bad = loadgen(&["--min-len", "10", "--max-len", "2"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        bad.stderr
            .starts_with("loadgen: --min-len 10 is more than --max-len 2\n")
    );

    let remote = loadgen(&["--host", "192.0.2.1", "9"]);
    assert_eq!(remote.status.code(), Some(1));
    assert_eq!(
        remote.stderr,
        "loadgen: 192.0.2.1 resolves to 192.0.2.1:9, which is not a loopback address: \
         loadgen only loads servers on this machine\n"
    );
}
