import Synchronization

/// Wakes a waiting task when work arrives, or after a timeout, whichever comes first.
///
/// Timeouts are kept by a sleeping task that outlives the wait it was started for: a wait whose deadline
/// is no earlier than the one a sleeper already covers starts no timer. A loop that waits for a second
/// and is rung every millisecond arms about one timer a second, not one per ring.
public final class Doorbell: Sendable {
    private struct State {
        var rung = false
        var waiter: CheckedContinuation<Void, Never>?
        /// When the current wait times out.
        var deadline = ContinuousClock.now
        /// When the most recently started sleeper wakes (nil: it woke, or none was started).
        var armed: ContinuousClock.Instant?
    }

    private let state = Mutex(State())

    /// Creates a bell that has not rung.
    public init() {}

    /// Work arrived.
    public func ring() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            defer { (state.rung, state.waiter) = (state.waiter == nil, nil) }
            return state.waiter
        }
        waiter?.resume()
    }

    /// Whether a ring is pending (for tests).
    var isRung: Bool { state.withLock { $0.rung } }

    /// Waits for a ring (one that came since the last wait counts), the timeout, or the waiting task's
    /// cancellation (a service shutting down), whichever comes first.
    public func wait(timeout: Duration) async {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                // Checked under the lock the cancellation handler also takes: a cancel is never missed.
                let sleepUntil = state.withLock { state -> ContinuousClock.Instant?? in
                    if state.rung || Task.isCancelled {
                        state.rung = false
                        return nil
                    }
                    (state.waiter, state.deadline) = (continuation, deadline)
                    if let armed = state.armed, armed <= deadline { return .some(nil) }
                    state.armed = deadline
                    return .some(deadline)
                }
                switch sleepUntil {
                case .none: continuation.resume()
                case .some(let instant?): startSleeper(until: instant)
                case .some(.none): break
                }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume()
        }
    }

    private func startSleeper(until instant: ContinuousClock.Instant) {
        Task { [self] in
            try? await Task.sleep(until: instant, clock: .continuous)
            woke(armedFor: instant)
        }
    }

    /// A sleeper woke: ends a wait whose deadline passed, or covers a later deadline with a new sleeper.
    private func woke(armedFor instant: ContinuousClock.Instant) {
        let now = ContinuousClock.now
        let (expired, next) = state.withLock {
            state -> (CheckedContinuation<Void, Never>?, ContinuousClock.Instant?) in
            if state.armed == instant { state.armed = nil }
            guard let waiter = state.waiter else { return (nil, nil) }
            if state.deadline <= now {
                state.waiter = nil
                return (waiter, nil)
            }
            guard state.armed == nil else { return (nil, nil) }
            state.armed = state.deadline
            return (nil, state.deadline)
        }
        expired?.resume()
        if let next { startSleeper(until: next) }
    }
}
