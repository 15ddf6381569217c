/// The life of one sandbox, as a pure state machine: events in, actions out, no I/O.
///
/// The owner (a pool actor) feeds it what happened — the driver started the process, the runtime
/// called `/next`, a response or error arrived, a deadline or idle timer fired, the process exited —
/// and carries out the returned action. Contract (OpenWhisk's ContainerProxy in NIO's shape):
/// - one invocation at a time; a drain requested while busy is deferred until the invocation ends;
/// - the first `/next` means "ready"; `/init/error`, an exit or the init deadline before it fails the
///   waiting invocation as a function fault and the sandbox is torn down, never reused;
/// - a deadline or exit while busy fails the invocation as a function fault and tears the sandbox down;
/// - a response for an id that is not the current one is rejected and changes nothing;
/// - every state handles every event explicitly (no `default:`).
public struct SandboxStateMachine<Handle: Sendable, Invocation: SandboxInvocation>: Sendable {
    /// Where the sandbox is in its life.
    public enum State: Sendable {
        /// The driver is creating namespaces/cgroups and starting the runtime; `waiting` is the invocation
        /// that caused a cold start, if any.
        case provisioning(waiting: Invocation?)
        /// The runtime process runs but has not asked for work yet.
        case booting(Handle, waiting: Invocation?)
        /// Ready, waiting on `/next`.
        case idle(Handle)
        /// Running one invocation.
        case busy(Handle, Invocation)
        /// Busy, and asked to drain once the invocation ends.
        case drainingWhileBusy(Handle, Invocation)
        /// Being torn down.
        case stopping
        /// Gone.
        case stopped(StopReason)
    }

    /// Why a sandbox ended.
    public enum StopReason: Sendable, Equatable {
        case drained, idleTimeout, provisionFailed, initFailed, timedOut, exited, crashedWhileIdle
    }

    /// How an invocation ended badly, decided where it happened.
    public enum Fault: Sendable, Equatable {
        /// The runtime reported `/init/error`, exited or missed the init deadline.
        case initFailed
        /// The deadline passed.
        case timedOut
        /// The process exited while running it.
        case exited
        /// The platform could not start a sandbox.
        case platform
    }

    /// What the owner must do.
    public enum Action: Sendable {
        case none
        /// Hand the invocation to the runtime's pending `/next`.
        case deliver(Invocation)
        /// The invocation finished (response or function error posted by the runtime).
        case complete(Invocation)
        /// The invocation failed with a fault; then tear the sandbox down if a handle is given.
        case fail(Invocation, Fault, teardown: Handle?)
        /// Tear the sandbox down.
        case teardown(Handle)
        /// The sandbox is idle and may take work.
        case becameIdle
        /// The sandbox finished an invocation and must now be torn down (deferred drain).
        case completeAndTeardown(Invocation, Handle)
        /// A runtime request that does not fit the state: reject it, nothing changes.
        case reject
    }

    /// The current state.
    public private(set) var state: State

    /// A sandbox being provisioned, optionally for a waiting invocation (cold start).
    public init(coldStartFor invocation: Invocation? = nil) {
        state = .provisioning(waiting: invocation)
    }

    /// The driver started the runtime process.
    public mutating func provisioned(_ handle: Handle) -> Action {
        switch state {
        case .provisioning(let waiting):
            state = .booting(handle, waiting: waiting)
            return .none
        case .booting, .idle, .busy, .drainingWhileBusy, .stopping, .stopped:
            return .teardown(handle)
        }
    }

    /// The driver could not start a sandbox.
    public mutating func provisionFailed() -> Action {
        switch state {
        case .provisioning(let waiting):
            state = .stopped(.provisionFailed)
            if let waiting { return .fail(waiting, .platform, teardown: nil) }
            return .none
        case .booting, .idle, .busy, .drainingWhileBusy, .stopping, .stopped:
            return .none
        }
    }

    /// The runtime called `/next`.
    public mutating func runtimeRequestedNext() -> Action {
        switch state {
        case .booting(let handle, let waiting):
            if let waiting {
                state = .busy(handle, waiting)
                return .deliver(waiting)
            }
            state = .idle(handle)
            return .becameIdle
        case .provisioning, .idle, .busy, .drainingWhileBusy, .stopping, .stopped:
            // A second /next while idle, or /next while busy, breaks the protocol; the caller answers 403.
            return .reject
        }
    }

    /// The runtime reported `/init/error`.
    public mutating func initFailed() -> Action {
        switch state {
        case .booting(let handle, let waiting):
            state = .stopping
            if let waiting { return .fail(waiting, .initFailed, teardown: handle) }
            return .teardown(handle)
        case .provisioning, .idle, .busy, .drainingWhileBusy, .stopping, .stopped:
            return .reject
        }
    }

    /// Work for an idle sandbox.
    public mutating func assign(_ invocation: Invocation) -> Action {
        switch state {
        case .idle(let handle):
            state = .busy(handle, invocation)
            return .deliver(invocation)
        case .provisioning(nil):
            state = .provisioning(waiting: invocation)
            return .none
        case .booting(let handle, nil):
            state = .booting(handle, waiting: invocation)
            return .none
        case .provisioning(.some), .booting(_, .some), .busy, .drainingWhileBusy, .stopping, .stopped:
            return .reject
        }
    }

    /// The runtime posted `/response` or `/error` for `id`.
    public mutating func finished(_ id: Invocation.ID) -> Action {
        switch state {
        case .busy(let handle, let invocation) where invocation.id == id:
            state = .idle(handle)
            return .complete(invocation)
        case .drainingWhileBusy(let handle, let invocation) where invocation.id == id:
            state = .stopping
            return .completeAndTeardown(invocation, handle)
        case .provisioning, .booting, .idle, .busy, .drainingWhileBusy, .stopping, .stopped:
            return .reject
        }
    }

    /// The invocation's deadline (or the init deadline) passed.
    public mutating func deadlineElapsed(_ id: Invocation.ID) -> Action {
        switch state {
        case .busy(let handle, let invocation) where invocation.id == id,
            .drainingWhileBusy(let handle, let invocation) where invocation.id == id:
            state = .stopping
            return .fail(invocation, .timedOut, teardown: handle)
        case .booting(let handle, .some(let invocation)) where invocation.id == id:
            state = .stopping
            return .fail(invocation, .initFailed, teardown: handle)
        case .provisioning, .booting, .idle, .busy, .drainingWhileBusy, .stopping, .stopped:
            return .none
        }
    }

    /// The runtime process exited.
    public mutating func processExited() -> Action {
        switch state {
        case .provisioning(let waiting):
            state = .stopped(.provisionFailed)
            if let waiting { return .fail(waiting, .platform, teardown: nil) }
            return .none
        case .booting(let handle, let waiting):
            state = .stopping
            if let waiting { return .fail(waiting, .initFailed, teardown: handle) }
            return .teardown(handle)
        case .idle(let handle):
            state = .stopping
            return .teardown(handle)
        case .busy(let handle, let invocation), .drainingWhileBusy(let handle, let invocation):
            state = .stopping
            return .fail(invocation, .exited, teardown: handle)
        case .stopping, .stopped:
            return .none
        }
    }

    /// The idle timer fired.
    public mutating func idleTimeoutElapsed() -> Action {
        switch state {
        case .idle(let handle):
            state = .stopping
            return .teardown(handle)
        case .provisioning, .booting, .busy, .drainingWhileBusy, .stopping, .stopped:
            return .none
        }
    }

    /// The pool wants this sandbox gone (eviction, shutdown, code update).
    public mutating func drainRequested() -> Action {
        switch state {
        case .provisioning(let waiting):
            state = .stopped(.drained)
            if let waiting { return .fail(waiting, .platform, teardown: nil) }
            return .none
        case .booting(let handle, let waiting):
            state = .stopping
            if let waiting { return .fail(waiting, .platform, teardown: handle) }
            return .teardown(handle)
        case .idle(let handle):
            state = .stopping
            return .teardown(handle)
        case .busy(let handle, let invocation):
            state = .drainingWhileBusy(handle, invocation)
            return .none
        case .drainingWhileBusy, .stopping, .stopped:
            return .none
        }
    }

    /// The driver finished tearing the sandbox down.
    public mutating func teardownCompleted(_ reason: StopReason) -> Action {
        switch state {
        case .stopping:
            state = .stopped(reason)
            return .none
        case .provisioning, .booting, .idle, .busy, .drainingWhileBusy, .stopped:
            return .none
        }
    }
}

/// What the state machine needs to know about an invocation.
public protocol SandboxInvocation: Sendable, Identifiable where ID: Sendable & Equatable {}
