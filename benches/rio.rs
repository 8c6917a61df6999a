//! Line reading throughput: `RioReader::readlineb` and `read_line_slice`
//! against std's `BufReader::read_until` (same 8 KiB buffer), side by side,
//! over 64 MiB of lines with lengths uniform in 1..=127 bytes, from memory
//! and from a file in a temp dir; the limit row counts the same bytes' `\n`
//! with `memchr::memchr_iter`. benches/c-rio/run.sh compares `readlineb`
//! with the C Rio of CS:APP over a 256 MiB file on tmpfs.
//!
//! Run: `cargo bench --bench rio -- --warm-up-time 1 --measurement-time 3`

use std::fs::File;
use std::hint::black_box;
use std::io::{BufRead, BufReader, Read, Write};

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use rionet::RioReader;

const TOTAL: usize = 64 << 20;
const CAPACITY: usize = 8 * 1024;

/// About `TOTAL` bytes of lines, each 1..=127 bytes long with its `\n`,
/// from a fixed xorshift seed so every run reads the same input.
fn lines() -> Vec<u8> {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut out = Vec::with_capacity(TOTAL + 128);
    while out.len() < TOTAL {
        let len = (next() % 127) as usize + 1;
        out.extend((1..len).map(|i| b'a' + (i % 26) as u8));
        out.push(b'\n');
    }
    out
}

fn std_read_until(reader: impl Read) -> usize {
    let mut reader = BufReader::with_capacity(CAPACITY, reader);
    let mut line = Vec::with_capacity(128);
    let mut total = 0;
    loop {
        line.clear();
        match reader.read_until(b'\n', &mut line).unwrap() {
            0 => return total,
            n => total += black_box(&line).len().min(n),
        }
    }
}

fn readlineb(reader: impl Read) -> usize {
    let mut reader = RioReader::with_capacity(CAPACITY, reader);
    let mut line = Vec::with_capacity(128);
    let mut total = 0;
    loop {
        line.clear();
        match reader.readlineb(&mut line).unwrap() {
            0 => return total,
            n => total += black_box(&line).len().min(n),
        }
    }
}

fn read_line_slice(reader: impl Read) -> usize {
    let mut reader = RioReader::with_capacity(CAPACITY, reader);
    let mut total = 0;
    loop {
        match reader.read_line_slice().unwrap() {
            [] => return total,
            line => total += black_box(line).len(),
        }
    }
}

type Reader = fn(&[u8], &std::path::Path) -> usize;

fn bench(c: &mut Criterion) {
    let data = lines();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lines.txt");
    File::create(&path).unwrap().write_all(&data).unwrap();

    let mut group = c.benchmark_group("rio_lines");
    group.throughput(Throughput::Bytes(data.len() as u64));
    group.sample_size(10);
    let cases: [(&str, &str, Reader); 6] = [
        ("std_read_until", "memory", |d, _| std_read_until(d)),
        ("readlineb", "memory", |d, _| readlineb(d)),
        ("read_line_slice", "memory", |d, _| read_line_slice(d)),
        ("std_read_until", "file", |_, p| {
            std_read_until(File::open(p).unwrap())
        }),
        ("readlineb", "file", |_, p| {
            readlineb(File::open(p).unwrap())
        }),
        ("read_line_slice", "file", |_, p| {
            read_line_slice(File::open(p).unwrap())
        }),
    ];
    for (name, source, read) in cases {
        group.bench_function(BenchmarkId::new(name, source), |b| {
            b.iter(|| assert_eq!(read(&data, &path), data.len()))
        });
    }
    group.bench_function(BenchmarkId::new("memchr_count", "memory"), |b| {
        b.iter(|| black_box(memchr::memchr_iter(b'\n', black_box(&data)).count()))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
