//! The delimiter scanner shared by [`Delimited`](super::Delimited) and
//! [`Lines`](super::Lines): resumable search, maximum frame length, oversize
//! policy and end of stream.

use std::ops::Range;

use bytes::BytesMut;
use memchr::memmem::Finder;

use super::borrow::{Found, Scan};
use super::{FrameError, Oversize};
use crate::rio::{ByteFinder, WINDOW};

type Result<T, E = FrameError> = std::result::Result<T, E>;

/// How a scanner looks for delimiters in a buffer.
#[derive(Debug, Clone)]
pub(crate) enum Search {
    /// One single-byte delimiter (`memchr`).
    Byte(u8),
    /// Two single-byte delimiters (`memchr2`).
    Byte2(u8, u8),
    /// Three single-byte delimiters (`memchr3`).
    Byte3(u8, u8, u8),
    /// Four or more single-byte delimiters: a byte table.
    ByteSet(Box<[bool; 256]>),
    /// One delimiter of two bytes or more (`memmem`).
    Seq(Box<Finder<'static>>),
    /// Several delimiters, at least one of them longer than a byte: one
    /// `memmem` finder each, the earliest match wins, the longest on a tie.
    Many(Vec<Finder<'static>>),
    /// `\n`, with one `\r` before it taken as part of the line ending.
    Newline,
    /// Only `\r\n` ends a line.
    CrLf,
}

/// What a search found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Hit {
    /// The earliest delimiter starts at `start` and is `len` bytes long; no
    /// byte still to come can change that.
    Found { start: usize, len: usize },
    /// No decision yet: no delimiter starts before this offset, and one may
    /// start at it once more bytes arrive.
    Wait(usize),
}

impl Search {
    /// The search for `delimiters` (none empty, no duplicates).
    pub(crate) fn for_delimiters(delimiters: &[Vec<u8>]) -> Search {
        if delimiters.iter().all(|d| d.len() == 1) {
            let bytes: Vec<u8> = delimiters.iter().map(|d| d[0]).collect();
            match *bytes.as_slice() {
                [a] => Search::Byte(a),
                [a, b] => Search::Byte2(a, b),
                [a, b, c] => Search::Byte3(a, b, c),
                _ => {
                    let mut table = Box::new([false; 256]);
                    for b in bytes {
                        table[usize::from(b)] = true;
                    }
                    Search::ByteSet(table)
                }
            }
        } else if let [only] = delimiters {
            Search::Seq(Box::new(Finder::new(only).into_owned()))
        } else {
            Search::Many(
                delimiters
                    .iter()
                    .map(|d| Finder::new(d).into_owned())
                    .collect(),
            )
        }
    }

    /// The longest delimiter this search matches, in bytes.
    pub(crate) fn max_delimiter_len(&self) -> usize {
        match self {
            Search::Byte(_) | Search::Byte2(..) | Search::Byte3(..) | Search::ByteSet(_) => 1,
            Search::Seq(f) => f.needle().len(),
            Search::Many(fs) => fs.iter().map(|f| f.needle().len()).max().unwrap_or(1),
            Search::Newline | Search::CrLf => 2,
        }
    }

    /// Looks for the earliest delimiter starting at `from` or later in `hay`.
    ///
    /// `eof` says no byte will follow `hay`: a delimiter cut short by the end
    /// of `hay` is then no delimiter. `work` grows by the bytes examined.
    #[inline]
    pub(crate) fn find(&mut self, hay: &[u8], from: usize, eof: bool, work: &mut u64) -> Hit {
        let window = &hay[from..];
        let single = |found: Option<usize>, work: &mut u64| match found {
            Some(i) => {
                *work += i as u64 + 1;
                Hit::Found {
                    start: from + i,
                    len: 1,
                }
            }
            None => {
                *work += window.len() as u64;
                Hit::Wait(hay.len())
            }
        };
        match self {
            Search::Byte(a) => single(memchr::memchr(*a, window), work),
            Search::Byte2(a, b) => single(memchr::memchr2(*a, *b, window), work),
            Search::Byte3(a, b, c) => single(memchr::memchr3(*a, *b, *c, window), work),
            Search::ByteSet(table) => {
                single(window.iter().position(|&b| table[usize::from(b)]), work)
            }
            Search::Newline => match memchr::memchr(b'\n', window) {
                Some(i) => {
                    *work += i as u64 + 1;
                    let lf = from + i;
                    if lf > 0 && hay[lf - 1] == b'\r' {
                        Hit::Found {
                            start: lf - 1,
                            len: 2,
                        }
                    } else {
                        Hit::Found { start: lf, len: 1 }
                    }
                }
                None => {
                    *work += window.len() as u64;
                    Hit::Wait(cr_tail(hay, eof))
                }
            },
            Search::CrLf => {
                let mut at = from;
                while let Some(i) = memchr::memchr(b'\n', &hay[at..]) {
                    *work += i as u64 + 1;
                    let lf = at + i;
                    if lf > 0 && hay[lf - 1] == b'\r' {
                        return Hit::Found {
                            start: lf - 1,
                            len: 2,
                        };
                    }
                    at = lf + 1;
                }
                *work += (hay.len() - at) as u64;
                Hit::Wait(cr_tail(hay, eof))
            }
            Search::Seq(finder) => match finder.find(window) {
                Some(i) => {
                    *work += (i + finder.needle().len()) as u64;
                    Hit::Found {
                        start: from + i,
                        len: finder.needle().len(),
                    }
                }
                None => {
                    *work += window.len() as u64;
                    let tail = self.tail(hay, from, hay.len(), eof, work);
                    Hit::Wait(tail.unwrap_or(hay.len()))
                }
            },
            Search::Many(finders) => {
                // (start, len, index) of the best match so far.
                let mut best: Option<(usize, usize, usize)> = None;
                for (index, finder) in finders.iter().enumerate() {
                    let n = finder.needle().len();
                    // Only a match starting no later than the best so far can win.
                    let end = best.map_or(hay.len(), |(s, _, _)| (s + n).min(hay.len()));
                    if from >= end {
                        continue;
                    }
                    let found = finder.find(&hay[from..end]);
                    *work += found.map_or(end - from, |i| i + n) as u64;
                    if let Some(i) = found {
                        let start = from + i;
                        if best.is_none_or(|(s, l, _)| start < s || (start == s && n > l)) {
                            best = Some((start, n, index));
                        }
                    }
                }
                if let Some((_, _, index)) = best {
                    // Search first, next time, with the finder that matched:
                    // a delimiter that is rare must not make every frame
                    // search the whole buffer for it. A finder then searches
                    // far only up to its own next match, so the total work
                    // stays linear in the input times the delimiter count.
                    finders.swap(0, index);
                }
                match best {
                    Some((start, len, _)) => match self.tail(hay, from, start + 1, eof, work) {
                        Some(q) => Hit::Wait(q),
                        None => Hit::Found { start, len },
                    },
                    None => Hit::Wait(
                        self.tail(hay, from, hay.len(), eof, work)
                            .unwrap_or(hay.len()),
                    ),
                }
            }
        }
    }

    /// The earliest offset in `from..upto` where the rest of `hay` is a
    /// proper prefix of a delimiter: one that more bytes could complete.
    fn tail(
        &self,
        hay: &[u8],
        from: usize,
        upto: usize,
        eof: bool,
        work: &mut u64,
    ) -> Option<usize> {
        if eof {
            return None;
        }
        let needles: &[Finder<'static>] = match self {
            Search::Seq(finder) => std::slice::from_ref(&**finder),
            Search::Many(finders) => finders,
            _ => &[],
        };
        let lowest = from.max((hay.len() + 1).saturating_sub(self.max_delimiter_len()));
        (lowest..upto.min(hay.len())).find(|&q| {
            let rest = &hay[q..];
            *work += rest.len() as u64;
            needles
                .iter()
                .any(|f| f.needle().len() > rest.len() && f.needle().starts_with(rest))
        })
    }
}

/// Where a line ending may still start when no `\n` was found: at a final
/// `\r`, unless the stream has ended.
fn cr_tail(hay: &[u8], eof: bool) -> usize {
    match hay.last() {
        Some(b'\r') if !eof => hay.len() - 1,
        _ => hay.len(),
    }
}

/// The searches [`Scanner::scan_fast`] does itself, chosen once when the
/// scanner is built so that each frame tests one small tag, not the
/// [`Search`] (whose boxed variants make its tag a computed niche).
#[derive(Debug, Clone, Copy)]
enum FastPath {
    /// [`Search::Byte`].
    Byte(ByteFinder),
    /// [`Search::Newline`].
    Newline(ByteFinder),
    /// Every other search: [`Scanner::step`] does it.
    None,
}

/// The state of a frame over the maximum whose bytes are being dropped.
#[derive(Debug, Clone, Copy)]
struct Discard {
    /// Bytes of the frame dropped so far.
    seen: u64,
    /// Whether the frame was reported already (policy `Error`).
    reported: bool,
}

/// Where a scanner's next search starts, relative to the front of the
/// buffer it is given next.
#[derive(Debug, Clone, Copy, Default)]
struct Cursor {
    /// The next search starts here: no delimiter starts before it, except
    /// those that `ahead` holds.
    resume: usize,
    /// Delimiters the fast path's last window found but did not hand out
    /// yet: bit `i` is a delimiter at offset `resume + i - WINDOW`. Zero
    /// whenever [`Scanner::step`] runs.
    ahead: u128,
}

/// Delimiters [`Scanner::scan_each`]'s batch loop lists in one stage
/// before it hands out their frames: windows are compared until the list
/// holds this many (or a window does not fit or holds none).
const STAGE_HITS: usize = 64;

/// Room for a stage's list: up to `STAGE_HITS - 1` delimiters, one more
/// window's, and the slots [`push_hits`] writes past the last one. A
/// stage's windows each hold a delimiter, so its offsets span at most
/// `(STAGE_HITS + 1) * WINDOW` bytes, well within a `u16`.
const HITS_ROOM: usize = STAGE_HITS + WINDOW + 4;

/// Appends the offsets of `mask`'s set bits, plus `at`, to `hits` from
/// `count` on (bit `i` is offset `at + i`); returns the new count.
///
/// Each 64-bit half writes four slots whatever it holds (one slot past the
/// last holds garbage the next write overwrites), then loops only over the
/// hits past four: the branch a half's varying count would cost is gone
/// for all but halves of five delimiters or more.
#[inline(always)]
fn push_hits(hits: &mut [u16; HITS_ROOM], mut count: usize, mask: u128, at: usize) -> usize {
    for (half, mut bits) in [(0, mask as u64), (64, (mask >> 64) as u64)] {
        let from = (at + half) as u16;
        let n = bits.count_ones() as usize;
        for slot in &mut hits[count..count + 4] {
            *slot = from + bits.trailing_zeros() as u16;
            bits &= bits.wrapping_sub(1);
        }
        let mut slot = count + 4;
        while bits != 0 {
            hits[slot] = from + bits.trailing_zeros() as u16;
            bits &= bits - 1;
            slot += 1;
        }
        count += n;
    }
    count
}

/// What [`Scanner::step`] found at the front of a buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step {
    /// A frame: the decoder hands back the first `len` bytes, and
    /// `consumed` bytes (the frame and its delimiter) leave the buffer.
    Frame { len: usize, consumed: usize },
    /// No decision until more bytes arrive; nothing to consume.
    Wait,
    /// The first `consumed` bytes belong to an oversized frame and are
    /// dropped; `report` is the frame's length when it must be reported now
    /// (policy `Error`).
    Drop {
        consumed: usize,
        report: Option<u64>,
    },
    /// At end of stream: the buffer holds an unterminated frame.
    Partial,
}

/// A resumable delimiter scanner with a maximum frame length and an
/// oversize policy; the decoding engine of `Delimited` and `Lines`.
///
/// [`step`](Scanner::step) works on a byte slice and only reports
/// positions; [`scan`](Scanner::scan) turns them into the frames and drops
/// that both the `Bytes` and the borrowed path apply.
#[derive(Debug, Clone)]
pub(crate) struct Scanner {
    search: Search,
    max_delimiter_len: usize,
    strip: bool,
    max: usize,
    oversize: Oversize,
    /// Where the next search starts.
    at: Cursor,
    /// The search [`scan_fast`](Scanner::scan_fast) does itself.
    fast: FastPath,
    discard: Option<Discard>,
    /// Bytes examined by every search so far.
    work: u64,
    skipped_frames: u64,
    skipped_bytes: u64,
}

impl Scanner {
    pub(crate) fn new(search: Search, strip: bool, max: usize, oversize: Oversize) -> Scanner {
        let fast = match search {
            Search::Byte(byte) => FastPath::Byte(ByteFinder::new(byte)),
            Search::Newline => FastPath::Newline(ByteFinder::new(b'\n')),
            _ => FastPath::None,
        };
        Scanner {
            fast,
            max_delimiter_len: search.max_delimiter_len(),
            search,
            strip,
            max,
            oversize,
            at: Cursor::default(),
            discard: None,
            work: 0,
            skipped_frames: 0,
            skipped_bytes: 0,
        }
    }

    pub(crate) fn max_frame_len(&self) -> usize {
        self.max
    }

    pub(crate) fn oversize(&self) -> Oversize {
        self.oversize
    }

    pub(crate) fn strips(&self) -> bool {
        self.strip
    }

    pub(crate) fn bytes_examined(&self) -> u64 {
        self.work
    }

    pub(crate) fn skipped_frames(&self) -> u64 {
        self.skipped_frames
    }

    pub(crate) fn skipped_bytes(&self) -> u64 {
        self.skipped_bytes
    }

    /// Drops `consumed` bytes of an oversized frame of `len` bytes (so far),
    /// reporting it now if `report` and the policy is `Error`.
    fn drop_bytes(&mut self, consumed: usize, len: u64, report: bool) -> Step {
        let report = match self.oversize {
            Oversize::Error => report.then_some(len),
            Oversize::Skip => {
                self.skipped_bytes += consumed as u64;
                None
            }
        };
        Step::Drop { consumed, report }
    }

    /// Starts dropping a frame known to be over the maximum.
    fn start_discard(&mut self) {
        if self.oversize == Oversize::Skip {
            self.skipped_frames += 1;
        }
        self.discard = Some(Discard {
            seen: 0,
            reported: false,
        });
    }

    /// Finds what is at the front of `src`; `eof` says no more bytes will be
    /// appended. The caller applies the step to its buffer before the next
    /// call (a `Drop` or a `Frame` consumes bytes at the front).
    pub(crate) fn step(&mut self, src: &[u8], eof: bool) -> Step {
        debug_assert_eq!(self.at.ahead, 0, "step runs after the fast path gave up");
        loop {
            if let Some(mut discard) = self.discard {
                let from = self.at.resume.min(src.len());
                return match self.search.find(src, from, eof, &mut self.work) {
                    Hit::Found { start, len } => {
                        self.at.resume = 0;
                        self.discard = None;
                        // Under `Error`, reported already when it went over
                        // (unless it was found whole at once).
                        let frame = discard.seen + start as u64;
                        let frame = if self.strip {
                            frame
                        } else {
                            frame + len as u64
                        };
                        self.drop_bytes(start + len, frame, !discard.reported)
                    }
                    Hit::Wait(_) if eof => {
                        self.at.resume = 0;
                        self.discard = None;
                        let len = discard.seen + src.len() as u64;
                        self.drop_bytes(src.len(), len, !discard.reported)
                    }
                    Hit::Wait(keep_from) => {
                        // Drop what cannot start a delimiter: memory stays bounded.
                        discard.seen += keep_from as u64;
                        self.at.resume = 0;
                        let report = !discard.reported;
                        discard.reported = true;
                        self.discard = Some(discard);
                        if keep_from == 0 && (!report || self.oversize == Oversize::Skip) {
                            return Step::Wait;
                        }
                        self.drop_bytes(keep_from, discard.seen, report)
                    }
                };
            }

            // A frame of at most `max` bytes has its delimiter start at or
            // before `max`: never look further than that delimiter's end.
            let limit = src
                .len()
                .min(self.max.saturating_add(self.max_delimiter_len));
            let hay = &src[..limit];
            let from = self.at.resume.min(limit);
            match self
                .search
                .find(hay, from, eof && limit == src.len(), &mut self.work)
            {
                Hit::Found { start, len } if start <= self.max => {
                    self.at.resume = 0;
                    let frame = if self.strip { start } else { start + len };
                    if frame <= self.max {
                        return Step::Frame {
                            len: frame,
                            consumed: start + len,
                        };
                    }
                    // A kept delimiter takes the frame over the maximum; the
                    // whole delimiter is in `hay`, so its end is final.
                    if self.oversize == Oversize::Skip {
                        self.skipped_frames += 1;
                    }
                    return self.drop_bytes(start + len, frame as u64, true);
                }
                Hit::Wait(resume) if resume <= self.max => {
                    if !eof {
                        self.at.resume = resume;
                        return Step::Wait;
                    }
                    self.at.resume = 0;
                    return if src.is_empty() {
                        Step::Wait
                    } else {
                        Step::Partial
                    };
                }
                _ => {
                    // No delimiter starts at or before `max`: over the limit.
                    self.at.resume = self.max.saturating_add(1);
                    self.start_discard();
                }
            }
        }
    }

    /// Finds the next frame at the front of `src`; `eof` says no more bytes
    /// will be appended. Dropped bytes (an oversized frame) and the frame
    /// itself are counted in the scan's `consumed`: the one framing routine
    /// behind both the `Bytes` and the borrowed path.
    #[inline(always)]
    pub(crate) fn scan(&mut self, src: &[u8], eof: bool) -> Scan {
        if let Some(scan) = self.scan_fast(src) {
            return scan;
        }
        match self.step(src, eof) {
            Step::Frame { len, consumed } => Scan::frame(0..len, consumed),
            first => self.scan_slow(src, eof, first),
        }
    }

    /// The common case, small enough to inline into the caller's loop: a
    /// single-byte delimiter or a line ending, found whole within the
    /// maximum, no oversized frame being dropped. `None` means
    /// [`step`](Scanner::step) takes over.
    #[inline(always)]
    fn scan_fast(&mut self, src: &[u8]) -> Option<Scan> {
        let mut at = self.at;
        let found = self.find_fast(src, &mut at);
        self.at = at;
        let (frame, end) = found?;
        Some(Scan::frame(0..frame, end))
    }

    /// Every frame at the front of `src`, handed to `each` as a range of
    /// `src`, until one is not a whole frame: the frames and the final scan
    /// that repeated [`scan`](Scanner::scan) calls, each on what the last
    /// one left, would give. The returned scan's `consumed` counts from the
    /// front of `src` and includes every frame handed out.
    ///
    /// The fast path runs here with its search state in local variables,
    /// not in the scanner, which is what makes a batch cheaper per frame.
    #[inline(always)]
    pub(crate) fn scan_each(
        &mut self,
        src: &[u8],
        eof: bool,
        mut each: impl FnMut(Range<usize>),
    ) -> Scan {
        let mut off = 0;
        loop {
            off = self.each_in_windows(src, off, &mut each);
            let mut at = self.at;
            let found = self.find_fast(&src[off..], &mut at);
            self.at = at;
            if let Some((frame, end)) = found {
                each(off..off + frame);
                off += end;
                continue;
            }
            let scan = match self.step(&src[off..], eof) {
                Step::Frame { len, consumed } => Scan::frame(0..len, consumed),
                first => self.scan_slow(&src[off..], eof, first),
            };
            match scan.found {
                Found::Frame(range) => {
                    each(off + range.start..off + range.end);
                    off += scan.consumed;
                }
                found => {
                    return Scan {
                        consumed: off + scan.consumed,
                        found,
                    };
                }
            }
        }
    }

    /// The fast path of [`scan_each`](Scanner::scan_each) while windows
    /// fit: hands `each` every frame from `off` on whose delimiter is in a
    /// whole window within the bytes and the maximum, and returns where the
    /// next frame starts, `self.at` saved for it. It stops at a window
    /// without a delimiter, one that does not fit, and a frame over the
    /// maximum, and leaves those to [`find_fast`](Scanner::find_fast),
    /// which finds the same frames with the same search (and counts the
    /// same bytes examined). A window without a delimiter is compared
    /// again there, four compares next to the search of a line longer
    /// than the window.
    ///
    /// Positions count from the front of `src`, so no cursor moves between
    /// frames; where the CPU has AVX2, the loop is compiled for it, so the
    /// window's compares are inlined, not a call with the loop's registers
    /// saved around it.
    #[inline(always)]
    fn each_in_windows(
        &mut self,
        src: &[u8],
        off: usize,
        each: &mut impl FnMut(Range<usize>),
    ) -> usize {
        #[cfg(target_arch = "x86_64")]
        if self
            .fast_finder()
            .is_some_and(|(finder, _)| finder.has_avx2())
        {
            // SAFETY: the finder saw that the CPU has AVX2, BMI1 and POPCNT.
            #[allow(unsafe_code)]
            return unsafe { self.each_in_windows_avx2(src, off, each) };
        }
        self.each_in_windows_here(src, off, each)
    }

    /// [`each_in_windows_here`](Scanner::each_in_windows_here) compiled
    /// for AVX2, with BMI1 and POPCNT for the stage's bit counts.
    ///
    /// # Safety
    ///
    /// The CPU must have AVX2, BMI1 and POPCNT.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,bmi1,popcnt")]
    #[allow(unsafe_code)]
    unsafe fn each_in_windows_avx2(
        &mut self,
        src: &[u8],
        off: usize,
        each: &mut impl FnMut(Range<usize>),
    ) -> usize {
        self.each_in_windows_here(src, off, each)
    }

    /// [`each_in_windows`](Scanner::each_in_windows), compiled for the
    /// caller's target features.
    ///
    /// It works in stages: windows are compared and their delimiters
    /// listed (the pending `ahead` ones first) until the list holds
    /// [`STAGE_HITS`], then the list is handed out frame by frame. Taking
    /// delimiters one at a time from a window's mask costs a branch that
    /// lines of random length mispredict about once a window (the mask
    /// runs out after a random number of frames); the list's loop runs out
    /// once a stage. 1..127 B lines in place (`rionet_Lines_in_place_batch`
    /// in benches/framing; `benches/profile.rs lines in-place-batch` under
    /// callgrind): one at a time, 60 instructions a line and 7.4–8.8 GiB/s;
    /// in stages, 73 instructions and 10.5–12.7 GiB/s (same machine,
    /// interleaved runs, AVX2).
    #[inline(always)]
    fn each_in_windows_here(
        &mut self,
        src: &[u8],
        mut off: usize,
        each: &mut impl FnMut(Range<usize>),
    ) -> usize {
        let Some((finder, newline)) = self.fast_finder() else {
            return off;
        };
        let (max, strip) = (self.max, self.strip);
        // The end of the last window searched, and its delimiters not
        // handed out yet: bit `i` is a delimiter at `next - WINDOW + i`.
        let mut next = off + self.at.resume;
        let mut ahead = self.at.ahead;
        if next > src.len() {
            // Only a caller that broke the contract gets here.
            return off;
        }
        let searched_from = next;
        // A frame's delimiter is searched for up to `window_max` bytes on.
        let window_max = max.saturating_add(1);
        let mut hits = [0u16; HITS_ROOM];
        'stages: loop {
            // Delimiters are listed as offsets from `base`: the start of the
            // pending window, or of the stage's first window.
            let base = if ahead != 0 { next - WINDOW } else { next };
            let first = next;
            let mut count = push_hits(&mut hits, 0, ahead, 0);
            let limit = src.len().min(off.saturating_add(window_max));
            while count < STAGE_HITS {
                match src.get(next..limit).and_then(|rest| finder.window(rest)) {
                    Some(found) if found != 0 => {
                        count = push_hits(&mut hits, count, found, next - base);
                        next += WINDOW;
                    }
                    _ => break,
                }
            }
            ahead = 0;
            for (i, &hit) in hits[..count].iter().enumerate() {
                let delimiter = base + usize::from(hit);
                let end = delimiter + 1;
                let start = if newline && delimiter > off && src[delimiter - 1] == b'\r' {
                    delimiter - 1
                } else {
                    delimiter
                };
                let frame = if strip { start } else { end };
                if frame - off > max {
                    // `find_fast` takes this delimiter and the rest of its
                    // window from `ahead`; the stage's later windows (none,
                    // as the stage ends within the maximum) are its to search.
                    let window_end = first + (delimiter + WINDOW - first) / WINDOW * WINDOW;
                    next = window_end;
                    ahead = hits[i..count]
                        .iter()
                        .map(|&hit| base + usize::from(hit))
                        .take_while(|&at| at < window_end)
                        .fold(0, |mask, at| mask | 1 << (at + WINDOW - window_end));
                    break 'stages;
                }
                each(off..frame);
                off = end;
            }
            if count < STAGE_HITS {
                // The stage ended at a window that does not fit or holds
                // no delimiter: `find_fast` goes on from there.
                break;
            }
        }
        self.work += (next - searched_from) as u64;
        self.at = Cursor {
            resume: next - off,
            ahead,
        };
        off
    }

    /// The finder of the fast path and whether it looks for line endings,
    /// or `None` when [`step`](Scanner::step) must search: a search the
    /// fast path does not do, or an oversized frame being dropped.
    #[inline(always)]
    fn fast_finder(&self) -> Option<(&ByteFinder, bool)> {
        if self.discard.is_some() {
            return None;
        }
        match &self.fast {
            FastPath::Byte(finder) => Some((finder, false)),
            FastPath::Newline(finder) => Some((finder, true)),
            FastPath::None => None,
        }
    }

    /// The fast path's search from `at`, the search state held by the
    /// caller: `(frame length, bytes consumed)` of the frame at the front of
    /// `src`, with `at` moved to the next call's buffer, which starts after
    /// the consumed bytes. `None` leaves `at.ahead` clear and `at.resume`
    /// where [`step`](Scanner::step) must search from: past the bytes this
    /// search examined and found no delimiter in.
    ///
    /// The search is [`ByteFinder::next_hit`], the one `RioReader`'s line
    /// reads use too: a window finds every delimiter in the next
    /// [`WINDOW`] bytes at once, the ones after the first wait in
    /// `at.ahead` for the next frames, so lines shorter than the window
    /// mostly cost a bit test, not a search.
    #[inline(always)]
    fn find_fast(&mut self, src: &[u8], at: &mut Cursor) -> Option<(usize, usize)> {
        let (finder, newline) = self.fast_finder()?;
        let mut ahead = at.ahead;
        let (delimiter, searched) = if ahead != 0 {
            let found = finder.next_hit(src, at.resume, &mut ahead)?;
            if found.0 >= src.len() {
                // Only a caller that broke the contract (the buffer
                // shrank) gets here: search it all again.
                *at = Cursor::default();
                return None;
            }
            found
        } else {
            // A frame's delimiter is searched for up to `max + 1` bytes on.
            let limit = src.len().min(self.max.saturating_add(1));
            let from = at.resume.min(limit);
            let Some(found) = finder.next_hit(&src[..limit], from, &mut ahead) else {
                // No delimiter up to `limit`: `step` goes on from there
                // rather than search these bytes again.
                self.work += (limit - from) as u64;
                at.resume = limit;
                return None;
            };
            self.work += (found.1 - from) as u64;
            found
        };
        let end = delimiter + 1;
        let start = match delimiter.checked_sub(1) {
            Some(cr) if newline && src[cr] == b'\r' => cr,
            _ => delimiter,
        };
        let frame = if self.strip { start } else { end };
        if frame > self.max {
            // `step` finds this delimiter again and drops the frame.
            *at = Cursor {
                resume: delimiter,
                ahead: 0,
            };
            return None;
        }
        *at = Cursor {
            resume: searched - end,
            ahead,
        };
        Some((frame, end))
    }

    /// [`scan`](Scanner::scan) past the first step: drops, waits, errors.
    #[inline(never)]
    fn scan_slow(&mut self, src: &[u8], eof: bool, first: Step) -> Scan {
        let mut off = 0;
        let mut step = first;
        loop {
            match step {
                Step::Frame { len, consumed } => {
                    return Scan::frame(off..off + len, off + consumed);
                }
                Step::Wait => return Scan::wait(off),
                Step::Drop { consumed, report } => {
                    off += consumed;
                    if let Some(len) = report {
                        return Scan {
                            consumed: off,
                            found: Found::Fail(FrameError::FrameTooLarge {
                                len,
                                max: self.max,
                                recoverable: true,
                            }),
                        };
                    }
                    if self.discard.is_some() {
                        // Waiting for the rest of the oversized frame.
                        return Scan::wait(off);
                    }
                    step = self.step(&src[off..], eof);
                }
                Step::Partial => {
                    return Scan {
                        consumed: off,
                        found: Found::Partial {
                            had: None,
                            expected: None,
                        },
                    };
                }
            }
        }
    }

    /// Appends `payload` then `delimiter` to `dst`, after checking that the
    /// decoder reads exactly `payload` back; nothing is written otherwise.
    pub(crate) fn encode(
        &mut self,
        payload: &[u8],
        delimiter: &[u8],
        dst: &mut BytesMut,
    ) -> Result<()> {
        self.check_length(payload, delimiter)?;
        let start = dst.len();
        dst.reserve(payload.len() + delimiter.len());
        dst.extend_from_slice(payload);
        dst.extend_from_slice(delimiter);
        let written = &dst[start..];
        let expected = Hit::Found {
            start: payload.len(),
            len: delimiter.len(),
        };
        match self.search.find(written, 0, false, &mut 0) {
            hit if hit == expected => Ok(()),
            Hit::Found { start: offset, .. } | Hit::Wait(offset) => {
                dst.truncate(start);
                Err(delimiter_in_frame(offset, payload))
            }
        }
    }

    /// Appends `delimiter` to `tail` after the same checks as
    /// [`encode`](Scanner::encode), with the same errors, but without
    /// copying `payload`: the caller sends `payload ++ tail`.
    ///
    /// A match that runs into the appended delimiter starts in the last
    /// `max_delimiter_len - 1` bytes of the payload, the edge. So a match
    /// found in the payload alone before the edge is the earliest in the
    /// frame, `encode`'s error; otherwise every match `encode` could find
    /// lies in the edge followed by the delimiter, which is searched (copied
    /// into `tail` for the time of the search) as `encode` searches the frame.
    pub(crate) fn encode_tail(
        &mut self,
        payload: &[u8],
        delimiter: &[u8],
        tail: &mut BytesMut,
    ) -> Result<()> {
        self.check_length(payload, delimiter)?;
        let edge = payload.len().saturating_sub(self.max_delimiter_len - 1);
        // `eof`: only matches wholly inside the payload count here.
        if let Hit::Found { start, .. } = self.search.find(payload, 0, true, &mut 0) {
            if start < edge {
                return Err(delimiter_in_frame(start, payload));
            }
        }
        let start = tail.len();
        tail.extend_from_slice(&payload[edge..]);
        tail.extend_from_slice(delimiter);
        let hit = self.search.find(&tail[start..], 0, false, &mut 0);
        tail.truncate(start);
        let expected = Hit::Found {
            start: payload.len() - edge,
            len: delimiter.len(),
        };
        match hit {
            hit if hit == expected => {
                tail.extend_from_slice(delimiter);
                Ok(())
            }
            Hit::Found { start: offset, .. } | Hit::Wait(offset) => {
                Err(delimiter_in_frame(edge + offset, payload))
            }
        }
    }

    /// Refuses a payload whose decoded frame (with the delimiter, when the
    /// decoder keeps it) would be over the maximum frame length.
    fn check_length(&self, payload: &[u8], delimiter: &[u8]) -> Result<()> {
        let len = if self.strip {
            payload.len()
        } else {
            payload.len().saturating_add(delimiter.len())
        };
        if len > self.max {
            return Err(FrameError::FrameTooLarge {
                len: len as u64,
                max: self.max,
                recoverable: true,
            });
        }
        Ok(())
    }
}

/// The error for a payload the decoder would not read back whole, because a
/// delimiter starts at `offset`.
fn delimiter_in_frame(offset: usize, payload: &[u8]) -> FrameError {
    FrameError::DelimiterInFrame {
        offset,
        len: payload.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::{FastPath, Found, Oversize, Scanner, Search};

    /// 600 lines of `0..longest` bytes from a fixed xorshift sequence,
    /// about half of them ended by `\r\n`. With `longest` 300: line endings
    /// at every offset of the 128-byte window, and lines longer than it;
    /// with 9: many line endings in every 64 bytes.
    fn lines(longest: u64) -> Vec<u8> {
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let mut text = Vec::new();
        for _ in 0..600 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            text.resize(text.len() + (state % longest) as usize, b'x');
            if state & 0x100 != 0 {
                text.push(b'\r');
            }
            text.push(b'\n');
        }
        text
    }

    /// What `scanner` makes of `text` arriving in pieces of `piece` bytes:
    /// the frames and errors in order, with `scan_each` once per piece
    /// (`batch`) or `scan` once per frame; and the bytes it examined.
    fn outcomes(
        scanner: &mut Scanner,
        text: &[u8],
        piece: usize,
        batch: bool,
    ) -> (Vec<String>, u64) {
        let mut out = Vec::new();
        let mut buf = Vec::new();
        let pieces: Vec<&[u8]> = text.chunks(piece).chain([&[][..]]).collect();
        let last = pieces.len() - 1;
        for (i, piece) in pieces.into_iter().enumerate() {
            buf.extend_from_slice(piece);
            let eof = i == last;
            for _ in 0..=buf.len() + 1 {
                let scan = if batch {
                    scanner.scan_each(&buf, eof, |frame| {
                        out.push(format!("{:?}", &buf[frame]));
                    })
                } else {
                    scanner.scan(&buf, eof)
                };
                let stop = match scan.found {
                    Found::Frame(frame) => {
                        out.push(format!("{:?}", &buf[frame]));
                        false
                    }
                    Found::Fail(err) => {
                        out.push(err.to_string());
                        false
                    }
                    found => {
                        out.push(format!("{found:?}"));
                        true
                    }
                };
                buf.drain(..scan.consumed);
                if stop {
                    break;
                }
            }
        }
        (out, scanner.bytes_examined())
    }

    /// The window loop of `scan_each` runs compiled for AVX2 on CPUs that
    /// have it: it finds what it finds without AVX2, and what `scan` finds
    /// frame by frame, after the same search, over long lines and over
    /// short ones (stages of many delimiters a window).
    #[test]
    fn scan_each_finds_what_scan_finds_with_and_without_avx2() {
        for text in [lines(300), lines(9)] {
            scan_each_agrees_with_scan(&text);
        }
    }

    fn scan_each_agrees_with_scan(text: &[u8]) {
        for max in [0, 1, 8, 64, 127, 128, 129, 200, 299, 300, usize::MAX] {
            for strip in [true, false] {
                for oversize in [Oversize::Skip, Oversize::Error] {
                    let with = Scanner::new(Search::Newline, strip, max, oversize);
                    let mut without = with.clone();
                    if let FastPath::Newline(finder) = &mut without.fast {
                        *finder = finder.without_avx2();
                    }
                    for piece in [7, 128, 4096, text.len()] {
                        let case = format!("max {max}, strip {strip}, {oversize:?}, piece {piece}");
                        let one = outcomes(&mut with.clone(), text, piece, false);
                        let avx2 = outcomes(&mut with.clone(), text, piece, true);
                        let sse2 = outcomes(&mut without.clone(), text, piece, true);
                        assert_eq!(avx2, one, "{case}");
                        assert_eq!(sse2, one, "{case}");
                    }
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
            let mut hits = [0u16; super::HITS_ROOM];
            let count = super::push_hits(&mut hits, 0, first, 0);
            // The second mask may go past the room a stage leaves it only
            // when the first left fewer than `STAGE_HITS`.
            let second = if count < super::STAGE_HITS { second } else { 0 };
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
