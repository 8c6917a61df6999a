//! One client: connect, wait at the gate, send its lines (a window of
//! them in flight), check every echoed byte, close.

use std::collections::VecDeque;
use std::io::{self, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use rionet::{Connector, LinePolicy, RioReader};

use crate::check::{self, Damage};
use crate::gate::Gate;
use crate::histogram::Histogram;
use crate::rng::Rng;

/// What every client of a run does.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The server's addresses, raced by `rionet::Connector`.
    pub addrs: Vec<SocketAddr>,
    /// Lines each client sends.
    pub lines: u64,
    /// Line length range, without the `\n`.
    pub min_len: usize,
    pub max_len: usize,
    /// Lines a client may have sent and not yet seen echoed.
    pub window: usize,
    /// The run's seed.
    pub seed: u64,
    /// When connecting gives up and the gate opens for those connected.
    pub connect_deadline: Instant,
    /// When everything stops, connecting included.
    pub deadline: Instant,
    /// The `--timeout` the deadline comes from, for messages.
    pub timeout: Duration,
}

/// What one client saw.
#[derive(Debug)]
pub struct Outcome {
    pub connected: bool,
    pub lines_sent: u64,
    pub lines_echoed: u64,
    pub bytes_sent: u64,
    pub bytes_echoed: u64,
    pub damage: Damage,
    pub latency: Histogram,
    /// Why the client stopped early, if it did.
    pub error: Option<String>,
    /// When it finished.
    pub done: Instant,
}

/// A socket timeout may run this far past the deadline before it is
/// lowered again: it saves a `setsockopt` on every read.
const SLACK: Duration = Duration::from_millis(100);

/// Runs client `id` of `plan`; `gate` starts all clients together.
pub fn run(id: u64, plan: &Plan, gate: &Gate) -> Outcome {
    let mut out = Outcome {
        connected: false,
        lines_sent: 0,
        lines_echoed: 0,
        bytes_sent: 0,
        bytes_echoed: 0,
        damage: Damage::default(),
        latency: Histogram::new(),
        error: None,
        done: Instant::now(),
    };
    let left = plan
        .connect_deadline
        .saturating_duration_since(Instant::now());
    let connected = Connector::new()
        .timeout(Some(left))
        .nodelay(true)
        .connect_addrs(&plan.addrs);
    // Arrive even after a failure, so that nobody waits for this client.
    let opened = gate.arrive_and_wait(plan.deadline);
    match connected {
        Err(err) => out.error = Some(format!("connecting: {err}")),
        Ok(_) if !opened => {
            out.connected = true;
            out.error = Some(format!(
                "the other clients were not all connected within the --timeout of {} s",
                plan.timeout.as_secs_f64()
            ));
        }
        Ok(stream) => {
            out.connected = true;
            if let Err(err) = Session::new(id, &stream, plan).run(&mut out) {
                out.error = Some(err);
            }
        }
    }
    out.done = Instant::now();
    out
}

/// A line sent and not yet seen echoed.
struct InFlight {
    line: Vec<u8>,
    sent: Instant,
}

struct Session<'a> {
    stream: &'a TcpStream,
    plan: &'a Plan,
    rio: RioReader<&'a TcpStream>,
    /// The socket timeout set last (zero: none yet).
    timeout: Duration,
    rng: Rng,
    in_flight: VecDeque<InFlight>,
    /// Spare line buffers, so a run allocates `window` of them at most.
    spare: Vec<Vec<u8>>,
}

impl<'a> Session<'a> {
    fn new(id: u64, stream: &'a TcpStream, plan: &'a Plan) -> Session<'a> {
        let mut rio = RioReader::with_capacity(4096, stream);
        // Room for an echo much longer than any line sent: the surplus is
        // counted as corrupted, not an error.
        rio.max_line(2 * (plan.max_len + 1) + 64)
            .line_policy(LinePolicy::Truncate);
        Session {
            stream,
            plan,
            rio,
            timeout: Duration::ZERO,
            rng: Rng::new(plan.seed, id),
            in_flight: VecDeque::with_capacity(plan.window),
            spare: Vec::new(),
        }
    }

    /// Sends every line and checks every echo; on an early stop, the
    /// lines still in flight count as lost.
    fn run(mut self, out: &mut Outcome) -> Result<(), String> {
        let result = self.exchange(out);
        if result.is_err() {
            for lost in self.in_flight.drain(..) {
                out.damage.lost += lost.line.len() as u64;
            }
        }
        result
    }

    fn exchange(&mut self, out: &mut Outcome) -> Result<(), String> {
        let mut echo = Vec::with_capacity(self.plan.max_len + 1);
        while out.lines_sent < self.plan.lines || !self.in_flight.is_empty() {
            while out.lines_sent < self.plan.lines && self.in_flight.len() < self.plan.window {
                let mut line = self.spare.pop().unwrap_or_default();
                self.rng
                    .fill_line(&mut line, self.plan.min_len, self.plan.max_len);
                self.tighten("sending")?;
                let sent = Instant::now();
                self.write(&line)
                    .map_err(|err| self.io_error("sending a line", &err))?;
                out.lines_sent += 1;
                out.bytes_sent += line.len() as u64;
                self.in_flight.push_back(InFlight { line, sent });
            }
            self.tighten("waiting for an echo")?;
            echo.clear();
            let read = self.rio.readlineb(&mut echo);
            let now = Instant::now();
            match read {
                Ok(0) => {
                    return Err(format!(
                        "the server closed the connection after {} of {} echoes",
                        out.lines_echoed, self.plan.lines
                    ));
                }
                Ok(_) => {}
                Err(err) => return Err(self.io_error("waiting for an echo", &err.into())),
            }
            let expected = self.in_flight.pop_front().expect("a line is in flight");
            out.latency.record(now - expected.sent);
            let mut damage = check::compare(&expected.line, &echo);
            if let Some(full) = self.rio.truncated() {
                damage.corrupted += full - echo.len() as u64;
            }
            out.damage.lost += damage.lost;
            out.damage.corrupted += damage.corrupted;
            out.lines_echoed += 1;
            out.bytes_echoed += echo.len() as u64;
            self.spare.push(expected.line);
        }
        self.finish(out)
    }

    /// Half-closes and expects the server to close too, with nothing more:
    /// anything after the last echo was never sent.
    fn finish(&mut self, out: &mut Outcome) -> Result<(), String> {
        self.stream
            .shutdown(Shutdown::Write)
            .map_err(|err| self.io_error("closing", &err))?;
        let mut extra = Vec::new();
        loop {
            self.tighten("waiting for the server to close")?;
            extra.clear();
            match self.rio.readlineb(&mut extra) {
                Ok(0) => return Ok(()),
                Ok(n) => {
                    let full = self.rio.truncated().unwrap_or(n as u64);
                    out.damage.corrupted += full;
                    out.bytes_echoed += full;
                }
                Err(err) => {
                    return Err(self.io_error("waiting for the server to close", &err.into()));
                }
            }
        }
    }

    fn write(&mut self, line: &[u8]) -> io::Result<()> {
        let mut to = self.stream;
        to.write_all(line)
    }

    /// Lowers the socket's timeouts so that no read or write outlasts the
    /// deadline (by more than `SLACK`); an error once it has passed.
    fn tighten(&mut self, doing: &str) -> Result<(), String> {
        let now = Instant::now();
        let left = self.plan.deadline.saturating_duration_since(now);
        if left.is_zero() {
            return Err(self.timed_out(doing));
        }
        if self.timeout.is_zero() || now + self.timeout > self.plan.deadline + SLACK {
            self.stream
                .set_read_timeout(Some(left))
                .and_then(|()| self.stream.set_write_timeout(Some(left)))
                .map_err(|err| format!("setting the socket timeouts: {err}"))?;
            self.timeout = left;
        }
        Ok(())
    }

    fn timed_out(&self, doing: &str) -> String {
        format!(
            "{doing}: the --timeout of {} s ran out",
            self.plan.timeout.as_secs_f64()
        )
    }

    /// An I/O error's message; a socket timeout is the overall deadline.
    fn io_error(&self, doing: &str, err: &io::Error) -> String {
        match err.kind() {
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => self.timed_out(doing),
            _ => format!("{doing}: {err}"),
        }
    }
}
