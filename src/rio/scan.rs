//! The byte search behind every line read and every single-byte framer:
//! `memchr`, with its AVX2 searcher held ready where the CPU has it.

/// Finds the first occurrence of one byte in a haystack.
///
/// `memchr::memchr` picks its implementation through a function pointer
/// and rebuilds its searcher on every call; lines and small frames are
/// short (tens of bytes), so that set-up is a measurable share of each
/// search (17 of the 69 instructions a 64 B line costs). On x86-64 with
/// AVX2 this keeps memchr's AVX2 searcher, built once, and calls it
/// directly; elsewhere it is `memchr::memchr`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ByteFinder {
    byte: u8,
    #[cfg(target_arch = "x86_64")]
    avx2: Option<memchr::arch::x86_64::avx2::memchr::One>,
}

impl ByteFinder {
    /// A finder for `byte`.
    pub(crate) fn new(byte: u8) -> Self {
        Self {
            byte,
            #[cfg(target_arch = "x86_64")]
            avx2: memchr::arch::x86_64::avx2::memchr::One::new(byte),
        }
    }

    /// The index of the first `byte` in `haystack`.
    #[inline(always)]
    pub(crate) fn find(&self, haystack: &[u8]) -> Option<usize> {
        #[cfg(target_arch = "x86_64")]
        if let Some(avx2) = &self.avx2 {
            return avx2.find(haystack);
        }
        memchr::memchr(self.byte, haystack)
    }
}

#[cfg(test)]
mod tests {
    use super::ByteFinder;

    /// Both ways of searching (the AVX2 searcher where the CPU has it,
    /// `memchr::memchr` otherwise) agree with a naive search at every
    /// offset and length around the vector widths.
    #[test]
    fn finds_the_first_byte_at_every_offset_and_length() {
        let with = ByteFinder::new(b'\n');
        let without = ByteFinder {
            #[cfg(target_arch = "x86_64")]
            avx2: None,
            ..with
        };
        for len in 0..200 {
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
}
