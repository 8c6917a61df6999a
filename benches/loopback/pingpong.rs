//! One 64 B round trip over loopback TCP (`TCP_NODELAY` on), two ways:
//! length-prefixed frames through `FrameWriter` / `FrameReader` to an echo
//! thread that answers with the same codec, and `write_all` /
//! `read_exact` of the same 68 bytes to a raw echo thread. Each [`Pinger`]
//! keeps its connection and its echo thread between round trips.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::thread::{self, JoinHandle};

use rionet::frame::{FrameReader, FrameWriter, LengthPrefix};

use crate::streams::pair;

/// Bytes of payload per ping-pong message.
pub const PING: usize = 64;

/// Makes a pinger: its connection and echo thread.
pub type MakePinger = fn() -> Pinger;

/// Every pinger, by name: framed first, then raw.
pub const PINGERS: [(&str, MakePinger); 2] = [("rionet", Pinger::rionet), ("raw", Pinger::raw)];

/// One way of making a round trip; see the module docs.
pub struct Pinger {
    trip: Box<dyn FnMut()>,
    echo: Option<JoinHandle<()>>,
}

impl Pinger {
    /// Frames through `FrameWriter` / `FrameReader`, both ways.
    fn rionet() -> Pinger {
        let (client, server) = nodelay_pair();
        let echo = thread::spawn(move || {
            let mut out = FrameWriter::new(server.try_clone().unwrap(), LengthPrefix::new());
            for frame in FrameReader::new(server, LengthPrefix::new()) {
                out.send(&frame.unwrap()[..]).unwrap();
                out.flush().unwrap();
            }
        });
        let mut out = FrameWriter::new(client.try_clone().unwrap(), LengthPrefix::new());
        let mut frames = FrameReader::new(client, LengthPrefix::new());
        let payload = [7u8; PING];
        let trip = move || {
            out.send(&payload[..]).unwrap();
            out.flush().unwrap();
            assert_eq!(frames.next().unwrap().unwrap().len(), PING);
        };
        Pinger {
            trip: Box::new(trip),
            echo: Some(echo),
        }
    }

    /// The same bytes with `write_all` / `read_exact`.
    fn raw() -> Pinger {
        let (mut client, mut server) = nodelay_pair();
        let echo = thread::spawn(move || {
            let mut buf = [0u8; 4 + PING];
            while server.read_exact(&mut buf).is_ok() {
                server.write_all(&buf).unwrap();
            }
        });
        // The framed message's bytes: LengthPrefix's 4-byte header, payload.
        let mut message = [7u8; 4 + PING];
        message[..4].copy_from_slice(&(PING as u32).to_be_bytes());
        let mut buf = [0u8; 4 + PING];
        let trip = move || {
            client.write_all(&message).unwrap();
            client.read_exact(&mut buf).unwrap();
        };
        Pinger {
            trip: Box::new(trip),
            echo: Some(echo),
        }
    }

    /// One round trip: a message out, its echo back.
    pub fn trip(&mut self) {
        (self.trip)();
    }
}

impl Drop for Pinger {
    fn drop(&mut self) {
        // Dropping the client ends the echo thread's stream; then it can be
        // joined.
        self.trip = Box::new(|| {});
        if let Some(echo) = self.echo.take() {
            echo.join().unwrap();
        }
    }
}

fn nodelay_pair() -> (TcpStream, TcpStream) {
    let (client, server) = pair();
    for s in [&client, &server] {
        s.set_nodelay(true).unwrap();
    }
    (client, server)
}
