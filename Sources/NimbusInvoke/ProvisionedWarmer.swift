import Logging
import NimbusControl
import NimbusStore
import ServiceLifecycle

/// Reconciles provisioned concurrency configs with the invoker's sandboxes on a timer, and reports each
/// config `READY` (or `FAILED`) once its sandboxes are initialised.
public struct ProvisionedWarmer: Service {
    let control: ControlPlane
    let invoker: Invoker
    let interval: Duration
    let logger: Logger

    /// Creates a warmer checking every `interval`.
    public init(control: ControlPlane, invoker: Invoker, logger: Logger, interval: Duration = .seconds(1)) {
        self.control = control
        self.invoker = invoker
        self.logger = logger
        self.interval = interval
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await reconcile()
                try? await Task.sleep(for: interval)
            }
        }
    }

    /// One pass: allocate what is missing, settle what is unsettled.
    func reconcile() async {
        do {
            let allocations = try await control.provisionedAllocations()
            let outcomes = await invoker.provision(allocations)
            for (allocation, outcome) in zip(allocations, outcomes) where !allocation.settled {
                if case .failed(let reason) = outcome {
                    logger.warning(
                        "provisioned concurrency failed",
                        metadata: ["nimbus.function": "\(allocation.key.name):\(allocation.qualifier)", "reason": "\(reason)"])
                    try await control.provisionedAllocationSettled(allocation, failure: reason)
                } else {
                    try await control.provisionedAllocationSettled(allocation, failure: nil)
                }
            }
        } catch {
            logger.warning("provisioned concurrency pass failed: \(error)")
        }
    }
}
