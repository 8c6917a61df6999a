//! User codecs that wrap a built-in one, end to end: typed messages over
//! `LengthPrefix`, a typed line protocol over `Lines`, driven by
//! `FrameReader`, `FrameWriter` and `Framed` over scripted I/O and loopback
//! sockets.

mod util;

use std::fmt::Write as _;
use std::io;
use std::thread;

use bytes::{Buf, BufMut, Bytes, BytesMut};
use proptest::prelude::*;
use rionet::frame::{
    Decoder, Encoder, FrameError, FrameReader, FrameWriter, Framed, LengthPrefix, Lines, Oversize,
};
use util::{ScriptedReader, tcp_pair};

// ---------------------------------------------------------------------------
// Typed binary messages over LengthPrefix: a tag byte, then the fields.

#[derive(Debug, Clone, PartialEq, Eq)]
enum Msg {
    Ping(u32),
    Echo(String),
}

#[derive(Debug, thiserror::Error)]
enum MsgError {
    #[error(transparent)]
    Frame(#[from] FrameError),
    #[error("unknown message tag {0:#04x}")]
    Tag(u8),
    #[error("message of {len} bytes is malformed: {what}")]
    Malformed { len: usize, what: &'static str },
}

impl From<io::Error> for MsgError {
    fn from(err: io::Error) -> Self {
        MsgError::Frame(err.into())
    }
}

#[derive(Debug, Clone, Default)]
struct MsgCodec {
    frames: LengthPrefix,
}

impl MsgCodec {
    fn parse(mut frame: Bytes) -> Result<Msg, MsgError> {
        let len = frame.len();
        if frame.is_empty() {
            return Err(MsgError::Malformed {
                len,
                what: "no tag",
            });
        }
        match frame.get_u8() {
            b'P' if frame.len() == 4 => Ok(Msg::Ping(frame.get_u32())),
            b'P' => Err(MsgError::Malformed {
                len,
                what: "a ping carries 4 bytes",
            }),
            b'E' => String::from_utf8(frame.to_vec())
                .map(Msg::Echo)
                .map_err(|_| MsgError::Malformed {
                    len,
                    what: "not utf-8",
                }),
            tag => Err(MsgError::Tag(tag)),
        }
    }
}

impl Decoder for MsgCodec {
    type Item = Msg;
    type Error = MsgError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Msg>, MsgError> {
        self.frames.decode(src)?.map(Self::parse).transpose()
    }

    fn decode_eof(&mut self, src: &mut BytesMut) -> Result<Option<Msg>, MsgError> {
        self.frames.decode_eof(src)?.map(Self::parse).transpose()
    }
}

impl Encoder<&Msg> for MsgCodec {
    type Error = MsgError;

    fn encode(&mut self, msg: &Msg, dst: &mut BytesMut) -> Result<(), MsgError> {
        let mut body = BytesMut::new();
        match msg {
            Msg::Ping(n) => {
                body.put_u8(b'P');
                body.put_u32(*n);
            }
            Msg::Echo(text) => {
                body.put_u8(b'E');
                body.extend_from_slice(text.as_bytes());
            }
        }
        Ok(self.frames.encode(body, dst)?)
    }
}

fn messages() -> Vec<Msg> {
    vec![
        Msg::Ping(7),
        Msg::Echo("hello".into()),
        Msg::Echo(String::new()),
        Msg::Ping(u32::MAX),
        Msg::Echo("x".repeat(20_000)),
    ]
}

fn msg_wire(msgs: &[Msg]) -> Vec<u8> {
    let mut out = FrameWriter::new(Vec::new(), MsgCodec::default());
    for msg in msgs {
        out.send(msg).unwrap();
    }
    out.into_inner().unwrap()
}

#[test]
fn typed_messages_are_plain_length_prefixed_frames_on_the_wire() {
    let wire = msg_wire(&[Msg::Ping(1), Msg::Echo("hi".into())]);
    assert_eq!(wire, b"\0\0\0\x05P\0\0\0\x01\0\0\0\x03Ehi");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// However the stream is split, the reader yields the messages sent.
    #[test]
    fn typed_messages_survive_any_split(cuts in prop::collection::vec(0usize..20_100, 0..12)) {
        let msgs = messages();
        let wire = msg_wire(&msgs);
        let got: Vec<Msg> = FrameReader::new(ScriptedReader::split_at(&wire, &cuts), MsgCodec::default())
            .collect::<Result<_, _>>()
            .unwrap();
        prop_assert_eq!(got, msgs);
    }
}

#[test]
fn a_malformed_message_ends_the_iteration_and_a_cut_stream_reports_its_bytes() {
    // A codec's own error type is not known to be recoverable: the
    // iterator stops after it.
    let mut wire = msg_wire(&[Msg::Ping(1)]);
    wire.extend_from_slice(b"\0\0\0\x01Z");
    wire.extend(msg_wire(&[Msg::Ping(2)]));
    let items: Vec<_> = FrameReader::new(&wire[..], MsgCodec::default()).collect();
    assert_eq!(items.len(), 2);
    assert!(matches!(items[1], Err(MsgError::Tag(b'Z'))), "{items:?}");
    // read_frame lets the caller decide: the next message is still there.
    let mut reader = FrameReader::new(&wire[..], MsgCodec::default());
    assert_eq!(reader.read_frame().unwrap(), Some(Msg::Ping(1)));
    assert!(reader.read_frame().is_err());
    assert_eq!(reader.read_frame().unwrap(), Some(Msg::Ping(2)));

    // The typed error still carries the framing detail.
    let mut cut = msg_wire(&[Msg::Echo("0123456789".into())]);
    cut.truncate(10);
    let err = FrameReader::new(&cut[..], MsgCodec::default())
        .read_frame()
        .unwrap_err();
    match err {
        MsgError::Frame(err @ FrameError::PartialFrame { .. }) => assert_eq!(
            err.to_string(),
            "stream ended in the middle of a frame: 10 of 15 bytes"
        ),
        other => panic!("{other:?}"),
    }
}

#[test]
fn typed_messages_over_a_loopback_socket() {
    let (client, server) = tcp_pair();
    let echo = thread::spawn(move || {
        let mut conn = Framed::new(server, MsgCodec::default());
        let mut served = 0;
        while let Some(msg) = conn.recv().unwrap() {
            let reply = match msg {
                Msg::Ping(n) => Msg::Ping(n.wrapping_add(1)),
                Msg::Echo(text) => Msg::Echo(text.to_uppercase()),
            };
            conn.send(&reply).unwrap();
            served += 1;
        }
        conn.flush().unwrap();
        served
    });
    let mut conn = Framed::new(client, MsgCodec::default());
    for msg in messages() {
        conn.send(&msg).unwrap();
        // No flush: recv sends what is buffered before it waits.
        let reply = conn.recv().unwrap().unwrap();
        let expected = match msg {
            Msg::Ping(n) => Msg::Ping(n.wrapping_add(1)),
            Msg::Echo(text) => Msg::Echo(text.to_uppercase()),
        };
        assert_eq!(reply, expected);
    }
    conn.get_ref().shutdown(std::net::Shutdown::Write).unwrap();
    assert_eq!(conn.recv().unwrap(), None);
    assert_eq!(echo.join().unwrap(), messages().len());
}

// ---------------------------------------------------------------------------
// A typed line protocol over Lines: `GET key`, `SET key value`, `QUIT`.

#[derive(Debug, Clone, PartialEq, Eq)]
enum Command {
    Get(String),
    Set(String, String),
    Quit,
}

#[derive(Debug, thiserror::Error)]
enum CommandError {
    #[error(transparent)]
    Frame(#[from] FrameError),
    #[error("bad command {0:?}")]
    Bad(String),
}

impl From<io::Error> for CommandError {
    fn from(err: io::Error) -> Self {
        CommandError::Frame(err.into())
    }
}

#[derive(Debug, Clone)]
struct CommandCodec {
    lines: Lines,
}

impl CommandCodec {
    fn new(max: usize) -> Self {
        CommandCodec {
            lines: Lines::builder().max_frame_len(max).build(),
        }
    }

    fn parse(line: &[u8]) -> Result<Command, CommandError> {
        let text = std::str::from_utf8(line)
            .map_err(|_| CommandError::Bad(String::from_utf8_lossy(line).into_owned()))?;
        let mut words = text.splitn(3, ' ');
        match (words.next(), words.next(), words.next()) {
            (Some("GET"), Some(key), None) => Ok(Command::Get(key.into())),
            (Some("SET"), Some(key), Some(value)) => Ok(Command::Set(key.into(), value.into())),
            (Some("QUIT"), None, None) => Ok(Command::Quit),
            _ => Err(CommandError::Bad(text.into())),
        }
    }
}

impl Decoder for CommandCodec {
    type Item = Command;
    type Error = CommandError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Command>, CommandError> {
        match self.lines.decode(src)? {
            Some(line) => Self::parse(&line).map(Some),
            None => Ok(None),
        }
    }

    fn decode_eof(&mut self, src: &mut BytesMut) -> Result<Option<Command>, CommandError> {
        match self.lines.decode_eof(src)? {
            Some(line) => Self::parse(&line).map(Some),
            None => Ok(None),
        }
    }
}

impl Encoder<&Command> for CommandCodec {
    type Error = CommandError;

    fn encode(&mut self, cmd: &Command, dst: &mut BytesMut) -> Result<(), CommandError> {
        let mut line = String::new();
        match cmd {
            Command::Get(key) => write!(line, "GET {key}"),
            Command::Set(key, value) => write!(line, "SET {key} {value}"),
            Command::Quit => write!(line, "QUIT"),
        }
        .expect("formatting into a String");
        Ok(self.lines.encode(line, dst)?)
    }
}

/// Replies are plain lines: the server speaks `Lines` directly.
fn serve_commands(stream: std::net::TcpStream) -> Vec<Command> {
    let mut requests = FrameReader::new(&stream, CommandCodec::new(64));
    let mut replies = FrameWriter::new(&stream, Lines::new());
    let mut store = std::collections::BTreeMap::new();
    let mut seen = Vec::new();
    loop {
        let reply = match requests.read_frame() {
            Ok(Some(cmd)) => {
                seen.push(cmd.clone());
                match cmd {
                    Command::Get(key) => store.get(&key).map_or_else(
                        || "NOT FOUND".to_string(),
                        |v: &String| format!("VALUE {v}"),
                    ),
                    Command::Set(key, value) => {
                        store.insert(key, value);
                        "OK".to_string()
                    }
                    Command::Quit => {
                        replies.send("BYE").unwrap();
                        replies.flush().unwrap();
                        return seen;
                    }
                }
            }
            Ok(None) => return seen,
            // A bad command or an oversized line: say so, carry on.
            Err(CommandError::Bad(text)) => format!("ERROR bad command {text:?}"),
            Err(CommandError::Frame(err)) if err.is_recoverable() => format!("ERROR {err}"),
            Err(CommandError::Frame(err)) => panic!("{err}"),
        };
        replies.send(reply).unwrap();
        replies.flush().unwrap();
    }
}

#[test]
fn a_typed_line_protocol_over_a_loopback_socket() {
    let (client, server) = tcp_pair();
    let server = thread::spawn(move || serve_commands(server));
    let mut requests = FrameWriter::new(&client, CommandCodec::new(64));
    let mut replies = FrameReader::new(&client, Lines::new());
    let mut ask = |cmd: Command, replies: &mut FrameReader<_, Lines>| -> Bytes {
        requests.send(&cmd).unwrap();
        requests.flush().unwrap();
        replies.read_frame().unwrap().unwrap()
    };
    assert_eq!(ask(Command::Get("k".into()), &mut replies), "NOT FOUND");
    assert_eq!(
        ask(Command::Set("k".into(), "a value".into()), &mut replies),
        "OK"
    );
    assert_eq!(ask(Command::Get("k".into()), &mut replies), "VALUE a value");
    // Raw bytes the codec would never send: a bad command and a line over
    // the server's maximum; both answered, the connection goes on.
    let mut raw = FrameWriter::new(&client, Lines::new());
    raw.send("FETCH k").unwrap();
    raw.send("SET k ".to_string() + &"v".repeat(100)).unwrap();
    raw.flush().unwrap();
    assert_eq!(
        replies.read_frame().unwrap().unwrap(),
        "ERROR bad command \"FETCH k\""
    );
    assert!(
        replies
            .read_frame()
            .unwrap()
            .unwrap()
            .starts_with(b"ERROR frame of ")
    );
    assert_eq!(ask(Command::Quit, &mut replies), "BYE");
    let seen = server.join().unwrap();
    assert_eq!(
        seen,
        [
            Command::Get("k".into()),
            Command::Set("k".into(), "a value".into()),
            Command::Get("k".into()),
            Command::Quit
        ]
    );
}

// ---------------------------------------------------------------------------
// Framed and the built-in codecs.

#[test]
fn framed_recv_flushes_what_send_buffered() {
    let (client, server) = tcp_pair();
    let peer = thread::spawn(move || {
        let mut conn = Framed::new(server, LengthPrefix::new());
        let request = conn.recv().unwrap().unwrap();
        conn.send(&request).unwrap();
        conn.flush().unwrap();
    });
    let mut conn = Framed::new(client, LengthPrefix::new());
    conn.send("request").unwrap();
    assert_eq!(conn.write_buffer(), b"\0\0\0\x07request");
    // With the request still buffered, a recv that did not flush first
    // would wait for a reply that never comes (and time out).
    assert_eq!(conn.recv().unwrap().as_deref(), Some(&b"request"[..]));
    assert!(conn.write_buffer().is_empty());
    peer.join().unwrap();
}

#[test]
fn framed_hands_back_its_parts() {
    let (client, mut server) = tcp_pair();
    io::Write::write_all(&mut server, b"one\ntwo\nthr").unwrap();
    let mut conn = Framed::new(client, Lines::new());
    assert_eq!(conn.recv().unwrap().as_deref(), Some(&b"one"[..]));
    conn.send(b"unsent").unwrap();
    assert_eq!(conn.codec().max_frame_len(), 64 * 1024);
    let (_stream, codec, read_ahead, unsent) = conn.into_parts();
    assert_eq!(&read_ahead[..], b"two\nthr");
    assert_eq!(&unsent[..], b"unsent\n");
    assert_eq!(codec.skipped_frames(), 0);
}

#[test]
fn skipped_frames_are_counted_through_the_reader() {
    let wire = b"ok\nway too long for the limit\nfine\n";
    let codec = Lines::builder()
        .max_frame_len(8)
        .oversize(Oversize::Skip)
        .build();
    let mut reader = FrameReader::new(&wire[..], codec);
    let lines: Vec<_> = reader.by_ref().collect::<Result<_, _>>().unwrap();
    assert_eq!(lines, ["ok", "fine"]);
    assert_eq!(reader.decoder().skipped_frames(), 1);
    assert_eq!(reader.decoder().skipped_bytes(), 27);
}

/// Every built-in encoder takes every byte-ish item, with one impl.
#[test]
fn every_codec_takes_every_byte_item() {
    fn all_items<E>(mut codec: E) -> Vec<u8>
    where
        E: for<'a> Encoder<&'a [u8; 2], Error = FrameError>
            + for<'a> Encoder<&'a [u8], Error = FrameError>
            + for<'a> Encoder<&'a str, Error = FrameError>
            + Encoder<String, Error = FrameError>
            + Encoder<Vec<u8>, Error = FrameError>
            + for<'a> Encoder<&'a Vec<u8>, Error = FrameError>
            + Encoder<Bytes, Error = FrameError>
            + Encoder<BytesMut, Error = FrameError>,
    {
        let mut dst = BytesMut::new();
        let vec = b"hi".to_vec();
        codec.encode(b"hi", &mut dst).unwrap();
        codec.encode(&b"hi"[..], &mut dst).unwrap();
        codec.encode("hi", &mut dst).unwrap();
        codec.encode("hi".to_string(), &mut dst).unwrap();
        codec.encode(vec.clone(), &mut dst).unwrap();
        codec.encode(&vec, &mut dst).unwrap();
        codec.encode(Bytes::from_static(b"hi"), &mut dst).unwrap();
        codec.encode(BytesMut::from(&b"hi"[..]), &mut dst).unwrap();
        dst.to_vec()
    }
    assert_eq!(all_items(LengthPrefix::new()), b"\0\0\0\x02hi".repeat(8));
    assert_eq!(all_items(Lines::new()), b"hi\n".repeat(8));
    assert_eq!(
        all_items(rionet::frame::Delimited::new(";")),
        b"hi;".repeat(8)
    );
    assert_eq!(
        all_items(rionet::frame::FixedLength::new(2)),
        b"hi".repeat(8)
    );
}
