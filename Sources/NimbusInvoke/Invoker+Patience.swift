import NIOCore
import NIOPosix

/// `Event` invocations that wait for a busy sandbox of their version (`PoolScheduler.waitForBusy`): each
/// waits, first come first served, until one of that version's sandboxes becomes idle or goes away, or
/// until its patience runs out; then it schedules again.
extension Invoker {
    /// Waits until a sandbox of `key`'s version is free or gone (`wakePatient`) or `deadline` passes.
    func waitForBusy(_ key: Key, until deadline: ContinuousClock.Instant) async {
        nextPatientID += 1
        let id = nextPatientID
        let timer = MultiThreadedEventLoopGroup.singleton.any().scheduleTask(
            in: .nanoseconds((deadline - ContinuousClock.now).nanoseconds)
        ) {
            Task { await self.givePatientUp(key, id) }
        }
        await withCheckedContinuation { patient[key, default: []].append((id, $0)) }
        timer.cancel()
    }

    func givePatientUp(_ key: Key, _ id: UInt64) {
        guard let index = patient[key]?.firstIndex(where: { $0.id == id }) else { return }
        let entry = patient[key]!.remove(at: index)
        if patient[key]!.isEmpty { patient[key] = nil }
        entry.continuation.resume()
    }

    /// A sandbox of `key`'s version became free or went away: the longest-waiting patient invocation
    /// schedules again.
    func wakePatient(_ key: Key) {
        guard var waiters = patient[key], !waiters.isEmpty else { return }
        let first = waiters.removeFirst()
        patient[key] = waiters.isEmpty ? nil : waiters
        first.continuation.resume()
    }
}
