import Foundation
import NimbusControl
import NimbusModel
import NimbusPool
import NimbusRuntimeAPI
import NimbusSandbox

/// The warm pool and invoke path: picks a warm sandbox of the same function version or starts one
/// (scheduling decided by the pure `PoolScheduler`), hands the invocation to its Runtime API, and turns
/// timeouts, crashes and OOM kills into Lambda's error documents. A sandbox that timed out or whose
/// runtime exited is destroyed, never reused.
public actor Invoker: InvocationHandler {
    /// Where sandboxes come from and what bounds them.
    public struct Configuration: Sendable {
        /// Memory all sandboxes may hold together, in MB.
        public var memoryBudgetMB: Int = 8192
        /// Idle sandboxes older than this are torn down.
        public var idleTimeout: Duration = .seconds(300)
        /// First host uid for sandboxes (one per sandbox, cycling).
        public var firstUID: UInt32 = 61_000
        /// How many uids to cycle through.
        public var uidCount: UInt32 = 4000
        /// Invocations that may wait for a sandbox when the memory budget is full (then 429).
        public var queueCapacity: Int = 1000
        /// Pre-initialised instances kept waiting per runtime identifier (runtimes not installed are skipped).
        public var preinitialised: [String: Int] = ["python3.11": 2, "nodejs20.x": 1, "provided.al2023": 1]
        /// How functions reach the Nimbus API (`AWS_ENDPOINT_URL` and credentials); nil: they cannot.
        public var nimbusAPI: NimbusAPIAccess?
        /// Fork Python runtimes from one initialised interpreter (`ForkServer`) instead of starting one in
        /// each sandbox.
        public var forkRuntimes = true

        /// Defaults.
        public init() {}
    }

    struct Key: Hashable, Sendable {
        var account: String
        var region: String
        var function: String
        var version: String
        var revision: String
    }

    /// An instance assigned to one function version.
    final class Warm: Sendable {
        let key: Key
        let instance: Instance
        let memory: Int
        init(key: Key, instance: Instance, memory: Int) {
            self.key = key
            self.instance = instance
            self.memory = memory
        }
        var sandbox: BubblewrapSandbox { instance.sandbox }
        var session: SandboxSession { instance.session }
        func stop() async { await instance.stop() }
    }

    let driver: BubblewrapDriver
    let factory: InstanceFactory
    /// Pre-initialised instances waiting for a function, by shape.
    var free: [InstanceShape: [Instance]] = [:]
    var refilling = false
    /// Provisioned-concurrency sandboxes (idle or busy) and the version each is kept for.
    var provisioned: [ObjectIdentifier: Key] = [:]
    /// Rung when a free instance is taken (the filler tops the pool up).
    nonisolated let freeTaken = Doorbell()
    let registry: RuntimeRegistry
    let taskDirectory: @Sendable (VersionRecord) -> String
    let configuration: Configuration
    let logs: FunctionLogs?
    var idle: [Key: [(warm: Warm, lastUsed: UInt64, since: ContinuousClock.Instant)]] = [:]
    var functionInFlight: [String: Int] = [:]
    /// Invocations in flight per function version (running or starting their sandbox).
    var versionInFlight: [Key: Int] = [:]
    /// `Event` invocations waiting for a busy sandbox of their version, first come first served.
    var patient: [Key: [(id: UInt64, continuation: CheckedContinuation<Void, Never>)]] = [:]
    var nextPatientID: UInt64 = 0
    var unreservedInFlight: [String: Int] = [:]
    var memoryInUse = 0
    var tick: UInt64 = 0
    var nextUID: UInt32 = 0
    /// Invocations waiting for a sandbox, first come first served.
    var waiting: [CheckedContinuation<Void, Never>] = []

    /// Creates the invoker.
    /// `instancesDirectory` holds the task directories of instances (emptied by the caller at start-up).
    public init(
        driver: BubblewrapDriver, registry: RuntimeRegistry, configuration: Configuration = Configuration(),
        instancesDirectory: String, logs: FunctionLogs? = nil,
        taskDirectory: @escaping @Sendable (VersionRecord) -> String
    ) {
        self.logs = logs
        self.driver = driver
        var forkServers: [String: ForkServer] = [:]
        if configuration.forkRuntimes {
            for launch in registry.launches.values where forkServers[launch.name] == nil {
                forkServers[launch.name] = Zygote.forkServer(for: launch)
            }
        }
        self.factory = InstanceFactory(
            driver: driver, directory: instancesDirectory, api: configuration.nimbusAPI, forkServers: forkServers)
        self.registry = registry
        self.configuration = configuration
        self.taskDirectory = taskDirectory
    }

    /// With a `patience`, the invocation first waits (up to that long) for a busy sandbox of its version
    /// rather than starting a new one: how `Event` invocations are drained by the sandboxes already warm.
    public func invoke(
        _ target: InvocationTarget, payload: [UInt8], requestId: String, clientContext: String?, patience: Duration?
    ) async throws -> InvocationResult {
        let version = target.version
        let key = Key(
            account: target.function.accountId, region: target.function.region, function: target.function.name,
            version: version.version, revision: version.revisionId)
        let functionId = "\(key.account)/\(key.region)/\(key.function)"
        let reserved = target.function.reservedConcurrency
        let patientUntil = patience.map { ContinuousClock.now + $0 }
        var retries = Self.notTakenRetries
        while true {
            let mayWait = patientUntil.map { ContinuousClock.now < $0 } ?? false
            let decision = schedule(key, target, functionId: functionId, reserved: reserved, mayWait: mayWait)
            if case .enqueue = decision {
                await withCheckedContinuation { waiting.append($0) }
                continue
            }
            if case .waitForBusy = decision, let patientUntil {
                await waitForBusy(key, until: patientUntil)
                continue
            }
            let attempt = Attempt(
                target: target, payload: payload, requestId: requestId, clientContext: clientContext,
                functionId: functionId, reserved: reserved, mayRetry: retries > 0)
            if let result = try await dispatch(decision, key, attempt) { return result }
            retries -= 1
        }
    }

    /// How many times an invocation moves to another sandbox when the runtime it was handed to exited
    /// without taking it (each move tears a dead sandbox down, so a few are plenty).
    static let notTakenRetries = 3

    /// One try at running an invocation.
    struct Attempt {
        var target: InvocationTarget
        var payload: [UInt8]
        var requestId: String
        var clientContext: String?
        var functionId: String
        var reserved: Int?
        /// Whether an invocation the runtime never took may go to another sandbox.
        var mayRetry: Bool
    }

    private func schedule(_ key: Key, _ target: InvocationTarget, functionId: String, reserved: Int?, mayWait: Bool)
        -> PoolScheduler.Decision<ObjectIdentifier>
    {
        let version = target.version
        return PoolScheduler.schedule(
            PoolScheduler.Snapshot(
                idle: (idle[key] ?? []).map { .init(id: ObjectIdentifier($0.warm), lastUsed: $0.lastUsed, memory: $0.warm.memory) },
                idleElsewhere: evictable(except: key),
                functionInFlight: functionInFlight[functionId, default: 0], reservedConcurrency: reserved,
                unreservedInFlight: unreservedInFlight[key.account, default: 0],
                unreservedLimit: target.unreservedLimit,
                memoryInUse: memoryInUse, memoryBudget: configuration.memoryBudgetMB, sandboxMemory: version.memorySize,
                queued: waiting.count, queueCapacity: configuration.queueCapacity,
                versionInFlight: versionInFlight[key, default: 0], mayWaitForBusy: mayWait))
    }

    /// Runs `attempt` as `decision` says; nil when the sandbox's runtime had exited without taking the
    /// invocation and it may try another.
    private func dispatch(_ decision: PoolScheduler.Decision<ObjectIdentifier>, _ key: Key, _ attempt: Attempt)
        async throws -> InvocationResult?
    {
        let version = attempt.target.version
        let warm: Warm
        switch decision {
        case .throttle(let reason):
            throw LambdaError(
                code: "TooManyRequestsException", status: 429, message: "Rate Exceeded.",
                extra: [("Reason", reason.rawValue)])
        case .enqueue, .waitForBusy:
            throw LambdaError(
                code: "TooManyRequestsException", status: 429, message: "Rate Exceeded.",
                extra: [("Reason", PoolScheduler.ThrottleReason.capacity.rawValue)])
        case .reuse(let id):
            warm = takeIdle(key, id)
        case .start(let evicting):
            for id in evicting { evictWarm(id) }
            // Counted in flight (and its memory held) while it starts, so concurrent calls see it.
            begin(attempt.functionId, key, reserved: attempt.reserved)
            memoryInUse += version.memorySize
            do {
                warm = try await startForInvocation(key, attempt.target)
            } catch {
                finish(attempt.functionId, key, reserved: attempt.reserved)
                memoryInUse -= version.memorySize
                wakeOne()
                wakePatient(key)
                throw error
            }
            return await run(warm, attempt)
        }
        begin(attempt.functionId, key, reserved: attempt.reserved)
        return await run(warm, attempt)
    }

    private func run(_ warm: Warm, _ attempt: Attempt) async -> InvocationResult? {
        let target = attempt.target
        let timeout = target.version.timeout
        let invocation = RuntimeInvocation(
            requestId: attempt.requestId, payload: attempt.payload, timeoutMs: Int64(timeout) * 1000,
            invokedFunctionArn: target.invokedArn, clientContext: attempt.clientContext)
        let initOutput = warm.sandbox.output.take()
        let started = ContinuousClock.now
        let outcome = await warm.session.run(invocation, timeout: .seconds(timeout))
        // Lambda's Duration is the handler's time: a first invocation also waited for the runtime's init,
        // which its REPORT line gives apart as Init Duration.
        let duration = ContinuousClock.now - max(started, warm.session.readyAt ?? started)
        finish(attempt.functionId, warm.key, reserved: attempt.reserved)
        if case .notTaken = outcome, attempt.mayRetry {
            // Torn down in the background: the invocation schedules again before anything else can take
            // the concurrency and memory it already had.
            drop(warm, earlierOutput: initOutput)
            return nil
        }
        var (result, reusable) = SandboxSession.result(
            outcome, requestId: attempt.requestId, timeout: timeout, version: target.executedVersion)
        result.log = InvocationLog.compose(
            requestId: attempt.requestId, version: target.executedVersion, initOutput: initOutput,
            output: warm.sandbox.output.take(), duration: duration, memorySize: warm.memory,
            maxMemoryBytes: warm.sandbox.cgroup.maxMemoryBytes, initDuration: warm.session.takeInitDuration())
        logs?.append(result.log, account: warm.key.account, region: warm.key.region, function: warm.key.function)
        if reusable {
            tick += 1
            idle[warm.key, default: []].append((warm, tick, .now))
            wakeOne()
            wakePatient(warm.key)
        } else {
            await discard(warm)
        }
        return result
    }

    /// A sandbox whose runtime exited: its last output (why it exited) goes to the function's log without a
    /// START, its memory is released, and it is torn down in the background.
    private func drop(_ warm: Warm, earlierOutput: [UInt8] = []) {
        let leftover = earlierOutput + warm.sandbox.output.take()
        if !leftover.isEmpty {
            logs?.append(leftover, account: warm.key.account, region: warm.key.region, function: warm.key.function)
        }
        provisioned[ObjectIdentifier(warm)] = nil
        tearDownInBackground(warm)
    }

    /// Releases `warm`'s memory and kills it at once (the memory is free as its processes die); the rest of
    /// its teardown (reaping, cgroup removal, closing its listeners) runs in the background.
    private func tearDownInBackground(_ warm: Warm) {
        memoryInUse -= warm.memory
        warm.sandbox.signalKill()
        Task { await warm.stop() }
    }

    /// The runtime of an idle sandbox exited (it crashed after its answer, or a thread of it ended the
    /// process): the sandbox leaves the idle list at once, so no invocation is handed to it and its memory
    /// is free again. A sandbox not on the list (busy, or already gone) is left to the invocation path.
    func idleSandboxExited(_ warm: Warm) {
        guard let index = idle[warm.key]?.firstIndex(where: { $0.warm === warm }) else { return }
        idle[warm.key]!.remove(at: index)
        drop(warm)
        wakeOne()
        wakePatient(warm.key)
    }

    /// Tears down a sandbox that may not serve again, and lets waiting invocations schedule.
    private func discard(_ warm: Warm) async {
        provisioned[ObjectIdentifier(warm)] = nil
        memoryInUse -= warm.memory
        await offLoop { await warm.stop() }
        wakeOne()
        wakePatient(warm.key)
    }

    /// Idle sandboxes that may be torn down to make room: not provisioned, not of `key`'s version.
    func evictable(except key: Key?) -> [PoolScheduler.IdleSandbox<ObjectIdentifier>] {
        idle.filter { $0.key != key }.flatMap { $0.value }
            .filter { provisioned[ObjectIdentifier($0.warm)] == nil }
            .map { .init(id: ObjectIdentifier($0.warm), lastUsed: $0.lastUsed, memory: $0.warm.memory) }
    }

    /// A sandbox became free (idle or gone): the longest-waiting invocation schedules again.
    func wakeOne() {
        if !waiting.isEmpty { waiting.removeFirst().resume() }
    }

    private func begin(_ functionId: String, _ key: Key, reserved: Int?) {
        functionInFlight[functionId, default: 0] += 1
        versionInFlight[key, default: 0] += 1
        if reserved == nil { unreservedInFlight[key.account, default: 0] += 1 }
    }

    private func finish(_ functionId: String, _ key: Key, reserved: Int?) {
        functionInFlight[functionId, default: 1] -= 1
        versionInFlight[key, default: 1] -= 1
        if versionInFlight[key] == 0 { versionInFlight[key] = nil }
        if reserved == nil { unreservedInFlight[key.account, default: 1] -= 1 }
    }

    private func takeIdle(_ key: Key, _ id: ObjectIdentifier) -> Warm {
        let index = idle[key]!.firstIndex { ObjectIdentifier($0.warm) == id }!
        return idle[key]!.remove(at: index).warm
    }

    /// Makes room for a new sandbox: the idle one is killed at once (its memory is released as its
    /// processes die) and torn down in the background, so the invocation that needed the room does not
    /// wait for the reaping, the cgroup removal and the listener to close (≈ 6 ms).
    func evictWarm(_ id: ObjectIdentifier) {
        for (key, entries) in idle {
            if let index = entries.firstIndex(where: { ObjectIdentifier($0.warm) == id }) {
                tearDownInBackground(idle[key]!.remove(at: index).warm)
                return
            }
        }
    }

    /// Tears down sandboxes idle for longer than the idle timeout. The idle lists change before the first
    /// teardown is awaited: while it is, invocations take and return sandboxes, so nothing read before it
    /// may be written back after it.
    public func reapIdle() async {
        let cutoff = ContinuousClock.now - configuration.idleTimeout
        var expired: [Warm] = []
        for (key, entries) in idle {
            let gone = entries.filter { $0.since < cutoff && provisioned[ObjectIdentifier($0.warm)] == nil }
            guard !gone.isEmpty else { continue }
            let kept = entries.filter { entry in !gone.contains { $0.warm === entry.warm } }
            idle[key] = kept.isEmpty ? nil : kept
            expired += gone.map(\.warm)
        }
        for warm in expired {
            memoryInUse -= warm.memory
            wakeOne()
        }
        for warm in expired { await warm.stop() }
    }

    /// Tears down every idle sandbox and free instance and removes this server's cgroup scope (shutdown).
    public func shutdown() async {
        let all = idle.values.flatMap { $0 }.map(\.warm.instance) + free.values.flatMap { $0 }
        idle = [:]
        free = [:]
        provisioned = [:]
        // In parallel: a server with many warm sandboxes must finish within its shutdown grace.
        await withTaskGroup(of: Void.self) { group in
            for instance in all { group.addTask { await instance.stop() } }
        }
        memoryInUse = 0
        for server in factory.forkServers.values { server.stop() }
        driver.removeScope()
    }

    /// Runs `body` with the global pool as the task's executor. An invocation may be answered on an event
    /// loop (NimbusHTTP's `EventLoopExecutor`), which also serves other connections and Runtime APIs: starting
    /// a sandbox (spawning, linking code) and tearing one down run here instead.
    nonisolated func offLoop<T: Sendable, Failure: Error>(
        _ body: @Sendable () async throws(Failure) -> T
    ) async throws(Failure) -> T {
        try await withTaskExecutorPreference(globalConcurrentExecutor, operation: body)
    }

    /// Starts `key`'s sandbox: a waiting instance if one of its shape is free, a new one otherwise.
    func start(_ key: Key, _ target: InvocationTarget, initialization: String = "on-demand") async throws -> Warm {
        let plan = try plan(target)
        let instance: Instance
        if let waiting = takeFree(plan.shape) {
            instance = waiting
        } else {
            do {
                instance = try await factory.start(plan.shape, launch: plan.launch, uid: nextSandboxUID(), ahead: false)
            } catch {
                throw Self.startFailure(error)
            }
        }
        return try await place(key, target, plan, on: instance, initialization: initialization)
    }

    func nextSandboxUID() -> UInt32 {
        defer { nextUID &+= 1 }
        return configuration.firstUID + nextUID % configuration.uidCount
    }
}
