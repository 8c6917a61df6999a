//! How the examples report: log lines on stdout, `program: message` on
//! stderr.

use std::fmt::Display;
use std::io::{self, Write};
use std::process;

/// Prints one log line on stdout. Unlike `println!`, it ignores a failed
/// write: a server goes on serving after whoever read its log (a pipe, a
/// terminal) has gone, where `println!` would panic in every handler.
pub fn log(line: std::fmt::Arguments<'_>) {
    let _ = writeln!(io::stdout(), "{line}");
}

/// Prints `program: err` on stderr and exits with status 1.
pub fn fail(program: &str, err: impl Display) -> ! {
    eprintln!("{program}: {err}");
    process::exit(1)
}
