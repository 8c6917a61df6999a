//! A tiny reproducible PRNG (xorshift64*) and the random lines it draws.

/// Marsaglia's xorshift64* generator: fast, 64 bits of state, good enough
/// to pick line lengths and characters (not for anything secret).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator for client `stream` of a run seeded with `seed`: every
    /// client draws its own sequence, and the same seed gives the same run.
    pub fn new(seed: u64, stream: u64) -> Rng {
        // splitmix64 of the pair spreads nearby seeds apart and never
        // yields the all-zero state xorshift cannot leave.
        let mut z = seed ^ stream.wrapping_mul(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        Rng(if z == 0 { 0x2545_f491_4f6c_dd1d } else { z })
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number in `lo..=hi` (`lo <= hi`).
    pub fn in_range(&mut self, lo: usize, hi: usize) -> usize {
        debug_assert!(lo <= hi);
        let span = (hi - lo) as u64 + 1;
        // The modulo bias is below 2^-40 for any span a line length has.
        lo + (self.next_u64() % span) as usize
    }

    /// Replaces `line` with a random line: `lo..=hi` printable ASCII
    /// characters (space to `~`, so valid UTF-8 without `\n`), then `\n`.
    pub fn fill_line(&mut self, line: &mut Vec<u8>, lo: usize, hi: usize) {
        let len = self.in_range(lo, hi);
        line.clear();
        line.reserve(len + 1);
        let mut bits = 0u64;
        for i in 0..len {
            // Eight characters from each 64-bit draw.
            if i % 8 == 0 {
                bits = self.next_u64();
            }
            line.push(b' ' + ((bits & 0xff) % 95) as u8);
            bits >>= 8;
        }
        line.push(b'\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_printable_ascii_of_the_asked_length() {
        let mut rng = Rng::new(7, 3);
        let mut line = Vec::new();
        let mut lengths = std::collections::BTreeSet::new();
        for _ in 0..2000 {
            rng.fill_line(&mut line, 0, 20);
            let (last, body) = line.split_last().unwrap();
            assert_eq!(*last, b'\n');
            assert!(body.iter().all(|b| (b' '..=b'~').contains(b)), "{line:?}");
            assert!(body.len() <= 20);
            lengths.insert(body.len());
        }
        // Both ends of the range are drawn.
        assert_eq!(lengths.len(), 21);
    }

    #[test]
    fn same_seed_same_lines_and_clients_differ() {
        let draw = |seed, stream| {
            let mut rng = Rng::new(seed, stream);
            (0..4).map(|_| rng.next_u64()).collect::<Vec<_>>()
        };
        assert_eq!(draw(1, 0), draw(1, 0));
        assert_ne!(draw(1, 0), draw(1, 1));
        assert_ne!(draw(1, 0), draw(2, 0));
        assert!(draw(0, 0).iter().all(|&x| x != 0));
    }
}
