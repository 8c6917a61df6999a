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
//! `benches/report.sh` reads.
//!
//! Run: `cargo bench --bench loopback_paired` (`ROUNDS=n` to change the
//! number of rounds, 300 by default).

use std::time::Duration;

#[path = "../quartiles.rs"]
mod quartiles;
mod streams;

use quartiles::quartiles;

use streams::{NAMES, Stream};

/// Rounds each stream runs before the timed ones.
const WARM_UP: usize = 5;

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
