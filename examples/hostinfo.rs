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

use std::net::{IpAddr, ToSocketAddrs};
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [name] = args.as_slice() else {
        eprintln!("usage: hostinfo NAME");
        return ExitCode::from(2);
    };
    // Port 0: only the addresses matter. `getaddrinfo` asks for stream
    // sockets, so each address comes once.
    let addrs = match (name.as_str(), 0).to_socket_addrs() {
        Ok(addrs) => addrs,
        Err(err) => {
            eprintln!("hostinfo: cannot resolve {name}: {err}");
            return ExitCode::FAILURE;
        }
    };
    let mut seen: Vec<IpAddr> = Vec::new();
    for addr in addrs {
        if !seen.contains(&addr.ip()) {
            seen.push(addr.ip());
            println!("{}", addr.ip());
        }
    }
    if seen.is_empty() {
        eprintln!("hostinfo: {name} has no addresses");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
