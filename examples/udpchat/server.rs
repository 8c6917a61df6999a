//! `udpchat server`: one dual-stack UDP socket, one thread, members kept in
//! memory only.
//!
//! [`Room`] is the whole chat logic with no I/O: it takes a packet and the
//! time, and returns the datagrams to send. [`run`] is the socket loop around
//! it: receive (with a timeout, so idle members are swept even when nobody
//! talks), decode, hand to the room, send what it returns.

use std::collections::HashMap;
use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::io;
use std::net::{SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

use crate::log::{Log, Stream};
use crate::proto::{MAX_DATAGRAM, Packet, Reason, Token};
use crate::udp;

/// Most members a room holds; a join beyond it gets `ROOM_FULL`. Bounds the
/// server's memory however many (possibly spoofed) joins arrive.
pub(crate) const MAX_MEMBERS: usize = 1024;

/// Longest a joined member may stay unconfirmed (no datagram with its
/// token yet), capped by the idle timeout. A JOIN with a forged source
/// address is never confirmed, since its JOIN_OK went to the real owner of
/// that address: it holds its slot and name this long, and receives nothing.
pub(crate) const CONFIRM_WITHIN: Duration = Duration::from_secs(10);

/// Server settings from the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ServerConfig {
    /// UDP port to bind; 0 picks a free one (printed at start).
    pub(crate) port: u16,
    /// A member silent this long is dropped.
    pub(crate) idle: Duration,
    /// Most members (confirmed or not) from one IP address.
    pub(crate) max_per_address: usize,
    /// Most log lines a second; the rest are counted.
    pub(crate) log_per_sec: u32,
}

/// Runs the server until a fatal socket error.
pub(crate) fn run(config: &ServerConfig) -> io::Result<()> {
    let socket = rionet::bind_udp(config.port)?;
    let mut room = Room::new(config, Instant::now());
    room.log.line(
        Instant::now(),
        Stream::Stdout,
        format_args!("listening on {}", socket.local_addr()?),
    );
    // Wake up at least every `tick` to sweep idle members: a quarter of the
    // idle timeout (so a member is dropped at most 25% late), within
    // [10 ms, 1 s].
    let tick = (config.idle / 4).clamp(Duration::from_millis(10), Duration::from_secs(1));
    socket.set_read_timeout(Some(tick))?;
    let mut next_sweep = Instant::now() + tick;
    // One byte more than the largest valid datagram, so an oversized one is
    // seen as such instead of being silently truncated to a valid prefix.
    let mut buf = vec![0u8; MAX_DATAGRAM + 1];
    loop {
        match udp::recv_within(&socket, &mut buf) {
            Ok(Some((n, from))) => match Packet::decode(&buf[..n]) {
                Ok(packet) => {
                    let out = room.handle(from, packet, Instant::now());
                    send_all(&socket, out, &mut room.log);
                }
                Err(e) => room.log.line(
                    Instant::now(),
                    Stream::Stderr,
                    format_args!("udpchat: ignored {n}-byte datagram from {from}: {e}"),
                ),
            },
            Ok(None) => {}
            // ICMP "port unreachable" for an earlier send to a client that is
            // gone (reported on Windows, and on some Unix configurations): not
            // the server's problem; the idle timeout will drop that member.
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::ConnectionRefused | io::ErrorKind::ConnectionReset
                ) =>
            {
                room.log.line(
                    Instant::now(),
                    Stream::Stderr,
                    format_args!("udpchat: {e} (a client went away)"),
                );
            }
            Err(e) => return Err(e),
        }
        let now = Instant::now();
        room.log.tick(now);
        if now >= next_sweep {
            let out = room.sweep(now);
            send_all(&socket, out, &mut room.log);
            next_sweep = now + tick;
        }
    }
}

/// Sends each outgoing packet to its recipients. A failed send is logged and
/// skipped: one unreachable member must not stop the others' delivery.
fn send_all(socket: &UdpSocket, outbox: Vec<Outgoing>, log: &mut Log) {
    for Outgoing { to, packet } in outbox {
        let bytes = match packet.encode() {
            Ok(bytes) => bytes,
            // Everything the room sends was decoded and validated first.
            Err(e) => {
                log.line(
                    Instant::now(),
                    Stream::Stderr,
                    format_args!("udpchat: not sending {packet:?}: {e}"),
                );
                continue;
            }
        };
        for addr in to {
            if let Err(e) = socket.send_to(&bytes, addr) {
                log.line(
                    Instant::now(),
                    Stream::Stderr,
                    format_args!("udpchat: send to {addr}: {e}"),
                );
            }
        }
    }
}

/// A datagram to send to some peers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Outgoing {
    pub(crate) to: Vec<SocketAddr>,
    pub(crate) packet: Packet,
}

#[derive(Debug)]
struct Member {
    name: String,
    token: Token,
    /// Whether a datagram with the token has come back from this address,
    /// proving the member receives there. Until then it is sent nothing but
    /// its JOIN_OK, and is not announced.
    confirmed: bool,
    joined: Instant,
    last_seen: Instant,
}

/// The chat room: members by address, and what each packet makes it send.
#[derive(Debug)]
pub(crate) struct Room {
    members: HashMap<SocketAddr, Member>,
    idle: Duration,
    max_per_address: usize,
    /// Keyed by the OS's randomness once per process; hashing a counter with
    /// it gives tokens an off-path sender cannot guess (not cryptographic:
    /// anyone who sees the traffic sees the tokens, UDP is not encrypted).
    token_keys: RandomState,
    issued: u64,
    pub(crate) log: Log,
}

/// What a token-bearing datagram from `from` turned out to be.
enum Sender {
    /// The member at that address, with the right token.
    Member,
    /// Nobody is a member at that address.
    Stranger,
    /// A member's address with a wrong token: forged, or a stale client.
    Forged,
}

impl Room {
    pub(crate) fn new(config: &ServerConfig, now: Instant) -> Room {
        Room {
            members: HashMap::new(),
            idle: config.idle,
            max_per_address: config.max_per_address,
            token_keys: RandomState::new(),
            issued: 0,
            log: Log::new(config.log_per_sec, now),
        }
    }

    fn new_token(&mut self) -> Token {
        let mut hasher = self.token_keys.build_hasher();
        hasher.write_u64(self.issued);
        self.issued += 1;
        hasher.finish()
    }

    /// Checks `token` against the member at `from`; a right one confirms
    /// the member (announcing it, the first time) and resets its idle timer.
    fn check(
        &mut self,
        from: SocketAddr,
        token: Token,
        now: Instant,
        out: &mut Vec<Outgoing>,
    ) -> Sender {
        let Some(member) = self.members.get_mut(&from) else {
            return Sender::Stranger;
        };
        if member.token != token {
            return Sender::Forged;
        }
        member.last_seen = now;
        if !member.confirmed {
            member.confirmed = true;
            let name = member.name.clone();
            let count = self.members.values().filter(|m| m.confirmed).count();
            self.log.line(
                now,
                Stream::Stdout,
                format_args!("{name} joined from {from} ({count} in the room)"),
            );
            out.push(Outgoing {
                to: self.others(from),
                packet: Packet::Joined { name },
            });
        }
        Sender::Member
    }

    fn ignore_forged(&mut self, from: SocketAddr, what: &str, now: Instant) -> Vec<Outgoing> {
        self.log.line(
            now,
            Stream::Stderr,
            format_args!("udpchat: ignored {what} from {from}: wrong token"),
        );
        Vec::new()
    }

    /// Handles one packet from `from` at `now`; returns what to send.
    pub(crate) fn handle(
        &mut self,
        from: SocketAddr,
        packet: Packet,
        now: Instant,
    ) -> Vec<Outgoing> {
        let mut out = Vec::new();
        match packet {
            Packet::Join { name } => return self.join(from, name, now),
            Packet::Say { token, text } => match self.check(from, token, now, &mut out) {
                Sender::Member => {
                    let packet = Packet::Msg {
                        from: self.members[&from].name.clone(),
                        text,
                    };
                    out.push(Outgoing {
                        to: self.others(from),
                        packet,
                    });
                }
                Sender::Stranger => return not_member(from),
                Sender::Forged => return self.ignore_forged(from, "SAY", now),
            },
            Packet::Heartbeat { token } => match self.check(from, token, now, &mut out) {
                Sender::Member => {}
                Sender::Stranger => return not_member(from),
                Sender::Forged => return self.ignore_forged(from, "HEARTBEAT", now),
            },
            Packet::Leave { token } => match self.members.get(&from) {
                Some(member) if member.token == token => {
                    let member = self.members.remove(&from).expect("just found");
                    if member.confirmed {
                        out.extend(self.announce_left(member.name, Reason::Left, now));
                    }
                }
                Some(_) => return self.ignore_forged(from, "LEAVE", now),
                // A repeated LEAVE (or one for a member already timed out).
                None => {}
            },
            other => self.log.line(
                now,
                Stream::Stderr,
                format_args!("udpchat: ignored {other:?} from {from}: not a client message"),
            ),
        }
        out
    }

    fn join(&mut self, from: SocketAddr, name: String, now: Instant) -> Vec<Outgoing> {
        let reply = |packet| {
            vec![Outgoing {
                to: vec![from],
                packet,
            }]
        };
        if let Some(member) = self.members.get(&from) {
            if member.name == name {
                // A retried JOIN whose JOIN_OK was lost: the same token
                // again, nothing announced.
                return reply(Packet::JoinOk {
                    name,
                    token: member.token,
                });
            }
            // A JOIN that names someone else from a member's address would
            // otherwise let a forger rename (and so kick) that member.
            self.log.line(
                now,
                Stream::Stderr,
                format_args!(
                    "udpchat: ignored JOIN as {name:?} from {from}: already a member as {:?}",
                    member.name
                ),
            );
            return Vec::new();
        }
        if self.members.values().any(|m| m.name == name) {
            return reply(Packet::NameTaken { name });
        }
        let same_ip = self
            .members
            .keys()
            .filter(|addr| addr.ip() == from.ip())
            .count();
        if self.members.len() >= MAX_MEMBERS || same_ip >= self.max_per_address {
            let why = if same_ip >= self.max_per_address {
                format!("{same_ip} members from {} already", from.ip())
            } else {
                format!("{MAX_MEMBERS} members already")
            };
            self.log.line(
                now,
                Stream::Stderr,
                format_args!("udpchat: room full for {name:?} from {from}: {why}"),
            );
            return reply(Packet::RoomFull);
        }
        let token = self.new_token();
        self.members.insert(
            from,
            Member {
                name: name.clone(),
                token,
                confirmed: false,
                joined: now,
                last_seen: now,
            },
        );
        reply(Packet::JoinOk { name, token })
    }

    /// Drops every member silent for longer than the idle timeout, and
    /// every one still unconfirmed after `CONFIRM_WITHIN`.
    pub(crate) fn sweep(&mut self, now: Instant) -> Vec<Outgoing> {
        let idle = self.idle;
        let confirm_within = CONFIRM_WITHIN.min(idle);
        let expired: Vec<SocketAddr> = self
            .members
            .iter()
            .filter(|(_, m)| {
                if m.confirmed {
                    now.saturating_duration_since(m.last_seen) > idle
                } else {
                    now.saturating_duration_since(m.joined) > confirm_within
                }
            })
            .map(|(addr, _)| *addr)
            .collect();
        let mut out = Vec::new();
        for addr in expired {
            let Some(member) = self.members.remove(&addr) else {
                continue;
            };
            if member.confirmed {
                out.extend(self.announce_left(member.name, Reason::TimedOut, now));
            } else {
                self.log.line(
                    now,
                    Stream::Stderr,
                    format_args!(
                        "udpchat: {:?} from {addr} never confirmed its join; dropped",
                        member.name
                    ),
                );
            }
        }
        out
    }

    fn announce_left(&mut self, name: String, reason: Reason, now: Instant) -> Vec<Outgoing> {
        let to: Vec<SocketAddr> = self
            .members
            .iter()
            .filter(|(_, m)| m.confirmed)
            .map(|(addr, _)| *addr)
            .collect();
        self.log.line(
            now,
            Stream::Stdout,
            format_args!("{name} {reason} ({} in the room)", to.len()),
        );
        vec![Outgoing {
            to,
            packet: Packet::Left { name, reason },
        }]
    }

    /// The confirmed members other than `except`.
    fn others(&self, except: SocketAddr) -> Vec<SocketAddr> {
        self.members
            .iter()
            .filter(|&(&addr, m)| addr != except && m.confirmed)
            .map(|(addr, _)| *addr)
            .collect()
    }
}

fn not_member(to: SocketAddr) -> Vec<Outgoing> {
    vec![Outgoing {
        to: vec![to],
        packet: Packet::NotMember,
    }]
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    fn addr(port: u16) -> SocketAddr {
        SocketAddr::from((Ipv4Addr::LOCALHOST, port))
    }

    fn room_with(idle: Duration, max_per_address: usize) -> Room {
        let config = ServerConfig {
            port: 0,
            idle,
            max_per_address,
            log_per_sec: 100,
        };
        Room::new(&config, Instant::now())
    }

    fn room() -> Room {
        room_with(Duration::from_secs(30), MAX_MEMBERS)
    }

    fn join(room: &mut Room, port: u16, name: &str, now: Instant) -> Vec<Outgoing> {
        room.handle(addr(port), Packet::Join { name: name.into() }, now)
    }

    /// Joins and confirms with a heartbeat, as the client does; the token.
    fn member(room: &mut Room, port: u16, name: &str, now: Instant) -> Token {
        let out = join(room, port, name, now);
        let [
            Outgoing {
                to,
                packet: Packet::JoinOk { token, .. },
            },
        ] = &out[..]
        else {
            panic!("{name} did not join: {out:?}")
        };
        assert_eq!(to, &[addr(port)]);
        let token = *token;
        room.handle(addr(port), Packet::Heartbeat { token }, now);
        token
    }

    /// The single datagram `packet` to the member on `port`.
    fn to_one(port: u16, packet: Packet) -> Vec<Outgoing> {
        vec![Outgoing {
            to: vec![addr(port)],
            packet,
        }]
    }

    fn sorted(mut to: Vec<SocketAddr>) -> Vec<SocketAddr> {
        to.sort();
        to
    }

    #[test]
    fn a_member_is_announced_once_it_confirms_its_token() {
        let now = Instant::now();
        let mut room = room();
        member(&mut room, 1, "ann", now);
        member(&mut room, 2, "bob", now);
        let out = join(&mut room, 3, "cy", now);
        let [
            Outgoing {
                packet: Packet::JoinOk { token, .. },
                ..
            },
        ] = out[..]
        else {
            panic!("{out:?}")
        };
        // Unconfirmed: nobody hears of cy, and cy hears nothing.
        let say = room.handle(
            addr(1),
            Packet::Say {
                token: 0,
                text: "x".into(),
            },
            now,
        );
        assert!(say.is_empty(), "a wrong token is ignored: {say:?}");
        let confirmed = room.handle(addr(3), Packet::Heartbeat { token }, now);
        assert_eq!(sorted(confirmed[0].to.clone()), [addr(1), addr(2)]);
        assert_eq!(confirmed[0].packet, Packet::Joined { name: "cy".into() });
        assert!(
            room.handle(addr(3), Packet::Heartbeat { token }, now)
                .is_empty()
        );
    }

    #[test]
    fn tokens_differ_between_members() {
        let now = Instant::now();
        let mut room = room();
        let tokens: Vec<Token> = (1..=50)
            .map(|p| member(&mut room, p, &format!("m{p}"), now))
            .collect();
        let mut unique = tokens.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), tokens.len());
    }

    #[test]
    fn a_taken_name_is_refused_and_a_retried_join_gets_the_same_token() {
        let now = Instant::now();
        let mut room = room();
        let token = member(&mut room, 1, "ann", now);
        let taken = join(&mut room, 2, "ann", now);
        assert_eq!(taken, to_one(2, Packet::NameTaken { name: "ann".into() }));
        let again = join(&mut room, 1, "ann", now);
        assert_eq!(
            again,
            to_one(
                1,
                Packet::JoinOk {
                    name: "ann".into(),
                    token
                }
            )
        );
    }

    #[test]
    fn forged_leave_say_heartbeat_and_join_do_nothing() {
        let now = Instant::now();
        let mut room = room();
        let ann = member(&mut room, 1, "ann", now);
        let bob = member(&mut room, 2, "bob", now);
        let forged = ann.wrapping_add(1);
        assert!(
            room.handle(addr(1), Packet::Leave { token: forged }, now)
                .is_empty()
        );
        assert!(
            room.handle(addr(1), Packet::Leave { token: bob }, now)
                .is_empty()
        );
        assert!(
            room.handle(
                addr(1),
                Packet::Say {
                    token: forged,
                    text: "x".into()
                },
                now
            )
            .is_empty()
        );
        assert!(
            room.handle(addr(1), Packet::Heartbeat { token: forged }, now)
                .is_empty()
        );
        // A JOIN under another name from ann's address does not rename her.
        assert!(join(&mut room, 1, "mallory", now).is_empty());
        let say = room.handle(
            addr(2),
            Packet::Say {
                token: bob,
                text: "hi".into(),
            },
            now,
        );
        assert_eq!(
            say,
            to_one(
                1,
                Packet::Msg {
                    from: "bob".into(),
                    text: "hi".into()
                }
            )
        );
        // The real LEAVE works.
        let left = room.handle(addr(1), Packet::Leave { token: ann }, now);
        assert_eq!(
            left,
            to_one(
                2,
                Packet::Left {
                    name: "ann".into(),
                    reason: Reason::Left
                }
            )
        );
    }

    #[test]
    fn say_goes_to_everybody_but_the_sender_and_strangers_are_told() {
        let now = Instant::now();
        let mut room = room();
        member(&mut room, 1, "ann", now);
        let bob = member(&mut room, 2, "bob", now);
        member(&mut room, 3, "cy", now);
        let out = room.handle(
            addr(2),
            Packet::Say {
                token: bob,
                text: "hi|there".into(),
            },
            now,
        );
        assert_eq!(sorted(out[0].to.clone()), [addr(1), addr(3)]);
        assert_eq!(
            out[0].packet,
            Packet::Msg {
                from: "bob".into(),
                text: "hi|there".into()
            }
        );
        let stranger = room.handle(
            addr(9),
            Packet::Say {
                token: bob,
                text: "x".into(),
            },
            now,
        );
        assert_eq!(stranger, to_one(9, Packet::NotMember));
        let stranger = room.handle(addr(9), Packet::Heartbeat { token: 0 }, now);
        assert_eq!(stranger, to_one(9, Packet::NotMember));
    }

    #[test]
    fn leave_and_idle_members_are_announced_once() {
        let start = Instant::now();
        let idle = Duration::from_secs(10);
        let mut room = room_with(idle, MAX_MEMBERS);
        let ann = member(&mut room, 1, "ann", start);
        member(&mut room, 2, "bob", start);
        let cy = member(&mut room, 3, "cy", start);
        let left = room.handle(addr(3), Packet::Leave { token: cy }, start);
        assert_eq!(
            left[0].packet,
            Packet::Left {
                name: "cy".into(),
                reason: Reason::Left
            }
        );
        assert_eq!(sorted(left[0].to.clone()), [addr(1), addr(2)]);
        assert!(
            room.handle(addr(3), Packet::Leave { token: cy }, start)
                .is_empty()
        );

        // ann keeps talking (a heartbeat), bob stays silent.
        let beat = room.handle(addr(1), Packet::Heartbeat { token: ann }, start + idle / 2);
        assert!(beat.is_empty());
        assert!(
            room.sweep(start + idle).is_empty(),
            "exactly idle is not yet over"
        );
        let dropped = room.sweep(start + idle + Duration::from_millis(1));
        assert_eq!(
            dropped,
            to_one(
                1,
                Packet::Left {
                    name: "bob".into(),
                    reason: Reason::TimedOut
                }
            )
        );
        assert!(
            room.sweep(start + idle * 2)
                .iter()
                .all(|o| o.packet != dropped[0].packet)
        );
        // bob's name is free again.
        member(&mut room, 4, "bob", start + idle * 2);
    }

    #[test]
    fn an_unconfirmed_join_expires_silently_and_frees_its_name() {
        let start = Instant::now();
        let mut room = room();
        member(&mut room, 1, "ann", start);
        join(&mut room, 2, "spoof", start);
        assert!(room.sweep(start + CONFIRM_WITHIN).is_empty());
        assert!(
            room.sweep(start + CONFIRM_WITHIN + Duration::from_millis(1))
                .is_empty()
        );
        member(&mut room, 3, "spoof", start + CONFIRM_WITHIN * 2);
    }

    #[test]
    fn members_per_address_and_in_all_are_capped() {
        let now = Instant::now();
        let mut room = room_with(Duration::from_secs(30), 3);
        for port in 1..=3 {
            join(&mut room, port, &format!("m{port}"), now);
        }
        assert_eq!(join(&mut room, 4, "m4", now), to_one(4, Packet::RoomFull));
        // Another address is not affected.
        let other = SocketAddr::from((Ipv4Addr::new(127, 0, 0, 2), 4));
        let out = room.handle(other, Packet::Join { name: "m4".into() }, now);
        assert!(matches!(out[0].packet, Packet::JoinOk { .. }), "{out:?}");

        let mut room = room_with(Duration::from_secs(30), MAX_MEMBERS);
        for i in 0..MAX_MEMBERS {
            let port = u16::try_from(i + 1).unwrap();
            join(&mut room, port, &format!("m{i}"), now);
        }
        let full = join(&mut room, 60000, "late", now);
        assert_eq!(full, to_one(60000, Packet::RoomFull));
    }
}
