//! Helpers shared by the integration tests: scripted I/O mocks and loopback
//! sockets that cannot hang a test.
#![allow(dead_code)]

use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

/// Read and write timeout for every blocking socket a test opens.
pub const IO_TIMEOUT: Duration = Duration::from_secs(10);

/// One step of a scripted reader or writer.
#[derive(Debug, Clone)]
pub enum Step {
    /// Reader: hand out these bytes (possibly over several calls if the
    /// caller's buffer is smaller). Writer: accept at most this many bytes.
    Data(Vec<u8>),
    /// Writer only: accept at most this many bytes in one call.
    Accept(usize),
    /// Fail one call with this kind (`Interrupted`, `WouldBlock`, ...).
    Fail(io::ErrorKind),
    /// Reader: return `Ok(0)` once. Writer: return `Ok(0)` once.
    Zero,
}

/// A `Read` that plays a script; once the script is exhausted it reports end
/// of stream forever.
#[derive(Debug)]
pub struct ScriptedReader {
    steps: VecDeque<Step>,
    /// How many `read` calls were made.
    pub calls: usize,
}

impl ScriptedReader {
    /// A reader that plays `steps` in order.
    pub fn new(steps: impl IntoIterator<Item = Step>) -> Self {
        Self {
            steps: steps.into_iter().collect(),
            calls: 0,
        }
    }

    /// A reader that hands out `data` in chunks of `chunk` bytes.
    pub fn chunked(data: &[u8], chunk: usize) -> Self {
        Self::new(data.chunks(chunk.max(1)).map(|c| Step::Data(c.to_vec())))
    }

    /// A reader that hands out `data` split at the given offsets.
    pub fn split_at(data: &[u8], cuts: &[usize]) -> Self {
        let mut cuts: Vec<usize> = cuts.iter().map(|&c| c.min(data.len())).collect();
        cuts.sort_unstable();
        let mut steps = Vec::new();
        let mut start = 0;
        for cut in cuts.into_iter().chain([data.len()]) {
            if cut > start {
                steps.push(Step::Data(data[start..cut].to_vec()));
                start = cut;
            }
        }
        Self::new(steps)
    }
}

impl Read for ScriptedReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.calls += 1;
        match self.steps.pop_front() {
            None | Some(Step::Zero) => Ok(0),
            Some(Step::Fail(kind)) => Err(io::Error::new(kind, "scripted failure")),
            Some(Step::Accept(_)) => panic!("Accept is a writer step"),
            Some(Step::Data(mut data)) => {
                let n = data.len().min(buf.len());
                buf[..n].copy_from_slice(&data[..n]);
                if n < data.len() {
                    self.steps.push_front(Step::Data(data.split_off(n)));
                }
                Ok(n)
            }
        }
    }
}

/// A `Write` that plays a script of how much each call accepts; once the
/// script is exhausted it accepts everything.
#[derive(Debug, Default)]
pub struct ScriptedWriter {
    steps: VecDeque<Step>,
    /// Every byte accepted so far.
    pub written: Vec<u8>,
    /// How many `write` / `write_vectored` calls were made.
    pub calls: usize,
    /// How many `flush` calls were made.
    pub flushes: usize,
}

impl ScriptedWriter {
    /// A writer that plays `steps` in order.
    pub fn new(steps: impl IntoIterator<Item = Step>) -> Self {
        Self {
            steps: steps.into_iter().collect(),
            ..Self::default()
        }
    }

    fn accept(&mut self, bufs: &[io::IoSlice<'_>]) -> io::Result<usize> {
        self.calls += 1;
        let limit = match self.steps.pop_front() {
            None => usize::MAX,
            Some(Step::Accept(n)) => n,
            Some(Step::Data(d)) => d.len(),
            Some(Step::Zero) => return Ok(0),
            Some(Step::Fail(kind)) => return Err(io::Error::new(kind, "scripted failure")),
        };
        let mut taken = 0;
        for buf in bufs {
            let n = buf.len().min(limit - taken);
            self.written.extend_from_slice(&buf[..n]);
            taken += n;
            if taken == limit {
                break;
            }
        }
        Ok(taken)
    }
}

impl Write for ScriptedWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.accept(&[io::IoSlice::new(buf)])
    }

    fn write_vectored(&mut self, bufs: &[io::IoSlice<'_>]) -> io::Result<usize> {
        self.accept(bufs)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.flushes += 1;
        Ok(())
    }
}

/// Sets the read and write timeouts every test socket must have.
pub fn with_timeouts(stream: TcpStream) -> TcpStream {
    stream.set_read_timeout(Some(IO_TIMEOUT)).unwrap();
    stream.set_write_timeout(Some(IO_TIMEOUT)).unwrap();
    stream
}

/// A connected pair of loopback TCP sockets `(client, server)`, both with
/// timeouts.
pub fn tcp_pair() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (server, _) = listener.accept().unwrap();
    (with_timeouts(client), with_timeouts(server))
}

/// The path of example binary `name`, built (once per test process, with the
/// same features and profile as this test) so tests run what a user runs.
pub fn example(name: &str) -> std::path::PathBuf {
    use std::path::PathBuf;
    use std::sync::OnceLock;

    static PROFILE_DIR: OnceLock<PathBuf> = OnceLock::new();
    let dir = PROFILE_DIR.get_or_init(|| {
        // target/<profile>/deps/<test binary> -> target/<profile>
        let exe = std::env::current_exe().unwrap();
        let profile_dir = exe.parent().unwrap().parent().unwrap().to_path_buf();
        let mut cargo = std::process::Command::new(env!("CARGO"));
        cargo.args(["build", "--quiet", "--examples"]);
        if cfg!(feature = "tokio-util") {
            cargo.args(["--features", "tokio-util"]);
        }
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
