import ServiceLifecycle

/// Keeps the invoker's pre-initialised instances topped up: at start, whenever one is taken, and on a timer
/// (an instance whose start failed is retried).
public struct InstanceFiller: Service {
    let invoker: Invoker
    let interval: Duration

    /// Creates a filler that also checks every `interval`.
    public init(invoker: Invoker, interval: Duration = .seconds(2)) {
        self.invoker = invoker
        self.interval = interval
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await invoker.refill()
                if Task.isCancelled { break }
                await invoker.waitForTake(timeout: interval)
            }
        }
    }
}
