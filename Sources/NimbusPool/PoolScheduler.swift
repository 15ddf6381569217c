/// Decides where an invocation runs, as a pure function of a snapshot of the pool (OpenWhisk's
/// `ContainerPool.schedule`, unit-tested apart from the actor that owns the pool).
///
/// Order: concurrency limits first (a throttle happens before anything runs), then the most recently
/// used idle sandbox of the same function version, then a new sandbox if the memory budget allows
/// (evicting least-recently-used idle sandboxes of other functions to make room), then a bounded queue,
/// and only then a capacity throttle. An invocation that may wait (an `Event` one) waits for a busy
/// sandbox of its own version before a new one is started, so a burst of short events is drained by the
/// sandboxes already there instead of paying a cold start each; its caller bounds that wait.
public enum PoolScheduler {
    /// An idle sandbox the scheduler may reuse or evict.
    public struct IdleSandbox<ID: Hashable & Sendable>: Sendable {
        /// Sandbox identity.
        public var id: ID
        /// When it last finished an invocation (any monotonic unit).
        public var lastUsed: UInt64
        /// Memory it holds, in MB.
        public var memory: Int

        /// Creates a summary.
        public init(id: ID, lastUsed: UInt64, memory: Int) {
            self.id = id
            self.lastUsed = lastUsed
            self.memory = memory
        }
    }

    /// The state the decision depends on.
    public struct Snapshot<ID: Hashable & Sendable>: Sendable {
        /// Idle sandboxes of the function version being invoked.
        public var idle: [IdleSandbox<ID>]
        /// Idle sandboxes of other functions (eviction candidates).
        public var idleElsewhere: [IdleSandbox<ID>]
        /// Invocations of this function in flight (running or starting).
        public var functionInFlight: Int
        /// The function's reserved concurrency, if set.
        public var reservedConcurrency: Int?
        /// In-flight invocations of the account's functions that have no reservation.
        public var unreservedInFlight: Int
        /// The account's unreserved pool (concurrent executions minus all reservations).
        public var unreservedLimit: Int
        /// Memory held by all sandboxes, in MB.
        public var memoryInUse: Int
        /// The configured memory budget, in MB.
        public var memoryBudget: Int
        /// Memory a new sandbox for this function needs, in MB.
        public var sandboxMemory: Int
        /// Invocations already waiting for a sandbox.
        public var queued: Int
        /// How many may wait.
        public var queueCapacity: Int
        /// Invocations of this function version in flight (running or starting its sandbox).
        public var versionInFlight: Int
        /// Whether this invocation may wait for one of those instead of starting a sandbox.
        public var mayWaitForBusy: Bool

        /// Creates a snapshot.
        public init(
            idle: [IdleSandbox<ID>], idleElsewhere: [IdleSandbox<ID>], functionInFlight: Int,
            reservedConcurrency: Int?, unreservedInFlight: Int, unreservedLimit: Int, memoryInUse: Int,
            memoryBudget: Int, sandboxMemory: Int, queued: Int, queueCapacity: Int, versionInFlight: Int = 0,
            mayWaitForBusy: Bool = false
        ) {
            self.versionInFlight = versionInFlight
            self.mayWaitForBusy = mayWaitForBusy
            self.idle = idle
            self.idleElsewhere = idleElsewhere
            self.functionInFlight = functionInFlight
            self.reservedConcurrency = reservedConcurrency
            self.unreservedInFlight = unreservedInFlight
            self.unreservedLimit = unreservedLimit
            self.memoryInUse = memoryInUse
            self.memoryBudget = memoryBudget
            self.sandboxMemory = sandboxMemory
            self.queued = queued
            self.queueCapacity = queueCapacity
        }
    }

    /// Why an invocation is throttled (the `Reason` member of the 429).
    public enum ThrottleReason: String, Sendable, Equatable {
        case reservedFunctionConcurrency = "ReservedFunctionConcurrentInvocationLimitExceeded"
        case accountConcurrency = "ConcurrentInvocationLimitExceeded"
        case capacity = "CallerRateLimitExceeded"
    }

    /// The decision.
    public enum Decision<ID: Hashable & Sendable>: Sendable, Equatable {
        /// Run on this idle sandbox.
        case reuse(ID)
        /// Start a new sandbox after tearing these idle ones down.
        case start(evicting: [ID])
        /// Wait for a sandbox to free up.
        case enqueue
        /// Wait for a busy sandbox of the same version (the caller bounds the wait, then schedules again
        /// without waiting).
        case waitForBusy
        /// Answer 429 before anything runs.
        case throttle(ThrottleReason)
    }

    /// Schedules one invocation.
    public static func schedule<ID>(_ s: Snapshot<ID>) -> Decision<ID> {
        if let reserved = s.reservedConcurrency {
            if s.functionInFlight >= reserved { return .throttle(.reservedFunctionConcurrency) }
        } else if s.unreservedInFlight >= s.unreservedLimit {
            return .throttle(.accountConcurrency)
        }
        if let warm = s.idle.max(by: { $0.lastUsed < $1.lastUsed }) { return .reuse(warm.id) }
        if s.mayWaitForBusy, s.versionInFlight > 0 { return .waitForBusy }
        if let evicting = evictions(
            toFit: s.sandboxMemory, memoryInUse: s.memoryInUse, memoryBudget: s.memoryBudget,
            candidates: s.idleElsewhere)
        {
            return .start(evicting: evicting)
        }
        return s.queued < s.queueCapacity ? .enqueue : .throttle(.capacity)
    }

    /// The idle sandboxes to tear down, least recently used first, so that `memory` more fits the budget;
    /// nil when even all of them would not make room.
    public static func evictions<ID: Hashable & Sendable>(
        toFit memory: Int, memoryInUse: Int, memoryBudget: Int, candidates: [IdleSandbox<ID>]
    ) -> [ID]? {
        var needed = memoryInUse + memory - memoryBudget
        var evicting: [ID] = []
        for candidate in candidates.sorted(by: { $0.lastUsed < $1.lastUsed }) where needed > 0 {
            evicting.append(candidate.id)
            needed -= candidate.memory
        }
        return needed <= 0 ? evicting : nil
    }
}
