//! One timed pass over a file of lines for benches/c-rio/run.sh, which
//! compares it with the CS:APP C Rio algorithm (benches/c-rio/rio.c) on the
//! same file.
//!
//! `rio_file generate FILE MIB` writes MIB MiB of lines 1..=127 bytes long
//! (the bytes benches/rio.rs reads); `rio_file MODE FILE [KIB]` reads FILE
//! once with KIB KiB buffers (default 8, CS:APP's `RIO_BUFSIZE`; the same
//! size for every reader) and prints `lines bytes seconds`, MODE being
//! `readlineb`, `read_line_slice` or `std_read_until`.

use std::fs::File;
use std::hint::black_box;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::process::ExitCode;
use std::time::Instant;

use rionet::RioReader;

/// The buffer size when none is given: 8 KiB.
const DEFAULT_KIB: usize = 8;

fn generate(path: &str, mib: usize) -> std::io::Result<()> {
    let mut out = BufWriter::new(File::create(path)?);
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut line = Vec::with_capacity(128);
    let mut written = 0;
    while written < mib << 20 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let len = (state % 127) as usize + 1;
        line.clear();
        line.extend((1..len).map(|i| b'a' + (i % 26) as u8));
        line.push(b'\n');
        out.write_all(&line)?;
        written += line.len();
    }
    out.flush()
}

/// Reads every line of `file`, returning (lines, bytes).
fn read(mode: &str, file: File, capacity: usize) -> std::io::Result<Option<(u64, u64)>> {
    let (mut lines, mut bytes) = (0u64, 0u64);
    match mode {
        "readlineb" => {
            let mut reader = RioReader::with_capacity(capacity, file);
            let mut line = Vec::with_capacity(128);
            loop {
                line.clear();
                match reader.readlineb(&mut line)? {
                    0 => break,
                    n => bytes += black_box(&line).len().min(n) as u64,
                }
                lines += 1;
            }
        }
        "read_line_slice" => {
            let mut reader = RioReader::with_capacity(capacity, file);
            loop {
                match reader.read_line_slice()? {
                    [] => break,
                    line => bytes += black_box(line).len() as u64,
                }
                lines += 1;
            }
        }
        "std_read_until" => {
            let mut reader = BufReader::with_capacity(capacity, file);
            let mut line = Vec::with_capacity(128);
            loop {
                line.clear();
                match reader.read_until(b'\n', &mut line)? {
                    0 => break,
                    n => bytes += black_box(&line).len().min(n) as u64,
                }
                lines += 1;
            }
        }
        _ => return Ok(None),
    }
    Ok(Some((lines, bytes)))
}

fn run(args: &[String]) -> Result<(), String> {
    match args {
        [cmd, path, mib] if cmd == "generate" => {
            let mib = mib.parse().map_err(|e| format!("bad size {mib}: {e}"))?;
            generate(path, mib).map_err(|e| format!("writing {path}: {e}"))
        }
        [mode, path, rest @ ..] if rest.len() <= 1 => {
            let kib = match rest {
                [kib] => kib
                    .parse()
                    .map_err(|e| format!("bad buffer size {kib}: {e}"))?,
                _ => DEFAULT_KIB,
            };
            let file = File::open(path).map_err(|e| format!("opening {path}: {e}"))?;
            let start = Instant::now();
            let counts = read(mode, file, kib << 10).map_err(|e| format!("reading {path}: {e}"))?;
            let secs = start.elapsed().as_secs_f64();
            let (lines, bytes) = counts.ok_or_else(|| format!("unknown mode {mode}"))?;
            println!("{lines} {bytes} {secs:.6}");
            Ok(())
        }
        _ => Err("usage: rio_file generate FILE MIB | rio_file MODE FILE [KIB]".to_owned()),
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("rio_file: {message}");
            ExitCode::FAILURE
        }
    }
}
