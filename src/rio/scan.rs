//! The newline search behind every line read: `memchr`, with its AVX2
//! searcher held ready where the CPU has it.

/// Finds the first `\n` in a haystack.
///
/// `memchr::memchr` picks its implementation through a function pointer on
/// every call; lines are short (tens of bytes), so that dispatch is a
/// measurable share of a line read. On x86-64 with AVX2 this keeps
/// memchr's AVX2 searcher, chosen once, and calls it directly; elsewhere
/// it is `memchr::memchr`.
#[derive(Debug, Clone, Copy)]
pub(super) struct NewlineFinder {
    #[cfg(target_arch = "x86_64")]
    avx2: Option<memchr::arch::x86_64::avx2::memchr::One>,
}

impl NewlineFinder {
    pub(super) fn new() -> Self {
        Self {
            #[cfg(target_arch = "x86_64")]
            avx2: memchr::arch::x86_64::avx2::memchr::One::new(b'\n'),
        }
    }

    /// The index of the first `\n` in `haystack`.
    #[inline]
    pub(super) fn find(&self, haystack: &[u8]) -> Option<usize> {
        #[cfg(target_arch = "x86_64")]
        if let Some(avx2) = &self.avx2 {
            return avx2.find(haystack);
        }
        memchr::memchr(b'\n', haystack)
    }
}

#[cfg(test)]
mod tests {
    use super::NewlineFinder;

    #[test]
    fn finds_the_first_newline_at_every_offset_and_length() {
        let finder = NewlineFinder::new();
        for len in 0..200 {
            let mut hay = vec![b'x'; len];
            assert_eq!(finder.find(&hay), None);
            for at in (0..len).rev() {
                hay[at] = b'\n';
                assert_eq!(finder.find(&hay), Some(at), "len {len}");
                // Searching from an unaligned start must agree too.
                assert_eq!(
                    finder.find(&hay[1.min(len)..]),
                    hay[1.min(len)..].iter().position(|&b| b == b'\n')
                );
            }
        }
    }
}
