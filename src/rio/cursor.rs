//! Where a resumable byte search stands between frames: how far it has
//! looked, and the hits it found ahead of the frame being read, listed.

use std::fmt;

use super::scan::{ByteFinder, WINDOW};

/// Hits a fill lists before it stops comparing windows.
///
/// A fill is two calls (the search, then the fill compiled for AVX2) and
/// their set-up, about 90 instructions whatever it lists. Callgrind, 1..127
/// B lines, instructions a line with 16 -> 32 -> 64: one `decode_slice` a
/// line in place 83.4 -> 80.8 -> 79.4, `decode_slices` 73.1 -> 69.6 ->
/// 67.8, `RioReader::read_line_slice` 88.3 -> 85.9 -> 84.7.
const STAGE: usize = 64;

/// Room for a fill's list: fewer than [`STAGE`] hits, one more window's,
/// and the slots [`push_hits`] writes past the last one. A fill's windows
/// each hold a hit but the last, so its offsets span at most
/// `(STAGE + 1) * WINDOW` bytes, well within a `u16`.
///
/// The list has 256 slots, more than that needs, and is indexed by a `u8`,
/// so reading a listed hit needs no bounds check. Callgrind, 1..127 B
/// lines, instructions a line with `STAGE + WINDOW + 4` slots and a
/// `usize` index -> here: one `decode_slice` a line in place 86 -> 84,
/// `decode` 241 -> 238, `RioReader::read_line_slice` 91 -> 89.
const ROOM: usize = 256;
const _: () = assert!(STAGE + WINDOW + 4 <= ROOM && ROOM == u8::MAX as usize + 1);
const _: () = assert!((STAGE + 1) * WINDOW <= u16::MAX as usize + 1);

/// A byte search that resumes frame after frame, for the framing scanner
/// and `RioReader`'s line reads alike: where the search resumes, relative
/// to the front of the haystack the next call is given, and the hits it
/// found past the frame it last handed out, listed in order.
///
/// [`next_hit`](Cursor::next_hit) takes a listed hit when there is one
/// (a compare, a load and an add); otherwise it fills the list: it compares
/// whole [`WINDOW`]s from the resume point, writing every hit's offset,
/// until [`STAGE`] are listed or a window does not fit or holds none, and
/// goes on with memchr past the windows only when they listed nothing. So
/// lines shorter than a window cost a list read, not a search, each byte
/// is compared once, and the branch that ends a list runs out once a fill,
/// where taking hits bit by bit from a window's mask ends the mask after a
/// random number of frames, a branch lines of random length mispredict
/// about once a window. 64 MiB of 1..127 B lines, best of ten runs
/// interleaved in one process: one `decode_slice` a line in place, 10.8–12.4
/// ms with masks, 8.1–9.7 ms listed; `read_line_slice` from memory,
/// 12.3–13.1 -> 10.4–10.9 ms. Callgrind counts as many instructions one
/// call a line (93, was 92) and more by `decode_slices` (74, was 60): the
/// list trades a mispredicted branch for stores.
///
/// The caller reports the bytes it drops from the front of its haystack
/// ([`consume`](Cursor::consume)); listed hits are not checked against the
/// haystack but for lying inside it, so a caller that changes the bytes it
/// searched must [`restart_at`](Cursor::restart_at) first.
#[derive(Clone)]
pub(crate) struct Cursor {
    /// Offsets from `origin` of the listed hits; `offsets[next..len]` are
    /// still to hand out.
    offsets: [u16; ROOM],
    next: u8,
    len: u8,
    /// Where the offsets count from, relative to the front of the next
    /// haystack; it wraps below zero once the caller consumed past it.
    origin: usize,
    /// Bytes from `origin` the search has examined: it resumes at
    /// `origin + span`.
    span: usize,
    /// Bytes the search has examined, windows and memchr: a work counter.
    examined: u64,
}

impl Cursor {
    /// A search from the front, nothing listed.
    pub(crate) fn new() -> Self {
        Cursor {
            offsets: [0; ROOM],
            next: 0,
            len: 0,
            origin: 0,
            span: 0,
            examined: 0,
        }
    }

    /// Where the search resumes: no hit lies before it but the listed
    /// ones.
    #[inline(always)]
    pub(crate) fn resume(&self) -> usize {
        self.origin.wrapping_add(self.span)
    }

    /// Forgets the listed hits; the search resumes at `at`.
    #[inline(always)]
    pub(crate) fn restart_at(&mut self, at: usize) {
        self.origin = at;
        self.span = 0;
        self.next = 0;
        self.len = 0;
    }

    /// Whether hits are listed: the next [`next_hit`](Cursor::next_hit)
    /// takes one without a search.
    #[inline(always)]
    pub(crate) fn has_listed(&self) -> bool {
        self.next < self.len
    }

    /// The caller dropped `n` bytes from the front of its haystack.
    #[inline(always)]
    pub(crate) fn consume(&mut self, n: usize) {
        self.origin = self.origin.wrapping_sub(n);
    }

    /// Bytes examined since the cursor was made.
    pub(crate) fn examined(&self) -> u64 {
        self.examined
    }

    /// The index of the next `finder` byte in `haystack` from the resume
    /// point on (the hits listed first); the search state stays at the hit,
    /// which the caller consumes or restarts from. `None`: none there, and
    /// the search resumes at `haystack.len()`.
    #[inline(always)]
    pub(crate) fn next_hit(&mut self, finder: &ByteFinder, haystack: &[u8]) -> Option<usize> {
        match self.next_listed(haystack.len()) {
            Some(hit) => Some(hit),
            None => self.search(finder, haystack),
        }
    }

    /// The next listed hit, if one is listed and lies within the `len`
    /// bytes of the haystack (one that does not means the caller broke the
    /// contract: the search restarts from the front). `None`:
    /// [`search`](Cursor::search) is next.
    #[inline(always)]
    pub(crate) fn next_listed(&mut self, len: usize) -> Option<usize> {
        if self.next < self.len {
            let hit = self.first_listed();
            if hit < len {
                self.next += 1;
                return Some(hit);
            }
            self.restart_at(0);
        }
        None
    }

    /// The first listed hit, as an index into the haystack as it stands
    /// now (something must be listed).
    #[inline(always)]
    fn first_listed(&self) -> usize {
        self.origin
            .wrapping_add(usize::from(self.offsets[usize::from(self.next)]))
    }

    /// Hands the listed hits to `take` in order, each as an index into the
    /// haystack as it stands now, while `take` returns true; a hit `take`
    /// refuses stays listed. The caller then consumes what it took.
    ///
    /// The loop works on copies of the list's state, written back once: a
    /// `take` that calls out (a caller's closure) would otherwise make the
    /// compiler store `next` and reload the state at every hit.
    /// Callgrind, 1..127 B lines, `decode_slices` 63.8 -> 60.9
    /// instructions a line.
    #[inline(always)]
    pub(crate) fn drain(&mut self, mut take: impl FnMut(usize) -> bool) {
        let (origin, len) = (self.origin, self.len);
        let mut next = self.next;
        while next < len {
            let hit = origin.wrapping_add(usize::from(self.offsets[usize::from(next)]));
            if !take(hit) {
                break;
            }
            next += 1;
        }
        self.next = next;
    }

    /// [`next_hit`](Cursor::next_hit) with nothing listed: fills the list,
    /// or searches past the windows with memchr.
    #[inline(never)]
    pub(crate) fn search(&mut self, finder: &ByteFinder, haystack: &[u8]) -> Option<usize> {
        let from = self.resume().min(haystack.len());
        self.restart_at(from);
        self.fill(finder, haystack);
        if let Some(hit) = self.next_listed(haystack.len()) {
            return Some(hit);
        }
        let from = self.resume();
        let found = finder.find_far(&haystack[from..]);
        let end = found.map_or(haystack.len(), |i| from + i + 1);
        self.examined += (end - from) as u64;
        self.restart_at(end);
        found.map(|i| from + i)
    }

    /// Lists the hits of whole windows of `haystack` from the resume point
    /// (nothing listed before), until [`STAGE`] are listed or a window does
    /// not fit or holds none; the search resumes past the windows compared.
    #[inline(always)]
    fn fill(&mut self, finder: &ByteFinder, haystack: &[u8]) {
        #[cfg(target_arch = "x86_64")]
        if finder.has_avx2() {
            // SAFETY: the finder saw that the CPU has AVX2, BMI1 and POPCNT.
            #[allow(unsafe_code)]
            return unsafe { self.fill_avx2(finder, haystack) };
        }
        self.fill_here(finder, haystack);
    }

    /// [`fill_here`](Cursor::fill_here) compiled for AVX2, with BMI1 and
    /// POPCNT for the list's bit counts: the window's compares inline.
    ///
    /// # Safety
    ///
    /// The CPU must have AVX2, BMI1 and POPCNT.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,bmi1,popcnt")]
    #[allow(unsafe_code)]
    unsafe fn fill_avx2(&mut self, finder: &ByteFinder, haystack: &[u8]) {
        self.fill_here(finder, haystack);
    }

    /// [`fill`](Cursor::fill), compiled for the caller's target features.
    #[inline(always)]
    fn fill_here(&mut self, finder: &ByteFinder, haystack: &[u8]) {
        let from = self.origin.wrapping_add(self.span);
        // One pointer compare a window, where slicing the haystack again
        // at each window's start took two checks (callgrind: 2 fewer
        // instructions a window, 1 a 1..127 B line on every path).
        let mut windows = haystack
            .get(from..)
            .unwrap_or_default()
            .chunks_exact(WINDOW);
        let mut count = 0;
        let mut span = 0;
        while count < STAGE {
            let Some(mask) = windows.next().and_then(|window| finder.window(window)) else {
                break;
            };
            let at = span;
            span += WINDOW;
            if mask == 0 {
                break;
            }
            count = push_hits(&mut self.offsets, count, mask, at);
        }
        self.examined += span as u64;
        self.origin = from;
        self.span = span;
        self.next = 0;
        // Fewer than `ROOM` hits: see `ROOM`.
        self.len = count as u8;
    }
}

impl Default for Cursor {
    fn default() -> Self {
        Cursor::new()
    }
}

impl fmt::Debug for Cursor {
    /// The resume point and the listed hits, not the list's room.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let listed: Vec<usize> = self.offsets[usize::from(self.next)..usize::from(self.len)]
            .iter()
            .map(|&offset| self.origin.wrapping_add(usize::from(offset)))
            .collect();
        f.debug_struct("Cursor")
            .field("resume", &self.resume())
            .field("listed", &listed)
            .field("examined", &self.examined)
            .finish()
    }
}

/// Appends the offsets of `mask`'s set bits, plus `at`, to `offsets` from
/// `count` on (bit `i` is offset `at + i`); returns the new count.
///
/// Each 64-bit half writes four slots whatever it holds (a slot past the
/// last holds garbage the next write overwrites), then loops only over the
/// hits past four: the branch a half's varying count would cost is gone
/// for all but halves of five hits or more.
///
/// Three slots cost 4 fewer instructions a 1..127 B line (callgrind, one
/// `decode_slice` a line in place 79.4 -> 75.4) and ran 3% faster on
/// them, but 13% slower on 1..31 B lines, whose halves often hold four
/// (best of 8 interleaved runs, 64 MiB in place: 22.0 -> 25.2 ms).
#[inline(always)]
fn push_hits(offsets: &mut [u16; ROOM], mut count: usize, mask: u128, at: usize) -> usize {
    for (half, mut bits) in [(0, mask as u64), (64, (mask >> 64) as u64)] {
        let from = (at + half) as u16;
        let n = bits.count_ones() as usize;
        for slot in &mut offsets[count..count + 4] {
            *slot = from + bits.trailing_zeros() as u16;
            bits &= bits.wrapping_sub(1);
        }
        let mut slot = count + 4;
        while bits != 0 {
            offsets[slot] = from + bits.trailing_zeros() as u16;
            bits &= bits - 1;
            slot += 1;
        }
        count += n;
    }
    count
}

#[cfg(test)]
mod tests {
    use super::Cursor;
    use crate::rio::ByteFinder;

    /// A haystack of `len` bytes from a fixed xorshift sequence in which
    /// about one byte in `one_in` is `\n`.
    fn haystack(len: usize, one_in: u64, seed: u64) -> Vec<u8> {
        let mut state = seed | 1;
        (0..len)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                if state % one_in == 0 { b'\n' } else { b'x' }
            })
            .collect()
    }

    /// Bytes arriving in pieces, the caller consuming through each hit (by
    /// `next_hit` or by `drain`, which it stops now and then): every `\n`
    /// is found once, in order, and each byte is examined exactly once,
    /// with and without AVX2, at densities from every byte to none in a
    /// window.
    #[test]
    fn finds_every_hit_once_and_examines_each_byte_once() {
        let finders = [
            ByteFinder::new(b'\n'),
            ByteFinder::new(b'\n').without_avx2(),
        ];
        for (seed, one_in) in [(1, 1), (2, 3), (3, 17), (4, 64), (5, 200), (6, 5_000)] {
            let hay = haystack(20_000, one_in, seed);
            let naive: Vec<usize> = (0..hay.len()).filter(|&i| hay[i] == b'\n').collect();
            for finder in &finders {
                for piece in [1, 100, 129, 4_096, hay.len()] {
                    let mut cursor = Cursor::new();
                    let (mut front, mut arrived, mut found) = (0, 0, Vec::new());
                    let mut turn = 0u32;
                    while arrived < hay.len() {
                        arrived = (arrived + piece).min(hay.len());
                        turn += 1;
                        if turn % 3 == 0 {
                            // One hit, which fills the list, then drain
                            // what it listed, refusing every fifth.
                            if let Some(hit) = cursor.next_hit(finder, &hay[front..arrived]) {
                                found.push(front + hit);
                                cursor.consume(hit + 1);
                                front += hit + 1;
                            }
                            let (mut taken, mut n) = (0, 0);
                            cursor.drain(|hit| {
                                n += 1;
                                if n % 5 == 0 {
                                    return false;
                                }
                                found.push(front + hit);
                                taken = hit + 1;
                                true
                            });
                            cursor.consume(taken);
                            front += taken;
                        }
                        while let Some(hit) = cursor.next_hit(finder, &hay[front..arrived]) {
                            found.push(front + hit);
                            cursor.consume(hit + 1);
                            front += hit + 1;
                        }
                    }
                    let case =
                        format!("one in {one_in}, piece {piece}, avx2 {}", finder.has_avx2());
                    assert_eq!(found, naive, "{case}");
                    assert_eq!(cursor.examined(), hay.len() as u64, "{case}");
                }
            }
        }
    }

    /// `push_hits` lists the set bits of any mask, in order, after what the
    /// list held, whatever the mask's density (the unconditional slots and
    /// the loop past them).
    #[test]
    fn push_hits_lists_every_set_bit_in_order() {
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for round in 0..5_000 {
            // From empty to full masks: AND or OR several draws together.
            let draw = |next: &mut dyn FnMut() -> u64| {
                let half = |next: &mut dyn FnMut() -> u64| match round % 4 {
                    0 => next() & next() & next(),
                    1 => next() & next(),
                    2 => next(),
                    _ => next() | next() | next(),
                };
                u128::from(half(next)) | u128::from(half(next)) << 64
            };
            let (first, second) = (draw(&mut next), draw(&mut next));
            let at = (next() % 512) as usize;
            let mut hits = [0u16; super::ROOM];
            let count = super::push_hits(&mut hits, 0, first, 0);
            // A fill pushes another window only while fewer than `STAGE`
            // are listed.
            let second = if count < super::STAGE { second } else { 0 };
            let count = super::push_hits(&mut hits, count, second, at);
            let naive: Vec<u16> = (0..128)
                .filter(|i| first >> i & 1 == 1)
                .chain(
                    (0..128)
                        .filter(|i| second >> i & 1 == 1)
                        .map(|i| i + at as u16),
                )
                .collect();
            assert_eq!(&hits[..count], &naive[..], "round {round}");
        }
    }
}
