//! Where accepted connections go: a thread each, or a fixed pool of workers
//! fed by a bounded queue; and the one place a handler runs, its panic
//! contained.

use std::net::SocketAddr;
use std::panic::{self, AssertUnwindSafe};
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};

use super::events::event;
use super::live::{Counters, Slot};
use crate::net::deadline::TimedStream;

/// How accepted connections reach the handler.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Mode {
    ThreadPerConnection,
    Pool { workers: usize },
}

/// A connection on its way to a handler, holding its place in the count.
pub(super) struct Job {
    pub(super) stream: TimedStream,
    pub(super) peer: SocketAddr,
    pub(super) slot: Slot,
}

/// Why a connection could not be handed over; it comes back to be refused.
pub(super) enum Rejected {
    /// The pool's queue is full (only when told not to wait).
    Full(Job),
    /// A thread could not be spawned, or the pool has stopped.
    Failed(std::io::Error),
}

/// Where accepted connections go.
pub(super) enum Dispatcher<H> {
    ThreadPerConnection {
        handler: Arc<H>,
        threads: Vec<JoinHandle<()>>,
    },
    Pool {
        queue: SyncSender<Job>,
        load: Arc<Load>,
        workers: Vec<JoinHandle<()>>,
    },
}

/// How many connections a pool holds, served or queued, out of `limit`
/// (its workers plus its queue capacity).
///
/// The pool is full when this count says so, not when the channel is: a
/// channel of capacity 0 only takes a job while a worker is blocked in
/// `recv`, so it would refuse a connection whenever the idle worker has not
/// reached `recv` yet (starting up, or between two jobs).
#[derive(Debug)]
pub(super) struct Load {
    held: Mutex<usize>,
    /// Notified when a held connection is let go.
    freed: Condvar,
    limit: usize,
}

impl Load {
    fn lock(&self) -> MutexGuard<'_, usize> {
        self.held.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Takes a place; with `wait`, waits for one, else false when full.
    fn take(&self, wait: bool) -> bool {
        let mut held = self.lock();
        while *held >= self.limit {
            if !wait {
                return false;
            }
            held = self
                .freed
                .wait(held)
                .unwrap_or_else(PoisonError::into_inner);
        }
        *held += 1;
        true
    }

    /// Gives a place back.
    fn release(&self) {
        let mut held = self.lock();
        *held = held.saturating_sub(1);
        drop(held);
        self.freed.notify_one();
    }
}

/// A place in a pool's [`Load`], given back when dropped, even by a worker
/// that unwinds.
struct Held<'a>(&'a Load);

impl Drop for Held<'_> {
    fn drop(&mut self) {
        self.0.release();
    }
}

impl<H> Dispatcher<H>
where
    H: Fn(TimedStream, SocketAddr) + Send + Sync + 'static,
{
    /// Spawns a pool's workers, or gets ready to spawn connection threads.
    pub(super) fn start(mode: Mode, queue_capacity: usize, handler: H) -> std::io::Result<Self> {
        let handler = Arc::new(handler);
        let Mode::Pool { workers: count } = mode else {
            return Ok(Dispatcher::ThreadPerConnection {
                handler,
                threads: Vec::new(),
            });
        };
        let limit = count.saturating_add(queue_capacity);
        // `load` keeps at most `limit` jobs in the channel, so it never
        // fills: a send never blocks the accept loop.
        let (queue, jobs) = mpsc::sync_channel::<Job>(limit);
        let load = Arc::new(Load {
            held: Mutex::new(0),
            freed: Condvar::new(),
            limit,
        });
        let jobs = Arc::new(Mutex::new(jobs));
        let mut workers = Vec::with_capacity(count);
        for i in 0..count {
            let (jobs, held, handler) =
                (Arc::clone(&jobs), Arc::clone(&load), Arc::clone(&handler));
            let spawned = thread::Builder::new()
                .name(format!("rionet-worker-{i}"))
                .spawn(move || worker(&jobs, &held, &*handler));
            match spawned {
                Ok(worker) => workers.push(worker),
                Err(err) => {
                    // Closing the queue lets the workers started so far exit.
                    Dispatcher::<H>::Pool {
                        queue,
                        load,
                        workers,
                    }
                    .finish();
                    return Err(err);
                }
            }
        }
        Ok(Dispatcher::Pool {
            queue,
            load,
            workers,
        })
    }

    /// Hands one connection over. A pool is full when every worker is
    /// serving and its queue holds `queue_capacity` connections; then, with
    /// `wait`, this blocks until a worker is done with one; without, the
    /// job comes back.
    pub(super) fn dispatch(&mut self, job: Job, wait: bool) -> Result<(), Rejected> {
        match self {
            Dispatcher::Pool { queue, load, .. } => {
                if !load.take(wait) {
                    return Err(Rejected::Full(job));
                }
                queue.try_send(job).map_err(|err| {
                    load.release();
                    match err {
                        TrySendError::Full(job) => Rejected::Full(job),
                        TrySendError::Disconnected(_) => {
                            Rejected::Failed(std::io::Error::other("the worker pool has stopped"))
                        }
                    }
                })
            }
            Dispatcher::ThreadPerConnection { handler, threads } => {
                // Forget threads that have finished, so the list stays as
                // long as the number of live connections.
                threads.retain(|thread| !thread.is_finished());
                let handler = Arc::clone(handler);
                let thread = thread::Builder::new()
                    .name("rionet-conn".into())
                    .spawn(move || serve_one(&*handler, job, None))
                    .map_err(Rejected::Failed)?;
                threads.push(thread);
                Ok(())
            }
        }
    }

    /// Closes a pool's queue and joins every thread. Handler panics were
    /// caught already, so a join error cannot carry one.
    pub(super) fn finish(self) {
        let threads = match self {
            Dispatcher::Pool { queue, workers, .. } => {
                drop(queue);
                workers
            }
            Dispatcher::ThreadPerConnection { threads, .. } => threads,
        };
        for thread in threads {
            let _ = thread.join();
        }
    }
}

/// A pool worker: serves queued connections until the queue closes.
fn worker<H>(jobs: &Mutex<Receiver<Job>>, load: &Load, handler: &H)
where
    H: Fn(TimedStream, SocketAddr),
{
    loop {
        let job = jobs.lock().unwrap_or_else(PoisonError::into_inner).recv();
        let Ok(job) = job else {
            return;
        };
        serve_one(handler, job, Some(load));
    }
}

/// Runs the handler on one connection, containing a panic to it; once the
/// server has stopped, closes the connection unserved. A pool's place is
/// given back before the connection closes, so a client that sees the close
/// finds the room it left.
fn serve_one<H>(handler: &H, job: Job, load: Option<&Load>)
where
    H: Fn(TimedStream, SocketAddr),
{
    let Job { stream, peer, slot } = job;
    // Declared after `slot`, so dropped before it.
    let _held = load.map(Held);
    let shared = slot.shared();
    if shared.stopped() {
        return;
    }
    if let Err(payload) = panic::catch_unwind(AssertUnwindSafe(|| handler(stream, peer))) {
        Counters::bump(&shared.counters.panicked);
        let message = payload
            .downcast_ref::<&str>()
            .copied()
            .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
            .unwrap_or("a non-string payload");
        event!(
            error,
            "rionet server on {}: the handler for {peer} panicked ({message}); its connection is closed",
            shared.local_addr
        );
    }
    // `_held` drops here, then `slot`, after the handler's stream: the
    // connection closes.
}
