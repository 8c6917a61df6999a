// tiny: CS:APP's Tiny web server (section 11.6) on rionet: serves the files
// under ROOT over HTTP/1.0 and HTTP/1.1 (GET and HEAD, keep-alive,
// pipelining), and survives hostile clients.
//
// Run it:
//
//     cargo run --release --example tiny                      # port 15213, the current directory
//     cargo run --release --example tiny -- 8000 /srv/www     # port 8000, files under /srv/www
//     cargo run --release --example tiny -- --help
//
// then `curl -v http://localhost:15213/` (a directory serves its index.html);
// an executable ROOT/cgi-bin/adder answers `/cgi-bin/adder?1&2`.
// It listens dual-stack through `rionet::open_listenfd` and prints
// `listening on ADDR ...` first; port 0 picks a free port.

//! Tiny: a small, careful static-file web server.
//!
//! ```text
//! tiny [--head-timeout SECS] [--cgi-timeout SECS] [--max-connections N] [PORT] [ROOT]
//! ```
//!
//! - `main.rs`: start-up (arguments, listening, serving);
//! - `args.rs`: the command line;
//! - `limits.rs`: every size, timeout and the connection limit, in one place;
//! - `request.rs`: the request head, bounded in size, lines and time;
//! - `path.rs`: a request target to a file under ROOT, or a refusal;
//! - `mime.rs`: `Content-Type` from the file name;
//! - `cgi.rs`: `/cgi-bin/` programs, run without a shell, bounded in time and
//!   output;
//! - `date.rs`: HTTP dates (IMF-fixdate);
//! - `response.rs`: status lines, headers and error replies;
//! - `conn.rs`: one connection: requests in, responses out, in order.

#[path = "../common/mod.rs"]
mod common;

mod args;
mod cgi;
mod conn;
mod date;
mod limits;
mod mime;
mod path;
mod request;
mod response;

use std::sync::Arc;

use rionet::Server;

use crate::conn::Site;
use crate::limits::Limits;

fn main() {
    let args = args::parse_or_exit();
    let root = path::Root::new(&args.root).unwrap_or_else(|err| {
        eprintln!("tiny: bad ROOT {}: {err}", args.root.display());
        std::process::exit(2)
    });
    let listener = rionet::open_listenfd(args.port).unwrap_or_else(|err| common::fail("tiny", err));
    let addr = listener
        .local_addr()
        .unwrap_or_else(|err| common::fail("tiny", err));
    let limits = Limits {
        head_timeout: args.head_timeout,
        max_connections: args.max_connections,
        cgi_timeout: args.cgi_timeout,
        ..Limits::default()
    };
    common::log(format_args!(
        "listening on {addr} (root {}, head timeout {:?}, at most {} connections)",
        root.dir().display(),
        limits.head_timeout,
        limits.max_connections,
    ));
    let site = Arc::new(Site::new(root, limits));
    let mut server = Server::new(listener);
    limits.configure(&mut server);
    let served = server.serve(move |stream, _peer| conn::serve(&site, stream));
    if let Err(err) = served {
        common::fail("tiny", err);
    }
}
