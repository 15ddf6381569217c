import ServiceLifecycle

/// Keeps the invoker's pre-initialised instances topped up: at start, whenever one is taken, and on a timer
/// (an instance whose start failed is retried).
public struct InstanceFiller: Service {
    let invoker: Invoker
    let interval: Duration
    let settle: Duration

    /// Creates a filler that also checks every `interval`. After an instance is taken it waits `settle`
    /// before starting the next one: starting a Python runtime is tens of milliseconds of CPU, and the
    /// instance just taken is initialising its function and running its first invocation right then.
    public init(invoker: Invoker, interval: Duration = .seconds(2), settle: Duration = .milliseconds(50)) {
        self.invoker = invoker
        self.interval = interval
        self.settle = settle
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await invoker.refill()
                if Task.isCancelled { break }
                await invoker.waitForTake(timeout: interval)
                try? await Task.sleep(for: settle)
            }
        }
    }
}
