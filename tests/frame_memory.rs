//! `FrameReader`'s memory, measured with a counting global allocator (this
//! test binary's own): the peak while a large frame arrives, what a header
//! alone can make it reserve, and that a buffer grown for one large frame
//! shrinks back.
//!
//! The tests feed the reader from [`Feed`], which allocates nothing while it
//! plays (the shared `ScriptedReader` frees each step as it goes, which
//! would hide allocations), and take a lock so that only one measures at a
//! time.

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::{self, Read};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};

use bytes::BytesMut;
use proptest::prelude::*;
use rionet::frame::{Encoder, FrameError, FrameReader, LengthPrefix};

/// Counts the bytes live, the peak of that, and the bytes ever allocated.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
static TOTAL: AtomicUsize = AtomicUsize::new(0);

fn grew(bytes: usize) {
    let live = LIVE.fetch_add(bytes, Ordering::Relaxed) + bytes;
    PEAK.fetch_max(live, Ordering::Relaxed);
    TOTAL.fetch_add(bytes, Ordering::Relaxed);
}

// SAFETY: every call is forwarded to `System` unchanged; the counters are
// only bookkeeping.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller upholds `alloc`'s contract, forwarded as is.
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            grew(layout.size());
        }
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as for `alloc`.
        let ptr = unsafe { System.alloc_zeroed(layout) };
        if !ptr.is_null() {
            grew(layout.size());
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: as for `alloc`.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // Counted as a new block next to the old one, then the old freed:
        // the worst case of a realloc that has to move.
        // SAFETY: as for `alloc`.
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            grew(new_size);
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        }
        new
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// One test at a time in this binary, from its first allocation on (a
/// failed test does not stop the others).
static MEASURING: Mutex<()> = Mutex::new(());

fn measuring() -> MutexGuard<'static, ()> {
    MEASURING
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Allocation figures since [`Meter::start`], in bytes.
struct Meter {
    base: usize,
    total: usize,
}

impl Meter {
    fn start() -> Meter {
        let base = LIVE.load(Ordering::Relaxed);
        PEAK.store(base, Ordering::Relaxed);
        Meter {
            base,
            total: TOTAL.load(Ordering::Relaxed),
        }
    }

    /// The most bytes live at once beyond the start.
    fn peak(&self) -> usize {
        PEAK.load(Ordering::Relaxed).saturating_sub(self.base)
    }

    /// The bytes live now beyond the start.
    fn live(&self) -> usize {
        LIVE.load(Ordering::Relaxed).saturating_sub(self.base)
    }

    /// The bytes allocated since the start, freed or not.
    fn allocated(&self) -> usize {
        TOTAL.load(Ordering::Relaxed) - self.total
    }
}

/// Hands out `data` at most `chunk` bytes per `read`, failing once with
/// `WouldBlock` when it reaches `pause`; allocates nothing.
struct Feed<'a> {
    data: &'a [u8],
    chunk: usize,
    pause: Option<usize>,
}

impl Read for Feed<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut n = self.chunk.min(buf.len()).min(self.data.len());
        if let Some(pause) = self.pause {
            if pause == 0 {
                self.pause = None;
                return Err(io::ErrorKind::WouldBlock.into());
            }
            n = n.min(pause);
            self.pause = Some(pause - n);
        }
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

const KIB: usize = 1024;
const MIB: usize = 1024 * KIB;
/// `FrameReader`'s default read chunk.
const CHUNK: usize = 64 * KIB;
/// Its buffer region when no large frame asks for more: four chunks.
const NORMAL: usize = 4 * CHUNK;
/// Room for the allocator's small change (the shared-buffer headers of
/// `bytes`, the test harness's own allocations).
const SLACK: usize = 16 * KIB;

/// Frames of `sizes` bytes, each with its own byte pattern, so a frame
/// overwritten by another is told apart.
fn numbered_frames(sizes: &[usize]) -> Vec<Vec<u8>> {
    sizes
        .iter()
        .enumerate()
        .map(|(i, &len)| (0..len).map(|j| (i * 31 + j) as u8).collect())
        .collect()
}

fn wire(frames: &[&[u8]]) -> Vec<u8> {
    let mut codec = LengthPrefix::new();
    let mut wire = BytesMut::new();
    for frame in frames {
        codec.encode(frame, &mut wire).unwrap();
    }
    wire.to_vec()
}

#[test]
fn an_8_mib_frame_peaks_within_a_quarter_over_its_size_plus_a_chunk() {
    let _lock = measuring();
    let payload: Vec<u8> = (0..8 * MIB).map(|i| (i % 251) as u8).collect();
    let wire = wire(&[&payload]);
    for read in [CHUNK, 4 * KIB, MIB] {
        let meter = Meter::start();
        let feed = Feed {
            data: &wire,
            chunk: read,
            pause: None,
        };
        let mut frames = FrameReader::new(feed, LengthPrefix::new());
        let frame = frames.read_frame().unwrap().unwrap();
        let (peak, allocated) = (meter.peak(), meter.allocated());
        assert!(
            frame == payload,
            "the frame read in {read}-byte reads differs"
        );
        drop(frame);
        assert_eq!(frames.read_frame().unwrap(), None);
        let bound = payload.len() + payload.len() / 4 + CHUNK + SLACK;
        assert!(
            peak <= bound,
            "{read}-byte reads: peak {peak} bytes, bound {bound}"
        );
        // Every byte allocated is either the frame's own region or a
        // smaller one it outgrew: linear, and so are the copies between them.
        let bound = payload.len() + payload.len() / 2 + NORMAL + SLACK;
        assert!(
            allocated <= bound,
            "{read}-byte reads: {allocated} bytes allocated, bound {bound}"
        );
    }
}

/// A codec that accepts frames up to 4 GiB: the header below is valid.
fn huge_codec() -> LengthPrefix {
    LengthPrefix::builder()
        .max_frame_len(u32::MAX as usize)
        .build()
}

#[test]
fn a_4_gib_header_with_10_bytes_behind_it_reserves_nothing_large() {
    let _lock = measuring();
    let mut wire = u32::MAX.to_be_bytes().to_vec();
    wire.extend_from_slice(b"0123456789");
    let meter = Meter::start();
    let feed = Feed {
        data: &wire,
        chunk: CHUNK,
        pause: None,
    };
    let mut frames = FrameReader::new(feed, huge_codec());
    match frames.read_frame() {
        Err(FrameError::PartialFrame {
            had: 14, expected, ..
        }) => {
            assert_eq!(expected, Some(u64::from(u32::MAX) + 4));
        }
        other => panic!("{other:?}"),
    }
    let peak = meter.peak();
    assert!(peak <= NORMAL + SLACK, "peak {peak} bytes");
}

#[test]
fn a_4_gib_header_reserves_a_few_times_what_has_arrived() {
    let _lock = measuring();
    let mut wire = u32::MAX.to_be_bytes().to_vec();
    wire.resize(4 + MIB, 7);
    let meter = Meter::start();
    let feed = Feed {
        data: &wire,
        chunk: CHUNK,
        pause: None,
    };
    let mut frames = FrameReader::new(feed, huge_codec());
    assert!(matches!(
        frames.read_frame(),
        Err(FrameError::PartialFrame { .. })
    ));
    let peak = meter.peak();
    let bound = 5 * wire.len() + NORMAL + SLACK;
    assert!(
        peak <= bound,
        "{} bytes arrived: peak {peak} bytes, bound {bound}",
        wire.len()
    );
}

#[test]
fn the_buffer_shrinks_back_after_a_large_frame() {
    let _lock = measuring();
    let big = vec![1u8; 8 * MIB];
    let small = [2u8; 100];
    let mut frames_sent: Vec<&[u8]> = vec![&big];
    frames_sent.extend(std::iter::repeat_n(&small[..], 10_000));
    let wire = wire(&frames_sent);
    let meter = Meter::start();
    let feed = Feed {
        data: &wire,
        chunk: CHUNK,
        pause: None,
    };
    let mut frames = FrameReader::new(feed, LengthPrefix::new());
    assert_eq!(frames.read_frame().unwrap().unwrap().len(), big.len());
    let mut count = 0;
    while let Some(frame) = frames.read_frame().unwrap() {
        assert_eq!(frame, small[..]);
        count += 1;
    }
    assert_eq!(count, 10_000);
    let live = meter.live();
    assert!(live <= NORMAL + SLACK, "{live} bytes still held");
}

#[test]
fn an_idle_connection_does_not_keep_the_large_region() {
    let _lock = measuring();
    let big = vec![1u8; 8 * MIB];
    let wire = wire(&[&big, b"after the pause"]);
    let meter = Meter::start();
    // The big frame and the next header arrive, then the peer goes quiet.
    let feed = Feed {
        data: &wire,
        chunk: CHUNK,
        pause: Some(4 + big.len() + 4),
    };
    let mut frames = FrameReader::new(feed, LengthPrefix::new());
    assert_eq!(frames.read_frame().unwrap().unwrap().len(), big.len());
    match frames.read_frame() {
        Err(FrameError::Io(err)) => assert_eq!(err.kind(), io::ErrorKind::WouldBlock),
        other => panic!("{other:?}"),
    }
    let live = meter.live();
    assert!(live <= NORMAL + SLACK, "{live} bytes held while idle");
    assert_eq!(
        frames.read_frame().unwrap().as_deref(),
        Some(&b"after the pause"[..])
    );
}

#[test]
fn borrowed_frames_reuse_one_region() {
    let _lock = measuring();
    let payload = [7u8; 64];
    let wire = wire(&vec![&payload[..]; 4 * MIB / 64]);
    let meter = Meter::start();
    let feed = Feed {
        data: &wire,
        chunk: CHUNK,
        pause: None,
    };
    let mut frames = FrameReader::new(feed, LengthPrefix::new());
    let mut count = 0;
    while let Some(frame) = frames.read_frame_slice().unwrap() {
        assert_eq!(frame, payload);
        count += 1;
    }
    assert_eq!(count, 4 * MIB / 64);
    // The region's lent frames make room for the next reads: one region
    // for the whole stream, instead of one every four chunks.
    let allocated = meter.allocated();
    assert!(
        allocated <= NORMAL + SLACK,
        "{allocated} bytes allocated for 4 MiB of borrowed frames"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Frames from a few bytes to many chunks, read in arbitrary pieces
    /// with a small chunk (so regions grow, shrink and end on frame
    /// boundaries often), come out whole and in order.
    #[test]
    fn frames_survive_every_region_change(
        sizes in proptest::collection::vec(0usize..40_000, 1..12),
        pieces in proptest::collection::vec(1usize..9_000, 1..40),
        chunk in 1usize..2_048,
    ) {
        let _lock = measuring();
        let frames = numbered_frames(&sizes);
        let wire = wire(&frames.iter().map(|frame| &frame[..]).collect::<Vec<_>>());
        // Cycle through the piece sizes: a reader with a changing pace.
        struct Pieces<'a> { data: &'a [u8], pieces: Vec<usize>, at: usize }
        impl Read for Pieces<'_> {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                let piece = self.pieces[self.at % self.pieces.len()];
                self.at += 1;
                let n = piece.min(buf.len()).min(self.data.len());
                buf[..n].copy_from_slice(&self.data[..n]);
                self.data = &self.data[n..];
                Ok(n)
            }
        }
        let reader = Pieces { data: &wire, pieces, at: 0 };
        let got: Vec<Vec<u8>> = FrameReader::with_capacity(chunk, reader, LengthPrefix::new())
            .map(|frame| frame.unwrap().to_vec())
            .collect();
        prop_assert_eq!(got, frames);
    }

    /// The same with both kinds of call mixed: the memory of borrowed
    /// frames is reused, and frames kept as `Bytes` are not touched by it.
    #[test]
    fn kept_frames_survive_reuse_of_borrowed_ones(
        sizes in proptest::collection::vec(0usize..3_000, 1..40),
        slices in proptest::collection::vec(any::<bool>(), 1..8),
        piece in 1usize..5_000,
        chunk in 1usize..1_024,
    ) {
        let _lock = measuring();
        let frames = numbered_frames(&sizes);
        let wire = wire(&frames.iter().map(|frame| &frame[..]).collect::<Vec<_>>());
        let feed = Feed { data: &wire, chunk: piece, pause: None };
        let mut reader = FrameReader::with_capacity(chunk, feed, LengthPrefix::new());
        let mut kept = Vec::new();
        let mut borrowed = Vec::new();
        for i in 0..frames.len() {
            if slices[i % slices.len()] {
                borrowed.push((i, reader.read_frame_slice().unwrap().unwrap().to_vec()));
            } else {
                kept.push((i, reader.read_frame().unwrap().unwrap()));
            }
        }
        prop_assert_eq!(reader.read_frame_slice().unwrap(), None);
        for (i, frame) in kept {
            prop_assert_eq!(&frame[..], &frames[i][..]);
        }
        for (i, frame) in borrowed {
            prop_assert_eq!(&frame[..], &frames[i][..]);
        }
    }
}
