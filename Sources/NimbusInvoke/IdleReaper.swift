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
        // Shutdown cancels the sleep; that is the normal end, not an error.
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                if Task.isCancelled { break }
                await invoker.reapIdle()
            }
        }
    }
}
