import Logging
import NimbusStore
import ServiceLifecycle

/// Keeps SQLite's WAL checkpoints off the request path. While it runs, the writer does not checkpoint by
/// itself; every 100 ms a connection of its own copies the WAL back into the database file, without
/// waiting for writers. An automatic checkpoint ran inside whichever write made the WAL pass 1,000 pages
/// (an Event acknowledgement or a SendMessage, possibly on an event loop) and took 13–18 ms here. Measured
/// over 5,000 back-to-back acknowledgements: 22 took over 5 ms (at most 23 ms) with automatic checkpoints,
/// 2–3 (at most 5.8 ms) with this service; with a 1 s interval 3–7 (at most 20 ms: larger copies).
struct WALCheckpointer: Service {
    let store: SQLiteStore
    let interval: Duration
    let logger: Logger

    init(store: SQLiteStore, interval: Duration = .milliseconds(100), logger: Logger) {
        self.store = store
        self.interval = interval
        self.logger = logger
    }

    func run() async throws {
        try await store.setAutomaticCheckpoints(false)
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await store.checkpoint()
                } catch {
                    logger.warning("WAL checkpoint failed", metadata: ["nimbus.error": "\(error)"])
                }
                try? await Task.sleep(for: interval)  // cancelled at shutdown: the loop ends
            }
        }
        try? await store.setAutomaticCheckpoints(true)
    }
}
