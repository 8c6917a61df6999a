//! Rio: readn, writen, writen_vectored and RioReader, against scripted mocks,
//! a naive model (proptest) and loopback sockets.

mod util;

use std::io::{self, BufRead, ErrorKind, IoSlice, Read, Write};
use std::thread;

use proptest::prelude::*;
use rionet::{LinePolicy, RioError, RioReader, readn, writen, writen_vectored};
use util::{ScriptedReader, ScriptedWriter, Step, tcp_pair};

fn data(s: &[u8]) -> Step {
    Step::Data(s.to_vec())
}

fn fail(kind: ErrorKind) -> Step {
    Step::Fail(kind)
}

/// The `transferred` count and error kind of a `PartialIo`, or panics.
fn partial(err: RioError) -> (usize, ErrorKind) {
    match err {
        RioError::PartialIo {
            transferred,
            source,
        } => (transferred, source.kind()),
        other => panic!("expected PartialIo, got {other:?}"),
    }
}

// ---------------------------------------------------------------- readn

#[test]
fn readn_fills_across_short_reads() {
    let input: Vec<u8> = (0..=255).collect();
    for chunk in [1, 2, 7, 255, 256] {
        let mut r = ScriptedReader::chunked(&input, chunk);
        let mut buf = [0u8; 256];
        assert_eq!(readn(&mut r, &mut buf).unwrap(), 256, "chunk {chunk}");
        assert_eq!(&buf[..], &input[..]);
    }
}

#[test]
fn readn_short_count_only_at_end_of_stream() {
    let mut r = ScriptedReader::new([data(b"ab"), data(b"c")]);
    let mut buf = [0u8; 8];
    assert_eq!(readn(&mut r, &mut buf).unwrap(), 3);
    assert_eq!(&buf[..3], b"abc");
    assert_eq!(readn(&mut r, &mut buf).unwrap(), 0);
}

#[test]
fn readn_retries_interrupted() {
    let mut r = ScriptedReader::new([
        fail(ErrorKind::Interrupted),
        data(b"ab"),
        fail(ErrorKind::Interrupted),
        fail(ErrorKind::Interrupted),
        data(b"cd"),
    ]);
    let mut buf = [0u8; 4];
    assert_eq!(readn(&mut r, &mut buf).unwrap(), 4);
    assert_eq!(&buf, b"abcd");
}

#[test]
fn readn_error_mid_read_keeps_the_count() {
    let mut r = ScriptedReader::new([data(b"abc"), fail(ErrorKind::ConnectionReset)]);
    let mut buf = [0u8; 8];
    let err = readn(&mut r, &mut buf).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ConnectionReset);
    assert_eq!(partial(err), (3, ErrorKind::ConnectionReset));
    assert_eq!(&buf[..3], b"abc");
}

#[test]
fn readn_would_block_is_resumable() {
    let mut r = ScriptedReader::new([data(b"ab"), fail(ErrorKind::WouldBlock), data(b"cd")]);
    let mut buf = [0u8; 4];
    let (n, kind) = partial(readn(&mut r, &mut buf).unwrap_err());
    assert_eq!((n, kind), (2, ErrorKind::WouldBlock));
    assert_eq!(readn(&mut r, &mut buf[n..]).unwrap(), 2);
    assert_eq!(&buf, b"abcd");
}

#[test]
fn readn_error_before_any_byte_carries_zero() {
    let mut r = ScriptedReader::new([fail(ErrorKind::TimedOut)]);
    let mut buf = [0u8; 4];
    assert_eq!(
        partial(readn(&mut r, &mut buf).unwrap_err()),
        (0, ErrorKind::TimedOut)
    );
}

#[test]
fn readn_empty_buffer_does_not_read() {
    let mut r = ScriptedReader::new([data(b"ab")]);
    assert_eq!(readn(&mut r, &mut []).unwrap(), 0);
    assert_eq!(r.calls, 0);
}

/// A reader that claims to have read more than it was given.
struct Liar;

impl Read for Liar {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        Ok(buf.len() + 1)
    }
}

#[test]
fn readn_rejects_a_reader_that_overcounts() {
    let mut buf = [0u8; 4];
    assert_eq!(
        partial(readn(&mut Liar, &mut buf).unwrap_err()),
        (0, ErrorKind::InvalidData)
    );
}

// ---------------------------------------------------------------- writen

#[test]
fn writen_loops_over_short_writes() {
    let mut w = ScriptedWriter::new([Step::Accept(1), Step::Accept(2), Step::Accept(1)]);
    writen(&mut w, b"hello, world").unwrap();
    assert_eq!(w.written, b"hello, world");
    assert_eq!(w.calls, 4);
}

#[test]
fn writen_retries_interrupted() {
    let mut w = ScriptedWriter::new([
        fail(ErrorKind::Interrupted),
        Step::Accept(3),
        fail(ErrorKind::Interrupted),
    ]);
    writen(&mut w, b"abcdef").unwrap();
    assert_eq!(w.written, b"abcdef");
}

#[test]
fn writen_zero_is_write_zero_not_a_spin() {
    let mut w = ScriptedWriter::new([Step::Accept(2), Step::Zero]);
    let err = writen(&mut w, b"abcdef").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::WriteZero);
    assert_eq!(partial(err), (2, ErrorKind::WriteZero));
    assert_eq!(w.calls, 2);
}

#[test]
fn writen_error_keeps_the_count() {
    let mut w = ScriptedWriter::new([Step::Accept(4), fail(ErrorKind::BrokenPipe)]);
    let err = writen(&mut w, b"abcdef").unwrap_err();
    let io_err: io::Error = err.into();
    assert_eq!(io_err.kind(), ErrorKind::BrokenPipe);
    let inner = io_err.into_inner().unwrap().downcast::<RioError>().unwrap();
    assert_eq!(partial(*inner), (4, ErrorKind::BrokenPipe));
}

#[test]
fn writen_would_block_is_resumable() {
    let mut w = ScriptedWriter::new([Step::Accept(2), fail(ErrorKind::WouldBlock)]);
    let buf = b"abcdef";
    let (n, _) = partial(writen(&mut w, buf).unwrap_err());
    writen(&mut w, &buf[n..]).unwrap();
    assert_eq!(w.written, buf);
}

#[test]
fn writen_empty_does_not_write() {
    let mut w = ScriptedWriter::new([Step::Zero]);
    writen(&mut w, b"").unwrap();
    writen_vectored(&mut w, &mut [IoSlice::new(b""), IoSlice::new(b"")]).unwrap();
    assert_eq!(w.calls, 0);
}

// ------------------------------------------------------- writen_vectored

#[test]
fn writen_vectored_resumes_inside_and_across_slices() {
    // Header 4 bytes, payload 6: cuts at 3 (inside the header), 5 (inside
    // the payload), 10 (the end).
    let mut w = ScriptedWriter::new([Step::Accept(3), Step::Accept(2)]);
    let mut bufs = [IoSlice::new(b"HDR:"), IoSlice::new(b"payload")];
    writen_vectored(&mut w, &mut bufs).unwrap();
    assert_eq!(w.written, b"HDR:payload");
    assert_eq!(w.calls, 3);
}

#[test]
fn writen_vectored_skips_empty_slices() {
    let mut w = ScriptedWriter::new([Step::Accept(1), Step::Accept(1)]);
    let mut bufs = [
        IoSlice::new(b""),
        IoSlice::new(b"a"),
        IoSlice::new(b""),
        IoSlice::new(b"bc"),
    ];
    writen_vectored(&mut w, &mut bufs).unwrap();
    assert_eq!(w.written, b"abc");
}

#[test]
fn writen_vectored_zero_and_errors_carry_the_count() {
    let mut w = ScriptedWriter::new([Step::Accept(5), Step::Zero]);
    let err = writen_vectored(&mut w, &mut [IoSlice::new(b"HDR:"), IoSlice::new(b"xyz")]);
    assert_eq!(partial(err.unwrap_err()), (5, ErrorKind::WriteZero));

    let mut w = ScriptedWriter::new([
        fail(ErrorKind::Interrupted),
        Step::Accept(2),
        fail(ErrorKind::ConnectionReset),
    ]);
    let err = writen_vectored(&mut w, &mut [IoSlice::new(b"HDR:"), IoSlice::new(b"xyz")]);
    assert_eq!(partial(err.unwrap_err()), (2, ErrorKind::ConnectionReset));
}

/// A writer with only `write`: the default `write_vectored` writes the first
/// non-empty slice.
#[derive(Default)]
struct PlainWriter {
    written: Vec<u8>,
    calls: usize,
}

impl Write for PlainWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.calls += 1;
        let n = buf.len().min(3);
        self.written.extend_from_slice(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn writen_vectored_works_without_a_real_writev() {
    let mut w = PlainWriter::default();
    writen_vectored(
        &mut w,
        &mut [
            IoSlice::new(b"HDR:"),
            IoSlice::new(b""),
            IoSlice::new(b"payload"),
        ],
    )
    .unwrap();
    assert_eq!(w.written, b"HDR:payload");
    assert_eq!(w.calls, 5); // 3+1, 3+3+1
}

// ------------------------------------------------------------ RioReader

fn rio(steps: impl IntoIterator<Item = Step>) -> RioReader<ScriptedReader> {
    RioReader::new(ScriptedReader::new(steps))
}

#[test]
fn readlineb_appends_lines_and_reports_end_of_stream() {
    let mut r = rio([data(b"one\ntw"), data(b"o\n\nthree")]);
    let mut line = Vec::new();
    assert_eq!(r.readlineb(&mut line).unwrap(), 4);
    assert_eq!(r.readlineb(&mut line).unwrap(), 4);
    assert_eq!(r.readlineb(&mut line).unwrap(), 1);
    assert_eq!(line, b"one\ntwo\n\n");
    line.clear();
    assert_eq!(r.readlineb(&mut line).unwrap(), 5);
    assert_eq!(line, b"three", "unterminated last line comes back as is");
    assert_eq!(r.readlineb(&mut line).unwrap(), 0);
    assert_eq!(r.readlineb(&mut line).unwrap(), 0);
    assert_eq!(line, b"three");
}

#[test]
fn lines_may_hold_nul_and_cr() {
    let mut r = rio([data(b"a\0b\r\n")]);
    assert_eq!(r.read_line_slice().unwrap(), b"a\0b\r\n");
}

#[test]
fn line_one_byte_at_a_time() {
    let input = b"a fairly long line that arrives a byte at a time\nnext\n";
    let mut r = RioReader::new(ScriptedReader::chunked(input, 1));
    let mut line = Vec::new();
    r.readlineb(&mut line).unwrap();
    r.readlineb(&mut line).unwrap();
    assert_eq!(line, input);
}

#[test]
fn interrupted_is_retried_inside_line_reads() {
    let mut r = rio([
        fail(ErrorKind::Interrupted),
        data(b"ab"),
        fail(ErrorKind::Interrupted),
        data(b"\n"),
    ]);
    assert_eq!(r.read_line_slice().unwrap(), b"ab\n");
}

#[test]
fn would_block_mid_line_keeps_the_partial_line() {
    let mut r = rio([data(b"par"), fail(ErrorKind::WouldBlock), data(b"tial\nx")]);
    let mut line = b"old:".to_vec();
    let err = r.readlineb(&mut line).unwrap_err();
    assert!(matches!(err, RioError::Io(_)));
    assert_eq!(err.kind(), ErrorKind::WouldBlock);
    assert_eq!(line, b"old:", "nothing appended on error");
    assert_eq!(r.buffer(), b"par", "partial line stays buffered");
    assert_eq!(r.readlineb(&mut line).unwrap(), 8);
    assert_eq!(line, b"old:partial\n");
    assert_eq!(r.read_line_slice().unwrap(), b"x");
}

#[test]
fn error_mid_line_then_end_of_stream() {
    let mut r = rio([data(b"abc"), fail(ErrorKind::TimedOut)]);
    assert_eq!(r.read_line_slice().unwrap_err().kind(), ErrorKind::TimedOut);
    assert_eq!(r.read_line_slice().unwrap(), b"abc");
    assert_eq!(r.read_line_slice().unwrap(), b"");
}

#[test]
fn too_long_line_is_an_error_then_the_next_line_reads() {
    for chunk in [1, 3, 100] {
        let input = b"0123456789\nok\n";
        let mut r = RioReader::with_capacity(4, ScriptedReader::chunked(input, chunk));
        r.max_line(5);
        let err = r.read_line_slice().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidData);
        assert!(
            matches!(err, RioError::LineTooLong { len: 11, max: 5 }),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            "line of 11 bytes exceeds the maximum of 5 bytes"
        );
        assert_eq!(r.read_line_slice().unwrap(), b"ok\n", "chunk {chunk}");
        assert_eq!(r.read_line_slice().unwrap(), b"");
    }
}

#[test]
fn max_line_boundaries() {
    // Exactly max bytes with '\n': fine. max + 1: too long.
    let mut r = rio([data(b"abcd\nabcde\nabcd")]);
    r.max_line(5);
    assert_eq!(r.read_line_slice().unwrap(), b"abcd\n");
    assert!(matches!(
        r.read_line_slice(),
        Err(RioError::LineTooLong { len: 6, max: 5 })
    ));
    // Unterminated last line of max bytes: fine.
    let mut r = rio([data(b"abcde")]);
    r.max_line(5);
    assert_eq!(r.read_line_slice().unwrap(), b"abcde");
    assert_eq!(r.read_line_slice().unwrap(), b"");
    // Unterminated last line over max: an error, then end of stream.
    let mut r = rio([data(b"abcdef")]);
    r.max_line(5);
    assert!(matches!(
        r.read_line_slice(),
        Err(RioError::LineTooLong { len: 6, max: 5 })
    ));
    assert_eq!(r.read_line_slice().unwrap(), b"");
}

#[test]
fn truncate_policy_is_never_silent() {
    let input = b"0123456789\nok\nabcdefg";
    let mut r = RioReader::with_capacity(3, ScriptedReader::chunked(input, 2));
    r.max_line(4).line_policy(LinePolicy::Truncate);
    let mut line = Vec::new();
    assert_eq!(r.readlineb(&mut line).unwrap(), 4);
    assert_eq!(line, b"0123");
    assert_eq!(r.truncated(), Some(11));
    assert_eq!(r.read_line_slice().unwrap(), b"ok\n");
    assert_eq!(r.truncated(), None);
    assert_eq!(r.read_line_slice().unwrap(), b"abcd");
    assert_eq!(r.truncated(), Some(7), "unterminated and truncated");
    assert_eq!(r.read_line_slice().unwrap(), b"");
    assert_eq!(r.truncated(), None);
}

#[test]
fn would_block_while_discarding_a_long_line_resumes_the_discard() {
    let mut r = rio([
        data(b"0123456"),
        fail(ErrorKind::WouldBlock),
        data(b"789\nok\n"),
    ]);
    r.max_line(4);
    assert_eq!(
        r.read_line_slice().unwrap_err().kind(),
        ErrorKind::WouldBlock
    );
    assert!(matches!(
        r.read_line_slice(),
        Err(RioError::LineTooLong { len: 11, max: 4 })
    ));
    assert_eq!(r.read_line_slice().unwrap(), b"ok\n");

    let mut r = rio([
        data(b"0123456"),
        fail(ErrorKind::WouldBlock),
        data(b"789\nok\n"),
    ]);
    r.max_line(4).line_policy(LinePolicy::Truncate);
    assert_eq!(
        r.read_line_slice().unwrap_err().kind(),
        ErrorKind::WouldBlock
    );
    assert_eq!(r.read_line_slice().unwrap(), b"0123");
    assert_eq!(r.truncated(), Some(11));
    assert_eq!(r.read_line_slice().unwrap(), b"ok\n");
}

/// The script of issue 9: a line over `max_line(4)` whose discard is cut by
/// `WouldBlock`, then what follows it.
fn interrupted_discard(policy: LinePolicy) -> RioReader<ScriptedReader> {
    let mut r = rio([
        data(b"0123456789"),
        fail(ErrorKind::WouldBlock),
        data(b"ABCDEF\nnext line\n"),
    ]);
    r.max_line(4).line_policy(policy);
    let mut line = Vec::new();
    let err = r.readlineb(&mut line).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::WouldBlock);
    assert!(line.is_empty() && r.buffer().is_empty());
    r
}

/// Whether `err` (directly or inside an `io::Error`) is `LineTooLong`.
fn too_long(err: &RioError) -> Option<(u64, usize)> {
    match err {
        RioError::LineTooLong { len, max } => Some((*len, *max)),
        RioError::Io(io) => match io.get_ref()?.downcast_ref::<RioError>()? {
            RioError::LineTooLong { len, max } => Some((*len, *max)),
            _ => None,
        },
        _ => None,
    }
}

#[test]
fn readnb_after_an_interrupted_discard_reports_the_line_first() {
    for policy in [LinePolicy::Error, LinePolicy::Truncate] {
        let mut r = interrupted_discard(policy);
        let mut buf = [0u8; 8];
        let err = r.readnb(&mut buf).unwrap_err();
        assert_eq!(too_long(&err), Some((17, 4)), "{policy:?}: {err:?}");
        assert_eq!(buf, [0; 8], "no byte of the line comes back as data");
        assert_eq!(r.readnb(&mut buf).unwrap(), 8);
        assert_eq!(&buf, b"next lin");
    }
}

#[test]
fn read_and_fill_buf_after_an_interrupted_discard_report_the_line_first() {
    let mut r = interrupted_discard(LinePolicy::Error);
    let mut buf = [0u8; 8];
    let err = r.read(&mut buf).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidData);
    assert_eq!(too_long(&RioError::Io(err)), Some((17, 4)));
    assert_eq!(r.read(&mut buf).unwrap(), 8);
    assert_eq!(&buf, b"next lin");

    let mut r = interrupted_discard(LinePolicy::Error);
    r.consume(3); // nothing is buffered: the discard stays pending
    let err = r.fill_buf().unwrap_err();
    assert_eq!(too_long(&RioError::Io(err)), Some((17, 4)));
    assert_eq!(r.fill_buf().unwrap(), b"next line\n");
}

#[test]
fn a_discard_interrupted_twice_is_resumed_by_readnb() {
    let mut r = rio([
        data(b"0123456789"),
        fail(ErrorKind::WouldBlock),
        data(b"ABC"),
        fail(ErrorKind::WouldBlock),
        data(b"DEF\nok"),
    ]);
    r.max_line(4);
    assert_eq!(
        r.read_line_slice().unwrap_err().kind(),
        ErrorKind::WouldBlock
    );
    let mut buf = [0u8; 2];
    // The second WouldBlock comes mid-discard: nothing read, try again.
    assert_eq!(
        partial(r.readnb(&mut buf).unwrap_err()),
        (0, ErrorKind::WouldBlock)
    );
    assert_eq!(too_long(&r.readnb(&mut buf).unwrap_err()), Some((17, 4)));
    assert_eq!(r.readnb(&mut buf).unwrap(), 2);
    assert_eq!(&buf, b"ok");
}

#[test]
fn a_huge_line_never_grows_the_buffer_past_the_limit() {
    let mut input = vec![b'x'; 1 << 20];
    input.push(b'\n');
    input.extend_from_slice(b"after\n");
    let mut r = RioReader::with_capacity(16, ScriptedReader::chunked(&input, 4096));
    r.max_line(1000);
    assert!(matches!(
        r.read_line_slice(),
        Err(RioError::LineTooLong {
            len: 1_048_577,
            max: 1000
        })
    ));
    assert!(r.capacity() <= 1001, "capacity {}", r.capacity());
    assert_eq!(r.read_line_slice().unwrap(), b"after\n");
}

#[test]
fn lines_longer_than_the_buffer_grow_it_up_to_max_line() {
    let line = [b"y".repeat(100), b"\n".to_vec()].concat();
    let mut r = RioReader::with_capacity(8, ScriptedReader::chunked(&line, 7));
    assert_eq!(r.read_line_slice().unwrap(), &line[..]);
    assert!(r.capacity() >= 101 && r.capacity() <= 128);
}

#[test]
fn readnb_mixes_with_line_reads() {
    let mut r =
        RioReader::with_capacity(4, ScriptedReader::chunked(b"LEN 10\n0123456789tail\n", 3));
    assert_eq!(r.read_line_slice().unwrap(), b"LEN 10\n");
    let mut body = [0u8; 10];
    assert_eq!(r.readnb(&mut body).unwrap(), 10);
    assert_eq!(&body, b"0123456789");
    let mut line = Vec::new();
    assert_eq!(r.readlineb(&mut line).unwrap(), 5);
    assert_eq!(line, b"tail\n");
    assert_eq!(r.readnb(&mut body).unwrap(), 0);
}

#[test]
fn readnb_short_at_end_and_count_on_error() {
    let mut r = rio([
        data(b"ab\ncd"),
        fail(ErrorKind::ConnectionReset),
        data(b"ef"),
    ]);
    assert_eq!(r.read_line_slice().unwrap(), b"ab\n");
    let mut buf = [0u8; 8];
    let (n, kind) = partial(r.readnb(&mut buf).unwrap_err());
    assert_eq!((n, kind), (2, ErrorKind::ConnectionReset));
    assert_eq!(&buf[..2], b"cd");
    assert_eq!(
        r.readnb(&mut buf[n..]).unwrap(),
        2,
        "short count: end of stream"
    );
    assert_eq!(&buf[..4], b"cdef");
}

#[test]
fn readnb_large_request_reads_straight_through() {
    let input: Vec<u8> = (0..100u8).collect();
    let mut r = RioReader::with_capacity(8, ScriptedReader::new([data(&input)]));
    let mut buf = [0u8; 100];
    assert_eq!(r.readnb(&mut buf).unwrap(), 100);
    assert_eq!(&buf[..], &input[..]);
    assert_eq!(
        r.get_ref().calls,
        1,
        "one read, not through the 8-byte buffer"
    );
}

#[test]
fn switching_to_raw_bytes_loses_nothing() {
    let input = b"MODE raw\n\x00\x01\x02\x03\x04\x05";
    // Through buffer() + consume.
    let mut r = RioReader::new(ScriptedReader::chunked(input, 64));
    assert_eq!(r.read_line_slice().unwrap(), b"MODE raw\n");
    let raw = r.buffer().to_vec();
    r.consume(raw.len());
    assert!(r.buffer().is_empty());
    let (mut inner, rest) = r.into_parts();
    assert!(rest.is_empty());
    let mut tail = Vec::new();
    inner.read_to_end(&mut tail).unwrap();
    assert_eq!([raw, tail].concat(), b"\x00\x01\x02\x03\x04\x05");

    // Through into_parts.
    let mut r = RioReader::new(ScriptedReader::chunked(input, 12));
    assert_eq!(r.read_line_slice().unwrap(), b"MODE raw\n");
    let (mut inner, mut rest) = r.into_parts();
    inner.read_to_end(&mut rest).unwrap();
    assert_eq!(rest, b"\x00\x01\x02\x03\x04\x05");

    // Through Read.
    let mut r = RioReader::new(ScriptedReader::chunked(input, 5));
    assert_eq!(r.read_line_slice().unwrap(), b"MODE raw\n");
    let mut rest = Vec::new();
    r.read_to_end(&mut rest).unwrap();
    assert_eq!(rest, b"\x00\x01\x02\x03\x04\x05");
}

#[test]
fn read_into_an_empty_buffer_does_not_touch_the_stream() {
    let mut r = rio([fail(ErrorKind::WouldBlock), data(b"ab")]);
    assert_eq!(r.read(&mut []).unwrap(), 0);
    assert_eq!(r.readnb(&mut []).unwrap(), 0);
    assert_eq!(r.get_ref().calls, 0);
}

#[test]
fn bufread_fill_buf_and_consume() {
    let mut r = RioReader::new(ScriptedReader::chunked(b"abc\ndef", 4));
    assert_eq!(r.fill_buf().unwrap(), b"abc\n");
    r.consume(2);
    assert_eq!(r.read_line_slice().unwrap(), b"c\n");
    assert_eq!(r.fill_buf().unwrap(), b"def");
}

#[test]
fn zero_capacity_is_one() {
    let mut r = RioReader::with_capacity(0, &b"ab\ncd\n"[..]);
    assert_eq!(r.capacity(), 1);
    assert_eq!(r.read_line_slice().unwrap(), b"ab\n");
    assert_eq!(r.read_line_slice().unwrap(), b"cd\n");
}

#[test]
#[should_panic(expected = "at least 1")]
fn zero_max_line_panics() {
    RioReader::new(&b""[..]).max_line(0);
}

#[test]
fn debug_shows_state_not_the_buffer() {
    let mut r = RioReader::new(&b"ab\ncd"[..]);
    r.read_line_slice().unwrap();
    let s = format!("{r:?}");
    assert!(
        s.contains("buffered: 2") && s.contains("max_line: 65536"),
        "{s}"
    );
}

// ------------------------------------------------------------- proptest

/// What a line read should return, per the naive model: the line, or its
/// head and full length when truncated, or an error with its full length.
#[derive(Debug, PartialEq)]
enum Got {
    Line(Vec<u8>),
    Truncated(Vec<u8>, u64),
    TooLong(u64),
}

fn model(input: &[u8], max: usize, policy: LinePolicy) -> Vec<Got> {
    input
        .split_inclusive(|&b| b == b'\n')
        .map(|line| match policy {
            _ if line.len() <= max => Got::Line(line.to_vec()),
            LinePolicy::Truncate => Got::Truncated(line[..max].to_vec(), line.len() as u64),
            _ => Got::TooLong(line.len() as u64),
        })
        .collect()
}

/// Reads every line, retrying `WouldBlock` (bounded by the script length).
fn read_lines(r: &mut RioReader<ScriptedReader>, zero_copy: bool, bound: usize) -> Vec<Got> {
    let mut out = Vec::new();
    for _ in 0..bound {
        let mut owned = Vec::new();
        let result = if zero_copy {
            r.read_line_slice().map(<[u8]>::to_vec)
        } else {
            r.readlineb(&mut owned).map(|n| {
                assert_eq!(n, owned.len());
                owned
            })
        };
        match result {
            Ok(line) if line.is_empty() => return out,
            Ok(line) => out.push(match r.truncated() {
                Some(len) => Got::Truncated(line, len),
                None => Got::Line(line),
            }),
            Err(RioError::LineTooLong { len, .. }) => out.push(Got::TooLong(len)),
            Err(e) if e.kind() == ErrorKind::WouldBlock => {}
            Err(e) => panic!("unexpected error {e:?}"),
        }
    }
    panic!("no end of stream after {bound} reads");
}

/// A script of `input` cut at `cuts`, with `WouldBlock` after the chunks
/// whose index is in `blocks`.
fn script(input: &[u8], cuts: &[usize], blocks: &[usize]) -> (ScriptedReader, usize) {
    let mut cuts: Vec<usize> = cuts.iter().map(|&c| c.min(input.len())).collect();
    cuts.sort_unstable();
    cuts.dedup();
    let mut steps = Vec::new();
    let mut start = 0;
    for (i, cut) in cuts.into_iter().chain([input.len()]).enumerate() {
        if cut > start {
            steps.push(data(&input[start..cut]));
            start = cut;
        }
        if blocks.contains(&i) {
            steps.push(fail(ErrorKind::WouldBlock));
        }
        if i % 5 == 3 {
            steps.push(fail(ErrorKind::Interrupted));
        }
    }
    let n = steps.len();
    (ScriptedReader::new(steps), n)
}

fn line_input() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(
        prop_oneof![4 => b'a'..=b'e', 1 => Just(b'\n'), 1 => any::<u8>()],
        0..300,
    )
}

/// Up to 3000 bytes of lines for buffers and limits past the 128-byte
/// window the line search compares at once: many lines a window (its later
/// `\n`s handed to the next lines without a search), or lines of 60 bytes
/// on average, some over the window and over the maximum.
fn window_input() -> impl Strategy<Value = Vec<u8>> {
    let dense = prop_oneof![8 => b'a'..=b'e', 1 => Just(b'\n'), 1 => any::<u8>()];
    let sparse = prop_oneof![60 => b'a'..=b'e', 1 => Just(b'\n'), 1 => any::<u8>()];
    prop_oneof![
        prop::collection::vec(dense, 0..3000),
        prop::collection::vec(sparse, 0..3000),
    ]
}

/// `(input, cuts, capacity, max)`: `line_input` read through buffers of
/// fewer than `small.0` bytes with maxima under `small.1`, or
/// `window_input` through buffers of 128 to 700 bytes with maxima of 100
/// to 400.
fn sizes(small: (usize, usize)) -> impl Strategy<Value = (Vec<u8>, Vec<usize>, usize, usize)> {
    prop_oneof![
        (
            line_input(),
            prop::collection::vec(0usize..300, 0..20),
            1..small.0,
            1..small.1
        ),
        (
            window_input(),
            prop::collection::vec(0usize..3000, 0..20),
            128usize..700,
            100usize..400
        ),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn lines_match_the_model(
        (input, cuts, capacity, max) in sizes((40, 60)),
        blocks in prop::collection::vec(0usize..20, 0..4),
        truncate: bool,
        zero_copy: bool,
    ) {
        let policy = if truncate { LinePolicy::Truncate } else { LinePolicy::Error };
        let (reader, steps) = script(&input, &cuts, &blocks);
        let mut r = RioReader::with_capacity(capacity, reader);
        r.max_line(max).line_policy(policy);
        let got = read_lines(&mut r, zero_copy, input.len() + steps + 2);
        prop_assert_eq!(got, model(&input, max, policy));
        prop_assert!(r.capacity() <= capacity.max(max + 1));
    }

    #[test]
    fn unbounded_lines_match_split_inclusive(
        input in line_input(),
        cuts in prop::collection::vec(0usize..300, 0..20),
        capacity in 1usize..40,
        zero_copy: bool,
    ) {
        let (reader, steps) = script(&input, &cuts, &[]);
        let mut r = RioReader::with_capacity(capacity, reader);
        let got = read_lines(&mut r, zero_copy, input.len() + steps + 2);
        prop_assert_eq!(got, model(&input, usize::MAX, LinePolicy::Error));
    }

    #[test]
    fn readnb_and_lines_interleave_like_the_model(
        (input, cuts, capacity, _) in sizes((40, 2)),
        ops in prop::collection::vec(prop::option::of(0usize..50), 1..60),
    ) {
        // Some(n): readnb of n bytes; None: a line read (no limit hit).
        let (reader, _) = script(&input, &cuts, &[]);
        let mut r = RioReader::with_capacity(capacity, reader);
        let mut rest: &[u8] = &input;
        for op in ops {
            match op {
                Some(n) => {
                    let mut buf = vec![0u8; n];
                    let got = r.readnb(&mut buf).unwrap();
                    let want = n.min(rest.len());
                    prop_assert_eq!(&buf[..got], &rest[..want]);
                    rest = &rest[want..];
                }
                None => {
                    let line = r.read_line_slice().unwrap();
                    let want = memchr_pos(rest).map_or(rest.len(), |i| i + 1);
                    prop_assert_eq!(line, &rest[..want]);
                    rest = &rest[want..];
                }
            }
        }
        let (mut inner, mut buffered) = r.into_parts();
        inner.read_to_end(&mut buffered).unwrap();
        prop_assert_eq!(&buffered[..], rest);
    }

    #[test]
    fn readn_matches_the_model(
        input in prop::collection::vec(any::<u8>(), 0..200),
        cuts in prop::collection::vec(0usize..200, 0..20),
        want in 0usize..250,
    ) {
        let mut r = ScriptedReader::split_at(&input, &cuts);
        let mut buf = vec![0u8; want];
        let n = readn(&mut r, &mut buf).unwrap();
        prop_assert_eq!(n, want.min(input.len()));
        prop_assert_eq!(&buf[..n], &input[..n]);
    }

    #[test]
    fn writen_vectored_matches_concat(
        slices in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..20), 0..8),
        accepts in prop::collection::vec(1usize..30, 0..40),
        interrupt_every in 2usize..6,
    ) {
        let mut steps = Vec::new();
        for (i, a) in accepts.into_iter().enumerate() {
            if i % interrupt_every == 0 {
                steps.push(fail(ErrorKind::Interrupted));
            }
            steps.push(Step::Accept(a));
        }
        let mut w = ScriptedWriter::new(steps.clone());
        let mut bufs: Vec<IoSlice<'_>> = slices.iter().map(|s| IoSlice::new(s)).collect();
        writen_vectored(&mut w, &mut bufs).unwrap();
        prop_assert_eq!(&w.written, &slices.concat());

        let mut w = ScriptedWriter::new(steps);
        writen(&mut w, &slices.concat()).unwrap();
        prop_assert_eq!(w.written, slices.concat());
    }
}

fn memchr_pos(s: &[u8]) -> Option<usize> {
    s.iter().position(|&b| b == b'\n')
}

/// One call on a `RioReader`, for [`any_mix_of_reads_loses_and_duplicates_nothing`].
#[derive(Debug, Clone)]
enum Op {
    /// `read_line_slice` (first true) or `readlineb`; repeated after
    /// `WouldBlock` if the second is true, else tried once: a partial line
    /// must stay buffered for the next call, and an over-long line whose
    /// discard was cut must be reported by whatever read comes next.
    Line(bool, bool),
    /// `readnb` of this many bytes, resumed after `WouldBlock`.
    Readnb(usize),
    /// One `Read::read` into a buffer of this size.
    Read(usize),
    /// `fill_buf`, then `consume` of at most this many bytes.
    FillConsume(usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => any::<(bool, bool)>().prop_map(|(zero_copy, patient)| Op::Line(zero_copy, patient)),
        1 => (0usize..40).prop_map(Op::Readnb),
        1 => (0usize..40).prop_map(Op::Read),
        1 => (0usize..40).prop_map(Op::FillConsume),
    ]
}

/// For a raw read after a line read left an over-long line half discarded:
/// whether the read reported that line as too long instead of returning data
/// (then the model moves past the line). Reporting it is wrong in any other
/// state, and so is any other error.
fn skip_reported<T>(
    result: &Result<T, RioError>,
    pending_long: &mut bool,
    rest: &mut &[u8],
) -> Result<bool, TestCaseError> {
    let Err(err) = result else {
        *pending_long = false;
        return Ok(false);
    };
    let Some((len, _)) = too_long(err) else {
        return Err(TestCaseError::fail(format!("unexpected error {err:?}")));
    };
    let line = memchr_pos(rest).map_or(rest.len(), |i| i + 1);
    prop_assert!(*pending_long, "LineTooLong with no line pending");
    prop_assert_eq!(len, line as u64);
    *rest = &rest[line..];
    *pending_long = false;
    Ok(true)
}

/// Calls `f` up to `tries` times while it fails with `WouldBlock`.
fn unblock<T>(tries: usize, mut f: impl FnMut() -> Result<T, RioError>) -> Result<T, RioError> {
    for _ in 1..tries {
        match f() {
            Err(e) if e.kind() == ErrorKind::WouldBlock => continue,
            other => return other,
        }
    }
    f()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Every way of reading a `RioReader` (bounded line reads under both
    /// policies, `readnb`, `Read`, `BufRead`) mixed on one stream, cut
    /// anywhere, with `WouldBlock` and `Interrupted` in between: each call
    /// returns exactly the next bytes of the stream the model says, and
    /// what is left unread is handed back by `into_parts`.
    #[test]
    fn any_mix_of_reads_loses_and_duplicates_nothing(
        (input, cuts, capacity, max) in sizes((20, 30)),
        blocks in prop::collection::vec(0usize..20, 0..6),
        ops in prop::collection::vec(op(), 1..60),
        truncate: bool,
    ) {
        let policy = if truncate { LinePolicy::Truncate } else { LinePolicy::Error };
        let (reader, _) = script(&input, &cuts, &blocks);
        let mut r = RioReader::with_capacity(capacity, reader);
        r.max_line(max).line_policy(policy);
        let mut rest: &[u8] = &input;
        // Whether the last line read left an over-long line half discarded.
        let mut pending_long = false;
        for op in ops {
            match op {
                Op::Line(zero_copy, patient) => {
                    let len = memchr_pos(rest).map_or(rest.len(), |i| i + 1);
                    let tries = if patient { 100 } else { 1 };
                    let got = unblock(tries, || {
                        let mut owned = Vec::new();
                        if zero_copy {
                            r.read_line_slice().map(<[u8]>::to_vec)
                        } else {
                            r.readlineb(&mut owned).map(|_| owned)
                        }
                    });
                    let want = match model(&rest[..len], max, policy).pop() {
                        Some(Got::Line(line)) => Ok((line, None)),
                        Some(Got::Truncated(head, len)) => Ok((head, Some(len))),
                        Some(Got::TooLong(len)) => Err(len),
                        None => Ok((Vec::new(), None)),
                    };
                    match got {
                        Ok(line) => prop_assert_eq!(Ok((line, r.truncated())), want),
                        Err(RioError::LineTooLong { len, .. }) => prop_assert_eq!(Err(len), want),
                        Err(e) if e.kind() == ErrorKind::WouldBlock && tries == 1 => {
                            // An over-long line may now be half discarded.
                            pending_long = len > max;
                            continue;
                        }
                        Err(e) => panic!("unexpected error {e:?}"),
                    }
                    pending_long = false;
                    rest = &rest[len..];
                }
                Op::Readnb(n) => {
                    let mut buf = vec![0u8; n];
                    let mut got = 0;
                    let done = unblock(100, || match r.readnb(&mut buf[got..]) {
                        Err(RioError::PartialIo { transferred, source }) => {
                            got += transferred;
                            Err(RioError::Io(source))
                        }
                        other => other,
                    });
                    if skip_reported(&done, &mut pending_long, &mut rest)? {
                        continue;
                    }
                    got += done.unwrap();
                    let want = n.min(rest.len());
                    prop_assert_eq!(&buf[..got], &rest[..want]);
                    rest = &rest[want..];
                }
                Op::Read(n) => {
                    let mut buf = vec![0u8; n];
                    let got = unblock(100, || Ok(r.read(&mut buf)?));
                    if skip_reported(&got, &mut pending_long, &mut rest)? {
                        continue;
                    }
                    let got = got.unwrap();
                    prop_assert!(got > 0 || n == 0 || rest.is_empty());
                    prop_assert_eq!(&buf[..got], &rest[..got]);
                    rest = &rest[got..];
                }
                Op::FillConsume(n) => {
                    let buffered = unblock(100, || Ok(r.fill_buf()?.to_vec()));
                    if skip_reported(&buffered, &mut pending_long, &mut rest)? {
                        continue;
                    }
                    let buffered = buffered.unwrap();
                    prop_assert!(!buffered.is_empty() || rest.is_empty());
                    prop_assert_eq!(&buffered[..], &rest[..buffered.len()]);
                    let n = n.min(buffered.len());
                    r.consume(n);
                    rest = &rest[n..];
                }
            }
        }
        // A line read cut mid-discard dropped the line's first bytes: the
        // reader must count every one of them, and only then.
        let dropped = r.discarding().map_or(0, |n| n as usize);
        prop_assert!(dropped == 0 || pending_long, "discard pending with no line pending");
        let line = memchr_pos(rest).map_or(rest.len(), |i| i + 1);
        prop_assert!(dropped <= line, "dropped {} bytes of a {}-byte line", dropped, line);
        let (mut inner, mut buffered) = r.into_parts();
        unblock(100, || Ok(inner.read_to_end(&mut buffered)?)).unwrap();
        prop_assert_eq!(&buffered[..], &rest[dropped..]);
    }
}

/// The case proptest found (tests/rio.proptest-regressions, f2406ea5): the
/// last line read is cut by `WouldBlock` after it has discarded the whole
/// over-long last line. `into_parts` then hands back nothing, and before
/// `discarding` existed nothing said that 11 bytes had been dropped.
#[test]
fn into_parts_after_a_cut_discard_says_what_was_dropped() {
    let a = |n| vec![b'a'; n];
    let input = [
        a(47),
        vec![0, b'a', b'a', b'\n'],
        vec![0, b'a', 0, b'a', 0, b'a', b'\n'],
        a(38),
        vec![b'\n'],
        a(35),
        vec![b'\n'],
        a(11),
    ]
    .concat();
    let reader = ScriptedReader::new([
        data(&input[..1]),
        data(&input[1..2]),
        data(&input[2..3]),
        fail(ErrorKind::Interrupted),
        data(&input[3..]),
        fail(ErrorKind::WouldBlock),
    ]);
    let mut r = RioReader::with_capacity(1, reader);
    r.max_line(1);
    let mut line = Vec::new();
    for want in [51, 7] {
        assert_eq!(
            too_long(&r.readlineb(&mut line).unwrap_err()),
            Some((want, 1))
        );
    }
    assert_eq!(r.readnb(&mut []).unwrap(), 0);
    for want in [39, 36] {
        assert_eq!(
            too_long(&r.readlineb(&mut line).unwrap_err()),
            Some((want, 1))
        );
    }
    assert_eq!(r.discarding(), None);
    let err = r.readlineb(&mut line).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::WouldBlock);
    assert!(line.is_empty());
    // All 11 bytes of the last line were read and dropped, and it says so.
    assert_eq!(r.discarding(), Some(11));
    let (mut inner, mut buffered) = r.into_parts();
    inner.read_to_end(&mut buffered).unwrap();
    assert!(buffered.is_empty());
}

/// A raw read after the same cut finishes the discard and reports the line;
/// the count is then gone.
#[test]
fn a_cut_discard_is_counted_until_a_read_reports_it() {
    let reader = ScriptedReader::new([
        data(b"0123"),
        fail(ErrorKind::WouldBlock),
        data(b"45\nok\n"),
    ]);
    let mut r = RioReader::with_capacity(2, reader);
    r.max_line(2);
    let err = r.read_line_slice().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::WouldBlock);
    assert_eq!(r.discarding(), Some(4));
    let mut buf = [0u8; 3];
    assert_eq!(too_long(&r.readnb(&mut buf).unwrap_err()), Some((7, 2)));
    assert_eq!(r.discarding(), None);
    assert_eq!(r.readnb(&mut buf).unwrap(), 3);
    assert_eq!(&buf, b"ok\n");
}

// ------------------------------------------------------------- loopback

#[test]
fn loopback_many_lines_in_one_write() {
    let (mut client, server) = tcp_pair();
    let lines: Vec<String> = (0..1000).map(|i| format!("line {i}\n")).collect();
    let all = lines.concat();
    writen(&mut client, all.as_bytes()).unwrap();
    drop(client);
    let mut r = RioReader::new(server);
    let mut line = Vec::new();
    for want in &lines {
        line.clear();
        r.readlineb(&mut line).unwrap();
        assert_eq!(line, want.as_bytes());
    }
    assert_eq!(r.readlineb(&mut line).unwrap(), 0);
}

#[test]
fn loopback_one_line_in_many_writes() {
    let (client, server) = tcp_pair();
    let line: Vec<u8> = [b"z".repeat(20_000), b"\n".to_vec(), b"next\n".to_vec()].concat();
    let sent = line.clone();
    let writer = thread::spawn(move || {
        let mut client = client;
        for chunk in sent.chunks(997) {
            writen(&mut client, chunk).unwrap();
            client.flush().unwrap();
        }
    });
    let mut r = RioReader::with_capacity(512, server);
    assert_eq!(r.read_line_slice().unwrap(), &line[..20_001]);
    assert_eq!(r.read_line_slice().unwrap(), b"next\n");
    writer.join().unwrap();
    assert_eq!(r.read_line_slice().unwrap(), b"");
}

#[test]
fn loopback_peer_closes_mid_line() {
    let (mut client, server) = tcp_pair();
    writen(&mut client, b"complete\nhalf a li").unwrap();
    drop(client);
    let mut r = RioReader::new(server);
    assert_eq!(r.read_line_slice().unwrap(), b"complete\n");
    assert_eq!(r.read_line_slice().unwrap(), b"half a li");
    assert_eq!(r.read_line_slice().unwrap(), b"");
}

#[test]
fn loopback_nonblocking_would_block_then_resume() {
    let (mut client, server) = tcp_pair();
    server.set_nonblocking(true).unwrap();
    let mut r = RioReader::new(server);
    writen(&mut client, b"no newline yet").unwrap();
    // Until the bytes arrive the read may block; once they are buffered and
    // no newline follows, it must be WouldBlock with the bytes kept.
    let mut spins = 0;
    while r.buffer().len() < 14 {
        let err = r.read_line_slice().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::WouldBlock);
        spins += 1;
        assert!(spins < 1_000_000, "bytes never arrived");
        thread::yield_now();
    }
    assert_eq!(
        r.read_line_slice().unwrap_err().kind(),
        ErrorKind::WouldBlock
    );
    writen(&mut client, b", now\n").unwrap();
    let line = loop {
        match r.read_line_slice() {
            Ok(line) => break line.to_vec(),
            Err(e) => assert_eq!(e.kind(), ErrorKind::WouldBlock),
        }
        spins += 1;
        assert!(spins < 2_000_000, "line never completed");
        thread::yield_now();
    };
    assert_eq!(line, b"no newline yet, now\n");
}

#[test]
fn loopback_writen_vectored_header_and_large_payload() {
    let (mut client, server) = tcp_pair();
    let payload: Vec<u8> = (0..4 << 20).map(|i: u32| (i % 251) as u8).collect();
    let header = (payload.len() as u32).to_be_bytes();
    let want = payload.clone();
    let reader = thread::spawn(move || {
        let mut r = RioReader::new(server);
        let mut hdr = [0u8; 4];
        assert_eq!(r.readnb(&mut hdr).unwrap(), 4);
        let mut body = vec![0u8; u32::from_be_bytes(hdr) as usize];
        assert_eq!(r.readnb(&mut body).unwrap(), body.len());
        assert_eq!(body, want);
        let mut rest = [0u8; 1];
        assert_eq!(readn(r.get_mut(), &mut rest).unwrap(), 0);
    });
    writen_vectored(
        &mut client,
        &mut [IoSlice::new(&header), IoSlice::new(&payload)],
    )
    .unwrap();
    drop(client);
    reader.join().unwrap();
}
