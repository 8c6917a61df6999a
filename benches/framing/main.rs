//! Framing throughput, sans I/O: rionet next to tokio-util (and a plain copy
//! of the same bytes) in each group, fed the same bytes in the same chunks,
//! so every figure reads as a ratio.
//!
//! Run: `cargo bench --bench framing -- --warm-up-time 1 --measurement-time 3`

mod delimiter;
mod length;

criterion::criterion_group!(benches, length::benches, delimiter::benches);
criterion::criterion_main!(benches);
