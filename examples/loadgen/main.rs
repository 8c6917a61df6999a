// loadgen: many concurrent clients against an echo-style line server, every
// echoed byte checked.
//
// Run it, with `cargo run --release --example echoserver` running in another
// terminal:
//
//     cargo run --release --example loadgen                       # 10 clients x 100 lines, port 15213
//     cargo run --release --example loadgen -- --clients 1000 --lines 200 15213
//     cargo run --release --example loadgen -- --window 4 --min-len 0 --max-len 1000
//
// For thousands of clients raise the descriptor limit first, for the server
// and for loadgen (`ulimit -n 20000`). `--help` lists every option.

//! A load generator for line-echo servers.
//!
//! Each of `--clients` threads connects (`rionet::Connector`, every address
//! raced), then waits at a starting gate until all are connected, so the
//! figures are for that many concurrent connections. A client not
//! connected within `--connect-timeout` counts as an error and the gate
//! opens for the rest: a server that leaves connections in its backlog
//! (a busy pool) would otherwise hold them all. Then each sends
//! `--lines` lines of random printable ASCII (`--min-len..=--max-len`
//! characters and `\n`; `--seed` repeats a run), keeping up to `--window`
//! lines in flight, reads each echo with `RioReader::readlineb` and
//! compares it byte by byte with what it sent. At the end it half-closes
//! and expects the server to close with nothing more.
//!
//! It prints `name: value` lines on stdout: clients connected, lines and
//! bytes echoed of those sent, elapsed time, lines/s, round-trip latency
//! (p50, p99, max, from a log-linear histogram within 3 %), errors (clients
//! that stopped early), lost bytes (sent and never echoed: missing from an
//! echo, or still in flight when the client stopped) and corrupted bytes
//! (in an echo but not as sent). It exits 1, with `loadgen: message` on
//! stderr, if a client failed or a byte was lost or corrupted.
//!
//! Every socket has read and write timeouts that end at the `--timeout`
//! deadline, which bounds the whole run, connecting included. Only loopback
//! servers are loaded: loadgen refuses a host that resolves elsewhere.

#[path = "../common/mod.rs"]
mod common;

mod check;
mod client;
mod config;
mod gate;
mod histogram;
mod report;
mod rng;

use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::process::ExitCode;
use std::sync::Arc;
use std::thread;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use client::Plan;
use config::Config;
use gate::Gate;
use report::Totals;

/// Each client's stack: its buffers are on the heap, so thousands of
/// clients fit in little memory.
const STACK_SIZE: usize = 128 * 1024;

fn main() -> ExitCode {
    let args = std::env::args_os().skip(1).collect();
    let config = config::parse(args).unwrap_or_else(|stop| stop.exit());
    let start = Instant::now();
    let addrs = loopback_addrs(&config).unwrap_or_else(|err| common::fail("loadgen", err));
    let seed = config.seed.unwrap_or_else(clock_seed);
    println!(
        "loadgen: {} clients x {} lines of {}..={} bytes, window {}, to {}, seed {seed}",
        config.clients,
        config.lines,
        config.min_len,
        config.max_len,
        config.window,
        addrs
            .iter()
            .map(SocketAddr::to_string)
            .collect::<Vec<_>>()
            .join(" or ")
    );
    let plan = Arc::new(Plan {
        addrs,
        lines: config.lines,
        min_len: config.min_len,
        max_len: config.max_len,
        window: config.window,
        seed,
        connect_deadline: start + config.connect_timeout.min(config.timeout),
        deadline: start + config.timeout,
        timeout: config.timeout,
    });
    let totals = run(&plan, config.clients);
    if let Err(err) = totals.print(&mut io::stdout().lock()) {
        common::fail("loadgen", format_args!("writing stdout: {err}"));
    }
    for message in &totals.messages {
        eprintln!("loadgen: {message}");
    }
    if totals.errors > totals.messages.len() {
        eprintln!(
            "loadgen: and {} more clients failed",
            totals.errors - totals.messages.len()
        );
    }
    match totals.failure() {
        None => ExitCode::SUCCESS,
        Some(failure) => {
            eprintln!("loadgen: {failure}");
            ExitCode::FAILURE
        }
    }
}

/// Starts `clients` client threads, opens the gate once all are connected
/// and adds up what they saw.
fn run(plan: &Arc<Plan>, clients: usize) -> Totals {
    let mut totals = Totals::new(clients);
    let gate = Arc::new(Gate::new());
    let began = Instant::now();
    let mut threads = Vec::with_capacity(clients);
    for id in 0..clients as u64 {
        let (plan, gate) = (Arc::clone(plan), Arc::clone(&gate));
        let spawned = thread::Builder::new()
            .name(format!("loadgen-{id}"))
            .stack_size(STACK_SIZE)
            .spawn(move || client::run(id, &plan, &gate));
        match spawned {
            Ok(thread) => threads.push((id, thread)),
            Err(err) => {
                // Out of threads or memory: the rest would fail alike.
                for id in id..clients as u64 {
                    totals.error(id, format!("cannot start its thread: {err}"));
                }
                break;
            }
        }
    }
    gate.open_when(threads.len(), plan.connect_deadline);
    let start = Instant::now();
    totals.connect_time = start - began;
    for (id, thread) in threads {
        match thread.join() {
            Ok(outcome) => totals.add(id, outcome, start),
            Err(_) => totals.error(id, "its thread panicked"),
        }
    }
    totals
}

/// The server's addresses, all loopback.
fn loopback_addrs(config: &Config) -> Result<Vec<SocketAddr>, String> {
    let addrs: Vec<SocketAddr> = (config.host.as_str(), config.port)
        .to_socket_addrs()
        .map_err(|err| format!("cannot resolve {} port {}: {err}", config.host, config.port))?
        .collect();
    if addrs.is_empty() {
        return Err(format!("{} has no address", config.host));
    }
    if let Some(away) = addrs.iter().find(|a| !a.ip().is_loopback()) {
        return Err(format!(
            "{} resolves to {away}, which is not a loopback address: loadgen only loads servers on this machine",
            config.host
        ));
    }
    Ok(addrs)
}

/// A seed from the clock, for runs that do not name one.
fn clock_seed() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64)
}
