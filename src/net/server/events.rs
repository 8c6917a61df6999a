//! Server events, sent to the `log` facade when the `log` feature is on and
//! dropped otherwise: the library itself never prints.

/// `event!(warn, "...", args)`: one event at a `log` level, target
/// `rionet::server`. Without the `log` feature the arguments are still
/// type-checked, then discarded.
macro_rules! event {
    ($level:ident, $($arg:tt)+) => {{
        #[cfg(feature = "log")]
        log::$level!(target: "rionet::server", $($arg)+);
        #[cfg(not(feature = "log"))]
        let _ = format_args!($($arg)+);
    }};
}

pub(super) use event;
