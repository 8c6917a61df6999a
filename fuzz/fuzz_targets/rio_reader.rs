//! `RioReader` reads of every kind (`readlineb`, `read_line_slice`,
//! `readnb`, `Read::read`, `fill_buf` / `consume`) mixed in an order drawn
//! from the input, over a reader with short reads, `Interrupted` and
//! `WouldBlock`, against a byte-stream model: nothing lost, nothing
//! repeated, lines bounded, memory within the documented bound.
//!
//! Line reads either retry until they finish or make one attempt. One
//! attempt that `WouldBlock` cuts in the middle of an over-long line's
//! discard leaves `discarding()` counting the dropped bytes; the next read
//! of any kind finishes that discard: a line read reports the line by its
//! policy, `readnb` / `read` / `fill_buf` report `LineTooLong` and read
//! nothing, so no byte of the line ever comes back as data.
#![no_main]

use std::io::{self, BufRead, Read};

use libfuzzer_sys::fuzz_target;
use rionet::{LinePolicy, RioError, RioReader};
use rionet_fuzz::faulty::FaultyReader;
use rionet_fuzz::input::Input;
use rionet_fuzz::model::{Line, StreamModel};

type Rio<'a> = RioReader<FaultyReader<'a>>;

/// `Interrupted` must never come out of `RioReader`.
fn no_interrupted<T>(r: Result<T, RioError>) -> Result<T, RioError> {
    if let Err(err) = &r {
        assert!(
            err.kind() != io::ErrorKind::Interrupted,
            "Interrupted came out of RioReader: {err:?}"
        );
    }
    r
}

/// Retries while the inner reader says `WouldBlock`: a read resumes where
/// it stopped.
fn retry<T>(
    rio: &mut Rio<'_>,
    mut op: impl FnMut(&mut Rio<'_>) -> Result<T, RioError>,
) -> Result<T, RioError> {
    for _ in 0..100_000 {
        match no_interrupted(op(rio)) {
            Err(err) if err.kind() == io::ErrorKind::WouldBlock => continue,
            other => return other,
        }
    }
    panic!("a read made no progress");
}

/// One line read, `readlineb` (appending after other bytes) or
/// `read_line_slice`: the line's bytes.
fn read_line(rio: &mut Rio<'_>, slice: bool) -> Result<Vec<u8>, RioError> {
    if slice {
        return rio.read_line_slice().map(<[u8]>::to_vec);
    }
    let mut line = b"prior".to_vec();
    match rio.readlineb(&mut line) {
        Ok(n) => {
            assert_eq!(n, line.len() - 5, "readlineb's count");
            Ok(line[5..].to_vec())
        }
        Err(err) => {
            assert_eq!(line, b"prior", "a failed readlineb appended");
            Err(err)
        }
    }
}

/// The full length of an over-long line, as a `LineTooLong` reports it
/// (straight, or inside the `io::Error` of `Read` / `BufRead`).
fn too_long(err: &RioError) -> Option<u64> {
    match err {
        RioError::LineTooLong { len, .. } => Some(*len),
        RioError::Io(io) => match io.get_ref()?.downcast_ref::<RioError>()? {
            RioError::LineTooLong { len, .. } => Some(*len),
            _ => None,
        },
        _ => None,
    }
}

/// The full length of an over-long line of the model.
fn over_long(want: &Line) -> Option<u64> {
    match want {
        Line::TooLong(len) | Line::Truncated(_, len) => Some(*len),
        _ => None,
    }
}

fn check_line(got: Result<Vec<u8>, RioError>, truncated: Option<u64>, want: Line) {
    match (got, want) {
        (Ok(line), Line::Eof) => assert!(line.is_empty(), "a line after the end: {line:?}"),
        (Ok(line), Line::Whole(w)) => {
            assert_eq!(line, w);
            assert_eq!(truncated, None, "a whole line reported truncated");
        }
        (Ok(line), Line::Truncated(head, len)) => {
            assert_eq!(line, head, "truncated line");
            assert_eq!(truncated, Some(len), "truncated line length");
        }
        (Err(RioError::LineTooLong { len, .. }), Line::TooLong(w)) => assert_eq!(len, w),
        (got, want) => panic!("line read gave {got:?}, the model {want:?}"),
    }
}

fuzz_target!(|data: &[u8]| {
    let mut input = Input::new(data);
    // Buffers and limits under the 128-byte window the line search
    // compares at once, or past it, where a window's later `\n`s serve the
    // next lines.
    let wide = input.bool();
    let capacity = if wide {
        input.range(128, 1024)
    } else {
        input.range(1, 64)
    };
    let max_line = match input.u8() % 4 {
        0 => 64 * 1024,
        1 if wide => input.range(100, 400),
        _ => input.range(1, 80),
    };
    let truncate = input.bool();
    let n_ops = usize::from(input.u8() % 64);
    let ops = input.bytes(n_ops);
    let n_script = usize::from(input.u8() % 16);
    let script = input.bytes(n_script);
    let stream = input.rest();

    let mut model = StreamModel::new(stream);
    let mut rio = RioReader::with_capacity(capacity, FaultyReader::new(stream, script, true));
    rio.max_line(max_line).line_policy(if truncate {
        LinePolicy::Truncate
    } else {
        LinePolicy::Error
    });
    let buffer_bound = capacity.max(max_line + 1);
    // The model's line whose discard a `WouldBlock` cut (taken from the
    // model already), and the bytes `discarding()` counted then.
    let mut cut: Option<(Line, u64)> = None;
    for &op in ops {
        let n = usize::from(op >> 3);
        match (op & 7, cut.take()) {
            (kind @ 0..=3, pending) => {
                let slice = kind >= 2;
                let got = if kind & 1 == 1 {
                    no_interrupted(read_line(&mut rio, slice))
                } else {
                    retry(&mut rio, |rio| read_line(rio, slice))
                };
                match got {
                    Err(err) if err.kind() == io::ErrorKind::WouldBlock => {
                        if let Some(seen) = rio.discarding() {
                            let (want, before) = pending.unwrap_or_else(|| {
                                (model.line(max_line, truncate), max_line as u64)
                            });
                            let Some(len) = over_long(&want) else {
                                panic!(
                                    "discarding {seen} bytes of a line the model reads as {want:?}"
                                );
                            };
                            assert!(
                                before <= seen && seen <= len,
                                "discarding() = {seen}: not within {before}..={len}"
                            );
                            cut = Some((want, seen));
                        } else {
                            // Cut mid-line, not mid-discard: the line stays
                            // buffered and the next read resumes it.
                            assert!(pending.is_none(), "a cut discard ended unreported");
                        }
                    }
                    got => {
                        let want = match pending {
                            Some((want, _)) => want,
                            None => model.line(max_line, truncate),
                        };
                        check_line(got, rio.truncated(), want);
                    }
                }
            }
            (kind, Some((want, _))) => {
                // Any other read first finishes the cut discard and reports
                // the line, whatever the policy; nothing is read.
                let err = match kind {
                    4 => retry(&mut rio, |rio| rio.readnb(&mut vec![0u8; n * 3])).map(drop),
                    5 => retry(&mut rio, |rio| {
                        rio.read(&mut [0u8; 8]).map_err(RioError::from)
                    })
                    .map(drop),
                    _ => retry(&mut rio, |rio| {
                        rio.fill_buf().map(drop).map_err(RioError::from)
                    }),
                }
                .expect_err("a read after a cut discard did not report the line");
                assert_eq!(too_long(&err), over_long(&want), "{err:?} for {want:?}");
            }
            (4, None) => {
                let mut buf = vec![0u8; n * 3];
                let mut at = 0;
                for _ in 0..100_000 {
                    match no_interrupted(rio.readnb(&mut buf[at..])) {
                        Ok(k) => {
                            at += k;
                            break;
                        }
                        Err(RioError::PartialIo {
                            transferred,
                            source,
                        }) if source.kind() == io::ErrorKind::WouldBlock => at += transferred,
                        Err(err) => panic!("readnb failed: {err:?}"),
                    }
                }
                let want = model.take(buf.len());
                assert_eq!(&buf[..at], want, "readnb's bytes");
            }
            (5, None) => {
                let mut buf = vec![0u8; n];
                let k = retry(&mut rio, |rio| rio.read(&mut buf).map_err(RioError::from))
                    .expect("read");
                assert!(k <= n);
                assert_eq!(&buf[..k], model.take(k), "read's bytes");
                assert!(
                    k > 0 || n == 0 || model.remaining().is_empty(),
                    "read gave 0 before the end"
                );
            }
            (_, None) => {
                let got = retry(&mut rio, |rio| {
                    rio.fill_buf().map(<[u8]>::to_vec).map_err(RioError::from)
                })
                .expect("fill_buf");
                assert!(
                    model.remaining().starts_with(&got),
                    "fill_buf's bytes are not next"
                );
                assert!(
                    !got.is_empty() || model.remaining().is_empty(),
                    "fill_buf empty before the end"
                );
                let c = n.min(got.len());
                rio.consume(c);
                model.take(c);
            }
        }
        match &cut {
            Some((_, seen)) => {
                assert_eq!(rio.discarding(), Some(*seen), "discarding() changed");
                assert!(rio.buffer().is_empty(), "a cut discard left bytes buffered");
            }
            None => assert_eq!(rio.discarding(), None, "discarding() with no cut discard"),
        }
        assert!(
            rio.capacity() <= buffer_bound,
            "buffer of {} bytes over the bound of {buffer_bound}",
            rio.capacity()
        );
        assert!(
            model.remaining().starts_with(rio.buffer()),
            "buffered bytes are not next"
        );
    }
    // A cut discard still pending: the rest of its line comes first.
    if let Some((want, _)) = cut {
        let err = retry(&mut rio, |rio| rio.readnb(&mut [])).expect_err("the cut line");
        assert_eq!(too_long(&err), over_long(&want), "{err:?} for {want:?}");
    }
    // Nothing lost: the buffered bytes and the unread rest are the model's rest.
    let (inner, buffered) = rio.into_parts();
    let rest = &stream[stream.len() - inner.remaining()..];
    assert_eq!(
        [&buffered[..], rest].concat(),
        model.remaining(),
        "bytes lost or repeated"
    );
});
