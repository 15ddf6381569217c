import NimbusPool
import Testing

@Suite struct PoolSchedulerTests {
    typealias Idle = PoolScheduler.IdleSandbox<String>

    func snapshot(
        idle: [Idle] = [], elsewhere: [Idle] = [], inFlight: Int = 0, reserved: Int? = nil, unreservedInFlight: Int = 0,
        unreservedLimit: Int = 900, memoryInUse: Int = 0, budget: Int = 1024, memory: Int = 128, queued: Int = 0,
        capacity: Int = 10
    ) -> PoolScheduler.Snapshot<String> {
        .init(
            idle: idle, idleElsewhere: elsewhere, functionInFlight: inFlight, reservedConcurrency: reserved,
            unreservedInFlight: unreservedInFlight, unreservedLimit: unreservedLimit, memoryInUse: memoryInUse,
            memoryBudget: budget, sandboxMemory: memory, queued: queued, queueCapacity: capacity)
    }

    @Test("The most recently used idle sandbox is reused")
    func reuse() {
        let decision = PoolScheduler.schedule(
            snapshot(idle: [Idle(id: "old", lastUsed: 1, memory: 128), Idle(id: "new", lastUsed: 9, memory: 128)]))
        #expect(decision == .reuse("new"))
    }

    @Test("Reserved concurrency throttles before anything runs, zero throttles everything")
    func reserved() {
        #expect(PoolScheduler.schedule(snapshot(inFlight: 2, reserved: 2)) == .throttle(.reservedFunctionConcurrency))
        #expect(PoolScheduler.schedule(snapshot(reserved: 0)) == .throttle(.reservedFunctionConcurrency))
        #expect(PoolScheduler.schedule(snapshot(inFlight: 1, reserved: 2)) == .start(evicting: []))
    }

    @Test("Functions without a reservation share the account's unreserved pool")
    func account() {
        #expect(PoolScheduler.schedule(snapshot(unreservedInFlight: 900)) == .throttle(.accountConcurrency))
        #expect(PoolScheduler.schedule(snapshot(reserved: 5, unreservedInFlight: 900)) == .start(evicting: []))
    }

    @Test("Past the memory budget, least-recently-used idle sandboxes of other functions are evicted")
    func evict() {
        let elsewhere = [
            Idle(id: "b", lastUsed: 5, memory: 128), Idle(id: "a", lastUsed: 1, memory: 128),
            Idle(id: "c", lastUsed: 9, memory: 512),
        ]
        let decision = PoolScheduler.schedule(snapshot(elsewhere: elsewhere, memoryInUse: 1000, memory: 200))
        #expect(decision == .start(evicting: ["a", "b"]))
    }

    @Test("Making room (also for provisioned sandboxes): least recently used first, only as many as needed")
    func evictionsToFit() {
        let candidates = [Idle(id: "new", lastUsed: 9, memory: 256), Idle(id: "old", lastUsed: 1, memory: 128),
                          Idle(id: "mid", lastUsed: 5, memory: 512)]
        #expect(PoolScheduler.evictions(toFit: 128, memoryInUse: 512, memoryBudget: 1024, candidates: candidates) == [])
        #expect(
            PoolScheduler.evictions(toFit: 512, memoryInUse: 1000, memoryBudget: 1024, candidates: candidates)
                == ["old", "mid"])
        #expect(PoolScheduler.evictions(toFit: 2048, memoryInUse: 1000, memoryBudget: 1024, candidates: candidates) == nil)
    }

    @Test("With no room and nothing to evict, work waits in a bounded queue, then throttles")
    func queue() {
        #expect(PoolScheduler.schedule(snapshot(memoryInUse: 1024, queued: 3)) == .enqueue)
        #expect(PoolScheduler.schedule(snapshot(memoryInUse: 1024, queued: 10)) == .throttle(.capacity))
    }
}

@Suite struct PatientSchedulingTests {
    func snapshot(idle: [PoolScheduler.IdleSandbox<String>] = [], versionInFlight: Int, patient: Bool, reserved: Int? = nil)
        -> PoolScheduler.Snapshot<String>
    {
        .init(
            idle: idle, idleElsewhere: [], functionInFlight: versionInFlight, reservedConcurrency: reserved,
            unreservedInFlight: versionInFlight, unreservedLimit: 900, memoryInUse: 0, memoryBudget: 4096,
            sandboxMemory: 128, queued: 0, queueCapacity: 10, versionInFlight: versionInFlight,
            mayWaitForBusy: patient)
    }

    @Test("An invocation that may wait waits for its version's busy sandbox instead of starting one")
    func waitsForBusy() {
        #expect(PoolScheduler.schedule(snapshot(versionInFlight: 1, patient: true)) == .waitForBusy)
        #expect(PoolScheduler.schedule(snapshot(versionInFlight: 1, patient: false)) == .start(evicting: []))
    }

    @Test("With nothing busy it starts a sandbox; an idle one is reused; limits still throttle first")
    func waitingOnlyWhenItHelps() {
        #expect(PoolScheduler.schedule(snapshot(versionInFlight: 0, patient: true)) == .start(evicting: []))
        let idle = [PoolScheduler.IdleSandbox(id: "warm", lastUsed: 3, memory: 128)]
        #expect(PoolScheduler.schedule(snapshot(idle: idle, versionInFlight: 2, patient: true)) == .reuse("warm"))
        #expect(
            PoolScheduler.schedule(snapshot(versionInFlight: 2, patient: true, reserved: 2))
                == .throttle(.reservedFunctionConcurrency))
    }
}
