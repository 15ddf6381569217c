import Foundation
import NIOCore
import NIOPosix
import NimbusControl
import NimbusRuntimeAPI
import NimbusSandbox
import Synchronization

/// One sandbox's runtime events and the running of invocations on it: the CPU quota is applied once the
/// runtime is ready (initialisation runs unthrottled), an `/init/error` is kept for the invocation that
/// waits, and each invocation races its deadline and the runtime's exit.
final class SandboxSession: Sendable {
    /// How an invocation on this sandbox ended.
    enum Outcome: Sendable {
        case runtime(RuntimeOutcome)
        case timedOut
        case exited(status: Int32, initError: (body: [UInt8], type: String?)?, oomKilled: Bool)
        /// The runtime had served before and exited without taking this invocation (it crashed after its
        /// last answer, or while it waited): the invocation never ran, so it may run in another sandbox.
        case notTaken(status: Int32, oomKilled: Bool)
    }

    private let cgroup: CgroupV1
    /// The Lambda CPU share, applied once the runtime is ready.
    private let cpuQuota = Mutex(-1)
    /// When the function was handed to the sandbox and when its runtime first asked for work (Init Duration).
    private let startedAt = Mutex(ContinuousClock.now)
    private let initDuration = Mutex<Duration?>(nil)
    private let initReported = Mutex(false)
    private let initError = Mutex<(body: [UInt8], type: String?)?>(nil)
    private let parts = Mutex<(sandbox: BubblewrapSandbox, endpoint: RuntimeEndpoint)?>(nil)
    /// The invocation in flight, for the exit watcher.
    private let current = Mutex<Race?>(nil)
    /// Told when the sandbox exits with no invocation in flight.
    private let exitedIdle = Mutex<(@Sendable () -> Void)?>(nil)

    init(cgroup: CgroupV1) {
        self.cgroup = cgroup
    }

    /// The function is being handed over now: its init duration counts from here, and `cpuQuota` applies
    /// once it is ready.
    func assigned(cpuQuota quota: Int) {
        cpuQuota.withLock { $0 = quota }
        startedAt.withLock { $0 = .now }
    }

    func attach(sandbox: BubblewrapSandbox, endpoint: RuntimeEndpoint) {
        parts.withLock { $0 = (sandbox, endpoint) }
        sandbox.onExit { [self] in runtimeExited() }
    }

    /// Runtime events: readiness applies the Lambda CPU share; an init error is remembered.
    func handle(_ event: RuntimeEvent) {
        switch event {
        case .ready:
            let elapsed = ContinuousClock.now - startedAt.withLock { $0 }
            initDuration.withLock { $0 = elapsed }
            let quota = cpuQuota.withLock { $0 }
            if quota > 0 { try? cgroup.setCPUQuota(quota) }
        case .initError(let body, let type): initError.withLock { $0 = (body, type) }
        }
    }

    /// Runs one invocation until the runtime answers, the deadline passes or the runtime exits, whichever
    /// comes first: one continuation, resumed by the endpoint's completion, a timer task, or the sandbox's
    /// exit watcher (no polling).
    func run(_ invocation: RuntimeInvocation, timeout: Duration) async -> Outcome {
        guard let (sandbox, endpoint) = parts.withLock({ $0 }) else { return .timedOut }
        let served = isReady
        let race = Race()
        // Watched before the exit is checked: an exit after the check finds the race and ends it.
        current.withLock { $0 = race }
        if sandbox.exitStatus() != nil {
            current.withLock { $0 = nil }
            let outcome = exitOutcome(sandbox)
            return served ? Self.untaken(outcome) : outcome
        }
        if served {
            // The warm path: the deadline is an event-loop timer, far cheaper than a task per invocation.
            let timer = MultiThreadedEventLoopGroup.singleton.any().scheduleTask(in: .nanoseconds(timeout.nanoseconds)) {
                race.finish(.timedOut)
            }
            let outcome = await deliver(invocation, endpoint, race, served: true)
            timer.cancel()
            return outcome
        }
        // Not ready: a runtime that exits now failed its initialisation, and that is this invocation's answer.
        let timer = Task {
            // Initialisation has its own limit (Lambda's 10 s); the function's timeout starts once the
            // runtime is ready, so a cold start under load does not eat the function's time.
            let initDeadline = ContinuousClock.now + Self.initLimit
            await self.waitUntilReady(deadline: initDeadline)
            if self.isReady, !Task.isCancelled {
                try? await Task.sleep(for: timeout)
            } else if !Task.isCancelled {
                // Exited during init: the exit watcher answers; this is only the fallback.
                try? await Task.sleep(until: initDeadline)
            }
            if !Task.isCancelled { race.finish(.timedOut) }
        }
        let outcome = await deliver(invocation, endpoint, race, served: false)
        timer.cancel()
        return outcome
    }

    /// Hands `invocation` to the runtime and waits for the first ending `race` hears of. `served`: the
    /// runtime had asked for work before, so an exit before it takes this invocation is `.notTaken`.
    private func deliver(_ invocation: RuntimeInvocation, _ endpoint: RuntimeEndpoint, _ race: Race, served: Bool)
        async -> Outcome
    {
        let outcome = await withCheckedContinuation { continuation in
            race.wait(continuation)
            if !endpoint.invoke(invocation, complete: { race.finish(.runtime($0)) }) {
                race.finish(.runtime(.abandoned))
            }
        }
        current.withLock { $0 = nil }
        let taken = endpoint.abandon(invocation.requestId)
        return served && !taken ? Self.untaken(outcome) : outcome
    }

    /// An exit of a runtime that had served, before it took the invocation, is `.notTaken`.
    private static func untaken(_ outcome: Outcome) -> Outcome {
        guard case .exited(let status, _, let oomKilled) = outcome else { return outcome }
        return .notTaken(status: status, oomKilled: oomKilled)
    }

    /// `handler` runs (once, on the `DescriptorWatcher` thread) if the sandbox exits with no invocation in flight.
    func onExitWhileIdle(_ handler: @escaping @Sendable () -> Void) {
        exitedIdle.withLock { $0 = handler }
    }

    /// The sandbox's processes exited: the invocation in flight ends with that, or the idle handler hears of it.
    private func runtimeExited() {
        guard let sandbox = parts.withLock({ $0?.sandbox }) else { return }
        if let race = current.withLock({ $0 }) {
            race.finish(exitOutcome(sandbox))
        } else {
            exitedIdle.withLock { $0 }?()
        }
    }

    private func exitOutcome(_ sandbox: BubblewrapSandbox) -> Outcome {
        .exited(
            status: sandbox.exitStatus() ?? 0, initError: initError.withLock { $0 },
            oomKilled: sandbox.cgroup.oomKills > 0)
    }

    /// The first of several possible endings, delivered to one waiting continuation.
    final class Race: Sendable {
        private let state = Mutex<(continuation: CheckedContinuation<Outcome, Never>?, outcome: Outcome?)>((nil, nil))

        func wait(_ continuation: CheckedContinuation<Outcome, Never>) {
            let early = state.withLock { state -> Outcome? in
                if let outcome = state.outcome { return outcome }
                state.continuation = continuation
                return nil
            }
            if let early { continuation.resume(returning: early) }
        }

        func finish(_ outcome: Outcome) {
            let continuation = state.withLock { state -> CheckedContinuation<Outcome, Never>? in
                guard state.outcome == nil else { return nil }
                state.outcome = outcome
                defer { state.continuation = nil }
                return state.continuation
            }
            continuation?.resume(returning: outcome)
        }
    }

    /// Lambda's limit on initialisation.
    static let initLimit = Duration.seconds(10)

    /// Returns once the runtime is ready, its sandbox has exited, `deadline` has passed or the task is
    /// cancelled (checked every 5 ms: only initialisation waits here).
    func waitUntilReady(deadline: ContinuousClock.Instant) async {
        let sandbox = parts.withLock { $0?.sandbox }
        while !isReady, sandbox?.exitStatus() == nil, ContinuousClock.now < deadline, !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(5))
        }
    }

    /// Whether the runtime has asked for work at least once.
    var isReady: Bool { initDuration.withLock { $0 != nil } }

    /// When the runtime first asked for work (nil: not yet).
    var readyAt: ContinuousClock.Instant? {
        initDuration.withLock { $0 }.map { startedAt.withLock { $0 } + $0 }
    }

    /// The init duration, reported once (on the cold start's invocation).
    func takeInitDuration() -> Duration? {
        initReported.withLock { reported in
            defer { reported = true }
            return reported ? nil : initDuration.withLock { $0 }
        }
    }

    /// Lambda's answer for an outcome, and whether the sandbox may serve again.
    static func result(_ outcome: Outcome, requestId: String, timeout: Int, version: String)
        -> (InvocationResult, reusable: Bool)
    {
        switch outcome {
        case .runtime(.response(let body)):
            return (InvocationResult(body: body, functionError: nil, executedVersion: version), true)
        case .runtime(.functionError(let body, _)):
            return (InvocationResult(body: body, functionError: "Unhandled", executedVersion: version), true)
        case .runtime(.responseTooLarge):
            return (
                .platformError(
                    "Function.ResponseSizeTooLarge",
                    "Response payload size exceeded maximum allowed payload size (6291556 bytes).", version: version),
                true
            )
        case .runtime(.abandoned), .timedOut:
            return (
                .platformError(
                    "Sandbox.Timedout", "RequestId: \(requestId) Error: Task timed out after \(timeout).00 seconds",
                    version: version),
                false
            )
        case .exited(_, let initError?, _):
            return (InvocationResult(body: initError.body, functionError: "Unhandled", executedVersion: version), false)
        case .exited(let status, nil, let oomKilled), .notTaken(let status, let oomKilled):
            // (.notTaken only when the invoker has no other sandbox left to try)
            let signal = status & 0x7f
            let reason: String
            if signal != 0 {
                reason = "Runtime exited with error: signal: \(signal == 9 ? "killed" : String(signal))"
            } else if (status >> 8) & 0xff != 0 {
                reason = "Runtime exited with error: exit status \((status >> 8) & 0xff)"
            } else {
                reason = "Runtime exited without providing a reason"
            }
            let type = oomKilled ? "Runtime.OutOfMemory" : "Runtime.ExitError"
            return (.platformError(type, "RequestId: \(requestId) Error: \(reason)", version: version), false)
        }
    }
}

extension Duration {
    /// The duration in whole nanoseconds (saturating).
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? .max : scaled &+ attoseconds / 1_000_000_000
    }
}
