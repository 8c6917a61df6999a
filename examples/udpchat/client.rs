//! `udpchat client`: join, then chat until `exit` or end of input.
//!
//! Threads: one reads stdin lines, one receives datagrams and prints them;
//! both report to the main thread over one channel. The main thread sends:
//! each line as a `SAY`, and a `HEARTBEAT` whenever it has sent nothing for
//! the heartbeat interval (it waits on the channel with exactly that timeout,
//! so there is no polling).

use std::io::{self, BufRead};
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, ToSocketAddrs, UdpSocket};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::thread;
use std::time::{Duration, Instant};

use crate::log::{Log, Stream};
use crate::proto::{self, MAX_DATAGRAM, MAX_TEXT, Packet, ProtoError, Token};
use crate::udp;

/// Client settings from the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ClientConfig {
    pub(crate) host: String,
    pub(crate) port: u16,
    pub(crate) name: String,
    /// Send a heartbeat after this much silence; `None` never does.
    pub(crate) heartbeat: Option<Duration>,
    /// How long to wait for the reply to one `JOIN`.
    pub(crate) join_timeout: Duration,
    /// How many `JOIN`s to send to one server address before moving on.
    pub(crate) join_attempts: u32,
}

/// What the stdin and receiver threads tell the main thread.
#[derive(Debug)]
enum Event {
    Line(String),
    Eof,
    /// The receiver hit something that ends the session.
    Fatal(String),
}

/// How long the receiver blocks before checking whether to stop.
const RECV_TICK: Duration = Duration::from_millis(200);

/// Runs the client; `Err` carries the message for stderr.
pub(crate) fn run(config: &ClientConfig) -> Result<(), String> {
    let addrs = resolve(&config.host, config.port)?;
    let (events, inbox) = mpsc::channel();
    spawn_stdin_reader(events.clone());

    let mut name = config.name.clone();
    let (socket, server, token) = loop {
        if let Err(e) = proto::check_name(&name) {
            eprintln!("udpchat: {e}; type another name");
        } else {
            match join(&addrs, &name, config)? {
                Joined::Ok(socket, server, token) => break (socket, server, token),
                Joined::Taken => println!("* name {name:?} is taken; type another name"),
            }
        }
        name = match inbox.recv() {
            Ok(Event::Line(line)) if line.trim() == "exit" => return Ok(()),
            Ok(Event::Line(line)) => line.trim().to_owned(),
            Ok(Event::Eof) | Err(_) => return Err("no name to join with (end of input)".into()),
            Ok(Event::Fatal(e)) => return Err(e),
        };
    };
    println!("* joined as {name} via {server}");

    let stop = Arc::new(AtomicBool::new(false));
    let receiver = {
        let socket = socket
            .try_clone()
            .map_err(|e| format!("clone socket: {e}"))?;
        let stop = Arc::clone(&stop);
        thread::spawn(move || receive(&socket, &events, &stop))
    };
    let result = chat(&socket, &inbox, config.heartbeat, token);
    stop.store(true, Ordering::Relaxed);
    // Bounded: the receiver checks `stop` at least every RECV_TICK.
    let _ = receiver.join();
    result
}

/// The main loop after joining: send lines, heartbeats, and finally `LEAVE`.
fn chat(
    socket: &UdpSocket,
    inbox: &Receiver<Event>,
    heartbeat: Option<Duration>,
    token: Token,
) -> Result<(), String> {
    let send = |packet: &Packet| -> Result<(), String> {
        let bytes = packet.encode().map_err(|e| e.to_string())?;
        socket
            .send(&bytes)
            .map(drop)
            .map_err(|e| format!("send to server: {e}"))
    };
    // The first datagram with the token confirms the membership: only
    // then does the server announce us and relay the room to us.
    send(&Packet::Heartbeat { token })?;
    let mut last_sent = Instant::now();
    loop {
        let event = match heartbeat {
            Some(every) => {
                inbox.recv_timeout((last_sent + every).saturating_duration_since(Instant::now()))
            }
            None => inbox.recv().map_err(|_| RecvTimeoutError::Disconnected),
        };
        match event {
            Err(RecvTimeoutError::Timeout) => send(&Packet::Heartbeat { token })?,
            Ok(Event::Line(line)) if line.trim() == "exit" => break,
            Ok(Event::Line(line)) if line.is_empty() => continue,
            Ok(Event::Line(text)) => match proto::check_text(&text) {
                Ok(()) => send(&Packet::Say { token, text })?,
                Err(ProtoError::TextTooLong { len }) => {
                    eprintln!(
                        "udpchat: message too long ({len} bytes, the limit is {MAX_TEXT}); not sent"
                    );
                    continue;
                }
                Err(e) => return Err(e.to_string()),
            },
            Ok(Event::Eof) | Err(RecvTimeoutError::Disconnected) => break,
            Ok(Event::Fatal(e)) => return Err(e),
        }
        last_sent = Instant::now();
    }
    // One LEAVE, not acknowledged: if it is lost the server drops us after
    // its idle timeout, and the others still see "left (timed out)".
    send(&Packet::Leave { token })
}

/// The receiver thread: print what the server sends until `stop` is set or
/// something ends the session.
fn receive(socket: &UdpSocket, events: &Sender<Event>, stop: &AtomicBool) {
    if let Err(e) = socket.set_read_timeout(Some(RECV_TICK)) {
        let _ = events.send(Event::Fatal(format!("set socket timeout: {e}")));
        return;
    }
    let mut buf = vec![0u8; MAX_DATAGRAM + 1];
    // Only the server's address reaches this connected socket, but that
    // address can be forged: bad datagrams cost at most 20 lines a second.
    let mut log = Log::new(20, Instant::now());
    while !stop.load(Ordering::Relaxed) {
        log.tick(Instant::now());
        let n = match udp::recv_within(socket, &mut buf) {
            Ok(Some((n, _))) => n,
            Ok(None) => continue,
            Err(e) => {
                let _ = events.send(Event::Fatal(format!("server unreachable: {e}")));
                return;
            }
        };
        match Packet::decode(&buf[..n]) {
            Ok(Packet::Msg { from, text }) => println!("{from}: {}", printable(&text)),
            Ok(Packet::Joined { name }) => println!("* {name} joined"),
            Ok(Packet::Left { name, reason }) => println!("* {name} {reason}"),
            Ok(Packet::NotMember) => {
                let why =
                    "the server no longer knows this client (idle timeout or restart); join again";
                let _ = events.send(Event::Fatal(why.into()));
                return;
            }
            // Duplicates of the join reply (a retried JOIN answered twice).
            Ok(Packet::JoinOk { .. } | Packet::NameTaken { .. }) => {}
            Ok(other) => log.line(
                Instant::now(),
                Stream::Stderr,
                format_args!("udpchat: ignored {other:?}: not a server message"),
            ),
            Err(e) => log.line(
                Instant::now(),
                Stream::Stderr,
                format_args!("udpchat: ignored {n}-byte datagram: {e}"),
            ),
        }
    }
}

/// `text` with control characters escaped, so a message cannot move the
/// cursor, clear the screen or forge a line on the reader's terminal.
/// Everything else, any script included, passes untouched.
fn printable(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// The stdin thread: every line as an event, then `Eof`.
fn spawn_stdin_reader(events: Sender<Event>) {
    thread::spawn(move || {
        for line in io::stdin().lock().lines() {
            let event = match line {
                Ok(line) => Event::Line(line),
                Err(e) if e.kind() == io::ErrorKind::InvalidData => {
                    eprintln!("udpchat: input line is not UTF-8; ignored");
                    continue;
                }
                Err(e) => {
                    eprintln!("udpchat: read stdin: {e}");
                    break;
                }
            };
            if events.send(event).is_err() {
                return;
            }
        }
        let _ = events.send(Event::Eof);
    });
}

/// Every address `host` resolves to (`localhost`, `127.0.0.1`, `::1`, names).
fn resolve(host: &str, port: u16) -> Result<Vec<SocketAddr>, String> {
    let addrs: Vec<SocketAddr> = (host, port)
        .to_socket_addrs()
        .map_err(|e| format!("cannot resolve {host}:{port}: {e}"))?
        .collect();
    if addrs.is_empty() {
        return Err(format!("{host}:{port} resolved to no addresses"));
    }
    Ok(addrs)
}

enum Joined {
    /// A member: the socket (connected to `server`), the server address
    /// and the member's token.
    Ok(UdpSocket, SocketAddr, Token),
    Taken,
}

/// Joins as `name`, trying each server address in turn.
///
/// Per address: a fresh UDP socket, `connect`ed to that address (so it only
/// hears from the server, and an ICMP "port unreachable" comes back as an
/// error instead of silence); up to `join_attempts` `JOIN`s, each followed by
/// a wait of `join_timeout` for the reply. The same socket is kept for all
/// attempts, so a retry after a lost `JOIN_OK` comes from the same address and
/// the server just confirms again. Gives up with every address's outcome.
fn join(addrs: &[SocketAddr], name: &str, config: &ClientConfig) -> Result<Joined, String> {
    let request = Packet::Join {
        name: name.to_owned(),
    }
    .encode()
    .map_err(|e| e.to_string())?;
    let mut failures = Vec::new();
    for &addr in addrs {
        match join_one(addr, name, &request, config) {
            Ok(Some(joined)) => return Ok(joined),
            Ok(None) => failures.push(format!(
                "{addr}: no reply to {} join attempts, {} ms apart",
                config.join_attempts,
                config.join_timeout.as_millis()
            )),
            Err(JoinError::Fatal(e)) => return Err(e),
            Err(JoinError::Address(e)) => failures.push(format!("{addr}: {e}")),
        }
    }
    Err(format!(
        "could not join {}:{}: gave up ({})",
        config.host,
        config.port,
        failures.join("; ")
    ))
}

enum JoinError {
    /// This address failed; try the next.
    Address(io::Error),
    /// The server answered and said no.
    Fatal(String),
}

fn join_one(
    addr: SocketAddr,
    name: &str,
    request: &[u8],
    config: &ClientConfig,
) -> Result<Option<Joined>, JoinError> {
    let local = match addr {
        SocketAddr::V4(_) => SocketAddr::from((Ipv4Addr::UNSPECIFIED, 0)),
        SocketAddr::V6(_) => SocketAddr::from((Ipv6Addr::UNSPECIFIED, 0)),
    };
    let socket = UdpSocket::bind(local).map_err(JoinError::Address)?;
    socket.connect(addr).map_err(JoinError::Address)?;
    let mut buf = vec![0u8; MAX_DATAGRAM + 1];
    for _ in 0..config.join_attempts {
        socket.send(request).map_err(JoinError::Address)?;
        let deadline = Instant::now() + config.join_timeout;
        // Bounded by the deadline: every pass either returns or waits.
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            socket
                .set_read_timeout(Some(left))
                .map_err(JoinError::Address)?;
            let n = match udp::recv_within(&socket, &mut buf) {
                Ok(Some((n, _))) => n,
                Ok(None) => break,
                Err(e) => return Err(JoinError::Address(e)),
            };
            match Packet::decode(&buf[..n]) {
                Ok(Packet::JoinOk { name: n, token }) if n == name => {
                    return Ok(Some(Joined::Ok(socket, addr, token)));
                }
                Ok(Packet::NameTaken { name: n }) if n == name => return Ok(Some(Joined::Taken)),
                Ok(Packet::RoomFull) => {
                    return Err(JoinError::Fatal(format!("the room at {addr} is full")));
                }
                Ok(other) => eprintln!("udpchat: ignored {other:?} while joining"),
                Err(e) => eprintln!("udpchat: ignored {n}-byte datagram while joining: {e}"),
            }
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::Reason;

    #[test]
    fn printable_escapes_control_characters_only() {
        assert_eq!(printable("你好 | a:b"), "你好 | a:b");
        assert_eq!(printable("a\nb\x1b[2J\t"), "a\\nb\\u{1b}[2J\\t");
    }

    #[test]
    fn reason_wording_says_left() {
        assert_eq!(Reason::Left.to_string(), "left");
        assert!(Reason::TimedOut.to_string().contains("left"));
    }
}
