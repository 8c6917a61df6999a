//! The summary of timings taken in turns, shared by `profile turns` and
//! the `loopback_paired` bench.

/// The first quartile, the median and the third quartile of `values`
/// (nearest rank below; `values` must not be empty).
pub fn quartiles(mut values: Vec<f64>) -> [f64; 3] {
    values.sort_by(f64::total_cmp);
    let at = |q: usize| values[(values.len() - 1) * q / 4];
    [at(1), at(2), at(3)]
}
