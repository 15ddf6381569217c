import NimbusInvoke
import NimbusStore
import Synchronization

/// Where accepted events enter the runner, and the runner's count of events running.
///
/// An event accepted while the runner has room is stored already claimed and handed over in memory: the
/// runner starts it without asking the store for it. One accepted while the runner is full is stored
/// unclaimed, and the runner claims it from the store when room frees. Either way it is stored before
/// `submit` returns, and a claim left by a killed process is released at the next start.
public final class EventIntake: Sendable {
    struct State {
        /// Events running, and events handed over and not yet started (their room is taken).
        var inFlight = 0
        var handed: [AsyncEvent] = []
        /// The store may hold due events the runner has not claimed: stored unclaimed, rescheduled, or
        /// waiting for room that has since freed.
        var storeChanged = true
    }

    let store: any AsyncEventStore
    let doorbell = Doorbell()
    let state = Mutex(State())
    /// Events run at the same time, at most.
    let capacity: Int

    init(store: any AsyncEventStore, capacity: Int) {
        self.store = store
        self.capacity = capacity
    }

    /// Stores an event durably and wakes the runner; returns once it is stored.
    public func submit(_ event: AsyncEvent) async throws {
        let reserved = reserve(upTo: 1) == 1
        let stored: AsyncEvent
        do {
            stored = try await store.enqueue(event, claimed: reserved)
        } catch {
            if reserved { release(1) }
            throw error
        }
        state.withLock { state in
            if reserved { state.handed.append(stored) } else { state.storeChanged = true }
        }
        doorbell.ring()
    }

    /// Takes up to `count` free places; returns how many were free.
    func reserve(upTo count: Int) -> Int {
        state.withLock { state in
            let taken = max(0, min(count, capacity - state.inFlight))
            state.inFlight += taken
            return taken
        }
    }

    /// Gives back places reserved and not used.
    func release(_ count: Int) {
        guard count > 0 else { return }
        state.withLock { $0.inFlight -= count }
    }

    /// An event ended. Only a runner that found no room waits for this: then the store is asked again.
    func finished() {
        let wasFull = state.withLock { state in
            let wasFull = state.inFlight >= capacity
            state.inFlight -= 1
            if wasFull { state.storeChanged = true }
            return wasFull
        }
        if wasFull { doorbell.ring() }
    }

    /// The store holds something new to claim (an event rescheduled).
    func storeChanged() {
        state.withLock { $0.storeChanged = true }
        doorbell.ring()
    }

    /// The events handed over since the last take (their room already taken), and whether the store
    /// changed since then.
    func take() -> (events: [AsyncEvent], storeChanged: Bool) {
        state.withLock { state in
            defer { (state.handed, state.storeChanged) = ([], false) }
            return (state.handed, state.storeChanged)
        }
    }
}
