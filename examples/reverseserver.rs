// reverseserver: answers every line with the line reversed, grapheme
// cluster by grapheme cluster, serving many clients at once.
//
// Run it:
//
//     cargo run --example reverseserver            # port 15213
//     cargo run --example reverseserver 8000 --pool 4
//
// then `cargo run --example reverseclient localhost 15213` in another
// terminal. "héllo" comes back as "olléh" with the accent still on its e;
// Chinese text, emoji with skin tones or ZWJ sequences, and flags come back
// whole. A line that is not UTF-8, or over 64 KiB, gets an `error: ...`
// reply and the session goes on; `bye` (or a line starting with ESC) ends it.
//
// It takes echoserver's limits (`--help` lists them): `--idle-timeout`,
// `--line-timeout` (a line must be complete that long after its first
// byte), `--max-connections` with `--overload wait|refuse`, `--stats`.

mod common;

use std::io::Write;
use std::net::SocketAddr;

use std::time::Duration;

use rionet::TimedStream;
use unicode_segmentation::UnicodeSegmentation;

fn main() {
    let args = common::line_server_args(
        "reverseserver",
        "Answers every line with the line reversed, grapheme cluster by grapheme cluster;\n`bye` (or a line starting with ESC) ends a session.",
    );
    let line_timeout = args.line_timeout.unwrap_or(common::LINE_TIMEOUT);
    common::serve("reverseserver", &args, move |stream, peer| {
        reverse(&stream, peer, line_timeout)
    });
}

fn reverse(stream: &TimedStream, peer: SocketAddr, line_timeout: Duration) {
    common::log(format_args!("{peer}: connected"));
    let mut rio = common::LineReader::new(stream, line_timeout);
    let mut out = stream;
    let mut line = Vec::new();
    let mut lines = 0u64;
    let end = loop {
        line.clear();
        let reply = match rio.read_line(&mut line) {
            Ok(0) => break "closed".to_string(),
            Ok(_) if common::is_goodbye(&line) => {
                let _ = out.write_all(b"bye\n");
                break "said bye".to_string();
            }
            Ok(_) => reversed(&line),
            Err(err @ rionet::RioError::LineTooLong { .. }) => format!("error: {err}\n"),
            Err(err) => break format!("dropped ({err})"),
        };
        if let Err(err) = out.write_all(reply.as_bytes()) {
            break format!("gone ({err})");
        }
        lines += 1;
    };
    common::log(format_args!("{peer}: {end}; answered {lines} lines"));
}

/// The reply to one line: its text reversed by grapheme cluster, or an
/// error if it is not UTF-8. The line ending (`\n` or `\r\n`) stays at
/// the end.
fn reversed(line: &[u8]) -> String {
    let text = line.strip_suffix(b"\n").unwrap_or(line);
    let text = text.strip_suffix(b"\r").unwrap_or(text);
    match std::str::from_utf8(text) {
        Ok(text) => {
            let mut reply: String = text.graphemes(true).rev().collect();
            reply.push('\n');
            reply
        }
        Err(err) => format!(
            "error: the line is not UTF-8 (bad byte at offset {})\n",
            err.valid_up_to()
        ),
    }
}
