//! The loopback streams of `streams.rs`, timed round by round in turns:
//! each round moves the same 4 MiB of messages through every stream once
//! (starting with a different stream each round), and each comparison is
//! the median over the rounds of the ratio within a round.
//!
//! Why not criterion alone: on a shared machine with two cores the
//! loopback figures swing by 2× from one second to the next (a reader
//! and a writer thread, the kernel's copies, and the neighbours), and
//! criterion times one stream for seconds before it times the next, so
//! its ratios compare different moments. Rounds a few milliseconds long,
//! in turns, compare the streams at the same moment.
//!
//! Prints one line per stream (`stream SIZE NAME median_ns N bytes N`) and
//! one per comparison (`ratio SIZE OURS PEER median R q1 R q3 R`, the
//! peer's time over ours: above 1 means ours is faster), which
//! `benches/report.sh` reads. The ping-pong of `pingpong.rs` is timed the
//! same way, rounds of [`TRIPS`] round trips: `pingpong NAME median_ns N`
//! (a round trip's latency) and `latency rionet raw median R q1 R q3 R`
//! (ours over raw: below 1 means ours is faster).
//!
//! On a VM a wake-up across CPUs can cost tens of microseconds, and where
//! the scheduler puts an echo thread then decides the round trip's
//! latency, not the code (on the 2-vCPU machine of 7 December: 73 µs
//! against 5 µs, the same pinger in different runs). `benches/report.sh`
//! therefore runs the ping-pong pinned to one CPU (`taskset -c 0`), where
//! every wake-up is the same.
//!
//! Run: `cargo bench --bench loopback_paired [-- streams|pingpong]`, both
//! by default (`ROUNDS=n` to change the number of rounds, 300 by default).

use std::time::{Duration, Instant};

mod pingpong;
#[path = "../quartiles.rs"]
mod quartiles;
mod streams;

use pingpong::{PINGERS, Pinger};
use quartiles::quartiles;
use streams::{NAMES, Stream};

/// Rounds each stream runs before the timed ones.
const WARM_UP: usize = 5;

/// Round trips a ping-pong round makes with each pinger.
const TRIPS: usize = 200;

/// The comparisons printed: ours, then the peer.
const RATIOS: [(&str, &str); 5] = [
    ("rionet", "raw"),
    ("rionet", "raw-messages"),
    ("rionet_borrowed", "raw"),
    ("rionet_borrowed", "raw-messages"),
    ("raw-messages", "raw"),
];

fn main() {
    let rounds = match std::env::var("ROUNDS") {
        Ok(n) => n.parse().expect("ROUNDS is a number of rounds"),
        Err(_) => 300,
    };
    // Cargo passes `--bench`; a word names the part to run.
    let part = std::env::args().skip(1).find(|arg| !arg.starts_with('-'));
    let run = |name: &str| part.as_deref().is_none_or(|part| part == name);
    if run("streams") {
        streams_in_turns(rounds);
    }
    if run("pingpong") {
        ping_pong(rounds);
    }
}

/// The streams, a round of each in turns, for each payload size.
fn streams_in_turns(rounds: usize) {
    for size in [64, 64 * 1024] {
        let bytes = streams::wire(&streams::payloads(size)).len();
        let mut streams = Stream::all(size);
        for stream in &mut streams {
            for _ in 0..WARM_UP {
                stream.round();
            }
        }
        // times[s][r]: stream s in round r.
        let mut times = vec![Vec::with_capacity(rounds); streams.len()];
        for round in 0..rounds {
            for turn in 0..streams.len() {
                let s = (round + turn) % streams.len();
                times[s].push(streams[s].round());
            }
        }
        for (name, times) in NAMES.iter().zip(&times) {
            let median = quartiles(times.iter().map(Duration::as_secs_f64).collect())[1];
            println!(
                "stream {size} {name} median_ns {:.0} bytes {bytes}",
                median * 1e9
            );
        }
        let index = |name| NAMES.iter().position(|&n| n == name).unwrap();
        for (ours, peer) in RATIOS {
            let (o, p) = (&times[index(ours)], &times[index(peer)]);
            let ratios = o
                .iter()
                .zip(p)
                .map(|(o, p)| p.as_secs_f64() / o.as_secs_f64())
                .collect();
            let [q1, median, q3] = quartiles(ratios);
            println!("ratio {size} {ours} {peer} median {median:.3} q1 {q1:.3} q3 {q3:.3}");
        }
    }
}

/// The ping-pong, [`TRIPS`] round trips a round with each pinger in turns.
fn ping_pong(rounds: usize) {
    let mut pingers: Vec<Pinger> = PINGERS.iter().map(|(_, make)| make()).collect();
    let mut times = vec![Vec::with_capacity(rounds); pingers.len()];
    for _ in 0..WARM_UP * TRIPS {
        pingers.iter_mut().for_each(Pinger::trip);
    }
    for round in 0..rounds {
        for turn in 0..pingers.len() {
            let p = (round + turn) % pingers.len();
            let start = Instant::now();
            for _ in 0..TRIPS {
                pingers[p].trip();
            }
            times[p].push(start.elapsed().as_secs_f64() / TRIPS as f64);
        }
    }
    for ((name, _), times) in PINGERS.iter().zip(&times) {
        let median = quartiles(times.clone())[1];
        println!("pingpong {name} median_ns {:.0}", median * 1e9);
    }
    let ratios = times[0]
        .iter()
        .zip(&times[1])
        .map(|(ours, raw)| ours / raw)
        .collect();
    let [q1, median, q3] = quartiles(ratios);
    println!("latency rionet raw median {median:.3} q1 {q1:.3} q3 {q3:.3}");
}
