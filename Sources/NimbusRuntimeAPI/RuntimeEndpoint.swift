import Synchronization

/// The rendezvous between one sandbox's runtime and the pool: the pool hands an invocation over with
/// `invoke`, the runtime picks it up on `/next` and answers on `/response` or `/error`.
/// One invocation at a time. State sits in a `Mutex`; callbacks run outside the lock.
public final class RuntimeEndpoint: Sendable {
    /// Largest result a runtime may post (Lambda's 6 MB synchronous limit).
    public static let responseLimit = 6_291_456

    private struct State {
        var readySignalled = false
        var waitingNext: (@Sendable (RuntimeInvocation) -> Void)?
        var pending: RuntimeInvocation?
        var inflight: (id: String, complete: @Sendable (RuntimeOutcome) -> Void)?
    }

    private let state = Mutex(State())
    private let onEvent: @Sendable (RuntimeEvent) -> Void

    /// Creates an endpoint; `onEvent` hears about readiness and init errors.
    public init(onEvent: @escaping @Sendable (RuntimeEvent) -> Void = { _ in }) {
        self.onEvent = onEvent
    }

    // MARK: pool side

    /// Hands `invocation` to the runtime and calls `complete` once with how it ended.
    /// Returns false (and does not call `complete`) when an invocation is already in flight.
    @discardableResult
    public func invoke(_ invocation: RuntimeInvocation, complete: @escaping @Sendable (RuntimeOutcome) -> Void) -> Bool {
        let waiter: (@Sendable (RuntimeInvocation) -> Void)? = state.withLock { state in
            guard state.inflight == nil else { return nil }
            state.inflight = (invocation.requestId, complete)
            if let waiter = state.waitingNext {
                state.waitingNext = nil
                return waiter
            }
            state.pending = invocation
            return { _ in }
        }
        guard let waiter else { return false }
        waiter(invocation)
        return true
    }

    /// Hands `invocation` over and waits for the outcome.
    public func invoke(_ invocation: RuntimeInvocation) async -> RuntimeOutcome {
        await withCheckedContinuation { continuation in
            if !invoke(invocation, complete: { continuation.resume(returning: $0) }) {
                continuation.resume(returning: .abandoned)
            }
        }
    }

    /// Gives up on the invocation in flight (deadline passed, sandbox torn down). Returns true unless the
    /// invocation was still waiting for a `/next`: false means the runtime never took it, so it never ran.
    @discardableResult
    public func abandon(_ requestId: String) -> Bool {
        let (taken, complete) = state.withLock { state -> (Bool, (@Sendable (RuntimeOutcome) -> Void)?) in
            guard let inflight = state.inflight, inflight.id == requestId else { return (true, nil) }
            let taken = state.pending?.requestId != requestId
            state.inflight = nil
            state.pending = nil
            return (taken, inflight.complete)
        }
        complete?(.abandoned)
        return taken
    }

    // MARK: runtime side

    /// `/next`: `deliver` is called with the next invocation, now or when one arrives.
    /// Returns false when a `/next` is already waiting or an invocation is in flight (403 to the runtime).
    func next(_ deliver: @escaping @Sendable (RuntimeInvocation) -> Void) -> Bool {
        var first = false
        let ready: RuntimeInvocation?? = state.withLock { state in
            if !state.readySignalled {
                state.readySignalled = true
                first = true
            }
            if let pending = state.pending {
                state.pending = nil
                return .some(pending)
            }
            guard state.waitingNext == nil, state.inflight == nil else { return .none }
            state.waitingNext = deliver
            return .some(nil)
        }
        // A pending invocation goes out before readiness is reported: what readiness triggers (the CPU
        // quota's cgroup write) is not on the first invocation's path.
        if let ready, let invocation = ready { deliver(invocation) }
        if first { onEvent(.ready) }
        return ready != nil
    }

    /// The request id a runtime may post a result or an error for before its first `/next`, to open its
    /// connection and warm its HTTP client while it waits for its function (Nimbus's pre-initialised
    /// instances do): accepted and forgotten. A 4xx would make awslambdaric's client drop the connection.
    public static let warmUpRequestId = "nimbus-warm-up"

    /// `/response` or `/error` for `requestId`. False when the id is not the one in flight (400).
    func finish(_ requestId: String, _ outcome: RuntimeOutcome) -> Bool {
        let (known, complete) = state.withLock { state -> (Bool, (@Sendable (RuntimeOutcome) -> Void)?) in
            if requestId == Self.warmUpRequestId, !state.readySignalled { return (true, nil) }
            guard let inflight = state.inflight, inflight.id == requestId, state.pending == nil else { return (false, nil) }
            state.inflight = nil
            return (true, inflight.complete)
        }
        complete?(outcome)
        return known
    }

    /// `/init/error`.
    func initError(_ body: [UInt8], errorType: String?) {
        onEvent(.initError(body, errorType: errorType))
    }

    /// The `/next` connection went away before anything was delivered.
    func nextCancelled() {
        state.withLock { $0.waitingNext = nil }
    }
}
