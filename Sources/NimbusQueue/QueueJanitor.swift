import NimbusStore
import ServiceLifecycle

/// Enforces `MessageRetentionPeriod` on every queue, also on queues nobody receives from (a receive
/// enforces it on its own queue), and forgets expired FIFO deduplication entries. Runs every minute.
public struct QueueJanitor: Service {
    let queues: QueueService
    let interval: Duration

    /// Creates the janitor.
    public init(queues: QueueService, interval: Duration = .seconds(60)) {
        self.queues = queues
        self.interval = interval
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                _ = try? await queues.expireMessages()
                try? await Task.sleep(for: interval)  // cancelled at shutdown: the loop ends, no error
            }
        }
    }
}

extension QueueService {
    /// Deletes messages older than their queue's retention period; returns how many went.
    @discardableResult
    public func expireMessages() async throws -> Int {
        let clock = now()
        var expired = 0
        for queue in try await store.allQueues() {
            let retention = Int64(QueueAttributes.integer("MessageRetentionPeriod", in: queue.attributes)) * 1000
            expired += try await store.expireMessages(queueId: queue.id, sentBefore: clock - retention, now: clock)
        }
        return expired
    }
}
