import Synchronization

/// Wakes a waiting task when work arrives, or after a timeout, whichever comes first.
public final class Doorbell: Sendable {
    private let state = Mutex<(rung: Bool, waiter: CheckedContinuation<Void, Never>?)>((false, nil))

    /// Creates a bell that has not rung.
    public init() {}

    /// Work arrived.
    public func ring() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            defer { state = (state.waiter == nil, nil) }
            return state.waiter
        }
        waiter?.resume()
    }

    /// Whether a ring is pending (for tests).
    var isRung: Bool { state.withLock { $0.rung } }

    /// Waits for a ring (one that came since the last wait counts), the timeout, or the waiting task's
    /// cancellation (a service shutting down), whichever comes first.
    public func wait(timeout: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                try? await Task.sleep(for: timeout)
                // Cancelled because the wait already ended: ringing now would leave the bell rung and make
                // the next wait return at once, turning the waiter's loop into a spin.
                if !Task.isCancelled { self.ring() }
            }
            await withTaskCancellationHandler {
                await withCheckedContinuation { continuation in
                    // Checked under the lock the cancellation handler also takes: a cancel is never missed.
                    let resumeNow = state.withLock { state -> Bool in
                        if state.rung || Task.isCancelled {
                            state.rung = false
                            return true
                        }
                        state.waiter = continuation
                        return false
                    }
                    if resumeNow { continuation.resume() }
                }
            } onCancel: {
                let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
                    defer { state.waiter = nil }
                    return state.waiter
                }
                waiter?.resume()
            }
            group.cancelAll()
        }
    }
}
