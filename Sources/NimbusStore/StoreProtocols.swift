import NimbusModel

/// Identifies a function: account, region and plain name.
public struct FunctionKey: Hashable, Sendable {
    /// Owning account.
    public var accountId: String
    /// Region.
    public var region: String
    /// Plain name.
    public var name: String

    /// Creates a key.
    public init(accountId: String, region: String, name: String) {
        self.accountId = accountId
        self.region = region
        self.name = name
    }
}

/// Per-account totals used by limits and GetAccountSettings.
public struct AccountUsage: Sendable, Equatable {
    /// Number of functions.
    public var functionCount: Int
    /// Bytes of code over every stored version.
    public var totalCodeSize: Int
    /// Σ reserved concurrency.
    public var reservedConcurrency: Int
    /// Σ provisioned concurrency.
    public var provisionedConcurrency: Int

    /// Creates totals.
    public init(functionCount: Int, totalCodeSize: Int, reservedConcurrency: Int, provisionedConcurrency: Int) {
        self.functionCount = functionCount
        self.totalCodeSize = totalCodeSize
        self.reservedConcurrency = reservedConcurrency
        self.provisionedConcurrency = provisionedConcurrency
    }
}

/// Errors the store raises for rule violations it enforces itself.
public struct StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong.
    public enum Kind: Sendable, Equatable { case duplicateAccountName, duplicateAccountId, invalidAccountId }
    /// The kind.
    public var kind: Kind
    /// A readable message.
    public var message: String
    public var description: String { message }
}

/// Accounts and their access keys.
public protocol AccountStore: Sendable {
    /// Creates an account with one access key. A nil id picks a free random 12-digit id.
    func createAccount(name: String, accountId: String?) async throws -> (Account, AccessKey)
    /// Every account, by creation order.
    func accounts() async throws -> [Account]
    /// The access key with this id.
    func accessKey(id: String) async throws -> AccessKey?
}

/// Functions, each a `FunctionRecord` document changed atomically.
public protocol FunctionStore: Sendable {
    /// Reads a function.
    func function(_ key: FunctionKey) async throws -> FunctionRecord?
    /// Reads, changes and writes one function in a single transaction. Setting the record to nil deletes it.
    /// When `withUsage` is set, the body also gets the account's totals excluding this function.
    func updateFunction<T: Sendable>(
        _ key: FunctionKey, withUsage: Bool,
        _ body: @Sendable (inout FunctionRecord?, AccountUsage?) throws -> T
    ) async throws -> T
    /// Functions of an account and region ordered by name, strictly after `marker`.
    func listFunctions(accountId: String, region: String, after marker: String?, limit: Int) async throws
        -> [FunctionRecord]
    /// Totals of an account and region.
    func accountUsage(accountId: String, region: String) async throws -> AccountUsage
    /// Every function (all accounts and regions) with at least one provisioned concurrency config.
    func provisionedFunctions() async throws -> [FunctionRecord]
}

/// Event source mappings, which outlive their functions.
public protocol EventSourceMappingStore: Sendable {
    /// Reads a mapping.
    func mapping(uuid: String) async throws -> EventSourceMappingRecord?
    /// Reads, changes and writes one mapping atomically; nil deletes. Creating passes a nil record in.
    func updateMapping<T: Sendable>(
        uuid: String, _ body: @Sendable (inout EventSourceMappingRecord?) throws -> T
    ) async throws -> T
    /// Mappings of an account and region ordered by UUID, strictly after `marker`.
    func listMappings(accountId: String, region: String, after marker: String?, limit: Int) async throws
        -> [EventSourceMappingRecord]
}

/// An `Event` invocation accepted (202) and kept until it has run and its outcome was delivered.
public struct AsyncEvent: Sendable, Equatable {
    /// The request id the caller got, used by every attempt.
    public var requestId: String
    /// Owning account.
    public var accountId: String
    /// Region.
    public var region: String
    /// Function name.
    public var functionName: String
    /// Qualifier as addressed.
    public var qualifier: String?
    /// The event bytes.
    public var payload: [UInt8]
    /// When it was accepted, epoch seconds.
    public var createdAt: Double
    /// Attempts that ran the function and failed.
    public var failedAttempts: Int
    /// Attempts that could not run (throttles, system errors), for the backoff.
    public var deferredAttempts: Int
    /// Not to be attempted before this time, epoch seconds.
    public var notBefore: Double
    /// The store's key for the event, set when it is stored (0 before).
    public var seq: Int64

    /// Creates an event.
    public init(
        requestId: String, accountId: String, region: String, functionName: String, qualifier: String?,
        payload: [UInt8], createdAt: Double = 0, failedAttempts: Int = 0, deferredAttempts: Int = 0,
        notBefore: Double = 0, seq: Int64 = 0
    ) {
        self.seq = seq
        self.requestId = requestId
        self.accountId = accountId
        self.region = region
        self.functionName = functionName
        self.qualifier = qualifier
        self.payload = payload
        self.createdAt = createdAt
        self.failedAttempts = failedAttempts
        self.deferredAttempts = deferredAttempts
        self.notBefore = notBefore
    }
}

/// What one claim took, and when the next unclaimed event falls due (nil: none left, or not asked because
/// `limit` events were due).
public struct EventClaim: Sendable {
    /// The claimed events, oldest first.
    public var events: [AsyncEvent]
    /// The earliest `notBefore` of the unclaimed events left.
    public var nextDue: Double?

    /// Creates a claim.
    public init(events: [AsyncEvent], nextDue: Double?) {
        self.events = events
        self.nextDue = nextDue
    }
}

/// Durable storage of accepted `Event` invocations: stored before the 202, removed once handled.
public protocol AsyncEventStore: Sendable {
    /// Stores an event durably (its `createdAt` is set to now when 0) and returns it as stored, with its
    /// key. `claimed` stores it claimed already, for a runner that starts it without claiming it.
    @discardableResult func enqueue(_ event: AsyncEvent, claimed: Bool) async throws -> AsyncEvent
    /// Claims up to `limit` unclaimed events due at `now`, oldest first. When fewer than `limit` were due,
    /// the claim also says when the next unclaimed event falls due (asked in the same visit to the store).
    func claimEvents(limit: Int, now: Double) async throws -> EventClaim
    /// The earliest time an unclaimed event falls due, if any.
    func nextEventDue() async throws -> Double?
    /// Removes an event that was handled (by its key).
    func completeEvent(_ event: AsyncEvent) async throws
    /// Makes every claimed event claimable again (at start-up: claims of a killed process).
    func releaseClaims() async throws
    /// Makes a claimed event claimable again at `event.notBefore`, keeping its attempt counts (by its key).
    func rescheduleEvent(_ event: AsyncEvent) async throws
}

/// Small server-wide values.
public protocol SettingsStore: Sendable {
    /// The value for `key`, created with `make` on first use.
    func setting(_ key: String, orInsert make: @Sendable () -> [UInt8]) async throws -> [UInt8]
}
