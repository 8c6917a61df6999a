//! `RioReader` reads of every kind (`readlineb`, `read_line_slice`,
//! `readnb`, `Read::read`, `fill_buf` / `consume`) mixed in an order drawn
//! from the input, over a reader with short reads, `Interrupted` and
//! `WouldBlock`, against a byte-stream model: nothing lost, nothing
//! repeated, lines bounded, memory within the documented bound.
#![no_main]

use std::io::{self, BufRead, Read};

use libfuzzer_sys::fuzz_target;
use rionet::{Error, LinePolicy, RioReader};
use rionet_fuzz::faulty::FaultyReader;
use rionet_fuzz::input::Input;
use rionet_fuzz::model::{Line, StreamModel};

/// Retries while the inner reader says `WouldBlock`: a line read resumes
/// where it stopped. `Interrupted` must never come out.
fn retry<T>(
    rio: &mut RioReader<FaultyReader<'_>>,
    mut op: impl FnMut(&mut RioReader<FaultyReader<'_>>) -> rionet::Result<T>,
) -> rionet::Result<T> {
    for _ in 0..100_000 {
        match op(rio) {
            Err(err) if err.kind() == io::ErrorKind::WouldBlock => continue,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {
                panic!("Interrupted came out of RioReader: {err:?}")
            }
            other => return other,
        }
    }
    panic!("a read made no progress");
}

fn check_line(got: rionet::Result<Vec<u8>>, truncated: Option<u64>, want: Line) {
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
        (Err(Error::LineTooLong { len, .. }), Line::TooLong(w)) => assert_eq!(len, w),
        (got, want) => panic!("line read gave {got:?}, the model {want:?}"),
    }
}

fuzz_target!(|data: &[u8]| {
    let mut input = Input::new(data);
    let capacity = input.range(1, 64);
    let max_line = match input.u8() % 4 {
        0 => 64 * 1024,
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
    for &op in ops {
        let n = usize::from(op >> 3);
        match op & 7 {
            0 | 1 => {
                let mut line = b"prior".to_vec();
                let got = retry(&mut rio, |rio| {
                    let before = line.len();
                    let r = rio.readlineb(&mut line);
                    if r.is_err() {
                        assert_eq!(line.len(), before, "a failed readlineb appended");
                    }
                    r
                });
                let got = got.map(|n| {
                    assert_eq!(n, line.len() - 5, "readlineb's count");
                    line[5..].to_vec()
                });
                let truncated = rio.truncated();
                check_line(got, truncated, model.line(max_line, truncate));
            }
            2 | 3 => {
                let got = retry(&mut rio, |rio| rio.read_line_slice().map(<[u8]>::to_vec));
                let truncated = rio.truncated();
                check_line(got, truncated, model.line(max_line, truncate));
            }
            4 => {
                let mut buf = vec![0u8; n * 3];
                let mut at = 0;
                for _ in 0..100_000 {
                    match rio.readnb(&mut buf[at..]) {
                        Ok(k) => {
                            at += k;
                            break;
                        }
                        Err(Error::PartialIo {
                            transferred,
                            source,
                        }) if source.kind() == io::ErrorKind::WouldBlock => at += transferred,
                        Err(err) => panic!("readnb failed: {err:?}"),
                    }
                }
                let want = model.take(buf.len());
                assert_eq!(&buf[..at], want, "readnb's bytes");
            }
            5 => {
                let mut buf = vec![0u8; n];
                let k =
                    retry(&mut rio, |rio| rio.read(&mut buf).map_err(Error::from)).expect("read");
                assert!(k <= n);
                assert_eq!(&buf[..k], model.take(k), "read's bytes");
                assert!(
                    k > 0 || n == 0 || model.remaining().is_empty(),
                    "read gave 0 before the end"
                );
            }
            _ => {
                let got = retry(&mut rio, |rio| {
                    rio.fill_buf().map(<[u8]>::to_vec).map_err(Error::from)
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
    // Nothing lost: the buffered bytes and the unread rest are the model's rest.
    let (inner, buffered) = rio.into_parts();
    let rest = &stream[stream.len() - inner.remaining()..];
    assert_eq!(
        [&buffered[..], rest].concat(),
        model.remaining(),
        "bytes lost or repeated"
    );
});
