//! `TimedStream` over real loopback sockets: a timeout rionet knows about is
//! `TimedOut` with its context, a deadline cannot be extended by a trickling
//! peer, and a nonblocking socket still says `WouldBlock`.

mod util;

use std::io::{self, Read, Write};
use std::time::{Duration, Instant};

use rionet::TimedStream;
use util::{IO_TIMEOUT, tcp_pair, with_timeouts};

const SHORT: Duration = Duration::from_millis(100);

fn timed_pair() -> (TimedStream, std::net::TcpStream) {
    let (ours, peer) = tcp_pair();
    (TimedStream::new(with_timeouts(ours)).unwrap(), peer)
}

#[test]
fn new_takes_over_the_timeouts_already_set() {
    let (stream, _peer) = timed_pair();
    assert_eq!(stream.read_timeout(), Some(IO_TIMEOUT));
    assert_eq!(stream.write_timeout(), Some(IO_TIMEOUT));
    assert_eq!(stream.read_deadline(), None);
}

#[test]
fn an_idle_read_timeout_is_timed_out_with_its_duration() {
    let (stream, _peer) = timed_pair();
    stream.set_read_timeout(Some(SHORT)).unwrap();
    let err = (&stream).read(&mut [0; 8]).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::TimedOut, "{err}");
    let text = err.to_string();
    assert!(text.contains("read timed out"), "{text}");
    assert!(text.contains("100ms"), "{text}");
    assert!(stream.timed_out());
}

#[test]
fn a_deadline_cuts_a_trickling_peer_and_counts_what_arrived() {
    let (stream, mut peer) = timed_pair();
    stream.set_read_timeout(Some(IO_TIMEOUT)).unwrap();
    let set = Instant::now();
    stream
        .set_read_deadline(Some(set + Duration::from_millis(300)))
        .unwrap();
    let trickler = std::thread::spawn(move || {
        // One byte every 20 ms: each one would restart an idle timeout.
        for _ in 0..250 {
            if peer.write_all(b"x").is_err() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    });
    let mut got = Vec::new();
    let err = loop {
        let mut buf = [0u8; 64];
        match (&stream).read(&mut buf) {
            Ok(0) => panic!("end of stream before the deadline"),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(err) => break err,
        }
    };
    assert!(set.elapsed() >= Duration::from_millis(300));
    assert_eq!(err.kind(), io::ErrorKind::TimedOut, "{err}");
    let text = err.to_string();
    assert!(text.contains("read deadline passed"), "{text}");
    assert!(
        text.contains(&format!("{} bytes had arrived", got.len())),
        "{text}"
    );
    assert!(!got.is_empty());
    // Past the deadline, reads fail at once, without waiting.
    let err = (&stream).read(&mut [0; 8]).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::TimedOut);
    drop(stream);
    trickler.join().unwrap();
}

#[test]
fn clearing_the_deadline_puts_the_idle_timeout_back() {
    let (stream, mut peer) = timed_pair();
    stream.set_read_timeout(Some(SHORT)).unwrap();
    stream
        .set_read_deadline(Some(Instant::now() + IO_TIMEOUT))
        .unwrap();
    peer.write_all(b"ab").unwrap();
    let mut buf = [0u8; 2];
    (&stream).read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"ab");
    stream.set_read_deadline(None).unwrap();
    assert_eq!(stream.read_deadline(), None);
    let err = (&stream).read(&mut buf).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::TimedOut);
    assert!(err.to_string().contains("read timed out"), "{err}");
}

#[test]
fn a_nonblocking_socket_still_says_would_block() {
    let (stream, _peer) = timed_pair();
    stream.set_nonblocking(true).unwrap();
    let err = (&stream).read(&mut [0; 8]).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::WouldBlock);
    assert!(!stream.timed_out());
    // A deadline in the future does not change that either.
    stream
        .set_read_deadline(Some(Instant::now() + IO_TIMEOUT))
        .unwrap();
    let err = (&stream).read(&mut [0; 8]).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::WouldBlock);
}

#[test]
fn a_write_timeout_is_timed_out_with_its_duration() {
    let (stream, _peer) = timed_pair();
    stream.set_write_timeout(Some(SHORT)).unwrap();
    // The peer never reads: the buffers fill, then the write times out.
    let chunk = vec![0u8; 64 * 1024];
    let mut out = &stream;
    let err = (0..10_000)
        .find_map(|_| out.write(&chunk).err())
        .expect("the buffers never filled");
    assert_eq!(err.kind(), io::ErrorKind::TimedOut, "{err}");
    assert!(err.to_string().contains("write timed out"), "{err}");
    assert!(stream.timed_out());
}

#[test]
fn reads_and_writes_pass_through() {
    let (stream, mut peer) = timed_pair();
    let mut owned = stream;
    owned.write_all(b"ping").unwrap();
    let mut buf = [0u8; 4];
    peer.read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"ping");
    peer.write_all(b"pong").unwrap();
    owned.read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"pong");
    assert_eq!(owned.peer_addr().unwrap(), peer.local_addr().unwrap());
}

/// Generic code reaches the deadline through the trait, by reference too.
#[test]
fn the_deadline_is_reachable_through_the_trait() {
    use rionet::ReadDeadline;

    fn cut_at<R: Read + ReadDeadline>(mut reader: R, at: Instant) -> io::Error {
        reader.set_read_deadline(Some(at)).unwrap();
        reader.read(&mut [0; 8]).unwrap_err()
    }
    let (stream, _peer) = timed_pair();
    let err = cut_at(&stream, Instant::now() + SHORT);
    assert_eq!(err.kind(), io::ErrorKind::TimedOut);
    assert!(err.to_string().contains("0 bytes had arrived"), "{err}");
}
