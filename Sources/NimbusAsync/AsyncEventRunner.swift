import Foundation
import Logging
import NimbusControl
import NimbusInvoke
import NimbusModel
import NimbusQueue
import NimbusStore
import ServiceLifecycle

/// Runs accepted `Event` invocations with Lambda's error handling: each was stored durably before its
/// 202, is claimed when due, run on the pool, retried or deferred per `AsyncRetryPolicy`, and removed
/// only after its outcome was delivered (destinations, dead-letter queue). Claims left by a killed
/// process are released at start, so every accepted event runs at least once.
public final class AsyncEventRunner: Service, Sendable {
    let store: any AsyncEventStore
    let control: ControlPlane
    let invoker: any InvocationHandler
    let delivery: AsyncDelivery
    let policy: AsyncRetryPolicy
    let intake: EventIntake
    let logger: Logger
    /// Events run at the same time, at most.
    static let maxInFlight = 64
    /// How many events one claim asks the store for, at most.
    static let claimBatch = 32
    /// How long an event waits for a busy sandbox of its function before another one is started: a burst
    /// of short events is drained by the warm sandboxes, a backlog that outlasts this scales out.
    let sandboxPatience: Duration
    /// The default patience.
    public static let defaultSandboxPatience = Duration.milliseconds(100)

    init(
        store: any AsyncEventStore, control: ControlPlane, invoker: any InvocationHandler, delivery: AsyncDelivery,
        policy: AsyncRetryPolicy, intake: EventIntake, sandboxPatience: Duration, logger: Logger
    ) {
        self.sandboxPatience = sandboxPatience
        self.store = store
        self.control = control
        self.invoker = invoker
        self.delivery = delivery
        self.policy = policy
        self.intake = intake
        self.logger = logger
    }

    /// Creates the runner and the function that stores an event and wakes it.
    public static func make(
        store: any AsyncEventStore, control: ControlPlane, invoker: any InvocationHandler, policy: AsyncRetryPolicy,
        sendToQueue: @escaping @Sendable (String, OutgoingMessage, String) async throws -> Void,
        sandboxPatience: Duration = defaultSandboxPatience, logger: Logger
    ) -> (AsyncEventRunner, submit: @Sendable (AsyncEvent) async throws -> Void) {
        let intake = EventIntake(store: store, capacity: maxInFlight)
        let runner = AsyncEventRunner(
            store: store, control: control, invoker: invoker,
            delivery: AsyncDelivery(sendToQueue: sendToQueue, submitEvent: intake.submit), policy: policy,
            intake: intake, sandboxPatience: sandboxPatience, logger: logger)
        return (runner, intake.submit)
    }

    /// Starts the events handed over by the intake, and claims from the store the ones stored unclaimed
    /// (accepted while full, rescheduled, left by a killed process) when they fall due.
    public func run() async throws {
        try await store.releaseClaims()
        try await cancelWhenGracefulShutdown { [self] in
            try await withThrowingDiscardingTaskGroup { group in
                let start = { (event: AsyncEvent) in
                    group.addTask { [self] in
                        await handle(event)
                        intake.finished()
                    }
                }
                // When the store must be asked at the latest: the next due time it gave, or a periodic look
                // for rows written by others (`nimbus events redrive`).
                var nextClaim = 0.0
                while !Task.isCancelled {
                    let (handed, storeChanged) = intake.take()
                    handed.forEach(start)
                    let now = Date().timeIntervalSince1970
                    if storeChanged || now >= nextClaim {
                        let room = intake.reserve(upTo: Self.claimBatch)
                        // No room: a finishing event marks the store changed and rings.
                        nextClaim = now + 1
                        if room > 0 {
                            let claim = try await store.claimEvents(limit: room, now: now)
                            intake.release(room - claim.events.count)
                            claim.events.forEach(start)
                            // As many as asked for: more may be due, so ask again at once.
                            if claim.events.count == room { nextClaim = now; continue }
                            if let due = claim.nextDue { nextClaim = min(nextClaim, due) }
                        }
                    }
                    let wait = max(0.001, nextClaim - Date().timeIntervalSince1970)
                    await intake.doorbell.wait(timeout: .milliseconds(Int64(wait * 1_000)))
                }
            }
        }
    }

    func handle(_ event: AsyncEvent) async {
        let metadata: Logger.Metadata = ["nimbus.request_id": .string(event.requestId)]
        let now = Date().timeIntervalSince1970
        let target: InvocationTarget
        do {
            target = try await control.resolveInvocation(
                event.functionName, qualifier: event.qualifier,
                caller: Caller(accountId: event.accountId, region: event.region))
        } catch let error as LambdaError where error.status == 404 {
            logger.warning("event dropped: its function is gone", metadata: metadata)
            try? await store.completeEvent(event)
            return
        } catch {
            await reschedule(event, policy.afterAttempt(event, .deferred, AsyncSettings(), now: now), nil, nil, metadata)
            return
        }
        let settings = Self.settings(target, qualifier: event.qualifier)
        var decision = policy.beforeAttempt(
            event, settings, reservedConcurrency: target.function.reservedConcurrency, now: now)
        var response: InvocationResult?
        if decision == .run {
            do {
                let result = try await invoker.invoke(
                    target, payload: event.payload, requestId: event.requestId, clientContext: nil,
                    patience: sandboxPatience)
                response = result
                decision = policy.afterAttempt(
                    event, result.functionError == nil ? .succeeded : .functionFailed, settings,
                    now: Date().timeIntervalSince1970)
            } catch {
                logger.info("event deferred", metadata: metadata.merging(["error": "\(error)"]) { a, _ in a })
                decision = policy.afterAttempt(event, .deferred, settings, now: Date().timeIntervalSince1970)
            }
        }
        await reschedule(event, decision, response.map { ($0, target) }, settings, metadata)
    }

    private func reschedule(
        _ event: AsyncEvent, _ decision: AsyncDecision, _ ran: (InvocationResult, InvocationTarget)?,
        _ settings: AsyncSettings?, _ metadata: Logger.Metadata
    ) async {
        do {
            switch decision {
            case .run:
                return
            case .retry(let next):
                try await store.rescheduleEvent(next)
                intake.storeChanged()
                return
            case .succeeded:
                if let destination = settings?.onSuccess, let (result, target) = ran {
                    await deliver(event, condition: "Success", result, target, to: destination, metadata)
                }
            case .failed(let condition):
                logger.info("event failed", metadata: metadata.merging(["condition": .string(condition)]) { a, _ in a })
                if let target = settings?.deadLetterTarget {
                    do {
                        try await delivery.deadLetter(
                            event, errorMessage: ran.map { DestinationRecord.errorMessage($0.0.body) } ?? condition,
                            to: target)
                    } catch {
                        logger.error("dead letter not delivered", metadata: metadata.merging(["error": "\(error)"]) { a, _ in a })
                    }
                }
                if let destination = settings?.onFailure {
                    await deliver(event, condition: condition, ran?.0, ran?.1, to: destination, metadata)
                }
            }
            try await store.completeEvent(event)
        } catch {
            // The store failed: the claim stays and is released at the next start, so the event runs again.
            logger.error("event outcome not stored", metadata: metadata.merging(["error": "\(error)"]) { a, _ in a })
        }
    }

    private func deliver(
        _ event: AsyncEvent, condition: String, _ result: InvocationResult?, _ target: InvocationTarget?,
        to destination: String, _ metadata: Logger.Metadata
    ) async {
        let functionArn = target.map { Self.qualifiedArn($0, qualifier: event.qualifier) }
            ?? ARN.function(event.functionName, region: event.region, account: event.accountId) + ":$LATEST"
        let invokeCount = event.failedAttempts + (result == nil ? 0 : 1)
        let record = DestinationRecord.make(
            requestId: event.requestId, functionArn: functionArn, condition: condition, invokeCount: invokeCount,
            payload: event.payload, response: result.map { ($0.body, $0.functionError, $0.executedVersion) }, at: Date())
        do {
            try await delivery.deliver(record, to: destination, owner: event.accountId)
        } catch {
            logger.error(
                "destination not delivered",
                metadata: metadata.merging(["destination": .string(destination), "error": "\(error)"]) { a, _ in a })
        }
    }

    /// The function's EventInvokeConfig for the qualifier the event addressed, and its dead-letter target.
    static func settings(_ target: InvocationTarget, qualifier: String?) -> AsyncSettings {
        let config = target.function.eventInvokeConfigs[qualifier ?? "$LATEST"]
        return AsyncSettings(
            maximumRetryAttempts: config?.maximumRetryAttempts ?? 2,
            maximumEventAge: Double(config?.maximumEventAgeInSeconds ?? 21_600), onSuccess: config?.onSuccess,
            onFailure: config?.onFailure, deadLetterTarget: target.version.deadLetterTargetArn)
    }

    /// `arn:…:function:name:<qualifier>`, `:$LATEST` when unqualified, as destination records name it.
    static func qualifiedArn(_ target: InvocationTarget, qualifier: String?) -> String {
        target.function.arn(qualifier ?? "$LATEST")
    }
}
