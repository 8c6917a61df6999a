//! Where accepted connections go: a thread each, or a fixed pool of workers
//! fed by a bounded queue; and the one place a handler runs, its panic
//! contained.

use std::net::SocketAddr;
use std::panic::{self, AssertUnwindSafe};
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex, PoisonError};
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
        workers: Vec<JoinHandle<()>>,
    },
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
        let (queue, jobs) = mpsc::sync_channel::<Job>(queue_capacity);
        let jobs = Arc::new(Mutex::new(jobs));
        let mut workers = Vec::with_capacity(count);
        for i in 0..count {
            let (jobs, handler) = (Arc::clone(&jobs), Arc::clone(&handler));
            let spawned = thread::Builder::new()
                .name(format!("rionet-worker-{i}"))
                .spawn(move || worker(&jobs, &*handler));
            match spawned {
                Ok(worker) => workers.push(worker),
                Err(err) => {
                    // Closing the queue lets the workers started so far exit.
                    Dispatcher::<H>::Pool { queue, workers }.finish();
                    return Err(err);
                }
            }
        }
        Ok(Dispatcher::Pool { queue, workers })
    }

    /// Hands one connection over. With `wait`, a full pool queue blocks
    /// until a worker takes a job; without, the job comes back.
    pub(super) fn dispatch(&mut self, job: Job, wait: bool) -> Result<(), Rejected> {
        match self {
            Dispatcher::Pool { queue, .. } if wait => queue.send(job).map_err(|_| {
                Rejected::Failed(std::io::Error::other("the worker pool has stopped"))
            }),
            Dispatcher::Pool { queue, .. } => queue.try_send(job).map_err(|err| match err {
                TrySendError::Full(job) => Rejected::Full(job),
                TrySendError::Disconnected(_) => {
                    Rejected::Failed(std::io::Error::other("the worker pool has stopped"))
                }
            }),
            Dispatcher::ThreadPerConnection { handler, threads } => {
                // Forget threads that have finished, so the list stays as
                // long as the number of live connections.
                threads.retain(|thread| !thread.is_finished());
                let handler = Arc::clone(handler);
                let thread = thread::Builder::new()
                    .name("rionet-conn".into())
                    .spawn(move || serve_one(&*handler, job))
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
            Dispatcher::Pool { queue, workers } => {
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
fn worker<H>(jobs: &Mutex<Receiver<Job>>, handler: &H)
where
    H: Fn(TimedStream, SocketAddr),
{
    loop {
        let job = jobs.lock().unwrap_or_else(PoisonError::into_inner).recv();
        let Ok(job) = job else {
            return;
        };
        serve_one(handler, job);
    }
}

/// Runs the handler on one connection, containing a panic to it; once the
/// server has stopped, closes the connection unserved.
fn serve_one<H>(handler: &H, job: Job)
where
    H: Fn(TimedStream, SocketAddr),
{
    let Job { stream, peer, slot } = job;
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
    // `slot` drops here, after the handler's stream: the connection closes.
}
