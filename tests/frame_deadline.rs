//! Frame deadlines over real loopback sockets: `FrameReader::read_frame_by`
//! and `Framed::recv_by` on a `TimedStream` cut a trickling peer at the
//! deadline, say how many bytes had arrived, and leave no deadline behind.

mod util;

use std::io::{self, Write};
use std::net::TcpStream;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use rionet::TimedStream;
use rionet::frame::{FrameError, FrameReader, Framed, LengthPrefix, Lines};
use util::{IO_TIMEOUT, tcp_pair, with_timeouts};

const DEADLINE: Duration = Duration::from_millis(300);

fn timed_pair() -> (TimedStream, TcpStream) {
    let (ours, peer) = tcp_pair();
    (
        TimedStream::new(with_timeouts(ours)).unwrap(),
        with_timeouts(peer),
    )
}

/// Writes `bytes` to `peer` one byte every 20 ms (each byte would restart
/// an idle timeout) until they run out, a write fails, or `stop` is sent.
fn trickle(mut peer: TcpStream, bytes: Vec<u8>) -> (mpsc::Sender<()>, thread::JoinHandle<()>) {
    let (stop, stopped) = mpsc::channel();
    let handle = thread::spawn(move || {
        for byte in bytes {
            if stopped.try_recv().is_ok() || peer.write_all(&[byte]).is_err() {
                return;
            }
            // Pacing the trickle, not synchronisation.
            thread::sleep(Duration::from_millis(20));
        }
        // Hold the connection open until the test is done with it.
        let _ = stopped.recv_timeout(IO_TIMEOUT);
    });
    (stop, handle)
}

/// The header of a 200-byte frame and its payload: 204 bytes, which at one
/// byte per 20 ms take 4 s, far past the deadline.
fn slow_frame() -> Vec<u8> {
    let mut wire = vec![0, 0, 0, 200];
    wire.extend(std::iter::repeat_n(b'x', 200));
    wire
}

#[test]
fn a_trickling_frame_is_cut_at_the_deadline_with_what_had_arrived() {
    let (stream, peer) = timed_pair();
    let (stop, trickler) = trickle(peer, slow_frame());
    let mut frames = FrameReader::new(&stream, LengthPrefix::new());
    let start = Instant::now();
    let err = frames.read_frame_by(start + DEADLINE).unwrap_err();
    let took = start.elapsed();
    assert!(took >= DEADLINE, "cut after {took:?}");
    assert!(took < IO_TIMEOUT, "cut after {took:?}");
    assert_eq!(err.kind(), io::ErrorKind::TimedOut, "{err}");
    let FrameError::Io(io_err) = &err else {
        panic!("not an I/O error: {err:?}")
    };
    assert_eq!(io_err.kind(), io::ErrorKind::TimedOut);
    let text = err.to_string();
    assert!(text.contains("read deadline passed"), "{text}");
    // Every byte that arrived is still buffered, and the message counts it.
    let arrived = frames.buffer().len();
    assert!(arrived > 0 && arrived < 204, "{arrived} bytes buffered");
    assert!(
        text.contains(&format!("; {arrived} bytes had arrived")),
        "{text}"
    );
    assert_eq!(stream.read_deadline(), None, "the deadline is cleared");
    assert!(stream.timed_out());
    stop.send(()).unwrap();
    trickler.join().unwrap();
}

#[test]
fn frames_in_time_pass_and_the_idle_timeout_is_back_afterwards() {
    let (stream, mut peer) = timed_pair();
    stream
        .set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let mut frames = FrameReader::new(&stream, LengthPrefix::new());
    peer.write_all(b"\0\0\0\x05hello\0\0\0\x05world").unwrap();
    for want in ["hello", "world"] {
        let frame = frames
            .read_frame_by(Instant::now() + IO_TIMEOUT)
            .unwrap()
            .unwrap();
        assert_eq!(frame, want);
        assert_eq!(stream.read_deadline(), None);
    }
    // No deadline left behind: a silent peer meets the idle timeout.
    let err = frames.read_frame().unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::TimedOut, "{err}");
    assert!(err.to_string().contains("read timed out"), "{err}");
    // And a clean end of stream is still `None` under a deadline.
    drop(peer);
    assert_eq!(
        frames.read_frame_by(Instant::now() + IO_TIMEOUT).unwrap(),
        None
    );
}

#[test]
fn a_deadline_already_past_fails_without_waiting() {
    let (stream, _peer) = timed_pair();
    let mut frames = FrameReader::new(stream, Lines::new());
    let start = Instant::now();
    let err = frames.read_frame_by(start).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::TimedOut, "{err}");
    assert!(err.to_string().contains("0 bytes had arrived"), "{err}");
    assert!(start.elapsed() < IO_TIMEOUT);
    assert_eq!(frames.get_ref().read_deadline(), None);
}

#[test]
fn recv_by_sends_the_request_and_cuts_a_trickled_reply() {
    let (stream, peer) = timed_pair();
    let (got_request, request) = mpsc::channel();
    let server = thread::spawn(move || {
        // Read the request, then trickle a reply line that never ends.
        {
            let mut reader = FrameReader::new(&peer, Lines::new());
            let line = reader.read_frame().unwrap().unwrap();
            got_request.send(line).unwrap();
            (&peer).write_all(b"VALUE ").unwrap();
        }
        trickle(peer, b"slowly and never finishing".to_vec())
    });
    let mut conn = Framed::new(stream, Lines::new());
    conn.send("GET greeting").unwrap();
    let start = Instant::now();
    let err = conn.recv_by(start + DEADLINE).unwrap_err();
    assert!(start.elapsed() >= DEADLINE);
    assert_eq!(
        request.recv_timeout(IO_TIMEOUT).unwrap(),
        "GET greeting",
        "recv_by flushed the request first"
    );
    assert_eq!(err.kind(), io::ErrorKind::TimedOut, "{err}");
    let arrived = conn.read_buffer().len();
    assert!(arrived >= "VALUE ".len(), "{arrived} bytes buffered");
    assert!(
        err.to_string()
            .contains(&format!("{arrived} bytes had arrived")),
        "{err}"
    );
    assert_eq!(conn.get_ref().read_deadline(), None);
    let (stop, trickler) = server.join().unwrap();
    stop.send(()).unwrap();
    trickler.join().unwrap();
}
