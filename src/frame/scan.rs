//! The delimiter scanner shared by [`Delimited`](super::Delimited) and
//! [`Lines`](super::Lines): resumable search, maximum frame length, oversize
//! policy and end of stream.

use std::ops::Range;

use bytes::BytesMut;
use memchr::memmem::Finder;

use super::Decoded;
use super::borrow::{Found, Scan};
use super::{FrameError, Oversize};
use crate::rio::{ByteFinder, Cursor};

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
///
/// `NEWLINE` says which fast path the scanner may take: `true` for
/// `Lines`, whose fast path is [`Search::Newline`]'s (a `\r` before the
/// `\n` belongs to the line ending), `false` for `Delimited`, whose fast
/// path is [`Search::Byte`]'s. Known at compile time, it costs a frame no
/// load and no branch. Callgrind, 1..127 B lines, instructions a line with
/// the fast path's tag tested each frame -> here: one `decode_slice` a line
/// in place 79.4 -> 76.4, `decode_slices` 67.8 -> 63.8, fed through a
/// `BytesMut` 153.9 -> 150.9, `decode` 232.9 -> 230.9. A line scanner
/// always strips its line ending, so `NEWLINE` also settles
/// [`strips`](Scanner::strips) at compile time: 76.4 -> 74.4 in place,
/// 60.9 -> 59.9 by `decode_slices`, 150.9 -> 148.9 fed, 230.9 -> 227.9
/// `decode`.
#[derive(Debug, Clone)]
pub(crate) struct Scanner<const NEWLINE: bool> {
    search: Search,
    max_delimiter_len: usize,
    strip: bool,
    max: usize,
    oversize: Oversize,
    /// Where the next search starts, and the fast path's delimiters found
    /// ahead.
    at: Cursor,
    /// The search [`scan_fast`](Scanner::scan_fast) does itself.
    fast: FastPath,
    discard: Option<Discard>,
    /// Bytes examined by every search so far.
    work: u64,
    skipped_frames: u64,
    skipped_bytes: u64,
}

impl<const NEWLINE: bool> Scanner<NEWLINE> {
    /// # Panics
    ///
    /// If `search` has a fast path other than the one `NEWLINE` names, or
    /// a line scanner (`NEWLINE`) is asked not to strip.
    pub(crate) fn new(search: Search, strip: bool, max: usize, oversize: Oversize) -> Self {
        let fast = match search {
            Search::Byte(byte) => FastPath::Byte(ByteFinder::new(byte)),
            Search::Newline => FastPath::Newline(ByteFinder::new(b'\n')),
            _ => FastPath::None,
        };
        assert!(
            matches!(fast, FastPath::None) || matches!(fast, FastPath::Newline(_)) == NEWLINE,
            "a scanner's NEWLINE names its fast path"
        );
        assert!(strip || !NEWLINE, "a line scanner strips its line ending");
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

    /// Whether frames leave out their delimiter: always for `Lines`
    /// (`NEWLINE`), known at compile time like the fast path.
    #[inline(always)]
    pub(crate) fn strips(&self) -> bool {
        NEWLINE || self.strip
    }

    pub(crate) fn bytes_examined(&self) -> u64 {
        self.work + self.at.examined()
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
        debug_assert!(
            !self.at.has_listed(),
            "step runs after the fast path gave up"
        );
        loop {
            if let Some(mut discard) = self.discard {
                let from = self.at.resume().min(src.len());
                return match self.search.find(src, from, eof, &mut self.work) {
                    Hit::Found { start, len } => {
                        self.at.restart_at(0);
                        self.discard = None;
                        // Under `Error`, reported already when it went over
                        // (unless it was found whole at once).
                        let frame = discard.seen + start as u64;
                        let frame = if self.strips() {
                            frame
                        } else {
                            frame + len as u64
                        };
                        self.drop_bytes(start + len, frame, !discard.reported)
                    }
                    Hit::Wait(_) if eof => {
                        self.at.restart_at(0);
                        self.discard = None;
                        let len = discard.seen + src.len() as u64;
                        self.drop_bytes(src.len(), len, !discard.reported)
                    }
                    Hit::Wait(keep_from) => {
                        // Drop what cannot start a delimiter: memory stays bounded.
                        discard.seen += keep_from as u64;
                        self.at.restart_at(0);
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
            let from = self.at.resume().min(limit);
            match self
                .search
                .find(hay, from, eof && limit == src.len(), &mut self.work)
            {
                Hit::Found { start, len } if start <= self.max => {
                    self.at.restart_at(0);
                    let frame = if self.strips() { start } else { start + len };
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
                        self.at.restart_at(resume);
                        return Step::Wait;
                    }
                    self.at.restart_at(0);
                    return if src.is_empty() {
                        Step::Wait
                    } else {
                        Step::Partial
                    };
                }
                _ => {
                    // No delimiter starts at or before `max`: over the limit.
                    self.at.restart_at(self.max.saturating_add(1));
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
        match self.scan_fast(src) {
            Some(scan) => scan,
            None => self.scan_rest(src, eof),
        }
    }

    /// `scan(src, eof).into_decoded(src)`, what
    /// [`BorrowDecoder::decode_slice`] returns: the fast path's frame
    /// returned as it is found, everything else one call away. Merged with
    /// the slow paths' results in the caller's loop, the frame went
    /// through the stack: callgrind, 1..127 B lines fed in 64 KiB chunks,
    /// 148.9 -> 138.9 instructions a line (in place, 74.4, unchanged).
    ///
    /// [`BorrowDecoder::decode_slice`]: super::BorrowDecoder::decode_slice
    #[inline(always)]
    pub(crate) fn scan_slice(&mut self, src: &[u8], eof: bool) -> Decoded {
        match self.find_fast(src) {
            Some((frame, end)) => Decoded {
                consumed: end,
                result: Ok(Some(0..frame)),
            },
            None => self.scan_rest(src, eof).into_decoded(src),
        }
    }

    /// [`scan`](Scanner::scan) past the fast path, out of the caller's
    /// loop: the first step, and the drops, waits and errors after it.
    #[inline(never)]
    fn scan_rest(&mut self, src: &[u8], eof: bool) -> Scan {
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
        let (frame, end) = self.find_fast(src)?;
        Some(Scan::frame(0..frame, end))
    }

    /// Every frame at the front of `src`, handed to `each` as a range of
    /// `src`, until one is not a whole frame: the frames and the final scan
    /// that repeated [`scan`](Scanner::scan) calls, each on what the last
    /// one left, would give. The returned scan's `consumed` counts from the
    /// front of `src` and includes every frame handed out.
    ///
    /// The delimiters the fast path's search lists are handed out here in
    /// a loop of their own ([`each_listed`](Scanner::each_listed)), which
    /// is what makes a batch cheaper per frame.
    #[inline(always)]
    pub(crate) fn scan_each(
        &mut self,
        src: &[u8],
        eof: bool,
        mut each: impl FnMut(Range<usize>),
    ) -> Scan {
        let mut off = 0;
        loop {
            off = self.each_listed(src, off, &mut each);
            if let Some((frame, end)) = self.find_fast(&src[off..]) {
                each(off..off + frame);
                off += end;
                continue;
            }
            let scan = self.scan_rest(&src[off..], eof);
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

    /// The fast path of [`scan_each`](Scanner::scan_each) for the
    /// delimiters the cursor lists: hands `each` the frame of each from
    /// `off` on while it is within the maximum, and returns where the next
    /// frame starts. [`find_fast`](Scanner::find_fast) takes a delimiter
    /// this leaves listed (its frame is over the maximum) and fills the
    /// list again.
    #[inline(always)]
    fn each_listed(
        &mut self,
        src: &[u8],
        mut off: usize,
        each: &mut impl FnMut(Range<usize>),
    ) -> usize {
        // Nothing is listed but by the fast path, and nothing while an
        // oversized frame is dropped.
        let (max, strip) = (self.max, self.strips());
        let front = off;
        self.at.drain(|hit| {
            let delimiter = front + hit;
            if delimiter >= src.len() {
                // Only a caller that broke the contract gets here.
                return false;
            }
            // `find_fast`'s frame rule, written out again: one shared
            // helper cost one call a frame 2 more instructions a line
            // (callgrind, 93 -> 95) and 1.5% in interleaved runs.
            let end = delimiter + 1;
            let start = if NEWLINE && delimiter > off && src[delimiter - 1] == b'\r' {
                delimiter - 1
            } else {
                delimiter
            };
            let frame = if strip { start } else { end };
            if frame - off > max {
                return false;
            }
            each(off..frame);
            off = end;
            true
        });
        self.at.consume(off - front);
        off
    }

    /// The fast path's search: `(frame length, bytes consumed)` of the
    /// frame at the front of `src`, the cursor moved to the next call's
    /// buffer, which starts after the consumed bytes. `None` leaves
    /// nothing listed and the cursor where [`step`](Scanner::step) must
    /// search from: past the bytes this search examined and found no
    /// delimiter in.
    ///
    /// The search is [`Cursor::next_hit`], the one `RioReader`'s line
    /// reads use too: a fill lists every delimiter of the next windows at
    /// once, so lines shorter than a window mostly cost a list read, not a
    /// search.
    #[inline(always)]
    fn find_fast(&mut self, src: &[u8]) -> Option<(usize, usize)> {
        // Nothing is listed but by the fast path, and nothing while an
        // oversized frame is dropped: a listed delimiter needs neither
        // check. Callgrind, 1..127 B lines, instructions a line with both
        // checked first -> here: one `decode_slice` a line in place 93 ->
        // 87, fed through a `BytesMut` 169 -> 161, `decode` 251 -> 241.
        let delimiter = match self.at.next_listed(src.len()) {
            Some(listed) => listed,
            None => {
                if self.discard.is_some() {
                    return None;
                }
                let finder = match &self.fast {
                    FastPath::Byte(finder) | FastPath::Newline(finder) => finder,
                    FastPath::None => return None,
                };
                // A frame's delimiter is searched for up to `max + 1`
                // bytes on (listed ones were, when they were found).
                let limit = src.len().min(self.max.saturating_add(1));
                self.at.search(finder, &src[..limit])?
            }
        };
        let end = delimiter + 1;
        // A delimiter at 0 has no byte before it: `cr` wraps past the end,
        // and one bounds check covers both (callgrind, in place: 1 fewer
        // instruction a line than `checked_sub` and an index).
        let cr = delimiter.wrapping_sub(1);
        let start = if NEWLINE && src.get(cr) == Some(&b'\r') {
            cr
        } else {
            delimiter
        };
        let frame = if self.strips() { start } else { end };
        if frame > self.max {
            // `step` finds this delimiter again and drops the frame.
            self.at.restart_at(delimiter);
            return None;
        }
        self.at.consume(end);
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
        let len = if self.strips() {
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
    fn outcomes<const NEWLINE: bool>(
        scanner: &mut Scanner<NEWLINE>,
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

    /// The cursor's fill runs compiled for AVX2 on CPUs that have it:
    /// `scan_each` finds what it finds without AVX2, and what `scan` finds
    /// frame by frame, after the same search, over long lines and over
    /// short ones (many delimiters a window); `scan_slice` finds what
    /// `scan` finds.
    #[test]
    fn scan_each_finds_what_scan_finds_with_and_without_avx2() {
        for text in [lines(300), lines(9)] {
            scan_each_agrees_with_scan(&text);
        }
    }

    /// Over both fast paths as their codecs build them: `Lines`' newline
    /// scanner (always stripping) and `Delimited`'s `\n` with and without
    /// its delimiter.
    fn scan_each_agrees_with_scan(text: &[u8]) {
        for max in [0, 1, 8, 64, 127, 128, 129, 200, 299, 300, usize::MAX] {
            for oversize in [Oversize::Skip, Oversize::Error] {
                let lines = Scanner::<true>::new(Search::Newline, true, max, oversize);
                fast_paths_agree(&lines, text, &format!("lines, max {max}, {oversize:?}"));
                for strip in [true, false] {
                    let byte = Scanner::<false>::new(Search::Byte(b'\n'), strip, max, oversize);
                    let case = format!("byte, strip {strip}, max {max}, {oversize:?}");
                    fast_paths_agree(&byte, text, &case);
                }
            }
        }
    }

    /// `scan_slice`, `decode_slice`'s scan, returns call after call what
    /// `scan` turned into a `Decoded` does, errors and partial frames
    /// included, over `text` in pieces of every size tried.
    fn slice_agrees_with_scan<const NEWLINE: bool>(
        scanner: &Scanner<NEWLINE>,
        text: &[u8],
        case: &str,
    ) {
        for size in [7, 128, 4096, text.len()] {
            let (mut slice, mut scan) = (scanner.clone(), scanner.clone());
            let mut buf = Vec::new();
            let pieces: Vec<&[u8]> = text.chunks(size).chain([&[][..]]).collect();
            let last = pieces.len() - 1;
            for (i, piece) in pieces.into_iter().enumerate() {
                buf.extend_from_slice(piece);
                let eof = i == last;
                for _ in 0..=buf.len() + 1 {
                    let got = slice.scan_slice(&buf, eof);
                    let want = scan.scan(&buf, eof).into_decoded(&buf);
                    assert_eq!(
                        format!("{got:?}"),
                        format!("{want:?}"),
                        "{case}, piece {size}"
                    );
                    buf.drain(..got.consumed);
                    if matches!(got.result, Ok(None)) {
                        break;
                    }
                }
            }
            assert!(buf.is_empty(), "{case}, piece {size}: bytes left");
            assert_eq!(slice.bytes_examined(), scan.bytes_examined(), "{case}");
        }
    }

    /// `scan_each` with AVX2, `scan_each` without it, and `scan` frame by
    /// frame find the same over `text` in pieces of every size tried, and
    /// `scan_slice` what `scan` finds.
    fn fast_paths_agree<const NEWLINE: bool>(with: &Scanner<NEWLINE>, text: &[u8], case: &str) {
        slice_agrees_with_scan(with, text, case);
        let mut without = with.clone();
        if let FastPath::Newline(finder) | FastPath::Byte(finder) = &mut without.fast {
            *finder = finder.without_avx2();
        }
        for piece in [7, 128, 4096, text.len()] {
            let one = outcomes(&mut with.clone(), text, piece, false);
            let avx2 = outcomes(&mut with.clone(), text, piece, true);
            let sse2 = outcomes(&mut without.clone(), text, piece, true);
            assert_eq!(avx2, one, "{case}, piece {piece}");
            assert_eq!(sse2, one, "{case}, piece {piece}");
        }
    }
}
