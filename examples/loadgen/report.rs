//! The run's totals, and how they are printed.

use std::io::{self, Write};
use std::time::{Duration, Instant};

use crate::check::Damage;
use crate::client::Outcome;
use crate::histogram::Histogram;

/// Error messages shown one by one; the rest are counted.
const SHOWN_ERRORS: usize = 5;

/// Everything the clients saw, added up.
#[derive(Debug)]
pub struct Totals {
    pub clients: usize,
    pub connected: usize,
    pub lines_sent: u64,
    pub lines_echoed: u64,
    pub bytes_sent: u64,
    pub bytes_echoed: u64,
    pub damage: Damage,
    pub latency: Histogram,
    /// Clients that stopped early (or never started).
    pub errors: usize,
    /// The first few errors, as `client N: message`.
    pub messages: Vec<String>,
    /// From the gate opening to the last client's end.
    pub elapsed: Duration,
    /// From the first connection attempt to the gate opening.
    pub connect_time: Duration,
}

impl Totals {
    /// Totals for a run of `clients` clients, none reported yet.
    pub fn new(clients: usize) -> Totals {
        Totals {
            clients,
            connected: 0,
            lines_sent: 0,
            lines_echoed: 0,
            bytes_sent: 0,
            bytes_echoed: 0,
            damage: Damage::default(),
            latency: Histogram::new(),
            errors: 0,
            messages: Vec::new(),
            elapsed: Duration::ZERO,
            connect_time: Duration::ZERO,
        }
    }

    /// Counts a client that stopped early (or never started).
    pub fn error(&mut self, client: u64, message: impl Into<String>) {
        self.errors += 1;
        if self.messages.len() < SHOWN_ERRORS {
            self.messages
                .push(format!("client {client}: {}", message.into()));
        }
    }

    /// Adds what client `id` saw in a run whose sending began at `start`.
    pub fn add(&mut self, id: u64, outcome: Outcome, start: Instant) {
        self.connected += usize::from(outcome.connected);
        self.lines_sent += outcome.lines_sent;
        self.lines_echoed += outcome.lines_echoed;
        self.bytes_sent += outcome.bytes_sent;
        self.bytes_echoed += outcome.bytes_echoed;
        self.damage.lost += outcome.damage.lost;
        self.damage.corrupted += outcome.damage.corrupted;
        self.latency.merge(&outcome.latency);
        self.elapsed = self
            .elapsed
            .max(outcome.done.saturating_duration_since(start));
        if let Some(message) = outcome.error {
            self.error(id, message);
        }
    }

    /// Echoed lines a second, over the sending phase.
    pub fn lines_per_sec(&self) -> f64 {
        let secs = self.elapsed.as_secs_f64();
        if secs > 0.0 {
            self.lines_echoed as f64 / secs
        } else {
            0.0
        }
    }

    /// Prints the figures, one `name: value` line each.
    pub fn print(&self, out: &mut impl Write) -> io::Result<()> {
        let micros = |d: Option<Duration>| match d {
            Some(d) => format!("{:.1} us", d.as_secs_f64() * 1e6),
            None => "-".to_owned(),
        };
        writeln!(
            out,
            "clients: {} connected of {} in {:.3} s",
            self.connected,
            self.clients,
            self.connect_time.as_secs_f64()
        )?;
        writeln!(
            out,
            "lines: {} echoed of {} sent",
            self.lines_echoed, self.lines_sent
        )?;
        writeln!(
            out,
            "bytes: {} echoed of {} sent",
            self.bytes_echoed, self.bytes_sent
        )?;
        writeln!(out, "elapsed: {:.3} s", self.elapsed.as_secs_f64())?;
        writeln!(out, "lines/s: {:.0}", self.lines_per_sec())?;
        writeln!(
            out,
            "round trip: p50 {}, p99 {}, max {}",
            micros(self.latency.percentile(50.0)),
            micros(self.latency.percentile(99.0)),
            micros(self.latency.max())
        )?;
        writeln!(out, "errors: {}", self.errors)?;
        writeln!(out, "lost bytes: {}", self.damage.lost)?;
        writeln!(out, "corrupted bytes: {}", self.damage.corrupted)?;
        out.flush()
    }

    /// What went wrong, for the exit status: `None` when every client
    /// connected and every byte came back as sent.
    pub fn failure(&self) -> Option<String> {
        if self.errors == 0 && self.damage.is_none() {
            return None;
        }
        Some(format!(
            "{} bytes lost, {} bytes corrupted, {} of {} clients failed",
            self.damage.lost, self.damage.corrupted, self.errors, self.clients
        ))
    }
}
