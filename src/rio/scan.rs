//! The byte search behind every line read and every single-byte framer:
//! a first look at the next 128 bytes, then `memchr`, with its AVX2
//! searcher held ready where the CPU has it.

/// Bytes [`ByteFinder::find`] compares at once before it calls `memchr`,
/// and the bytes a [`ByteFinder::window`] mask covers.
pub(crate) const WINDOW: usize = 128;

/// Finds the first occurrence of one byte in a haystack.
///
/// Lines and small frames are short (tens of bytes), and each search starts
/// where the last frame ended, so what costs is the set-up of a search, not
/// its speed over long stretches. `memchr::memchr` picks its implementation
/// through a function pointer and rebuilds its searcher on every call (17
/// of the 69 instructions a 64 B line cost when this was written). So on
/// x86-64 this first compares the next 128 bytes in one straight run with
/// no branch per chunk: four 32-byte AVX2 compares where the CPU has AVX2
/// (a call, since the rest of the crate is built for plain x86-64: 7 fewer
/// instructions a 64 B line than inline SSE2; inlined into
/// [`Cursor`](super::Cursor)'s fill, which is compiled for AVX2 itself),
/// eight 16-byte SSE2 compares where it has not. Only a haystack with no
/// hit in that window goes on to memchr's AVX2 searcher, built once, or to
/// `memchr::memchr` where AVX2 is missing. Elsewhere it is
/// `memchr::memchr`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ByteFinder {
    byte: u8,
    /// `byte` sixteen times: one load for the window's compares, where
    /// spreading `byte` over a vector takes four instructions a search.
    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    needle: [u8; 16],
    /// memchr's AVX2 searcher, where the CPU has AVX2 and the BMI1 and
    /// POPCNT that come with it on every AVX2 CPU: code compiled for AVX2
    /// here (`Cursor`'s fill) may use all three.
    #[cfg(target_arch = "x86_64")]
    avx2: Option<memchr::arch::x86_64::avx2::memchr::One>,
}

impl ByteFinder {
    /// A finder for `byte`.
    pub(crate) fn new(byte: u8) -> Self {
        Self {
            byte,
            #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
            needle: [byte; 16],
            #[cfg(target_arch = "x86_64")]
            avx2: memchr::arch::x86_64::avx2::memchr::One::new(byte).filter(|_| {
                std::is_x86_feature_detected!("bmi1") && std::is_x86_feature_detected!("popcnt")
            }),
        }
    }

    /// The index of the first `byte` in `haystack`.
    #[inline(always)]
    pub(crate) fn find(&self, haystack: &[u8]) -> Option<usize> {
        #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
        if let Some(window) = haystack.first_chunk::<WINDOW>() {
            let hits = self.hits(window);
            if hits != 0 {
                return Some(hits.trailing_zeros() as usize);
            }
            return self.find_far(&haystack[WINDOW..]).map(|i| i + WINDOW);
        }
        self.find_far(haystack)
    }

    /// Where `byte` is among the first [`WINDOW`] bytes of `haystack`: bit
    /// `i` of the mask is set when `haystack[i]` is `byte`. `None` when
    /// `haystack` is shorter than the window, or off x86-64, where the
    /// window is not built and [`find`](ByteFinder::find) is the search.
    ///
    /// One mask serves several short frames: a [`Cursor`](super::Cursor)
    /// lists its hits for the frames that follow instead of searching again
    /// from each frame's end.
    #[inline(always)]
    pub(crate) fn window(&self, haystack: &[u8]) -> Option<u128> {
        #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
        if let Some(window) = haystack.first_chunk::<WINDOW>() {
            return Some(self.hits(window));
        }
        let _ = haystack;
        None
    }

    /// Bit `i` is set when `window[i]` is `byte`: four AVX2 compares where
    /// the CPU has AVX2, eight SSE2 compares where it has not.
    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    #[inline(always)]
    fn hits(&self, window: &[u8; WINDOW]) -> u128 {
        if self.avx2.is_some() {
            // SAFETY: memchr built its AVX2 searcher, so the CPU has AVX2.
            #[allow(unsafe_code)]
            return unsafe { window_hits_avx2(self.byte, window) };
        }
        window_hits(&self.needle, window)
    }

    /// Whether [`window`](ByteFinder::window) compares with AVX2: the CPU
    /// has it, with BMI1 and POPCNT (run-time checks, memchr's and std's),
    /// and the window is built at all.
    #[inline(always)]
    pub(crate) fn has_avx2(&self) -> bool {
        #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
        return self.avx2.is_some();
        #[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
        false
    }

    /// The same finder as if the CPU had no AVX2: the SSE2 window and
    /// `memchr::memchr`, for tests of the path other CPUs take.
    #[cfg(test)]
    pub(crate) fn without_avx2(self) -> Self {
        Self {
            #[cfg(target_arch = "x86_64")]
            avx2: None,
            ..self
        }
    }

    /// The index of the first `byte` in `haystack`, by memchr: what
    /// [`find`](ByteFinder::find) does past a window without a hit.
    #[inline(always)]
    pub(crate) fn find_far(&self, haystack: &[u8]) -> Option<usize> {
        #[cfg(target_arch = "x86_64")]
        if let Some(avx2) = &self.avx2 {
            return avx2.find(haystack);
        }
        memchr::memchr(self.byte, haystack)
    }
}

/// Bit `i` of the result is set when `window[i]` is the byte `needle` holds
/// sixteen times.
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
#[inline(always)]
#[allow(unsafe_code)]
fn window_hits(needle: &[u8; 16], window: &[u8; WINDOW]) -> u128 {
    use std::arch::x86_64::{__m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8};
    let mut hits = 0u128;
    // SAFETY: the cfg above guarantees SSE2 at compile time, which is all
    // these intrinsics need. The first load reads the 16 bytes of `needle`;
    // load `i` of the loop reads bytes 16 * i .. 16 * i + 16 of `window`,
    // which has 128; `loadu` has no alignment requirement.
    unsafe {
        let needle = _mm_loadu_si128(needle.as_ptr().cast::<__m128i>());
        for i in 0..WINDOW / 16 {
            let chunk = _mm_loadu_si128(window.as_ptr().add(16 * i).cast::<__m128i>());
            let equal = _mm_movemask_epi8(_mm_cmpeq_epi8(chunk, needle)) as u16;
            hits |= u128::from(equal) << (16 * i);
        }
    }
    hits
}

/// [`window_hits`] with AVX2: four 32-byte compares.
///
/// # Safety
///
/// The CPU must have AVX2 (an `unsafe fn` rather than a safe
/// `#[target_feature]` one, which needs Rust 1.86).
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
#[target_feature(enable = "avx2")]
// Inlined into code compiled for AVX2 (`Cursor`'s fill), in the
// crate that instantiates them.
#[inline]
#[allow(unsafe_code)]
unsafe fn window_hits_avx2(byte: u8, window: &[u8; WINDOW]) -> u128 {
    use std::arch::x86_64::{
        __m256i, _mm256_cmpeq_epi8, _mm256_loadu_si256, _mm256_movemask_epi8, _mm256_set1_epi8,
    };
    let mut hits = 0u128;
    // SAFETY: the caller guarantees AVX2, which is all these intrinsics
    // need. Load `i` reads bytes 32 * i .. 32 * i + 32 of `window`, which
    // has 128; `loadu` has no alignment requirement.
    unsafe {
        let needle = _mm256_set1_epi8(byte as i8);
        for i in 0..WINDOW / 32 {
            let chunk = _mm256_loadu_si256(window.as_ptr().add(32 * i).cast::<__m256i>());
            let equal = _mm256_movemask_epi8(_mm256_cmpeq_epi8(chunk, needle)) as u32;
            hits |= u128::from(equal) << (32 * i);
        }
    }
    hits
}

#[cfg(test)]
mod tests {
    use super::ByteFinder;

    /// Both ways of searching (the AVX2 searcher where the CPU has it,
    /// `memchr::memchr` otherwise) agree with a naive search at every
    /// offset and length around the vector widths and the 128-byte window,
    /// with and without a second hit after the first.
    #[test]
    fn finds_the_first_byte_at_every_offset_and_length() {
        let with = ByteFinder::new(b'\n');
        let without = with.without_avx2();
        for len in 0..300 {
            let mut hay = vec![b'x'; len];
            assert_eq!(with.find(&hay), None);
            assert_eq!(without.find(&hay), None);
            for at in (0..len).rev() {
                hay[at] = b'\n';
                for finder in [with, without] {
                    assert_eq!(finder.find(&hay), Some(at), "len {len}");
                    // Searching from an unaligned start must agree too.
                    let tail = &hay[1.min(len)..];
                    assert_eq!(finder.find(tail), tail.iter().position(|&b| b == b'\n'));
                }
            }
        }
    }

    /// The window's mask, by SSE2 and by AVX2, has a bit for each byte
    /// equal to the needle, in order, for needles of every value (the
    /// compare is of bytes, not of signed or unsigned numbers).
    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    #[test]
    fn the_window_mask_matches_a_naive_mask() {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..2_000 {
            let mut window = [0u8; super::WINDOW];
            for b in &mut window {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                // Few distinct values, so every byte value hits often.
                *b = [0, 1, 0x7f, 0x80, 0xff, b'\n'][(state % 6) as usize];
            }
            for needle in [0, 1, 0x7f, 0x80, 0xff, b'\n'] {
                let naive = window
                    .iter()
                    .enumerate()
                    .filter(|&(_, &b)| b == needle)
                    .fold(0u128, |mask, (i, _)| mask | 1 << i);
                assert_eq!(super::window_hits(&[needle; 16], &window), naive);
                // AVX2 where the CPU has it.
                assert_eq!(ByteFinder::new(needle).window(&window), Some(naive));
            }
        }
    }
}
