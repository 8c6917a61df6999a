//! What the example programs share: the argument parser, the server set-up,
//! the line-by-line client and error reporting. Each example uses part of it.
#![allow(dead_code, unused_imports)]

mod args;
mod line_client;
mod line_reader;
mod report;
mod serve;

pub use args::{Arg, Cli, Matches, Stop, Value};
pub use line_client::{client_args, is_goodbye, line_client};
pub use line_reader::LineReader;
pub use report::{fail, log};
pub use serve::{
    BUSY_LINE, DEFAULT_PORT, IDLE_TIMEOUT, LINE_TIMEOUT, MAX_CONNECTIONS, OverloadPolicy, Seconds,
    ServerArgSpec, ServerArgs, WRITE_TIMEOUT, line_server_args, serve, server_args,
};
