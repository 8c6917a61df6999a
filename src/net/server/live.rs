//! What the accept loop, the handlers and the handles share: the live
//! connections (each watched through its one descriptor), the counters, and
//! whether the server has stopped or finished.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use crate::net::deadline::{TimedStream, Watch};

/// Counters of a running server; see [`ServerHandle`](super::ServerHandle).
#[derive(Debug, Default)]
pub(super) struct Counters {
    pub(super) accepted: AtomicU64,
    pub(super) refused: AtomicU64,
    pub(super) timed_out: AtomicU64,
    pub(super) panicked: AtomicU64,
}

impl Counters {
    pub(super) fn bump(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }
}

#[derive(Default)]
struct State {
    started: bool,
    stopped: bool,
    /// The accept loop has returned.
    loop_done: bool,
    /// Every thread of the run has returned.
    finished: bool,
    next_id: u64,
    /// Every accepted connection not yet closed: queued for a pool or served.
    live: HashMap<u64, Watch>,
}

/// The state of one run of a [`Server`](super::Server).
pub(super) struct Shared {
    pub(super) local_addr: SocketAddr,
    pub(super) counters: Counters,
    state: Mutex<State>,
    /// Notified when a connection ends, the server stops, or it finishes.
    changed: Condvar,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared")
            .field("local_addr", &self.local_addr)
            .field("counters", &self.counters)
            .finish_non_exhaustive()
    }
}

impl Shared {
    pub(super) fn new(local_addr: SocketAddr) -> Shared {
        Shared {
            local_addr,
            counters: Counters::default(),
            state: Mutex::new(State::default()),
            changed: Condvar::new(),
        }
    }

    /// Nothing panics while holding the lock; a poisoned one is still sound.
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn wait_timeout<'a>(
        &self,
        guard: MutexGuard<'a, State>,
        timeout: Duration,
    ) -> MutexGuard<'a, State> {
        self.changed
            .wait_timeout(guard, timeout)
            .unwrap_or_else(PoisonError::into_inner)
            .0
    }

    /// Marks the run started; false if it had been already.
    pub(super) fn start(&self) -> bool {
        !std::mem::replace(&mut self.lock().started, true)
    }

    pub(super) fn stopped(&self) -> bool {
        self.lock().stopped
    }

    /// Marks the server stopped: no handler starts from now on. Whether it
    /// had been started (if not, a later start returns at once).
    pub(super) fn stop(&self) -> bool {
        let mut state = self.lock();
        state.stopped = true;
        let started = state.started;
        drop(state);
        self.changed.notify_all();
        started
    }

    /// Marks the accept loop returned.
    pub(super) fn loop_done(&self) {
        self.lock().loop_done = true;
        self.changed.notify_all();
    }

    /// Marks the run finished: every thread it started has returned.
    pub(super) fn finish(&self) {
        let mut state = self.lock();
        state.loop_done = true;
        state.finished = true;
        drop(state);
        self.changed.notify_all();
    }

    /// Waits until the accept loop has returned, or `deadline`; whether it has.
    pub(super) fn wait_loop_done(&self, deadline: Option<Instant>) -> bool {
        self.wait_until(|state| state.loop_done, deadline)
    }

    /// Waits until the run has finished, or `deadline`; whether it has.
    pub(super) fn wait_finished(&self, deadline: Option<Instant>) -> bool {
        self.wait_until(|state| state.finished, deadline)
    }

    /// Sleeps for `pause`, or less if the server stops meanwhile.
    pub(super) fn sleep_unless_stopped(&self, pause: Duration) {
        let _ = self.wait_until(|state| state.stopped, Some(Instant::now() + pause));
    }

    /// Waits until `done` holds, or `deadline` (`None`: no limit); whether
    /// it holds.
    fn wait_until(&self, done: impl Fn(&State) -> bool, deadline: Option<Instant>) -> bool {
        let mut state = self.lock();
        loop {
            if done(&state) {
                return true;
            }
            match deadline {
                None => {
                    state = self
                        .changed
                        .wait(state)
                        .unwrap_or_else(PoisonError::into_inner)
                }
                Some(at) => match at.checked_duration_since(Instant::now()) {
                    Some(left) if !left.is_zero() => state = self.wait_timeout(state, left),
                    _ => return false,
                },
            }
        }
    }

    /// Connections accepted and not yet closed.
    pub(super) fn active(&self) -> usize {
        self.lock().live.len()
    }

    /// Waits while `limit` connections are live; false once stopped.
    pub(super) fn wait_for_room(&self, limit: usize) -> bool {
        let mut state = self.lock();
        while state.live.len() >= limit && !state.stopped {
            state = self
                .changed
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
        !state.stopped
    }

    /// Registers an accepted connection, under the same lock as `stop`, so
    /// none escapes a shutdown; `None` if stopped or `limit` are live.
    pub(super) fn admit(
        self: &Arc<Self>,
        stream: &TimedStream,
        peer: SocketAddr,
        limit: usize,
    ) -> Option<Slot> {
        let mut state = self.lock();
        if state.stopped || state.live.len() >= limit {
            return None;
        }
        let id = state.next_id;
        state.next_id += 1;
        state.live.insert(id, stream.watch());
        Some(Slot {
            shared: Arc::clone(self),
            id,
            peer,
        })
    }

    /// Waits up to `grace` for the live connections to end, then shuts
    /// down both ways those that are left, waking their handlers.
    pub(super) fn close_live_after(&self, grace: Duration) {
        let deadline = Instant::now() + grace;
        let mut state = self.lock();
        while !state.live.is_empty() {
            match deadline.checked_duration_since(Instant::now()) {
                Some(left) if !left.is_zero() => state = self.wait_timeout(state, left),
                _ => break,
            }
        }
        for watch in state.live.values() {
            watch.shutdown();
        }
    }
}

/// One live connection's place in the count; dropping it (after the handler
/// returned, or unserved) frees the place and counts a timeout.
#[derive(Debug)]
pub(super) struct Slot {
    shared: Arc<Shared>,
    id: u64,
    peer: SocketAddr,
}

impl Slot {
    pub(super) fn shared(&self) -> &Shared {
        &self.shared
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let removed = self.shared.lock().live.remove(&self.id);
        // Counted before `removed` drops and closes the socket, so a client
        // that sees the close sees the count.
        if removed.as_ref().is_some_and(Watch::timed_out) {
            Counters::bump(&self.shared.counters.timed_out);
            super::events::event!(
                info,
                "rionet server on {}: the connection from {} timed out and was closed",
                self.shared.local_addr,
                self.peer
            );
        }
        self.shared.changed.notify_all();
        drop(removed);
    }
}
