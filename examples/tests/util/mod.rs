//! Helpers shared by the example programs' end-to-end tests: the example
//! binaries themselves, and loopback sockets that cannot hang a test.
#![allow(dead_code)]

use std::io::{self, Read};
use std::net::TcpStream;
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

/// Read and write timeout for every blocking socket a test opens.
pub const IO_TIMEOUT: Duration = Duration::from_secs(10);

/// Sets the read and write timeouts every test socket must have.
pub fn with_timeouts(stream: TcpStream) -> TcpStream {
    stream.set_read_timeout(Some(IO_TIMEOUT)).unwrap();
    stream.set_write_timeout(Some(IO_TIMEOUT)).unwrap();
    stream
}

/// The path of example binary `name`, built (once per test process, with the
/// same profile as this test) so tests run what a user runs.
pub fn example(name: &str) -> PathBuf {
    static PROFILE_DIR: OnceLock<PathBuf> = OnceLock::new();
    let dir = PROFILE_DIR.get_or_init(|| {
        // target/<profile>/deps/<test binary> -> target/<profile>
        let exe = std::env::current_exe().unwrap();
        let profile_dir = exe.parent().unwrap().parent().unwrap().to_path_buf();
        let mut cargo = std::process::Command::new(env!("CARGO"));
        cargo.args([
            "build",
            "--quiet",
            "--package",
            "rionet-examples",
            "--examples",
        ]);
        if profile_dir.file_name().is_some_and(|n| n == "release") {
            cargo.arg("--release");
        }
        let status = cargo.status().expect("run cargo build --examples");
        assert!(status.success(), "cargo build --examples failed");
        profile_dir
    });
    let path = dir.join("examples").join(name);
    assert!(path.exists(), "example binary {} not found", path.display());
    path
}

/// A loopback address that refuses connections: the returned socket keeps it
/// bound but never listens. (A port freed by dropping a listener is not
/// safe: a test running in parallel may bind it next.)
pub fn refusing_port(ip: std::net::IpAddr) -> (std::net::SocketAddr, socket2::Socket) {
    use socket2::{Domain, Socket, Type};
    let addr = std::net::SocketAddr::new(ip, 0);
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, None).unwrap();
    socket.bind(&addr.into()).unwrap();
    let bound = socket.local_addr().unwrap().as_socket().unwrap();
    (bound, socket)
}

/// Reads the first line of a child's stdout, then closes the pipe, so the
/// child's later writes find no reader (EPIPE). Waits at most `timeout`.
pub fn first_line_then_close(stdout: impl Read + Send + 'static, timeout: Duration) -> String {
    use std::io::BufRead;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = io::BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
        // `stdout` is dropped here: the pipe has no reader any more.
    });
    rx.recv_timeout(timeout).expect("no first line on stdout")
}
