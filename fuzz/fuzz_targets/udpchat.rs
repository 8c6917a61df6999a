//! The udpchat datagram codec (examples/udpchat/proto.rs, wire version 2,
//! with tokens), compiled in as a module of this target.
//!
//! - Any bytes: `Packet::decode` never panics, and whatever decodes
//!   re-encodes to exactly the same bytes (one wire form per packet).
//! - Packets generated from the input (names and texts of any bytes and
//!   lengths around the limits): `encode` refuses exactly what the name and
//!   text rules refuse; what it accepts is laid out as the table in
//!   examples/udpchat/main.rs draws it (checked against a layout written
//!   from that table), fits `MAX_DATAGRAM`, and decodes back to the packet.
//!   A refused packet laid out by hand anyway is refused by `decode` too.
#![no_main]

#[allow(dead_code)]
#[path = "../../examples/udpchat/proto.rs"]
mod proto;

use libfuzzer_sys::fuzz_target;
use proto::{MAX_DATAGRAM, MAX_TEXT, Packet, ProtoError, Reason, Token, check_name, check_text};
use rionet_fuzz::input::Input;

/// A string of up to `max` bytes: mostly valid UTF-8 from the input
/// (invalid sequences replaced), sometimes near the limits.
fn string(input: &mut Input<'_>, max: usize) -> String {
    match input.u8() % 8 {
        0 => "x".repeat(input.range(0, max)),
        1 => "é".repeat(input.range(0, max / 2)),
        _ => {
            let len = input.range(0, max);
            String::from_utf8_lossy(input.bytes(len)).into_owned()
        }
    }
}

fn token(input: &mut Input<'_>) -> Token {
    u64::from_le_bytes(std::array::from_fn(|_| input.u8()))
}

fn packet(input: &mut Input<'_>) -> Packet {
    let name = |input: &mut Input<'_>| string(input, 40);
    let text = |input: &mut Input<'_>| string(input, MAX_TEXT + 80);
    match input.u8() % 11 {
        0 => Packet::Join { name: name(input) },
        1 => Packet::JoinOk {
            name: name(input),
            token: token(input),
        },
        2 => Packet::NameTaken { name: name(input) },
        3 => Packet::RoomFull,
        4 => Packet::Say {
            token: token(input),
            text: text(input),
        },
        5 => Packet::Msg {
            from: name(input),
            text: text(input),
        },
        6 => Packet::Joined { name: name(input) },
        7 => Packet::Left {
            name: name(input),
            reason: if input.bool() {
                Reason::TimedOut
            } else {
                Reason::Left
            },
        },
        8 => Packet::Leave {
            token: token(input),
        },
        9 => Packet::Heartbeat {
            token: token(input),
        },
        _ => Packet::NotMember,
    }
}

/// The datagram as main.rs's table lays it out, rules unchecked, and the
/// first rule it breaks (names before texts, in field order).
fn layout(p: &Packet) -> (Vec<u8>, Option<ProtoError>) {
    let mut out = vec![2u8];
    let mut broken = None;
    let mut name = |out: &mut Vec<u8>, n: &str| {
        out.push(n.len() as u8);
        out.extend_from_slice(n.as_bytes());
        broken = broken.clone().or(check_name(n).err());
    };
    let tok = |out: &mut Vec<u8>, t: Token| out.extend_from_slice(&t.to_be_bytes());
    let mut text_broken = None;
    let mut text = |out: &mut Vec<u8>, t: &str| {
        out.extend_from_slice(&(t.len() as u16).to_be_bytes());
        out.extend_from_slice(t.as_bytes());
        text_broken = check_text(t).err();
    };
    match p {
        Packet::Join { name: n } => {
            out.push(0x01);
            name(&mut out, n);
        }
        Packet::JoinOk { name: n, token } => {
            out.push(0x02);
            name(&mut out, n);
            tok(&mut out, *token);
        }
        Packet::NameTaken { name: n } => {
            out.push(0x03);
            name(&mut out, n);
        }
        Packet::RoomFull => out.push(0x04),
        Packet::Say { token, text: t } => {
            out.push(0x05);
            tok(&mut out, *token);
            text(&mut out, t);
        }
        Packet::Msg { from, text: t } => {
            out.push(0x06);
            name(&mut out, from);
            text(&mut out, t);
        }
        Packet::Joined { name: n } => {
            out.push(0x07);
            name(&mut out, n);
        }
        Packet::Left { name: n, reason } => {
            out.push(0x08);
            name(&mut out, n);
            out.push(match reason {
                Reason::Left => 0,
                Reason::TimedOut => 1,
            });
        }
        Packet::Leave { token } => {
            out.push(0x09);
            tok(&mut out, *token);
        }
        Packet::Heartbeat { token } => {
            out.push(0x0A);
            tok(&mut out, *token);
        }
        Packet::NotMember => out.push(0x0B),
    }
    (out, broken.or(text_broken))
}

fuzz_target!(|data: &[u8]| {
    // Any bytes: no panic; what decodes has exactly one wire form.
    if let Ok(p) = Packet::decode(data) {
        assert_eq!(p.encode().as_deref(), Ok(data), "re-encoding {p:?}");
    }

    // Generated packets against the table's layout and the rules.
    let mut input = Input::new(data);
    for _ in 0..4 {
        if input.is_empty() {
            break;
        }
        let p = packet(&mut input);
        let (laid_out, broken) = layout(&p);
        match (p.encode(), broken) {
            (Ok(wire), None) => {
                assert_eq!(wire, laid_out, "the wire of {p:?}");
                assert!(wire.len() <= MAX_DATAGRAM, "{} bytes", wire.len());
                assert_eq!(Packet::decode(&wire), Ok(p), "decoding what was encoded");
            }
            (Err(err), Some(rule)) => {
                assert_eq!(err, rule, "encode refused {p:?}");
                // Laid out anyway (a name over 255 bytes or a text over
                // 65535 cannot be), the decoder refuses it too.
                let fits = match &p {
                    Packet::Say { text, .. } => text.len() <= usize::from(u16::MAX),
                    Packet::Msg { from, text } => {
                        from.len() <= 255 && text.len() <= usize::from(u16::MAX)
                    }
                    _ => true,
                };
                if fits {
                    assert!(
                        Packet::decode(&laid_out).is_err(),
                        "a refused packet decoded: {p:?}"
                    );
                }
            }
            (got, rule) => panic!("encode gave {got:?}, the rules {rule:?}, for {p:?}"),
        }
    }
});
