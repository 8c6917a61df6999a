//! The chat datagram format: one [`Packet`] per UDP datagram.
//!
//! The layout is drawn in the example's top-level docs (`main.rs`). In short:
//! a version byte, a type byte, then the type's fields in a fixed order, where
//! a name is `u8` length + UTF-8, a text is `u16` big-endian length + UTF-8,
//! and a member's token is a `u64` big-endian.
//! Nothing is delimited by a separator character, so a name or a text may
//! contain `|`, `:`, newlines or any other character without breaking a frame.
//!
//! [`Packet::decode`] is the only way bytes from the network become a
//! `Packet`: it checks the version, the type, every length against the bytes
//! actually present and against the limits, the UTF-8, the name rules and
//! that nothing trails the last field. It never panics and allocates at most
//! the datagram's own size.

use std::fmt;

/// The protocol version this program speaks; other versions are ignored.
pub(crate) const VERSION: u8 = 2;

/// A member's secret: issued in `JOIN_OK`, carried by every later datagram
/// the member sends, so a datagram forged with its address but without its
/// token is ignored.
pub(crate) type Token = u64;

/// Largest text payload in bytes (the client refuses longer input).
pub(crate) const MAX_TEXT: usize = 1200;

/// Largest name in bytes.
///
/// With it the largest datagram ([`MAX_DATAGRAM`], a relayed message) is
/// 1229 bytes, under the 1232 bytes of UDP payload that fit the IPv6 minimum
/// MTU (1280 − 40 − 8), so no datagram needs IP fragmentation.
pub(crate) const MAX_NAME: usize = 24;

/// Largest valid datagram: a `MSG` with the longest name and text.
pub(crate) const MAX_DATAGRAM: usize = 2 + (1 + MAX_NAME) + (2 + MAX_TEXT);

// IPv6 minimum MTU − IPv6 header − UDP header: no datagram ever needs fragmenting.
const _: () = assert!(MAX_DATAGRAM <= 1280 - 40 - 8);

/// Why a member left the room.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reason {
    /// The member sent `LEAVE`.
    Left,
    /// The member was silent longer than the server's idle timeout.
    TimedOut,
}

/// One chat datagram.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Packet {
    /// Client → server: join the room as `name`.
    Join { name: String },
    /// Server → client: you are a member as `name`; send `token` with
    /// every later datagram.
    JoinOk { name: String, token: Token },
    /// Server → client: `name` belongs to another member; pick another.
    NameTaken { name: String },
    /// Server → client: the room is at its member limit.
    RoomFull,
    /// Client → server: say `text` to the room.
    Say { token: Token, text: String },
    /// Server → members: `from` said `text`.
    Msg { from: String, text: String },
    /// Server → members: `name` joined.
    Joined { name: String },
    /// Server → members: `name` left, and why.
    Left { name: String, reason: Reason },
    /// Client → server: I am leaving.
    Leave { token: Token },
    /// Client → server: I am still here (resets the idle timer; the first
    /// one, right after `JOIN_OK`, confirms the membership).
    Heartbeat { token: Token },
    /// Server → client: you are not a member (dropped, or server restarted).
    NotMember,
}

/// Type bytes, in the order of the table in `main.rs`.
mod kind {
    pub(super) const JOIN: u8 = 0x01;
    pub(super) const JOIN_OK: u8 = 0x02;
    pub(super) const NAME_TAKEN: u8 = 0x03;
    pub(super) const ROOM_FULL: u8 = 0x04;
    pub(super) const SAY: u8 = 0x05;
    pub(super) const MSG: u8 = 0x06;
    pub(super) const JOINED: u8 = 0x07;
    pub(super) const LEFT: u8 = 0x08;
    pub(super) const LEAVE: u8 = 0x09;
    pub(super) const HEARTBEAT: u8 = 0x0A;
    pub(super) const NOT_MEMBER: u8 = 0x0B;
}

/// Why a datagram was rejected (or a packet could not be encoded).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum ProtoError {
    /// Fewer bytes than the header or a field needs.
    #[error("truncated: needed {needed} bytes at offset {at}, datagram has {len}")]
    Truncated {
        at: usize,
        needed: usize,
        len: usize,
    },
    /// A version this program does not speak.
    #[error("unsupported version {0} (this program speaks {VERSION})")]
    Version(u8),
    /// A type byte outside the table.
    #[error("unknown message type {0:#04x}")]
    UnknownType(u8),
    /// A name or text that is not UTF-8.
    #[error("{field} is not valid UTF-8")]
    Utf8 { field: &'static str },
    /// A name that breaks the name rules.
    #[error("invalid name: {0}")]
    Name(&'static str),
    /// A text longer than [`MAX_TEXT`].
    #[error("text too long: {len} bytes, the limit is {MAX_TEXT}")]
    TextTooLong { len: usize },
    /// A leave reason byte outside {0, 1}.
    #[error("unknown leave reason {0}")]
    Reason(u8),
    /// Bytes after the last field.
    #[error("{0} unexpected trailing bytes")]
    Trailing(usize),
    /// More bytes than any valid datagram has.
    #[error("datagram too large: over {MAX_DATAGRAM} bytes")]
    TooLarge,
}

/// Checks the name rules: 1..=[`MAX_NAME`] bytes of UTF-8 without control
/// characters (a name is printed as `NAME: text`, so a newline or escape
/// sequence in it would forge lines on every member's terminal) and without
/// leading or trailing whitespace.
pub(crate) fn check_name(name: &str) -> Result<(), ProtoError> {
    if name.is_empty() {
        Err(ProtoError::Name("empty"))
    } else if name.len() > MAX_NAME {
        Err(ProtoError::Name("longer than 24 bytes"))
    } else if name.chars().any(char::is_control) {
        Err(ProtoError::Name("contains a control character"))
    } else if name.trim() != name {
        Err(ProtoError::Name("starts or ends with whitespace"))
    } else {
        Ok(())
    }
}

/// Checks the text rule: at most [`MAX_TEXT`] bytes.
pub(crate) fn check_text(text: &str) -> Result<(), ProtoError> {
    if text.len() > MAX_TEXT {
        Err(ProtoError::TextTooLong { len: text.len() })
    } else {
        Ok(())
    }
}

impl Packet {
    /// The datagram for this packet, or the rule a field breaks.
    pub(crate) fn encode(&self) -> Result<Vec<u8>, ProtoError> {
        let mut out = Vec::with_capacity(64);
        out.push(VERSION);
        match self {
            Packet::Join { name } => put_name(&mut out, kind::JOIN, name)?,
            Packet::JoinOk { name, token } => {
                put_name(&mut out, kind::JOIN_OK, name)?;
                out.extend_from_slice(&token.to_be_bytes());
            }
            Packet::NameTaken { name } => put_name(&mut out, kind::NAME_TAKEN, name)?,
            Packet::Joined { name } => put_name(&mut out, kind::JOINED, name)?,
            Packet::RoomFull => out.push(kind::ROOM_FULL),
            Packet::Leave { token } => {
                out.push(kind::LEAVE);
                out.extend_from_slice(&token.to_be_bytes());
            }
            Packet::Heartbeat { token } => {
                out.push(kind::HEARTBEAT);
                out.extend_from_slice(&token.to_be_bytes());
            }
            Packet::NotMember => out.push(kind::NOT_MEMBER),
            Packet::Say { token, text } => {
                out.push(kind::SAY);
                out.extend_from_slice(&token.to_be_bytes());
                put_text(&mut out, text)?;
            }
            Packet::Msg { from, text } => {
                put_name(&mut out, kind::MSG, from)?;
                put_text(&mut out, text)?;
            }
            Packet::Left { name, reason } => {
                put_name(&mut out, kind::LEFT, name)?;
                out.push(match reason {
                    Reason::Left => 0,
                    Reason::TimedOut => 1,
                });
            }
        }
        Ok(out)
    }

    /// Parses one whole datagram (see the module docs for what is checked).
    pub(crate) fn decode(datagram: &[u8]) -> Result<Packet, ProtoError> {
        if datagram.len() > MAX_DATAGRAM {
            return Err(ProtoError::TooLarge);
        }
        let mut r = Reader {
            buf: datagram,
            at: 0,
        };
        let version = r.u8()?;
        if version != VERSION {
            return Err(ProtoError::Version(version));
        }
        let packet = match r.u8()? {
            kind::JOIN => Packet::Join { name: r.name()? },
            kind::JOIN_OK => Packet::JoinOk {
                name: r.name()?,
                token: r.token()?,
            },
            kind::NAME_TAKEN => Packet::NameTaken { name: r.name()? },
            kind::ROOM_FULL => Packet::RoomFull,
            kind::SAY => Packet::Say {
                token: r.token()?,
                text: r.text()?,
            },
            kind::MSG => Packet::Msg {
                from: r.name()?,
                text: r.text()?,
            },
            kind::JOINED => Packet::Joined { name: r.name()? },
            kind::LEFT => {
                let name = r.name()?;
                let reason = match r.u8()? {
                    0 => Reason::Left,
                    1 => Reason::TimedOut,
                    other => return Err(ProtoError::Reason(other)),
                };
                Packet::Left { name, reason }
            }
            kind::LEAVE => Packet::Leave { token: r.token()? },
            kind::HEARTBEAT => Packet::Heartbeat { token: r.token()? },
            kind::NOT_MEMBER => Packet::NotMember,
            other => return Err(ProtoError::UnknownType(other)),
        };
        match datagram.len() - r.at {
            0 => Ok(packet),
            extra => Err(ProtoError::Trailing(extra)),
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Reason::Left => "left",
            Reason::TimedOut => "left (timed out)",
        })
    }
}

fn put_name(out: &mut Vec<u8>, kind: u8, name: &str) -> Result<(), ProtoError> {
    check_name(name)?;
    out.push(kind);
    // check_name bounds the length by MAX_NAME (24), so it fits the u8.
    out.push(name.len() as u8);
    out.extend_from_slice(name.as_bytes());
    Ok(())
}

fn put_text(out: &mut Vec<u8>, text: &str) -> Result<(), ProtoError> {
    check_text(text)?;
    // check_text bounds the length by MAX_TEXT (1200), so it fits the u16.
    out.extend_from_slice(&(text.len() as u16).to_be_bytes());
    out.extend_from_slice(text.as_bytes());
    Ok(())
}

/// A bounds-checked cursor over one datagram.
struct Reader<'a> {
    buf: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], ProtoError> {
        let rest = &self.buf[self.at..];
        if rest.len() < n {
            return Err(ProtoError::Truncated {
                at: self.at,
                needed: n,
                len: self.buf.len(),
            });
        }
        self.at += n;
        Ok(&rest[..n])
    }

    fn u8(&mut self) -> Result<u8, ProtoError> {
        Ok(self.take(1)?[0])
    }

    fn token(&mut self) -> Result<Token, ProtoError> {
        let bytes = self.take(8)?;
        Ok(Token::from_be_bytes(
            bytes.try_into().expect("took 8 bytes"),
        ))
    }

    fn name(&mut self) -> Result<String, ProtoError> {
        let len = usize::from(self.u8()?);
        let name = utf8(self.take(len)?, "name")?;
        check_name(&name)?;
        Ok(name)
    }

    fn text(&mut self) -> Result<String, ProtoError> {
        let len = self.take(2)?;
        let len = usize::from(u16::from_be_bytes([len[0], len[1]]));
        if len > MAX_TEXT {
            return Err(ProtoError::TextTooLong { len });
        }
        utf8(self.take(len)?, "text")
    }
}

fn utf8(bytes: &[u8], field: &'static str) -> Result<String, ProtoError> {
    std::str::from_utf8(bytes)
        .map(str::to_owned)
        .map_err(|_| ProtoError::Utf8 { field })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_kinds() -> Vec<Packet> {
        let name = || "名字|a:b\\c".to_owned();
        vec![
            Packet::Join { name: name() },
            Packet::JoinOk {
                name: name(),
                token: 0x0123_4567_89AB_CDEF,
            },
            Packet::NameTaken { name: name() },
            Packet::RoomFull,
            Packet::Say {
                token: u64::MAX,
                text: "你好 | world\n:|".to_owned(),
            },
            Packet::Msg {
                from: name(),
                text: "x".repeat(MAX_TEXT),
            },
            Packet::Joined { name: name() },
            Packet::Left {
                name: name(),
                reason: Reason::Left,
            },
            Packet::Left {
                name: name(),
                reason: Reason::TimedOut,
            },
            Packet::Leave { token: 1 },
            Packet::Heartbeat { token: 2 },
            Packet::NotMember,
        ]
    }

    #[test]
    fn every_packet_round_trips() {
        for packet in all_kinds() {
            let bytes = packet.encode().unwrap();
            assert!(
                bytes.len() <= MAX_DATAGRAM,
                "{packet:?} is {} bytes",
                bytes.len()
            );
            assert_eq!(Packet::decode(&bytes).unwrap(), packet);
        }
    }

    #[test]
    fn wire_layout_matches_the_docs() {
        let join = Packet::Join { name: "a|b".into() }.encode().unwrap();
        assert_eq!(join, [2, 0x01, 3, b'a', b'|', b'b']);
        let ok = Packet::JoinOk {
            name: "a".into(),
            token: 0x0102_0304_0506_0708,
        };
        assert_eq!(
            ok.encode().unwrap(),
            [2, 0x02, 1, b'a', 1, 2, 3, 4, 5, 6, 7, 8]
        );
        let say = Packet::Say {
            token: 9,
            text: "hi".into(),
        };
        assert_eq!(
            say.encode().unwrap(),
            [2, 0x05, 0, 0, 0, 0, 0, 0, 0, 9, 0, 2, b'h', b'i']
        );
        let msg = Packet::Msg {
            from: "x".into(),
            text: "é".into(),
        }
        .encode()
        .unwrap();
        assert_eq!(msg, [2, 0x06, 1, b'x', 0, 2, 0xC3, 0xA9]);
        let left = Packet::Left {
            name: "x".into(),
            reason: Reason::TimedOut,
        };
        assert_eq!(left.encode().unwrap(), [2, 0x08, 1, b'x', 1]);
        assert_eq!(
            Packet::Heartbeat { token: 0x0A }.encode().unwrap(),
            [2, 0x0A, 0, 0, 0, 0, 0, 0, 0, 0x0A]
        );
    }

    #[test]
    fn the_largest_datagram_fits_the_ipv6_minimum_mtu() {
        let from = "n".repeat(MAX_NAME);
        let msg = Packet::Msg {
            from,
            text: "t".repeat(MAX_TEXT),
        }
        .encode()
        .unwrap();
        assert_eq!(msg.len(), MAX_DATAGRAM);
    }

    #[test]
    fn every_proper_prefix_is_rejected_as_truncated() {
        for packet in all_kinds() {
            let bytes = packet.encode().unwrap();
            for cut in 0..bytes.len() {
                let err = Packet::decode(&bytes[..cut]).unwrap_err();
                assert!(
                    matches!(err, ProtoError::Truncated { .. }),
                    "{packet:?} cut at {cut}: {err}"
                );
            }
        }
    }

    #[test]
    fn malformed_datagrams_are_rejected() {
        use ProtoError as E;
        let cases: &[(&[u8], ProtoError)] = &[
            (&[1, 0x0A], E::Version(1)),
            (&[0, 0x0A], E::Version(0)),
            (&[2, 0x00], E::UnknownType(0)),
            (&[2, 0x7F], E::UnknownType(0x7F)),
            (&[2, 0x0A, 0, 0, 0, 0, 0, 0, 0, 0, 0], E::Trailing(1)),
            (
                &[2, 0x0A, 0, 0, 0],
                E::Truncated {
                    at: 2,
                    needed: 8,
                    len: 5,
                },
            ),
            (&[2, 0x01, 1, b'a', b'b'], E::Trailing(1)),
            (&[2, 0x01, 2, 0xC3, 0x28], E::Utf8 { field: "name" }),
            (
                &[2, 0x05, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xFF],
                E::Utf8 { field: "text" },
            ),
            (&[2, 0x01, 0], E::Name("empty")),
            (
                &[2, 0x01, 2, b'a', b'\n'],
                E::Name("contains a control character"),
            ),
            (
                &[2, 0x01, 2, b'a', 0x1B],
                E::Name("contains a control character"),
            ),
            (
                &[2, 0x01, 2, b' ', b'a'],
                E::Name("starts or ends with whitespace"),
            ),
            (&[2, 0x08, 1, b'a', 7], E::Reason(7)),
            (
                &[2, 0x05, 0, 0, 0, 0, 0, 0, 0, 0, 0x04, 0xB1],
                E::TextTooLong { len: 1201 },
            ),
            (
                &[2, 0x05, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF],
                E::TextTooLong { len: 65535 },
            ),
        ];
        for (bytes, want) in cases {
            assert_eq!(Packet::decode(bytes).as_ref(), Err(want), "{bytes:?}");
        }
        let mut long_name = vec![2, 0x01, 25];
        long_name.extend_from_slice(&[b'n'; 25]);
        assert_eq!(
            Packet::decode(&long_name),
            Err(E::Name("longer than 24 bytes"))
        );
        let huge = vec![1; MAX_DATAGRAM + 1];
        assert_eq!(Packet::decode(&huge), Err(E::TooLarge));
    }

    #[test]
    fn encode_refuses_what_decode_would_reject() {
        let long = Packet::Say {
            token: 0,
            text: "x".repeat(MAX_TEXT + 1),
        };
        assert_eq!(
            long.encode(),
            Err(ProtoError::TextTooLong { len: MAX_TEXT + 1 })
        );
        // 401 three-byte characters: 401 chars but 1203 bytes.
        let wide = Packet::Say {
            token: 0,
            text: "字".repeat(401),
        };
        assert_eq!(wide.encode(), Err(ProtoError::TextTooLong { len: 1203 }));
        let bad_name = Packet::Join {
            name: "a\nb".into(),
        };
        assert!(matches!(bad_name.encode(), Err(ProtoError::Name(_))));
        assert!(
            Packet::Join {
                name: "n".repeat(MAX_NAME + 1)
            }
            .encode()
            .is_err()
        );
    }

    /// A small deterministic xorshift generator: the examples package keeps
    /// no test-only dependencies, so `cargo run --example` stays lean (the
    /// fuzz target `udpchat_proto` explores the format further).
    fn xorshift(state: &mut u64) -> u64 {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        *state
    }

    #[test]
    fn arbitrary_datagrams_never_panic() {
        let mut state = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..20_000 {
            let kind = (xorshift(&mut state) % 0x0E) as u8;
            let len = (xorshift(&mut state) % 48) as usize;
            let mut bytes = vec![VERSION, kind];
            bytes.extend((0..len).map(|_| xorshift(&mut state) as u8));
            // Whatever decodes must re-encode to the very same bytes: the
            // format has exactly one spelling of each packet.
            if let Ok(packet) = Packet::decode(&bytes) {
                assert_eq!(packet.encode().unwrap(), bytes);
            }
        }
    }

    #[test]
    fn any_valid_name_and_text_round_trip() {
        let names = ["a", "ab", "名前", "x y", "émile", "🦀rust🦀"];
        let texts = [
            "",
            " ",
            "hi",
            "line\nbreak",
            "字".repeat(400).as_str(),
            "\0\u{7f}",
        ]
        .map(String::from);
        for from in names {
            for text in &texts {
                let packet = Packet::Msg {
                    from: from.into(),
                    text: text.clone(),
                };
                assert_eq!(Packet::decode(&packet.encode().unwrap()).unwrap(), packet);
            }
        }
    }
}
