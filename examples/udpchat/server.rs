//! `udpchat server`: one dual-stack UDP socket, one thread, members kept in
//! memory only.
//!
//! [`Room`] is the whole chat logic with no I/O: it takes a packet and the
//! time, and returns the datagrams to send. [`run`] is the socket loop around
//! it: receive (with a timeout, so idle members are swept even when nobody
//! talks), decode, hand to the room, send what it returns.

use std::collections::HashMap;
use std::io::{self, Write};
use std::net::{SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

use crate::proto::{MAX_DATAGRAM, Packet, Reason};
use crate::udp;

/// Most members a room holds; a join beyond it gets `ROOM_FULL`. Bounds the
/// server's memory however many (possibly spoofed) joins arrive.
pub(crate) const MAX_MEMBERS: usize = 1024;

/// Server settings from the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ServerConfig {
    /// UDP port to bind; 0 picks a free one (printed at start).
    pub(crate) port: u16,
    /// A member silent this long is dropped.
    pub(crate) idle: Duration,
}

/// Runs the server until a fatal socket error.
pub(crate) fn run(config: &ServerConfig) -> io::Result<()> {
    let socket = rionet::bind_udp(config.port)?;
    log(format_args!("listening on {}", socket.local_addr()?));
    // Wake up at least every `tick` to sweep idle members: a quarter of the
    // idle timeout (so a member is dropped at most 25% late), within
    // [10 ms, 1 s].
    let tick = (config.idle / 4).clamp(Duration::from_millis(10), Duration::from_secs(1));
    socket.set_read_timeout(Some(tick))?;
    let mut room = Room::new(config.idle);
    let mut next_sweep = Instant::now() + tick;
    // One byte more than the largest valid datagram, so an oversized one is
    // seen as such instead of being silently truncated to a valid prefix.
    let mut buf = vec![0u8; MAX_DATAGRAM + 1];
    loop {
        match udp::recv_within(&socket, &mut buf) {
            Ok(Some((n, from))) => match Packet::decode(&buf[..n]) {
                Ok(packet) => send_all(&socket, room.handle(from, packet, Instant::now())),
                Err(e) => eprintln!("udpchat: ignored {n}-byte datagram from {from}: {e}"),
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
                eprintln!("udpchat: {e} (a client went away)");
            }
            Err(e) => return Err(e),
        }
        let now = Instant::now();
        if now >= next_sweep {
            send_all(&socket, room.sweep(now));
            next_sweep = now + tick;
        }
    }
}

/// Prints one log line on stdout, ignoring a failed write: the server goes
/// on after whoever read its log has gone, where `println!` would panic and
/// take the whole room down.
fn log(line: std::fmt::Arguments<'_>) {
    let _ = writeln!(io::stdout(), "{line}");
}

/// Sends each outgoing packet to its recipients. A failed send is logged and
/// skipped: one unreachable member must not stop the others' delivery.
fn send_all(socket: &UdpSocket, outbox: Vec<Outgoing>) {
    for Outgoing { to, packet } in outbox {
        let bytes = match packet.encode() {
            Ok(bytes) => bytes,
            // Everything the room sends was decoded and validated first.
            Err(e) => {
                eprintln!("udpchat: not sending {packet:?}: {e}");
                continue;
            }
        };
        for addr in to {
            if let Err(e) = socket.send_to(&bytes, addr) {
                eprintln!("udpchat: send to {addr}: {e}");
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
    last_seen: Instant,
}

/// The chat room: members by address, and what each packet makes it send.
#[derive(Debug)]
pub(crate) struct Room {
    members: HashMap<SocketAddr, Member>,
    idle: Duration,
}

impl Room {
    pub(crate) fn new(idle: Duration) -> Room {
        Room {
            members: HashMap::new(),
            idle,
        }
    }

    /// Handles one packet from `from` at `now`; returns what to send.
    pub(crate) fn handle(
        &mut self,
        from: SocketAddr,
        packet: Packet,
        now: Instant,
    ) -> Vec<Outgoing> {
        if let Some(member) = self.members.get_mut(&from) {
            member.last_seen = now;
        }
        match packet {
            Packet::Join { name } => self.join(from, name, now),
            Packet::Say { text } => match self.members.get(&from) {
                Some(member) => {
                    let packet = Packet::Msg {
                        from: member.name.clone(),
                        text,
                    };
                    vec![Outgoing {
                        to: self.others(from),
                        packet,
                    }]
                }
                None => not_member(from),
            },
            Packet::Heartbeat if self.members.contains_key(&from) => Vec::new(),
            Packet::Heartbeat => not_member(from),
            Packet::Leave => match self.members.remove(&from) {
                Some(member) => self.announce_left(member.name, Reason::Left),
                // A repeated LEAVE (or one for a member already timed out).
                None => Vec::new(),
            },
            other => {
                eprintln!("udpchat: ignored {other:?} from {from}: not a client message");
                Vec::new()
            }
        }
    }

    fn join(&mut self, from: SocketAddr, name: String, now: Instant) -> Vec<Outgoing> {
        let owner = self
            .members
            .iter()
            .find(|(_, m)| m.name == name)
            .map(|(addr, _)| *addr);
        let reply = |packet| {
            vec![Outgoing {
                to: vec![from],
                packet,
            }]
        };
        match owner {
            // A retried JOIN whose JOIN_OK was lost: confirm again, announce
            // nothing new.
            Some(addr) if addr == from => reply(Packet::JoinOk { name }),
            Some(_) => reply(Packet::NameTaken { name }),
            None => {
                let mut out = Vec::new();
                // The same address joining under a new name: the old name
                // leaves first, so no name is ever held by a dead membership.
                if let Some(old) = self.members.remove(&from) {
                    out.extend(self.announce_left(old.name, Reason::Left));
                } else if self.members.len() >= MAX_MEMBERS {
                    return reply(Packet::RoomFull);
                }
                log(format_args!(
                    "{name} joined from {from} ({} in the room)",
                    self.members.len() + 1
                ));
                out.push(Outgoing {
                    to: self.others(from),
                    packet: Packet::Joined { name: name.clone() },
                });
                self.members.insert(
                    from,
                    Member {
                        name: name.clone(),
                        last_seen: now,
                    },
                );
                out.push(Outgoing {
                    to: vec![from],
                    packet: Packet::JoinOk { name },
                });
                out
            }
        }
    }

    /// Drops every member silent for longer than the idle timeout.
    pub(crate) fn sweep(&mut self, now: Instant) -> Vec<Outgoing> {
        let idle = self.idle;
        let expired: Vec<SocketAddr> = self
            .members
            .iter()
            .filter(|(_, m)| now.saturating_duration_since(m.last_seen) > idle)
            .map(|(addr, _)| *addr)
            .collect();
        let mut out = Vec::new();
        for addr in expired {
            if let Some(member) = self.members.remove(&addr) {
                out.extend(self.announce_left(member.name, Reason::TimedOut));
            }
        }
        out
    }

    fn announce_left(&self, name: String, reason: Reason) -> Vec<Outgoing> {
        log(format_args!(
            "{name} {reason} ({} in the room)",
            self.members.len()
        ));
        let to = self.members.keys().copied().collect();
        vec![Outgoing {
            to,
            packet: Packet::Left { name, reason },
        }]
    }

    fn others(&self, except: SocketAddr) -> Vec<SocketAddr> {
        self.members
            .keys()
            .copied()
            .filter(|&addr| addr != except)
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

    fn join(room: &mut Room, port: u16, name: &str, now: Instant) -> Vec<Outgoing> {
        room.handle(addr(port), Packet::Join { name: name.into() }, now)
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
    fn join_announces_to_the_others_and_confirms_to_the_joiner() {
        let now = Instant::now();
        let mut room = Room::new(Duration::from_secs(30));
        let first = join(&mut room, 1, "ann", now);
        let joined = Packet::Joined { name: "ann".into() };
        assert_eq!(
            first[0],
            Outgoing {
                to: vec![],
                packet: joined
            }
        );
        assert_eq!(first[1..], to_one(1, Packet::JoinOk { name: "ann".into() }));
        join(&mut room, 2, "bob", now);
        let third = join(&mut room, 3, "cy", now);
        assert_eq!(sorted(third[0].to.clone()), [addr(1), addr(2)]);
        assert_eq!(third[0].packet, Packet::Joined { name: "cy".into() });
    }

    #[test]
    fn a_taken_name_is_refused_and_a_retried_join_is_confirmed_again() {
        let now = Instant::now();
        let mut room = Room::new(Duration::from_secs(30));
        join(&mut room, 1, "ann", now);
        let taken = join(&mut room, 2, "ann", now);
        assert_eq!(taken, to_one(2, Packet::NameTaken { name: "ann".into() }));
        let again = join(&mut room, 1, "ann", now);
        assert_eq!(again, to_one(1, Packet::JoinOk { name: "ann".into() }));
    }

    #[test]
    fn say_goes_to_everybody_but_the_sender_and_strangers_are_told() {
        let now = Instant::now();
        let mut room = Room::new(Duration::from_secs(30));
        for (port, name) in [(1, "ann"), (2, "bob"), (3, "cy")] {
            join(&mut room, port, name, now);
        }
        let out = room.handle(
            addr(2),
            Packet::Say {
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
        let stranger = room.handle(addr(9), Packet::Say { text: "x".into() }, now);
        assert_eq!(stranger, to_one(9, Packet::NotMember));
        let stranger = room.handle(addr(9), Packet::Heartbeat, now);
        assert_eq!(stranger, to_one(9, Packet::NotMember));
    }

    #[test]
    fn leave_and_idle_members_are_announced_once() {
        let start = Instant::now();
        let idle = Duration::from_secs(10);
        let mut room = Room::new(idle);
        for (port, name) in [(1, "ann"), (2, "bob"), (3, "cy")] {
            join(&mut room, port, name, start);
        }
        let left = room.handle(addr(3), Packet::Leave, start);
        assert_eq!(
            left[0].packet,
            Packet::Left {
                name: "cy".into(),
                reason: Reason::Left
            }
        );
        assert_eq!(sorted(left[0].to.clone()), [addr(1), addr(2)]);
        assert!(room.handle(addr(3), Packet::Leave, start).is_empty());

        // ann keeps talking (a heartbeat), bob stays silent.
        assert!(
            room.handle(addr(1), Packet::Heartbeat, start + idle / 2)
                .is_empty()
        );
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
        assert_eq!(
            join(&mut room, 4, "bob", start + idle * 2)[1].packet,
            Packet::JoinOk { name: "bob".into() }
        );
    }

    #[test]
    fn rejoining_under_a_new_name_releases_the_old_one() {
        let now = Instant::now();
        let mut room = Room::new(Duration::from_secs(30));
        join(&mut room, 1, "ann", now);
        join(&mut room, 2, "bob", now);
        let out = join(&mut room, 1, "anna", now);
        assert_eq!(
            out[0].packet,
            Packet::Left {
                name: "ann".into(),
                reason: Reason::Left
            }
        );
        assert_eq!(
            out.last().unwrap().packet,
            Packet::JoinOk {
                name: "anna".into()
            }
        );
        assert_eq!(
            join(&mut room, 3, "ann", now)[1].packet,
            Packet::JoinOk { name: "ann".into() }
        );
    }

    #[test]
    fn the_room_has_a_member_limit() {
        let now = Instant::now();
        let mut room = Room::new(Duration::from_secs(30));
        for i in 0..MAX_MEMBERS {
            let port = u16::try_from(i + 1).unwrap();
            join(&mut room, port, &format!("m{i}"), now);
        }
        let full = join(&mut room, 60000, "late", now);
        assert_eq!(full, to_one(60000, Packet::RoomFull));
    }
}
