// A chat room over UDP: one server, any number of clients.
//
// Run the server, then a client per user (each in its own terminal):
//
//     cargo run --example udpchat -- server               # port 15213, IPv4 + IPv6
//     cargo run --example udpchat -- client localhost 15213 alice
//     cargo run --example udpchat -- client ::1 15213 bob
//
// Type a line to say it to the room; `exit` (or end of input) leaves.
// `udpchat server --help` and `udpchat client --help` list the options.

//! A multi-user chat room over UDP, built robustly.
//!
//! ```text
//! udpchat server [--idle-ms N] [--max-per-address N] [--log-lines-per-sec N] [PORT]
//! udpchat client [--heartbeat-ms N] [--join-timeout-ms N] [--join-attempts N] HOST PORT NAME
//! ```
//!
//! The **server** binds `[::]:PORT` (default 15213) with `IPV6_V6ONLY` off, so
//! one socket serves IPv4 and IPv6 clients (falling back to `0.0.0.0` on a host
//! without IPv6), and prints `listening on ADDR:PORT`; PORT 0 picks a free
//! port. It keeps the members in memory only (no files; at most 1024 in all
//! and `--max-per-address` (default 16) from one IP address, so joins
//! cannot exhaust memory), relays each message to every other member,
//! announces joins and leaves, and drops a member it has not heard from for
//! `--idle-ms` (default 30000) with a `NAME left (timed out)` notice to the
//! rest. Its log is rate-limited: at most `--log-lines-per-sec` (default 20)
//! lines a second, then one line saying how many were suppressed, so a flood
//! of bad datagrams cannot flood the terminal or the disk.
//!
//! The **client** resolves HOST with the system resolver (`localhost`,
//! `127.0.0.1`, `::1`, any name), joins as NAME and then sends every stdin
//! line to the room. It prints `NAME: text` for messages, `* NAME joined` and
//! `* NAME left` for notices. If NAME is taken it says so and reads the next
//! line as a new name. It sends a heartbeat after `--heartbeat-ms` (default
//! 5000; 0 = never) without other traffic, which keeps it in the room. A line
//! over 1200 bytes is refused as too long.
//!
//! # The datagram format (version 2)
//!
//! Every message is exactly one UDP datagram:
//!
//! ```text
//! +---------+---------+------------------------------------------+
//! | version |  type   | fields, in the order the type lists them |
//! |  0x02   |   u8    |                                          |
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
//! token: +------------------+   the member's secret, from its JOIN_OK
//!        |    u64 BE        |
//!        +------------------+
//!
//! type  name         direction          fields
//! 0x01  JOIN         client -> server   name
//! 0x02  JOIN_OK      server -> client   name (echoes the JOIN), token
//! 0x03  NAME_TAKEN   server -> client   name (echoes the JOIN)
//! 0x04  ROOM_FULL    server -> client   -
//! 0x05  SAY          client -> server   token, text
//! 0x06  MSG          server -> members  name (the sender), text
//! 0x07  JOINED       server -> members  name
//! 0x08  LEFT         server -> members  name, reason u8 (0 left, 1 timed out)
//! 0x09  LEAVE        client -> server   token
//! 0x0A  HEARTBEAT    client -> server   token
//! 0x0B  NOT_MEMBER   server -> client   - (answers SAY/HEARTBEAT from a stranger)
//! ```
//!
//! For example `JOIN "a|b"` is `02 01 03 61 7C 62`, `MSG from "x" text "é"`
//! is `02 06 01 78 00 02 C3 A9`, and `HEARTBEAT` with token 7 is
//! `02 0A 00 00 00 00 00 00 00 07`. (Version 1 had no tokens; its datagrams
//! are ignored as an unsupported version.) The seed of this example separated
//! fields with a bare `|`, so a name or message containing `|` broke it; here
//! every field carries its length, so any character is just data.
//!
//! A datagram is accepted only if the version is 2, the type is in the
//! table, every length fits inside the datagram and its limit, the strings
//! are UTF-8, the name follows the name rules, and no byte follows the last
//! field. Anything else is ignored with a (rate-limited) log line on stderr:
//! the network
//! never makes the server or client panic, allocate more than one datagram,
//! or stop. The largest datagram, a MSG with a 24-byte name and 1200-byte
//! text, is 1229 bytes: it fits the 1232 bytes of UDP payload that the IPv6
//! minimum MTU (1280) guarantees, so nothing relies on IP fragmentation.
//!
//! # Membership: tokens, confirmation, caps
//!
//! UDP source addresses can be forged, so an address alone proves nothing.
//! The server answers a JOIN with a JOIN_OK carrying a 64-bit token drawn
//! from a per-process random key (std's `RandomState`: unguessable from off
//! the path, not encryption: anyone who sees the traffic sees the token).
//! Every later SAY, HEARTBEAT and LEAVE must carry it:
//!
//! - a datagram from a member's address with the wrong token is ignored
//!   (logged), so a forged LEAVE does not kick, a forged SAY is not relayed
//!   and a forged HEARTBEAT keeps nobody alive; a JOIN under another name
//!   from a member's address is ignored too (it would rename, so kick, the
//!   member: a client that wants a new name sends LEAVE first);
//! - a member is **unconfirmed** until a datagram with its token comes back
//!   (the client sends a HEARTBEAT right after JOIN_OK): until then it is
//!   sent nothing but its JOIN_OK, is not announced, and is dropped silently
//!   after 10 s (or `--idle-ms` if shorter). A JOIN forged with someone
//!   else's address is never confirmed, since its JOIN_OK went to that
//!   address, so it cannot turn the room into a firehose aimed at a victim;
//! - a retried JOIN (same address, same name) gets the same token again;
//! - at most 1024 members in all and `--max-per-address` per IP address
//!   (confirmed or not); beyond either, ROOM_FULL.
//!
//! **Amplification bound** (bytes the server sends per byte it receives):
//!
//! - from any source, member or not, forged or not: at most one datagram
//!   back to the source address per datagram in; the largest ratio is JOIN
//!   (3 + n bytes, n the name's length) to JOIN_OK (11 + n bytes): at most
//!   **3×**, at n = 1. NOT_MEMBER (2 bytes) answers a SAY or HEARTBEAT of at
//!   least 10; garbage gets nothing;
//! - only a confirmed member, with its token, reaches the other members:
//!   a SAY of 12 + t bytes (t the text's length) becomes a MSG of at most
//!   29 + t bytes to each of the other confirmed members, at most 1023: the
//!   fan-out a chat room exists for, at most 1023 × 29/12 ≈ 2470× for an
//!   empty text, 1023 × 1229/1212 ≈ 1040× for the longest, and only towards
//!   addresses that proved they want it. The first HEARTBEAT (10 bytes)
//!   announces JOINED (at most 27 bytes) the same way, once per member.
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

#[path = "../common/mod.rs"]
mod common;

mod client;
mod log;
mod proto;
mod server;
mod udp;

use std::ffi::OsString;
use std::num::{NonZeroU16, NonZeroU32, NonZeroU64, NonZeroUsize};
use std::process::ExitCode;
use std::time::Duration;

use client::ClientConfig;
use common::{Arg, Cli, Matches, Stop};
use server::ServerConfig;

const ABOUT: &str = "A chat room over UDP: one server, any number of clients.";

const DEFAULT_PORT: u16 = 15213;

/// What the command line asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Command {
    Server(ServerConfig),
    Client(ClientConfig),
}

fn main() -> ExitCode {
    let command = parse_args(std::env::args_os().skip(1).collect()).unwrap_or_else(|s| s.exit());
    let result = match command {
        Command::Server(config) => server::run(&config).map_err(|e| e.to_string()),
        Command::Client(config) => client::run(&config),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => common::fail("udpchat", e),
    }
}

/// `udpchat server`'s arguments.
struct ServerArgs {
    port: Arg<u16>,
    idle_ms: Arg<NonZeroU64>,
    max_per_address: Arg<NonZeroUsize>,
    log_per_sec: Arg<u32>,
}

fn server_cli() -> (Cli, ServerArgs) {
    let mut cli = Cli::new(
        "udpchat server",
        "Runs the chat room: binds [::]:PORT (IPv6 and IPv4) and prints \"listening on ADDR\".",
    );
    let args = ServerArgs {
        idle_ms: cli.option(
            "--idle-ms",
            "N",
            "drop a member silent for N milliseconds",
            NonZeroU64::new(30_000).expect("not 0"),
        ),
        max_per_address: cli.option(
            "--max-per-address",
            "N",
            "most members from one IP address",
            NonZeroUsize::new(16).expect("not 0"),
        ),
        log_per_sec: cli.option(
            "--log-lines-per-sec",
            "N",
            "most log lines a second; the rest are counted",
            20,
        ),
        port: cli.positional_or("PORT", "the UDP port; 0 picks a free one", DEFAULT_PORT),
    };
    (cli, args)
}

impl ServerArgs {
    fn take(self, m: &mut Matches) -> ServerConfig {
        ServerConfig {
            port: m.take(self.port),
            idle: Duration::from_millis(m.take(self.idle_ms).get()),
            max_per_address: m.take(self.max_per_address).get(),
            log_per_sec: m.take(self.log_per_sec),
        }
    }
}

/// `udpchat client`'s arguments.
struct ClientArgs {
    host: Arg<String>,
    port: Arg<NonZeroU16>,
    name: Arg<String>,
    heartbeat_ms: Arg<u64>,
    join_timeout_ms: Arg<NonZeroU64>,
    join_attempts: Arg<NonZeroU32>,
}

fn client_cli() -> (Cli, ClientArgs) {
    let mut cli = Cli::new(
        "udpchat client",
        "Joins the room as NAME; type lines to chat, `exit` (or end of input) to leave.",
    );
    let args = ClientArgs {
        heartbeat_ms: cli.option(
            "--heartbeat-ms",
            "N",
            "heartbeat after N milliseconds without sending; 0 = never",
            5_000,
        ),
        join_timeout_ms: cli.option(
            "--join-timeout-ms",
            "N",
            "wait N milliseconds for each join reply",
            NonZeroU64::new(1_000).expect("not 0"),
        ),
        join_attempts: cli.option(
            "--join-attempts",
            "N",
            "join attempts per server address",
            NonZeroU32::new(4).expect("not 0"),
        ),
        host: cli.positional(
            "HOST",
            "the server's name or address (localhost, 127.0.0.1, ::1)",
        ),
        port: cli.positional("PORT", "the server's port"),
        name: cli.positional("NAME", "your name in the room: 1 to 24 bytes"),
    };
    (cli, args)
}

impl ClientArgs {
    fn take(self, m: &mut Matches) -> ClientConfig {
        let ms = Duration::from_millis;
        let heartbeat = m.take(self.heartbeat_ms);
        ClientConfig {
            host: m.take(self.host),
            port: m.take(self.port).get(),
            name: m.take(self.name),
            heartbeat: (heartbeat > 0).then(|| ms(heartbeat)),
            join_timeout: ms(m.take(self.join_timeout_ms).get()),
            join_attempts: m.take(self.join_attempts).get(),
        }
    }
}

/// The help for `udpchat` itself: both synopses, then where to look.
fn top_help() -> String {
    format!(
        "usage: {}\n       {}\n\n{ABOUT}\n`udpchat server --help` and `udpchat client --help` list the options.\n",
        server_cli().0.synopsis(),
        client_cli().0.synopsis()
    )
}

/// Parses `server [PORT] [options]` or `client HOST PORT NAME [options]`;
/// options may come anywhere after the mode.
fn parse_args(args: Vec<OsString>) -> Result<Command, Stop> {
    let mut args = args.into_iter();
    let mode = args.next();
    let bad = |message: String| {
        Stop::Bad(format!(
            "udpchat: {message}\nusage: {}\n       {}\n(`udpchat --help` says more)\n",
            server_cli().0.synopsis(),
            client_cli().0.synopsis()
        ))
    };
    match mode.as_ref().and_then(|m| m.to_str()) {
        Some("server") => {
            let (cli, spec) = server_cli();
            Ok(Command::Server(
                spec.take(&mut cli.parse_os(args.collect())?),
            ))
        }
        Some("client") => {
            let (cli, spec) = client_cli();
            Ok(Command::Client(
                spec.take(&mut cli.parse_os(args.collect())?),
            ))
        }
        Some("-h" | "--help") => Err(Stop::Help(top_help())),
        Some(other) => Err(bad(format!(
            "unknown mode {other:?} (expected server or client)"
        ))),
        None => match mode {
            Some(other) => Err(bad(format!("unknown mode {:?}", other.to_string_lossy()))),
            None => Err(bad("missing mode (server or client)".into())),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(line: &str) -> Result<Command, Stop> {
        parse_args(line.split_whitespace().map(OsString::from).collect())
    }

    #[test]
    fn server_defaults_and_options() {
        let want = ServerConfig {
            port: 15213,
            idle: Duration::from_secs(30),
            max_per_address: 16,
            log_per_sec: 20,
        };
        assert_eq!(parse("server"), Ok(Command::Server(want)));
        let want = ServerConfig {
            port: 0,
            idle: Duration::from_millis(250),
            max_per_address: 2,
            log_per_sec: 0,
        };
        assert_eq!(
            parse("server 0 --idle-ms 250 --max-per-address 2 --log-lines-per-sec 0"),
            Ok(Command::Server(want.clone()))
        );
        assert_eq!(
            parse("server --log-lines-per-sec=0 --max-per-address=2 --idle-ms 250 0"),
            Ok(Command::Server(want))
        );
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
    fn help_is_help_wherever_it_comes() {
        for line in [
            "--help",
            "-h",
            "server --help",
            "server -h 70000",
            "server --idle-ms --help",
            "client --help",
            "client localhost -h",
        ] {
            assert!(matches!(parse(line), Err(Stop::Help(_))), "{line:?}");
        }
        let Err(Stop::Help(help)) = parse("server --help") else {
            panic!()
        };
        assert!(
            help.starts_with("usage: udpchat server [--idle-ms N] "),
            "{help}"
        );
        assert!(help.contains("(default 30000)"), "{help}");
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
            "client localhost 1 a --join-attempts 4 --join-attempts 5",
        ] {
            assert!(
                matches!(parse(line), Err(Stop::Bad(_))),
                "{line:?} was not refused"
            );
        }
    }
}
