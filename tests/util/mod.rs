//! Helpers shared by the integration tests: scripted I/O mocks and loopback
//! sockets that cannot hang a test.
#![allow(dead_code)]

use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

use rionet::frame::FrameError;

/// Read and write timeout for every blocking socket a test opens.
pub const IO_TIMEOUT: Duration = Duration::from_secs(10);

/// One step of a scripted reader or writer.
#[derive(Debug, Clone)]
pub enum Step {
    /// Reader: hand out these bytes (possibly over several calls if the
    /// caller's buffer is smaller). Writer: accept at most this many bytes.
    Data(Vec<u8>),
    /// Writer only: accept at most this many bytes in one call.
    Accept(usize),
    /// Fail one call with this kind (`Interrupted`, `WouldBlock`, ...).
    Fail(io::ErrorKind),
    /// Reader: return `Ok(0)` once. Writer: return `Ok(0)` once.
    Zero,
}

/// A `Read` that plays a script; once the script is exhausted it reports end
/// of stream forever.
#[derive(Debug)]
pub struct ScriptedReader {
    steps: VecDeque<Step>,
    /// How many `read` calls were made.
    pub calls: usize,
}

impl ScriptedReader {
    /// A reader that plays `steps` in order.
    pub fn new(steps: impl IntoIterator<Item = Step>) -> Self {
        Self {
            steps: steps.into_iter().collect(),
            calls: 0,
        }
    }

    /// A reader that hands out `data` in chunks of `chunk` bytes.
    pub fn chunked(data: &[u8], chunk: usize) -> Self {
        Self::new(data.chunks(chunk.max(1)).map(|c| Step::Data(c.to_vec())))
    }

    /// A reader that hands out `data` split at the given offsets.
    pub fn split_at(data: &[u8], cuts: &[usize]) -> Self {
        let mut cuts: Vec<usize> = cuts.iter().map(|&c| c.min(data.len())).collect();
        cuts.sort_unstable();
        let mut steps = Vec::new();
        let mut start = 0;
        for cut in cuts.into_iter().chain([data.len()]) {
            if cut > start {
                steps.push(Step::Data(data[start..cut].to_vec()));
                start = cut;
            }
        }
        Self::new(steps)
    }
}

impl Read for ScriptedReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.calls += 1;
        match self.steps.pop_front() {
            None | Some(Step::Zero) => Ok(0),
            Some(Step::Fail(kind)) => Err(io::Error::new(kind, "scripted failure")),
            Some(Step::Accept(_)) => panic!("Accept is a writer step"),
            Some(Step::Data(mut data)) => {
                let n = data.len().min(buf.len());
                buf[..n].copy_from_slice(&data[..n]);
                if n < data.len() {
                    self.steps.push_front(Step::Data(data.split_off(n)));
                }
                Ok(n)
            }
        }
    }
}

/// A `Write` that plays a script of how much each call accepts; once the
/// script is exhausted it accepts everything.
#[derive(Debug, Default)]
pub struct ScriptedWriter {
    steps: VecDeque<Step>,
    /// Every byte accepted so far.
    pub written: Vec<u8>,
    /// How many `write` / `write_vectored` calls were made.
    pub calls: usize,
    /// How many `flush` calls were made.
    pub flushes: usize,
    /// The address of every slice handed to a `write` / `write_vectored`
    /// call: a payload sent without copying shows up as its own address.
    pub addresses: Vec<usize>,
}

impl ScriptedWriter {
    /// A writer that plays `steps` in order.
    pub fn new(steps: impl IntoIterator<Item = Step>) -> Self {
        Self {
            steps: steps.into_iter().collect(),
            ..Self::default()
        }
    }

    fn accept(&mut self, bufs: &[io::IoSlice<'_>]) -> io::Result<usize> {
        self.calls += 1;
        self.addresses
            .extend(bufs.iter().map(|buf| buf.as_ptr() as usize));
        let limit = match self.steps.pop_front() {
            None => usize::MAX,
            Some(Step::Accept(n)) => n,
            Some(Step::Data(d)) => d.len(),
            Some(Step::Zero) => return Ok(0),
            Some(Step::Fail(kind)) => return Err(io::Error::new(kind, "scripted failure")),
        };
        let mut taken = 0;
        for buf in bufs {
            let n = buf.len().min(limit - taken);
            self.written.extend_from_slice(&buf[..n]);
            taken += n;
            if taken == limit {
                break;
            }
        }
        Ok(taken)
    }
}

impl Write for ScriptedWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.accept(&[io::IoSlice::new(buf)])
    }

    fn write_vectored(&mut self, bufs: &[io::IoSlice<'_>]) -> io::Result<usize> {
        self.accept(bufs)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.flushes += 1;
        Ok(())
    }
}

/// Sets the read and write timeouts every test socket must have.
pub fn with_timeouts(stream: TcpStream) -> TcpStream {
    stream.set_read_timeout(Some(IO_TIMEOUT)).unwrap();
    stream.set_write_timeout(Some(IO_TIMEOUT)).unwrap();
    stream
}

/// A connected pair of loopback TCP sockets `(client, server)`, both with
/// timeouts.
pub fn tcp_pair() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (server, _) = listener.accept().unwrap();
    (with_timeouts(client), with_timeouts(server))
}

/// Feeds `data` to `decoder` in pieces cut at `cuts` (as [`ScriptedReader::split_at`]
/// would hand them out), calling `decode` after each piece until it returns
/// `Ok(None)` and `decode_eof` at the end until it does too. Returns every
/// outcome, frames and errors, in order. Panics if the decoder stops making
/// progress.
pub fn decode_in_pieces<D>(
    decoder: &mut D,
    data: &[u8],
    cuts: &[usize],
) -> Vec<Result<bytes::Bytes, FrameError>>
where
    D: rionet::frame::Decoder<Item = bytes::Bytes, Error = FrameError>,
{
    let mut reader = ScriptedReader::split_at(data, cuts);
    decode_reader(decoder, &mut reader, data.len().max(1))
}

/// Reads `reader` to its end in reads of at most `chunk` bytes, decoding as
/// [`decode_in_pieces`] does; `Interrupted` is retried, other read errors panic.
pub fn decode_reader<D, R: Read>(
    decoder: &mut D,
    reader: &mut R,
    chunk: usize,
) -> Vec<Result<bytes::Bytes, FrameError>>
where
    D: rionet::frame::Decoder<Item = bytes::Bytes, Error = FrameError>,
{
    let mut out = Vec::new();
    let mut buf = bytes::BytesMut::new();
    let mut scratch = vec![0u8; chunk];
    // Every outcome but an error consumes at least one byte, and no decoder
    // reports twice without progress: bound the calls by the bytes seen.
    let mut budget: usize = 16;
    loop {
        let n = match reader.read(&mut scratch) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => panic!("read failed: {e}"),
        };
        budget += 2 * n + 2;
        let eof = n == 0;
        buf.extend_from_slice(&scratch[..n]);
        loop {
            assert!(budget > 0, "decoder made no progress");
            budget -= 1;
            let outcome = if eof {
                decoder.decode_eof(&mut buf)
            } else {
                decoder.decode(&mut buf)
            };
            match outcome {
                Ok(None) => break,
                Ok(Some(frame)) => out.push(Ok(frame)),
                Err(e) => out.push(Err(e)),
            }
        }
        if eof {
            assert!(buf.is_empty(), "decode_eof left {} bytes", buf.len());
            return out;
        }
    }
}

/// One outcome of decoding, comparable across decoders and models.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A frame.
    Frame(Vec<u8>),
    /// `FrameError::FrameTooLarge` with this `len`.
    TooLarge(u64),
    /// `FrameError::PartialFrame` with these pending bytes.
    Partial(Vec<u8>),
}

/// The outcomes of [`decode_in_pieces`] as [`Event`]s; panics on any other error.
pub fn events(outcomes: Vec<Result<bytes::Bytes, FrameError>>) -> Vec<Event> {
    outcomes
        .into_iter()
        .map(|outcome| match outcome {
            Ok(frame) => Event::Frame(frame.to_vec()),
            Err(FrameError::FrameTooLarge { len, .. }) => Event::TooLarge(len),
            Err(FrameError::PartialFrame { pending, .. }) => Event::Partial(pending.to_vec()),
            Err(e) => panic!("unexpected error: {e}"),
        })
        .collect()
}

/// A naive model of a delimiter framer over a whole stream: the frame ends
/// at the earliest offset where a delimiter matches, the longest one on a
/// tie; a frame over `max` (counted as handed back: with its delimiter when
/// it is kept) is one `TooLarge` event with its full length under
/// `Oversize::Error`, and no event but a count in `skipped` under `Skip`;
/// bytes after the last delimiter are `Partial` (or oversize, if over `max`).
pub fn naive_delimited(
    data: &[u8],
    delimiters: &[&[u8]],
    strip: bool,
    max: usize,
    skip: bool,
) -> Vec<Event> {
    naive_delimited_counted(data, delimiters, strip, max, skip).0
}

/// [`naive_delimited`] and the frames and bytes it skipped.
pub fn naive_delimited_counted(
    data: &[u8],
    delimiters: &[&[u8]],
    strip: bool,
    max: usize,
    skip: bool,
) -> (Vec<Event>, u64, u64) {
    let (mut skipped_frames, mut skipped_bytes) = (0u64, 0u64);
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < data.len() {
        let found = (pos..data.len()).find_map(|p| {
            delimiters
                .iter()
                .filter(|d| data[p..].starts_with(d))
                .map(|d| d.len())
                .max()
                .map(|len| (p, len))
        });
        match found {
            Some((p, len)) => {
                let end = if strip { p } else { p + len };
                if end - pos <= max {
                    out.push(Event::Frame(data[pos..end].to_vec()));
                } else if skip {
                    skipped_frames += 1;
                    skipped_bytes += (p + len - pos) as u64;
                } else {
                    out.push(Event::TooLarge((end - pos) as u64));
                }
                pos = p + len;
            }
            None => {
                let rest = data.len() - pos;
                if rest <= max {
                    out.push(Event::Partial(data[pos..].to_vec()));
                } else if skip {
                    skipped_frames += 1;
                    skipped_bytes += rest as u64;
                } else {
                    out.push(Event::TooLarge(rest as u64));
                }
                pos = data.len();
            }
        }
    }
    (out, skipped_frames, skipped_bytes)
}

/// Checks decoder `events` against `model` events: equal, except that a
/// `TooLarge` length is only known to be over `max` and at most the model's.
pub fn assert_events_match(actual: &[Event], model: &[Event], max: usize) {
    assert_eq!(
        actual.len(),
        model.len(),
        "actual {actual:?}\nmodel  {model:?}"
    );
    for (a, m) in actual.iter().zip(model) {
        match (a, m) {
            (Event::TooLarge(a_len), Event::TooLarge(m_len)) => assert!(
                *a_len > max as u64 && a_len <= m_len,
                "FrameTooLarge len {a_len}, frame of {m_len} bytes, max {max}"
            ),
            _ => assert_eq!(a, m, "actual {actual:?}\nmodel  {model:?}"),
        }
    }
}

/// Feeds `data` to a tokio-util decoder in exactly the pieces
/// [`decode_in_pieces`] uses, `decode` after each piece and `decode_eof` at
/// the end; returns frames as [`Event::Frame`] and any error as
/// `Event::TooLarge(0)` (tokio-util's length errors carry no size).
pub fn tokio_decode_in_pieces<D>(decoder: &mut D, data: &[u8], cuts: &[usize]) -> Vec<Event>
where
    D: tokio_util::codec::Decoder,
    D::Item: AsRef<[u8]>,
{
    let mut reader = ScriptedReader::split_at(data, cuts);
    let mut scratch = vec![0u8; data.len().max(1)];
    let mut buf = bytes::BytesMut::new();
    let mut out = Vec::new();
    loop {
        let n = reader.read(&mut scratch).unwrap();
        buf.extend_from_slice(&scratch[..n]);
        for _ in 0..=2 * data.len() + 2 {
            let outcome = if n == 0 {
                decoder.decode_eof(&mut buf)
            } else {
                decoder.decode(&mut buf)
            };
            match outcome {
                Ok(Some(frame)) => out.push(Event::Frame(frame.as_ref().to_vec())),
                Ok(None) => break,
                Err(_) => out.push(Event::TooLarge(0)),
            }
        }
        if n == 0 {
            return out;
        }
    }
}

/// Cut points that split `data` into single bytes, for [`decode_in_pieces`].
pub fn every_byte(data: &[u8]) -> Vec<usize> {
    (1..data.len()).collect()
}

/// What [`encode_frames`] wrote and refused.
#[derive(Debug)]
pub struct Encoded {
    /// The wire bytes of the accepted frames.
    pub wire: bytes::BytesMut,
    /// The frames the encoder accepted, in order.
    pub accepted: Vec<Vec<u8>>,
    /// The refused frames, with the offset their `FrameError::DelimiterInFrame` names.
    pub refused: Vec<(Vec<u8>, usize)>,
}

/// Encodes `frames` one after the other into one buffer. Checks that a
/// refusal (`FrameError::DelimiterInFrame`) wrote nothing and names the frame's
/// length; panics on any other error.
pub fn encode_frames<E>(encoder: &mut E, frames: &[Vec<u8>]) -> Encoded
where
    E: for<'a> rionet::frame::Encoder<&'a [u8], Error = FrameError>,
{
    let mut out = Encoded {
        wire: bytes::BytesMut::new(),
        accepted: Vec::new(),
        refused: Vec::new(),
    };
    for frame in frames {
        let before = out.wire.clone();
        match encoder.encode(&frame[..], &mut out.wire) {
            Ok(()) => out.accepted.push(frame.clone()),
            Err(FrameError::DelimiterInFrame { offset, len }) => {
                assert_eq!(len, frame.len());
                assert!(offset <= len, "offset {offset} past a {len}-byte frame");
                assert_eq!(out.wire, before, "a refused frame was written");
                out.refused.push((frame.clone(), offset));
            }
            Err(e) => panic!("unexpected error {e}"),
        }
    }
    out
}

/// A loopback port on `ip` where a connection is refused at once, and that
/// stays so while the returned socket lives: the socket holds the port
/// bound but never listens. (A port freed by dropping a listener is not
/// safe: a test running in parallel may bind it next.)
pub fn refusing_port(ip: std::net::IpAddr) -> (std::net::SocketAddr, socket2::Socket) {
    use socket2::{Domain, Socket, Type};
    let addr = std::net::SocketAddr::new(ip, 0);
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, None).unwrap();
    socket.bind(&addr.into()).unwrap();
    let bound = socket.local_addr().unwrap().as_socket().unwrap();
    (bound, socket)
}

/// Frames `item` with [`encode`](rionet::frame::Encoder::encode) and with
/// [`encode_parts`](rionet::frame::Encoder::encode_parts), on two clones of
/// `encoder`, and returns both outcomes: the bytes framed
/// (`head ++ payload ++ tail` for the parts) or the error, debug-formatted.
/// Panics if `encode_parts` declines to split the item, or writes to `head`
/// or `tail` when it fails.
pub fn encode_both_ways<I, E>(
    encoder: &E,
    item: I,
) -> (Result<Vec<u8>, String>, Result<Vec<u8>, String>)
where
    E: rionet::frame::Encoder<I> + Clone,
    E::Error: std::fmt::Debug,
{
    // Start with bytes in every buffer: encoders append, and on error
    // leave them as they were.
    let junk = &b"junk"[..];
    let (mut head, mut tail) = (bytes::BytesMut::from(junk), bytes::BytesMut::from(junk));
    let parts = match encoder.clone().encode_parts(&item, &mut head, &mut tail) {
        Ok(payload) => {
            let payload = payload.expect("encode_parts declined to split the item");
            Ok([&head[junk.len()..], payload, &tail[junk.len()..]].concat())
        }
        Err(e) => {
            assert_eq!((&head[..], &tail[..]), (junk, junk), "written on error");
            Err(format!("{e:?}"))
        }
    };
    let mut dst = bytes::BytesMut::from(junk);
    let whole = match encoder.clone().encode(item, &mut dst) {
        Ok(()) => Ok(dst[junk.len()..].to_vec()),
        Err(e) => Err(format!("{e:?}")),
    };
    (whole, parts)
}
