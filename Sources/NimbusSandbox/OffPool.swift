import Dispatch

/// Runs blocking work (reading a pipe until the peer writes, polling for dying processes) on a dispatch
/// queue and awaits its result. The Swift concurrency pool has only as many threads as cores, and
/// requests run on them.
func offPool<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(returning: work()) }
    }
}
