// sticky: the "sticky packet" problem of TCP, and its cure, on loopback.
//
// Run it:
//
//     cargo run --example sticky
//
// A sender writes three messages back to back over one TCP connection:
// "Client Query test", "Cleint Query", "Client Query Quit". TCP carries
// bytes, not messages, so a receiver that calls read() gets whatever has
// arrived: here all three run together in one read. A length-prefix
// receiver (FrameReader + LengthPrefix) and a delimiter receiver
// (FrameReader + Lines) get the three messages back apart, because their
// sender framed them. Self-contained: no arguments, exits 0.

mod common;

use std::io::{Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::process::ExitCode;
use std::sync::mpsc;
use std::thread;

use rionet::ListenOptions;
use rionet::frame::{Decoder, Encoder, FrameError, FrameReader, FrameWriter, LengthPrefix, Lines};

const MESSAGES: [&str; 3] = ["Client Query test", "Cleint Query", "Client Query Quit"];

fn main() -> ExitCode {
    common::Cli::new(
        "sticky",
        "Shows TCP's \"sticky packet\" problem on loopback, and how length-prefix and\ndelimiter framing cure it. Takes no arguments.",
    )
    .parse_env();
    match demo() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => common::fail("sticky", err),
    }
}

fn demo() -> rionet::Result<()> {
    let listener = ListenOptions::new()
        .bind_addr(Ipv4Addr::LOCALHOST.into())
        .listen(0)?;
    println!("the sender writes {MESSAGES:?} back to back over one TCP connection\n");

    println!("a naive receiver, calling read():");
    exchange(&listener, send_raw, receive_naive)?;

    framed(
        &listener,
        "a length-prefix receiver (FrameReader + LengthPrefix; each message sent as 4-byte length + bytes):",
        LengthPrefix::new(),
    )?;
    framed(
        &listener,
        "a delimiter receiver (FrameReader + Lines; each message sent with a '\\n' after it):",
        Lines::new(),
    )
}

/// One exchange in which the sender frames each message with `codec` and
/// the receiver reads frames with it.
fn framed<C>(listener: &TcpListener, title: &str, codec: C) -> rionet::Result<()>
where
    C::Item: AsRef<[u8]> + std::fmt::Debug + PartialEq<&'static str>,
    C: Decoder<Error = FrameError>
        + for<'a> Encoder<&'a [u8], Error = FrameError>
        + Clone
        + Send
        + 'static,
{
    println!("\n{title}");
    let for_sender = codec.clone();
    exchange(
        listener,
        move |out| send_framed(out, for_sender),
        |input| receive_framed(input, codec),
    )
}

/// One connection: `send` writes everything and closes on a thread of its
/// own; `receive` starts reading only once all of it has been written, so
/// the demo shows the same thing on every run.
fn exchange(
    listener: &TcpListener,
    send: impl FnOnce(&mut TcpStream) -> rionet::Result<()> + Send + 'static,
    receive: impl FnOnce(TcpStream) -> rionet::Result<()>,
) -> rionet::Result<()> {
    let port = listener.local_addr()?.port();
    // Connect before accepting (the kernel completes the handshake from the
    // backlog): a connect that failed on the sender's thread would leave
    // accept() waiting forever.
    let mut client = rionet::open_clientfd("127.0.0.1", port)?;
    let (stream, _) = listener.accept()?;
    let (written_tx, written) = mpsc::channel();
    let sender = thread::spawn(move || -> rionet::Result<()> {
        send(&mut client)?;
        let _ = written_tx.send(());
        Ok(())
    });
    // The sender has written everything (or failed: then the error below says why).
    let _ = written.recv();
    receive(stream)?;
    sender
        .join()
        .map_err(|_| std::io::Error::other("the sender panicked"))?
}

/// Three plain writes, one per message, and nothing else.
fn send_raw(out: &mut TcpStream) -> rionet::Result<()> {
    for message in MESSAGES {
        out.write_all(message.as_bytes())?;
    }
    Ok(())
}

/// Every message framed by `codec`, then one flush.
fn send_framed<E>(out: &mut TcpStream, codec: E) -> rionet::Result<()>
where
    E: for<'a> Encoder<&'a [u8], Error = FrameError>,
{
    let mut framed = FrameWriter::new(out, codec);
    for message in MESSAGES {
        framed.send(message.as_bytes())?;
    }
    Ok(framed.flush()?)
}

/// read() until end of stream, printing what each call returns.
fn receive_naive(mut input: TcpStream) -> rionet::Result<()> {
    let total: usize = MESSAGES.iter().map(|m| m.len()).sum();
    // Wait (bounded) until every byte sent is queued on this side, so the
    // first read sees them all, as it would on any busy server.
    let mut peek = vec![0; total];
    for _ in 0..1000 {
        if input.peek(&mut peek)? >= total {
            break;
        }
    }
    let mut buf = [0u8; 1024];
    let mut reads = 0;
    loop {
        let n = input.read(&mut buf)?;
        if n == 0 {
            break;
        }
        reads += 1;
        println!(
            "  read() #{reads}: {n} bytes: {:?}",
            String::from_utf8_lossy(&buf[..n])
        );
    }
    println!(
        "  -> {reads} read(s) for {} messages: where one message ends is lost",
        MESSAGES.len()
    );
    Ok(())
}

/// Reads frames with `codec` until end of stream, printing each; checks
/// that they are the messages sent.
fn receive_framed<D>(input: TcpStream, codec: D) -> rionet::Result<()>
where
    D: Decoder<Error = FrameError>,
    D::Item: AsRef<[u8]> + std::fmt::Debug + PartialEq<&'static str>,
{
    let mut got = Vec::new();
    for frame in FrameReader::new(input, codec) {
        let frame = frame?;
        println!(
            "  message #{}: {:?}",
            got.len() + 1,
            String::from_utf8_lossy(frame.as_ref())
        );
        got.push(frame);
    }
    if got != MESSAGES {
        return Err(
            std::io::Error::other(format!("expected {MESSAGES:?}, received {got:?}")).into(),
        );
    }
    println!("  -> {} messages, each as it was sent", got.len());
    Ok(())
}
