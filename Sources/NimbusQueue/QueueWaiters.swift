import Synchronization

/// Long-polling receivers parked per queue: a send wakes every receiver of its queue, a timeout wakes one.
final class QueueWaiters: Sendable {
    private struct Parked {
        var generation = 0
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
    }
    private let state = Mutex<(queues: [Int64: Parked], nextId: Int)>(([:], 0))

    /// The queue's wake-up generation: a wait given this value returns at once if a send came since.
    func generation(_ queueId: Int64) -> Int { state.withLock { $0.queues[queueId]?.generation ?? 0 } }

    /// Wakes every receiver waiting on the queue.
    func wake(_ queueId: Int64) {
        let woken = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            var parked = state.queues[queueId] ?? Parked()
            parked.generation += 1
            let waiters = Array(parked.waiters.values)
            parked.waiters = [:]
            state.queues[queueId] = parked
            return waiters
        }
        for waiter in woken { waiter.resume() }
    }

    /// Waits until the queue is woken after `generation`, `timeout` passes, or the task is cancelled.
    func wait(_ queueId: Int64, generation: Int, timeout: Duration) async {
        let id = state.withLock { state -> Int in
            state.nextId += 1
            return state.nextId
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                try? await Task.sleep(for: timeout)
                self.release(queueId, id)
            }
            await withTaskCancellationHandler {
                await withCheckedContinuation { continuation in
                    let resumeNow = state.withLock { state -> Bool in
                        var parked = state.queues[queueId] ?? Parked()
                        if parked.generation != generation || Task.isCancelled { return true }
                        parked.waiters[id] = continuation
                        state.queues[queueId] = parked
                        return false
                    }
                    if resumeNow { continuation.resume() }
                }
            } onCancel: {
                self.release(queueId, id)
            }
            group.cancelAll()
        }
    }

    private func release(_ queueId: Int64, _ id: Int) {
        let waiter = state.withLock { state in state.queues[queueId]?.waiters.removeValue(forKey: id) }
        waiter?.resume()
    }
}
