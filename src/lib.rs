//! Network-programming helpers in the spirit of *CS:APP* chapter 11, done the
//! way a careful systems engineer would do them today.
//!
//! - **Connecting and listening**: [`open_clientfd`] resolves a host and races
//!   every address it gets the RFC 8305 way, so one dead address costs 250 ms
//!   instead of the OS connect timeout, and when all fail the error lists every
//!   attempt. [`open_listenfd`] listens dual-stack (`[::]` with `IPV6_V6ONLY`
//!   off) with `SO_REUSEADDR` and CS:APP's backlog of 1024. [`Connector`] and
//!   [`ListenOptions`] are the builders behind them.
//! - **Serving** ([`Server`]): an accept loop that runs a handler per
//!   connection, on a thread each (CS:APP's `echoservert`) or on a fixed pool
//!   fed by a bounded queue (`echoservert_pre`), with read and write timeouts,
//!   a connection limit and an [`Overload`] policy by default; handlers get a
//!   [`TimedStream`] whose read deadline a trickling client cannot extend. It
//!   survives transient accept errors and running out of file descriptors,
//!   contains handler panics, prints nothing (counters on the
//!   [`ServerHandle`], events to `log`), and shuts down cleanly.
//! - **Robust I/O** (CS:APP's Rio): [`readn`] / [`writen`] /
//!   [`writen_vectored`] move whole buffers, retry `Interrupted`, and report
//!   how many bytes moved before an error. [`RioReader`] reads bounded lines
//!   ([`RioReader::readlineb`], the zero-copy [`RioReader::read_line_slice`])
//!   and byte counts ([`RioReader::readnb`]) from one buffered stream.
//! - **Framing** ([`frame`]): the cures for TCP's "sticky packets" as sans-IO
//!   codecs: [`frame::LengthPrefix`] (tokio-util, Netty and protobuf varint
//!   layouts), [`frame::Delimited`] and [`frame::Lines`],
//!   [`frame::FixedLength`]; [`frame::FrameReader`], [`frame::FrameWriter`]
//!   and [`frame::Framed`] drive them, or a codec of your own with typed
//!   messages, over blocking I/O. One limit (`max_frame_len`, counting the
//!   frame handed back), skips that are not errors, and a
//!   [`frame::FrameError`] that says whether the stream is still usable and
//!   what a cut stream had. Frames come out as [`Bytes`](bytes::Bytes)
//!   split off without copying, or borrowed from the reader's buffer
//!   ([`frame::FrameReader::read_frame_slice`], [`frame::BorrowDecoder`]);
//!   `read_frame_by` / `recv_by` cut a peer that trickles a frame past a
//!   deadline.
//! - **UDP**: [`bind_udp`] binds a datagram socket dual-stack, as
//!   [`open_listenfd`] does for TCP.
//!
//! Everything speaks std types (`TcpStream`, `TcpListener`, `io::Error`), so
//! rionet drops into existing blocking code.
//!
//! # A first round trip
//!
//! ```
//! use std::io::{Read, Write};
//! use std::thread;
//!
//! # fn main() -> rionet::Result<()> {
//! // Port 0: the OS picks a free port.
//! let listener = rionet::open_listenfd(0)?;
//! let port = listener.local_addr()?.port();
//!
//! let server = thread::spawn(move || -> std::io::Result<()> {
//!     let (mut conn, _) = listener.accept()?;
//!     let mut buf = [0u8; 5];
//!     conn.read_exact(&mut buf)?;
//!     conn.write_all(&buf) // echo it back
//! });
//!
//! let mut client = rionet::open_clientfd("localhost", port)?;
//! client.write_all(b"hello")?;
//! let mut echo = [0u8; 5];
//! client.read_exact(&mut echo)?;
//! assert_eq!(&echo, b"hello");
//! server.join().unwrap()?;
//! # Ok(())
//! # }
//! ```
//!
//! # Errors
//!
//! One error type per layer, so each function returns only what it can
//! produce and a caller can match on it: [`ConnectError`] (invalid host,
//! resolver failure, every [`Attempt`] that failed), [`ListenError`] (every
//! bind attempt), [`RioError`] (bytes moved before an I/O error, a line over
//! the maximum), [`frame::FrameError`] (a frame over the maximum, a cut
//! stream, a malformed header; [`is_recoverable`](frame::FrameError::is_recoverable)
//! says whether the stream is still usable) and [`ServeError`] (a server that
//! could not start or whose listener broke). Each has `kind()` and converts
//! into [`std::io::Error`] with the most telling [`std::io::ErrorKind`], so
//! `?` works in functions returning `io::Result`. The umbrella [`Error`] (with
//! [`rionet::Result`](Result)) takes every layer's error through `From`, for
//! code that mixes layers.
//!
//! # Features
//!
//! - `tokio-util`: the codecs also implement tokio-util's `Decoder` and
//!   `Encoder`, for use with `FramedRead` / `FramedWrite`.
//! - `log`: [`Server`] events (handler panics, accept back-off, refused
//!   connections, timeouts) go to the `log` facade, target `rionet::server`.
//!
//! # Minimum supported Rust version
//!
//! Rust 1.85 (edition 2024).
#![deny(
    missing_docs,
    missing_debug_implementations,
    rust_2018_idioms,
    unreachable_pub
)]
#![deny(unsafe_code)]

mod error;
pub mod frame;
mod net;
mod rio;

/// The `bytes` crate, whose [`Bytes`](bytes::Bytes) and
/// [`BytesMut`](bytes::BytesMut) the codecs speak, re-exported so that its
/// version always matches rionet's.
///
/// ```
/// let frame = rionet::bytes::Bytes::from_static(b"hello");
/// assert_eq!(frame.len(), 5);
/// ```
pub use bytes;
pub use error::{Error, Result};
pub use net::{
    Attempt, ConnectError, Connector, Keepalive, ListenError, ListenOptions, Overload,
    ReadDeadline, ServeError, Server, ServerHandle, TimedStream, bind_udp, open_clientfd,
    open_listenfd,
};
pub use rio::{LinePolicy, RioError, RioReader, readn, writen, writen_vectored};

/// The README's Rust examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
