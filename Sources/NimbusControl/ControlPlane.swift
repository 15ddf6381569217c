import Foundation
import NimbusCode
import NimbusModel
import NimbusStore

/// Who is calling: the account behind the access key and the region of the credential scope.
public struct Caller: Sendable, Equatable {
    /// Account id.
    public var accountId: String
    /// Region.
    public var region: String

    /// Creates a caller.
    public init(accountId: String, region: String) {
        self.accountId = accountId
        self.region = region
    }
}

/// Account-wide limits reported by GetAccountSettings and enforced on concurrency settings.
public struct AccountLimits: Sendable {
    /// Concurrent executions per account and region.
    public var concurrentExecutions: Int = 1000
    /// What must stay unreserved.
    public var minimumUnreserved: Int = 100
    /// Total code storage.
    public var totalCodeSize: Int = 80_530_636_800

    /// Lambda's defaults.
    public static let lambda = AccountLimits()

    /// Lambda's defaults, with `concurrentExecutions` per account and region. As on Lambda, a quota below
    /// 1,000 keeps 10 unreserved (all of it when the quota is smaller), not 100.
    public static func with(concurrentExecutions: Int) -> AccountLimits {
        var limits = AccountLimits()
        limits.concurrentExecutions = concurrentExecutions
        if concurrentExecutions < 1000 { limits.minimumUnreserved = min(10, concurrentExecutions) }
        return limits
    }
}

/// The Lambda control plane: every management operation's rules, over the store.
/// Operations take the raw path/query members and the request body, and return the response body.
public struct ControlPlane: Sendable {
    let functions: any FunctionStore
    let mappings: any EventSourceMappingStore
    let code: CodeArtifactStore
    let limits: AccountLimits
    let now: @Sendable () -> Date
    let codeLocation: @Sendable (FunctionKey, String) -> String
    let urlBase: @Sendable () -> String
    /// Whether something (the invoker) allocates provisioned concurrency and reports back; without it a
    /// config is `READY` as soon as it is stored.
    let allocatesProvisioned: Bool

    /// Creates the control plane.
    /// - Parameters:
    ///   - codeLocation: makes the download URL for a function's code at a qualifier.
    ///   - urlBase: the base of function URLs (`http://host:port`).
    public init(
        functions: any FunctionStore, mappings: any EventSourceMappingStore, code: CodeArtifactStore,
        limits: AccountLimits = .lambda, urlBase: @escaping @Sendable () -> String, now: @escaping @Sendable () -> Date = { Date() },
        allocatesProvisioned: Bool = false, codeLocation: @escaping @Sendable (FunctionKey, String) -> String
    ) {
        self.allocatesProvisioned = allocatesProvisioned
        self.functions = functions
        self.mappings = mappings
        self.code = code
        self.limits = limits
        self.now = now
        self.codeLocation = codeLocation
        self.urlBase = urlBase
    }

    static func newRevisionId() -> String { RandomID.uuid() }
}

extension FunctionKey {
    /// The function's ARN, qualified when a qualifier is given.
    func arn(_ qualifier: String? = nil) -> String {
        ARN.function(name, region: region, account: accountId, qualifier: qualifier)
    }
}

/// A resolved function address: whose function, and the qualifier if any.
struct Target: Sendable {
    var key: FunctionKey
    var qualifier: String?
    /// Whether the caller is not the owner (access was granted by a resource policy).
    var crossAccount: Bool
}

extension ControlPlane {
    /// Resolves a `FunctionName` path member and optional `Qualifier` for `action`, enforcing region and
    /// tenancy: another account's function is reachable only where its resource policy allows the caller.
    func resolve(
        _ raw: String, qualifier: String? = nil, caller: Caller, action: String,
        shape: FunctionReference.Shape = .namespaced, qualifierPattern: Pattern? = .qualifier
    ) async throws -> Target {
        let ref = try FunctionReference.parse(raw, shape: shape)
        // The qualifier may come from the name or the query; either must fit the operation's pattern.
        if let qualifier = qualifier ?? ref.qualifier {
            var errors = ValidationErrors()
            errors.length(qualifier, at: "qualifier", min: 1, max: 128)
            if let qualifierPattern { errors.pattern(qualifier, at: "qualifier", qualifierPattern) }
            try errors.throwIfAny()
        }
        if let inName = ref.qualifier, let qualifier, inName != qualifier {
            throw LambdaError.invalidParameter(
                "The derived qualifier from the function name does not match the specified qualifier.")
        }
        if let region = ref.region, region != caller.region {
            throw LambdaError.resourceNotFound(
                "Functions from '\(region)' are not reachable in this region ('\(caller.region)')")
        }
        let owner = ref.accountId ?? caller.accountId
        let key = FunctionKey(accountId: owner, region: caller.region, name: ref.name)
        let target = Target(key: key, qualifier: ref.qualifier ?? qualifier, crossAccount: owner != caller.accountId)
        if target.crossAccount {
            // Operations that take no Qualifier act on the whole function: only its own policy can grant them,
            // never a statement on one of its versions or aliases.
            let policyQualifier = qualifierPattern == nil ? nil : target.qualifier
            let record = try await functions.function(key)
            guard let record,
                ResourcePolicy.allows(
                    record, qualifier: policyQualifier, principalAccount: caller.accountId, action: action)
            else { throw LambdaError.accessDenied() }
        }
        return target
    }

    /// Loads the function or throws `Function not found: <arn>`.
    func load(_ target: Target) async throws -> FunctionRecord {
        guard let record = try await functions.function(target.key) else {
            let arn = target.key.arn(target.qualifier)
            throw LambdaError.resourceNotFound("Function not found: \(arn)")
        }
        return record
    }


    /// The version a qualifier designates: `$LATEST`, a number, or an alias's primary version.
    func version(
        of record: FunctionRecord, qualifier: String?
    ) throws(LambdaError) -> (version: VersionRecord, arn: String) {
        guard let qualifier else { return (record.latest, record.arn) }
        if qualifier == "$LATEST" { return (record.latest, record.arn("$LATEST")) }
        if let version = record.version(qualifier) { return (version, record.arn(qualifier)) }
        if let alias = record.aliases[qualifier] {
            let version = alias.functionVersion == "$LATEST" ? record.latest : record.version(alias.functionVersion)
            if let version { return (version, record.arn(qualifier)) }
        }
        throw LambdaError.resourceNotFound("Function not found: \(record.arn(qualifier))")
    }

    /// Applies a change to an existing function atomically, throwing `Function not found` when missing.
    func mutate<T: Sendable>(
        _ key: FunctionKey, withUsage: Bool = false,
        missing: LambdaError? = nil,
        _ body: @escaping @Sendable (inout FunctionRecord, AccountUsage?) throws -> T
    ) async throws -> T {
        let notFound = missing ?? LambdaError.resourceNotFound("Function not found: \(key.arn())")
        return try await functions.updateFunction(key, withUsage: withUsage) { record, usage in
            guard var existing = record else { throw notFound }
            let result = try body(&existing, usage)
            record = existing
            return result
        }
    }
}
