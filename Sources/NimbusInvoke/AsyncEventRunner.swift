import Logging
import NimbusControl
import NimbusModel
import NimbusStore
import ServiceLifecycle

/// Runs accepted `Event` invocations: each was stored durably before its 202, is claimed here, run on
/// the pool and removed once it ran. Claims left by a killed process are released at start, so every
/// accepted event runs at least once. Throttled events are released and tried again later; retries of
/// function errors, dead letters and destinations come with the asynchronous-invocation issue.
public struct AsyncEventRunner: Service {
    let store: any AsyncEventStore
    let control: ControlPlane
    let invoker: any InvocationHandler
    let doorbell: Doorbell
    let logger: Logger

    /// Creates the runner and the function that stores an event and wakes it.
    public static func make(
        store: any AsyncEventStore, control: ControlPlane, invoker: any InvocationHandler, logger: Logger
    ) -> (AsyncEventRunner, submit: @Sendable (AsyncEvent) async throws -> Void) {
        let doorbell = Doorbell()
        let runner = AsyncEventRunner(store: store, control: control, invoker: invoker, doorbell: doorbell, logger: logger)
        return (runner, { event in
            try await store.enqueue(event)
            doorbell.ring()
        })
    }

    public func run() async throws {
        try await store.releaseClaims()
        try await cancelWhenGracefulShutdown {
            try await withThrowingTaskGroup(of: Void.self) { group in
                while !Task.isCancelled {
                    let events = try await store.claimEvents(limit: 32)
                    for event in events { group.addTask { await execute(event) } }
                    // A new event rings at once; the timeout keeps released (throttled) events moving.
                    if events.isEmpty { await doorbell.wait(timeout: .milliseconds(200)) }
                }
                group.cancelAll()
            }
        }
    }

    func execute(_ event: AsyncEvent) async {
        do {
            let target = try await control.resolveInvocation(
                event.functionName, qualifier: event.qualifier,
                caller: Caller(accountId: event.accountId, region: event.region))
            _ = try await invoker.invoke(target, payload: event.payload, requestId: event.requestId, clientContext: nil)
        } catch let error as LambdaError where error.status == 429 {
            logger.info("event throttled; kept for later", metadata: ["nimbus.request_id": .string(event.requestId)])
            try? await Task.sleep(for: .seconds(1))
            try? await store.releaseEvent(requestId: event.requestId)
            return
        } catch {
            logger.warning(
                "event could not run", metadata: ["nimbus.request_id": .string(event.requestId), "error": "\(error)"])
        }
        try? await store.completeEvent(requestId: event.requestId)
    }
}
