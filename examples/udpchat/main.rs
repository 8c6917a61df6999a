// A chat room over UDP: one server, any number of clients.
//
// Run the server, then a client per user (each in its own terminal):
//
//     cargo run --example udpchat -- server               # port 15213, IPv4 + IPv6
//     cargo run --example udpchat -- client localhost 15213 alice
//     cargo run --example udpchat -- client ::1 15213 bob
//
// Type a line to say it to the room; `exit` (or end of input) leaves.

//! A multi-user chat room over UDP, built robustly.
//!
//! ```text
//! udpchat server [PORT] [--idle-ms N]
//! udpchat client HOST PORT NAME [--heartbeat-ms N] [--join-timeout-ms N] [--join-attempts N]
//! ```
//!
//! The **server** binds `[::]:PORT` (default 15213) with `IPV6_V6ONLY` off, so
//! one socket serves IPv4 and IPv6 clients (falling back to `0.0.0.0` on a host
//! without IPv6), and prints `listening on ADDR:PORT`; PORT 0 picks a free
//! port. It keeps the members in memory only (no files; at most 1024, so
//! spoofed joins cannot exhaust memory), relays each message to every other
//! member, announces joins and leaves, and drops a member it has not heard
//! from for `--idle-ms` (default 30000) with a `NAME left (timed out)` notice
//! to the rest.
//!
//! The **client** resolves HOST with the system resolver (`localhost`,
//! `127.0.0.1`, `::1`, any name), joins as NAME and then sends every stdin
//! line to the room. It prints `NAME: text` for messages, `* NAME joined` and
//! `* NAME left` for notices. If NAME is taken it says so and reads the next
//! line as a new name. It sends a heartbeat after `--heartbeat-ms` (default
//! 5000; 0 = never) without other traffic, which keeps it in the room. A line
//! over 1200 bytes is refused as too long.
//!
//! # The datagram format (version 1)
//!
//! Every message is exactly one UDP datagram:
//!
//! ```text
//! +---------+---------+------------------------------------------+
//! | version |  type   | fields, in the order the type lists them |
//! |  0x01   |   u8    |                                          |
//! +---------+---------+------------------------------------------+
//!
//! name:  +--------+----------------------+   1..=24 bytes, no control
//!        | len u8 |  len bytes of UTF-8  |   characters, no leading or
//!        +--------+----------------------+   trailing whitespace
//!
//! text:  +------------+------------------+   0..=1200 bytes
//!        | len u16 BE | len bytes UTF-8  |
//!        +------------+------------------+
//!
//! type  name         direction          fields
//! 0x01  JOIN         client -> server   name
//! 0x02  JOIN_OK      server -> client   name (echoes the JOIN)
//! 0x03  NAME_TAKEN   server -> client   name (echoes the JOIN)
//! 0x04  ROOM_FULL    server -> client   -
//! 0x05  SAY          client -> server   text
//! 0x06  MSG          server -> members  name (the sender), text
//! 0x07  JOINED       server -> members  name
//! 0x08  LEFT         server -> members  name, reason u8 (0 left, 1 timed out)
//! 0x09  LEAVE        client -> server   -
//! 0x0A  HEARTBEAT    client -> server   -
//! 0x0B  NOT_MEMBER   server -> client   - (answers SAY/HEARTBEAT from a stranger)
//! ```
//!
//! For example `JOIN "a|b"` is `01 01 03 61 7C 62`, and `MSG from "x" text
//! "é"` is `01 06 01 78 00 02 C3 A9`. The seed of this example separated
//! fields with a bare `|`, so a name or message containing `|` broke it; here
//! every field carries its length, so any character is just data.
//!
//! A datagram is accepted only if the version is 1, the type is in the
//! table, every length fits inside the datagram and its limit, the strings
//! are UTF-8, the name follows the name rules, and no byte follows the last
//! field. Anything else is ignored with a log line on stderr: the network
//! never makes the server or client panic, allocate more than one datagram,
//! or stop. The largest datagram, a MSG with a 24-byte name and 1200-byte
//! text, is 1229 bytes: it fits the 1232 bytes of UDP payload that the IPv6
//! minimum MTU (1280) guarantees, so nothing relies on IP fragmentation.
//!
//! # Why UDP has no sticky packets, and what it has instead
//!
//! TCP is a byte stream: two `write`s may arrive in one `read`, or one in two
//! (the "sticky packet" problem that rionet's framers solve). UDP keeps
//! message boundaries: each `send` is one datagram and each `recv` returns
//! exactly one whole datagram (or nothing). So one message per datagram needs
//! no framing at all; the length fields above only separate the fields
//! inside a datagram. (A datagram bigger than the receive buffer would be cut
//! short, so both sides receive into a buffer one byte larger than the
//! largest valid datagram and reject anything that fills it.)
//!
//! What UDP does not give is delivery: datagrams can be lost, duplicated or
//! reordered. This example handles exactly what it must and documents the
//! rest:
//!
//! - **JOIN** is retried: up to `--join-attempts` (default 4) per server
//!   address, `--join-timeout-ms` (default 1000) apart, then the client gives
//!   up with an error naming each address tried. A duplicate JOIN from the
//!   same address is answered with JOIN_OK again, so a lost reply is harmless.
//! - **HEARTBEAT**s may be lost: keep the interval at most a third of the
//!   server's idle timeout so two lost in a row do not drop a member.
//! - **LEAVE** is sent once; if it is lost the idle timeout removes the member.
//! - **SAY / MSG** are best effort, as in any UDP chat: a lost message is
//!   lost, a duplicated one shows twice, two messages may swap. On loopback
//!   and a quiet LAN this practically never happens; a chat that must not
//!   lose messages wants sequence numbers and acknowledgements, or TCP.
//! - A client the server no longer knows (dropped after silence, or the
//!   server restarted) is told NOT_MEMBER when it speaks, and exits with an
//!   error instead of talking into the void.

mod client;
mod proto;
mod server;
mod udp;

use std::process::ExitCode;
use std::time::Duration;

use client::ClientConfig;
use server::ServerConfig;

const USAGE: &str = "\
usage: udpchat server [PORT] [--idle-ms N]
       udpchat client HOST PORT NAME [--heartbeat-ms N] [--join-timeout-ms N] [--join-attempts N]

server  PORT defaults to 15213 (IPv4 and IPv6); 0 picks a free port, printed
        as \"listening on ADDR:PORT\"
        --idle-ms N          drop a member silent for N ms (default 30000)
client  HOST is a name or address (localhost, 127.0.0.1, ::1); type lines to
        chat, `exit` to leave
        --heartbeat-ms N     heartbeat after N ms without sending (default 5000,
                             0 = never)
        --join-timeout-ms N  wait N ms for each join reply (default 1000)
        --join-attempts N    join attempts per server address (default 4)";

const DEFAULT_PORT: u16 = 15213;

/// What the command line asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Command {
    Server(ServerConfig),
    Client(ClientConfig),
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = match parse_args(&args) {
        Ok(command) => command,
        Err(e) => {
            eprintln!("udpchat: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let result = match command {
        Command::Server(config) => server::run(&config).map_err(|e| e.to_string()),
        Command::Client(config) => client::run(&config),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("udpchat: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Parses `server [PORT] [--idle-ms N]` or `client HOST PORT NAME [options]`.
/// Options may come anywhere after the mode.
fn parse_args(args: &[String]) -> Result<Command, String> {
    let (mode, rest) = args
        .split_first()
        .ok_or("missing mode (server or client)")?;
    let mut positional = Vec::new();
    let mut options = Vec::new();
    let mut rest = rest.iter();
    while let Some(arg) = rest.next() {
        if let Some(option) = arg.strip_prefix("--") {
            let value = rest
                .next()
                .ok_or_else(|| format!("--{option} needs a value"))?;
            let value: u64 = value
                .parse()
                .map_err(|_| format!("--{option}: {value:?} is not a number"))?;
            options.push((option, value));
        } else {
            positional.push(arg.as_str());
        }
    }
    let port = |s: &str| {
        s.parse::<u16>()
            .map_err(|_| format!("{s:?} is not a port (0-65535)"))
    };
    let ms = Duration::from_millis;
    match mode.as_str() {
        "server" => {
            let mut config = ServerConfig {
                port: DEFAULT_PORT,
                idle: ms(30_000),
            };
            match positional[..] {
                [] => {}
                [p] => config.port = port(p)?,
                _ => return Err("server takes at most one argument, PORT".into()),
            }
            for (option, value) in options {
                match option {
                    "idle-ms" if value > 0 => config.idle = ms(value),
                    "idle-ms" => return Err("--idle-ms must be at least 1".into()),
                    _ => return Err(format!("unknown server option --{option}")),
                }
            }
            Ok(Command::Server(config))
        }
        "client" => {
            let [host, p, name] = positional[..] else {
                return Err("client takes HOST PORT NAME".into());
            };
            let mut config = ClientConfig {
                host: host.to_owned(),
                port: port(p)?,
                name: name.to_owned(),
                heartbeat: Some(ms(5_000)),
                join_timeout: ms(1_000),
                join_attempts: 4,
            };
            if config.port == 0 {
                return Err("client PORT must not be 0".into());
            }
            for (option, value) in options {
                match option {
                    "heartbeat-ms" => config.heartbeat = (value > 0).then(|| ms(value)),
                    "join-timeout-ms" if value > 0 => config.join_timeout = ms(value),
                    "join-attempts" if value > 0 => {
                        config.join_attempts =
                            u32::try_from(value).map_err(|_| "--join-attempts is too large")?;
                    }
                    "join-timeout-ms" | "join-attempts" => {
                        return Err(format!("--{option} must be at least 1"));
                    }
                    _ => return Err(format!("unknown client option --{option}")),
                }
            }
            Ok(Command::Client(config))
        }
        other => Err(format!(
            "unknown mode {other:?} (expected server or client)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(line: &str) -> Result<Command, String> {
        parse_args(
            &line
                .split_whitespace()
                .map(str::to_owned)
                .collect::<Vec<_>>(),
        )
    }

    #[test]
    fn server_defaults_and_options() {
        let want = ServerConfig {
            port: 15213,
            idle: Duration::from_secs(30),
        };
        assert_eq!(parse("server"), Ok(Command::Server(want)));
        let want = ServerConfig {
            port: 0,
            idle: Duration::from_millis(250),
        };
        assert_eq!(
            parse("server 0 --idle-ms 250"),
            Ok(Command::Server(want.clone()))
        );
        assert_eq!(parse("server --idle-ms 250 0"), Ok(Command::Server(want)));
    }

    #[test]
    fn client_defaults_and_options() {
        let Ok(Command::Client(config)) = parse("client ::1 15213 小明") else {
            panic!()
        };
        assert_eq!(
            (config.host.as_str(), config.port, config.name.as_str()),
            ("::1", 15213, "小明")
        );
        assert_eq!(config.heartbeat, Some(Duration::from_secs(5)));
        let Ok(Command::Client(config)) =
            parse("client localhost 9 a --heartbeat-ms 0 --join-timeout-ms 50 --join-attempts 2")
        else {
            panic!()
        };
        assert_eq!(config.heartbeat, None);
        assert_eq!(
            (config.join_timeout, config.join_attempts),
            (Duration::from_millis(50), 2)
        );
    }

    #[test]
    fn bad_arguments_are_refused() {
        for line in [
            "",
            "serve",
            "server 1 2",
            "server 65536",
            "server x",
            "server --idle-ms",
            "server --idle-ms 0",
            "server --idle-ms -5",
            "server --heartbeat-ms 5",
            "client",
            "client localhost 1",
            "client localhost 0 a",
            "client localhost port a",
            "client localhost 1 a b",
            "client localhost 1 a --join-attempts 0",
            "client localhost 1 a --idle-ms 5",
        ] {
            assert!(parse(line).is_err(), "{line:?} was accepted");
        }
    }
}
