//! The server's log, rate-limited: a flood of bad datagrams costs at most
//! `per_sec` lines a second, plus one line saying how many were suppressed.

use std::fmt;
use std::io::{self, Write};
use std::time::{Duration, Instant};

/// Where a line goes: events on stdout, ignored datagrams and errors on
/// stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stream {
    Stdout,
    Stderr,
}

/// A log that prints at most `per_sec` lines in each one-second window
/// and counts the rest. Writes ignore failures: the server goes on after
/// whoever read its log has gone, where `println!` would panic.
#[derive(Debug)]
pub(crate) struct Log {
    per_sec: u32,
    window_start: Instant,
    printed: u32,
    suppressed: u64,
}

impl Log {
    /// A log allowing `per_sec` lines a second (0: only the suppression
    /// summaries).
    pub(crate) fn new(per_sec: u32, now: Instant) -> Log {
        Log {
            per_sec,
            window_start: now,
            printed: 0,
            suppressed: 0,
        }
    }

    /// Prints `line` if this second's budget allows, else counts it.
    pub(crate) fn line(&mut self, now: Instant, to: Stream, line: fmt::Arguments<'_>) {
        self.tick(now);
        if self.printed < self.per_sec {
            self.printed += 1;
            write(to, line);
        } else {
            self.suppressed += 1;
        }
    }

    /// Starts a new window once a second has passed, first printing how
    /// many lines the last one suppressed (if any). Call it now and then
    /// even without lines, so the count comes out when a flood stops.
    pub(crate) fn tick(&mut self, now: Instant) {
        if now.saturating_duration_since(self.window_start) < Duration::from_secs(1) {
            return;
        }
        if self.suppressed > 0 {
            write(
                Stream::Stderr,
                format_args!(
                    "udpchat: {} log lines suppressed (at most {} a second)",
                    self.suppressed, self.per_sec
                ),
            );
        }
        self.window_start = now;
        self.printed = 0;
        self.suppressed = 0;
    }
}

fn write(to: Stream, line: fmt::Arguments<'_>) {
    let _ = match to {
        Stream::Stdout => writeln!(io::stdout(), "{line}"),
        Stream::Stderr => writeln!(io::stderr(), "{line}"),
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_most_per_sec_lines_a_second_and_the_rest_counted() {
        let start = Instant::now();
        let mut log = Log::new(3, start);
        for _ in 0..100 {
            log.line(start, Stream::Stderr, format_args!("flood"));
        }
        assert_eq!((log.printed, log.suppressed), (3, 97));
        log.line(
            start + Duration::from_millis(999),
            Stream::Stderr,
            format_args!("still"),
        );
        assert_eq!(log.suppressed, 98);
        // The next second: the count is reported and the budget is back.
        log.tick(start + Duration::from_secs(1));
        assert_eq!((log.printed, log.suppressed), (0, 0));
        log.line(
            start + Duration::from_secs(1),
            Stream::Stdout,
            format_args!("ok"),
        );
        assert_eq!(log.printed, 1);
    }
}
