//! The starting gate: every client connects, then all start sending at
//! once, so the figures are for that many concurrent connections.
//!
//! A `std::sync::Barrier` cannot be used: it has no timeout, and a client
//! whose thread could not be started would leave the others waiting
//! forever. This one is a barrier with a deadline.

use std::sync::{Condvar, Mutex, PoisonError};
use std::time::Instant;

/// Clients arrive; the run opens the gate once all have, or at the
/// deadline.
#[derive(Debug, Default)]
pub struct Gate {
    state: Mutex<State>,
    changed: Condvar,
}

#[derive(Debug, Default)]
struct State {
    arrived: usize,
    open: bool,
}

impl Gate {
    /// A closed gate nobody has reached.
    pub fn new() -> Gate {
        Gate::default()
    }

    /// Marks a client as ready (connected, or failed to), then waits for
    /// the gate to open or `deadline` to pass; true if the gate opened.
    pub fn arrive_and_wait(&self, deadline: Instant) -> bool {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.arrived += 1;
        self.changed.notify_all();
        while !state.open {
            let Some(left) = deadline.checked_duration_since(Instant::now()) else {
                return false;
            };
            state = self
                .changed
                .wait_timeout(state, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        true
    }

    /// Waits until `clients` have arrived or `deadline` has passed, then
    /// opens the gate; returns how many had arrived.
    pub fn open_when(&self, clients: usize, deadline: Instant) -> usize {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        while state.arrived < clients {
            let Some(left) = deadline.checked_duration_since(Instant::now()) else {
                break;
            };
            state = self
                .changed
                .wait_timeout(state, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        state.open = true;
        self.changed.notify_all();
        state.arrived
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::time::Duration;

    #[test]
    fn opens_once_all_arrive() {
        let gate = Arc::new(Gate::new());
        let deadline = Instant::now() + Duration::from_secs(10);
        let clients: Vec<_> = (0..4)
            .map(|_| {
                let gate = Arc::clone(&gate);
                std::thread::spawn(move || gate.arrive_and_wait(deadline))
            })
            .collect();
        assert_eq!(gate.open_when(4, deadline), 4);
        for client in clients {
            assert!(client.join().unwrap());
        }
    }

    #[test]
    fn a_missing_client_holds_nobody_past_the_deadline() {
        let gate = Gate::new();
        let soon = Instant::now() + Duration::from_millis(20);
        assert!(!gate.arrive_and_wait(soon));
        assert_eq!(gate.open_when(2, soon), 1);
    }
}
