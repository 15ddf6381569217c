import Synchronization
import Testing

@testable import NimbusRuntimeAPI

@Suite struct RuntimeEndpointTests {
    func invocation(_ id: String) -> RuntimeInvocation {
        RuntimeInvocation(requestId: id, payload: Array("{}".utf8), timeoutMs: 3000, invokedFunctionArn: "arn")
    }

    @Test("An invocation handed over before /next is delivered on the next /next; readiness is signalled once")
    func pendingThenNext() {
        let events = Mutex<[RuntimeEvent]>([])
        let endpoint = RuntimeEndpoint { event in events.withLock { $0.append(event) } }
        let outcome = Mutex<RuntimeOutcome?>(nil)
        #expect(endpoint.invoke(invocation("a")) { result in outcome.withLock { $0 = result } })
        let delivered = Mutex<String?>(nil)
        #expect(endpoint.next { inv in delivered.withLock { $0 = inv.requestId } })
        #expect(delivered.withLock { $0 } == "a")
        #expect(!endpoint.finish("other", .response([1])))
        #expect(endpoint.finish("a", .response([1])))
        #expect(outcome.withLock { $0 } == .response([1]))
        #expect(endpoint.next { _ in })
        #expect(events.withLock { $0 } == [.ready])
    }

    @Test("One invocation at a time; a second /next while one waits is refused; abandon completes once")
    func oneAtATime() {
        let endpoint = RuntimeEndpoint()
        #expect(endpoint.next { _ in })
        #expect(!endpoint.next { _ in })
        let outcomes = Mutex<[RuntimeOutcome]>([])
        #expect(endpoint.invoke(invocation("a")) { result in outcomes.withLock { $0.append(result) } })
        #expect(!endpoint.invoke(invocation("b")) { _ in })
        endpoint.abandon("a")
        #expect(!endpoint.finish("a", .response([])))
        #expect(outcomes.withLock { $0 } == [.abandoned])
    }

    @Test("abandon says whether the runtime had taken the invocation: not while it waits for a /next")
    func abandonTellsWhetherTaken() {
        let endpoint = RuntimeEndpoint()
        let outcomes = Mutex<[RuntimeOutcome]>([])
        #expect(endpoint.invoke(invocation("a")) { result in outcomes.withLock { $0.append(result) } })
        #expect(!endpoint.abandon("a"))  // no /next came: it never ran
        #expect(outcomes.withLock { $0 } == [.abandoned])
        #expect(endpoint.invoke(invocation("b")) { result in outcomes.withLock { $0.append(result) } })
        #expect(endpoint.next { _ in })
        #expect(endpoint.abandon("b"))  // delivered: the runtime was running it
        #expect(endpoint.abandon("b"))  // already ended: nothing to give up, and it had been taken
        #expect(outcomes.withLock { $0 } == [.abandoned, .abandoned])
        #expect(endpoint.next { _ in })  // a /next already waiting takes the invocation at once
        #expect(endpoint.invoke(invocation("c")) { _ in })
        #expect(endpoint.abandon("c"))
        #expect(endpoint.abandon("unknown"))  // nothing in flight under that id: nothing says it did not run
    }

    @Test("A warm-up result before the first /next is accepted and changes nothing; after it, the id is unknown")
    func warmUpBeforeReady() {
        let events = Mutex<[RuntimeEvent]>([])
        let endpoint = RuntimeEndpoint { event in events.withLock { $0.append(event) } }
        #expect(endpoint.finish(RuntimeEndpoint.warmUpRequestId, .functionError([], errorType: nil)))
        #expect(endpoint.finish(RuntimeEndpoint.warmUpRequestId, .response([])))
        #expect(events.withLock { $0 }.isEmpty)
        let outcome = Mutex<RuntimeOutcome?>(nil)
        #expect(endpoint.invoke(invocation("a")) { result in outcome.withLock { $0 = result } })
        #expect(endpoint.next { _ in })
        #expect(!endpoint.finish(RuntimeEndpoint.warmUpRequestId, .response([])))
        #expect(outcome.withLock { $0 } == nil)
        #expect(endpoint.finish("a", .response([2])))
        #expect(outcome.withLock { $0 } == .response([2]))
    }

    @Test("A warm-up result while an invocation is pending leaves it pending; /next delivers it, then reports ready")
    func warmUpWhilePendingThenDeliveryBeforeReady() {
        let order = Mutex<[String]>([])
        let endpoint = RuntimeEndpoint { event in order.withLock { $0.append("\(event)") } }
        let outcome = Mutex<RuntimeOutcome?>(nil)
        #expect(endpoint.invoke(invocation("a")) { result in outcome.withLock { $0 = result } })
        #expect(endpoint.finish(RuntimeEndpoint.warmUpRequestId, .response([])))
        #expect(outcome.withLock { $0 } == nil)
        #expect(endpoint.next { inv in order.withLock { $0.append("deliver \(inv.requestId)") } })
        #expect(order.withLock { $0 } == ["deliver a", "ready"])
        #expect(endpoint.finish("a", .response([3])))
        #expect(outcome.withLock { $0 } == .response([3]))
    }

    @Test("The error type comes from the error document when no header names it")
    func errorTypeFromBody() {
        let body = Array(#"{"errorMessage": "boom", "errorType": "ValueError", "requestId": "x"}"#.utf8)
        #expect(RuntimeAPIHandler.errorType(in: body) == "ValueError")
        #expect(RuntimeAPIHandler.errorType(in: Array("{}".utf8)) == nil)
    }
}
