import NimbusPool
import Testing

struct Work: SandboxInvocation, Equatable {
    let id: String
}

typealias Machine = SandboxStateMachine<Int, Work>

/// A compact rendering of states and actions for table-driven comparisons.
func describe(_ state: Machine.State) -> String {
    switch state {
    case .provisioning(let w): return "provisioning(\(w?.id ?? "-"))"
    case .booting(let h, let w): return "booting(\(h),\(w?.id ?? "-"))"
    case .idle(let h): return "idle(\(h))"
    case .busy(let h, let w): return "busy(\(h),\(w.id))"
    case .drainingWhileBusy(let h, let w): return "draining(\(h),\(w.id))"
    case .stopping: return "stopping"
    case .stopped(let r): return "stopped(\(r))"
    }
}

func describe(_ action: Machine.Action) -> String {
    switch action {
    case .none: return "none"
    case .deliver(let w): return "deliver(\(w.id))"
    case .complete(let w): return "complete(\(w.id))"
    case .fail(let w, let f, let h): return "fail(\(w.id),\(f),\(h.map(String.init) ?? "-"))"
    case .teardown(let h): return "teardown(\(h))"
    case .becameIdle: return "idle"
    case .completeAndTeardown(let w, let h): return "completeAndTeardown(\(w.id),\(h))"
    case .reject: return "reject"
    }
}

enum Event: Sendable {
    case provisioned(Int), provisionFailed, next, initError, assign(String), finished(String), deadline(String)
    case exited, idleTimeout, drain, torndown

    func apply(_ m: inout Machine) -> Machine.Action {
        switch self {
        case .provisioned(let h): return m.provisioned(h)
        case .provisionFailed: return m.provisionFailed()
        case .next: return m.runtimeRequestedNext()
        case .initError: return m.initFailed()
        case .assign(let id): return m.assign(Work(id: id))
        case .finished(let id): return m.finished(id)
        case .deadline(let id): return m.deadlineElapsed(id)
        case .exited: return m.processExited()
        case .idleTimeout: return m.idleTimeoutElapsed()
        case .drain: return m.drainRequested()
        case .torndown: return m.teardownCompleted(.drained)
        }
    }
}

@Suite struct SandboxStateMachineTests {
    /// Each row: a cold-start invocation (or none), the events, then the final state and every action in order.
    @Test(
        "Transitions follow the pool contract",
        arguments: [
            (nil, [Event.provisioned(1), .next], "idle(1)", "none idle"),
            ("a", [.provisioned(1), .next, .finished("a")], "idle(1)", "none deliver(a) complete(a)"),
            ("a", [.provisioned(1), .initError], "stopping", "none fail(a,initFailed,1)"),
            ("a", [.provisioned(1), .deadline("a")], "stopping", "none fail(a,initFailed,1)"),
            ("a", [.provisionFailed], "stopped(provisionFailed)", "fail(a,platform,-)"),
            (nil, [.provisioned(1), .next, .assign("b"), .deadline("b")], "stopping", "none idle deliver(b) fail(b,timedOut,1)"),
            (nil, [.provisioned(1), .next, .assign("b"), .exited], "stopping", "none idle deliver(b) fail(b,exited,1)"),
            (nil, [.provisioned(1), .next, .assign("b"), .drain, .finished("b")], "stopping", "none idle deliver(b) none completeAndTeardown(b,1)"),
            (nil, [.provisioned(1), .next, .assign("b"), .finished("zzz")], "busy(1,b)", "none idle deliver(b) reject"),
            (nil, [.provisioned(1), .next, .assign("b"), .assign("c")], "busy(1,b)", "none idle deliver(b) reject"),
            (nil, [.provisioned(1), .next, .next], "idle(1)", "none idle reject"),
            (nil, [.provisioned(1), .next, .idleTimeout, .torndown], "stopped(drained)", "none idle teardown(1) none"),
            (nil, [.provisioned(1), .next, .exited], "stopping", "none idle teardown(1)"),
            (nil, [.provisioned(1), .assign("w"), .next], "busy(1,w)", "none none deliver(w)"),
            (nil, [.assign("w"), .provisioned(2), .next, .finished("w")], "idle(2)", "none none deliver(w) complete(w)"),
            (nil, [.provisioned(1), .next, .assign("b"), .finished("b"), .deadline("b")], "idle(1)", "none idle deliver(b) complete(b) none"),
            ("a", [.drain], "stopped(drained)", "fail(a,platform,-)"),
            (nil, [.provisioned(1), .next, .assign("b"), .idleTimeout], "busy(1,b)", "none idle deliver(b) none"),
        ] as [(String?, [Event], String, String)])
    func transitions(coldStart: String?, events: [Event], finalState: String, actions: String) {
        var machine = Machine(coldStartFor: coldStart.map { Work(id: $0) })
        let produced = events.map { describe($0.apply(&machine)) }
        #expect(describe(machine.state) == finalState)
        #expect(produced.joined(separator: " ") == actions)
    }

    @Test("A sandbox that timed out is never handed work again")
    func noReuseAfterTimeout() {
        var machine = Machine()
        _ = machine.provisioned(7)
        _ = machine.runtimeRequestedNext()
        _ = machine.assign(Work(id: "a"))
        _ = machine.deadlineElapsed("a")
        #expect(describe(machine.assign(Work(id: "b"))) == "reject")
        #expect(describe(machine.runtimeRequestedNext()) == "reject")
    }
}
