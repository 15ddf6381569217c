import ServiceLifecycle

/// Tears down sandboxes that stayed idle past the invoker's idle timeout, on a timer.
public struct IdleReaper: Service {
    let invoker: Invoker
    let interval: Duration

    /// Creates a reaper checking every `interval`.
    public init(invoker: Invoker, interval: Duration = .seconds(5)) {
        self.invoker = invoker
        self.interval = interval
    }

    public func run() async throws {
        try await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try await Task.sleep(for: interval)
                await invoker.reapIdle()
            }
        }
    }
}
