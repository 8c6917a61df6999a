// hostinfo: print every address a host name resolves to (CS:APP's hostinfo).
//
// Run it:
//
//     cargo run --example hostinfo localhost
//     cargo run --example hostinfo example.com
//
// It resolves NAME the way connect does (getaddrinfo through std's
// `ToSocketAddrs`) and prints each address once, in the resolver's order.
// A name that does not resolve is reported on stderr with exit status 1.

mod common;

use std::io::Write;
use std::net::{IpAddr, ToSocketAddrs};
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut cli = common::Cli::new(
        "hostinfo",
        "Prints every address NAME resolves to, once each, in the resolver's order.",
    );
    let name = cli.positional::<String>(
        "NAME",
        "a host name or address (localhost, example.com, ::1)",
    );
    let name = cli.parse_env().take(name);
    // Port 0: only the addresses matter. `getaddrinfo` asks for stream
    // sockets, so each address comes once.
    let addrs = (name.as_str(), 0).to_socket_addrs().unwrap_or_else(|err| {
        common::fail("hostinfo", format_args!("cannot resolve {name}: {err}"))
    });
    let mut seen: Vec<IpAddr> = Vec::new();
    let mut stdout = std::io::stdout().lock();
    for addr in addrs {
        if !seen.contains(&addr.ip()) {
            seen.push(addr.ip());
            if let Err(err) = writeln!(stdout, "{}", addr.ip()) {
                common::fail("hostinfo", format_args!("writing stdout: {err}"));
            }
        }
    }
    if seen.is_empty() {
        common::fail("hostinfo", format_args!("{name} has no addresses"));
    }
    ExitCode::SUCCESS
}
