import Foundation

/// Everything Nimbus keeps about one function, stored as one document so each control-plane
/// operation is a single read-modify-write of it.
public struct FunctionRecord: Codable, Sendable {
    /// Owning account.
    public var accountId: String
    /// Region the function lives in.
    public var region: String
    /// Plain name.
    public var name: String
    /// `$LATEST`.
    public var latest: VersionRecord
    /// Published versions, ascending by number.
    public var versions: [VersionRecord]
    /// The highest version number ever published (numbers are never reused).
    public var lastVersionNumber: Int
    /// Whether `$LATEST` is unchanged since the last publish (publish is then idempotent).
    public var latestPublished: Bool
    /// Aliases by name.
    public var aliases: [String: AliasRecord]
    /// Resource policies by qualifier (`""` for the unqualified function).
    public var policies: [String: PolicyRecord]
    /// Reserved concurrency, when set.
    public var reservedConcurrency: Int?
    /// Provisioned concurrency configs by qualifier.
    public var provisioned: [String: ProvisionedConcurrencyRecord]
    /// Asynchronous invocation configs by qualifier (`$LATEST` for the unqualified function).
    public var eventInvokeConfigs: [String: EventInvokeConfigRecord]
    /// Function URL configs by qualifier (`""` for the unqualified function).
    public var urlConfigs: [String: FunctionURLRecord]
    /// Tags.
    public var tags: [String: String]

    /// Creates a new function around its `$LATEST`.
    public init(accountId: String, region: String, name: String, latest: VersionRecord, tags: [String: String]) {
        self.accountId = accountId
        self.region = region
        self.name = name
        self.latest = latest
        self.versions = []
        self.lastVersionNumber = 0
        self.latestPublished = false
        self.aliases = [:]
        self.policies = [:]
        self.reservedConcurrency = nil
        self.provisioned = [:]
        self.eventInvokeConfigs = [:]
        self.urlConfigs = [:]
        self.tags = tags
    }

    /// The unqualified ARN.
    public var arn: String { ARN.function(name, region: region, account: accountId) }

    /// The ARN with a qualifier.
    public func arn(_ qualifier: String?) -> String {
        ARN.function(name, region: region, account: accountId, qualifier: qualifier)
    }

    /// The published version with this number.
    public func version(_ number: String) -> VersionRecord? {
        versions.first { $0.version == number }
    }

    /// Bytes of code stored for `$LATEST` and every published version.
    public var totalCodeSize: Int {
        latest.code.codeSize + versions.reduce(0) { $0 + $1.code.codeSize }
    }

    /// Sum of provisioned concurrency over qualifiers.
    public var provisionedTotal: Int {
        provisioned.values.reduce(0) { $0 + $1.requested }
    }

    /// What this function takes from the account's unreserved pool beyond its reservation: its provisioned
    /// concurrency when it has no reservation (a reservation already covers provisioned executions).
    public var provisionedOutsideReservation: Int {
        reservedConcurrency == nil ? provisionedTotal : 0
    }
}

/// Code as stored: content address plus the values Lambda reports.
public struct CodeReference: Codable, Sendable, Equatable {
    /// Hex SHA-256 (content address).
    public var sha256Hex: String
    /// Base64 SHA-256 (`CodeSha256`).
    public var codeSha256: String
    /// Zip size in bytes (`CodeSize`).
    public var codeSize: Int

    /// Creates a reference.
    public init(sha256Hex: String, codeSha256: String, codeSize: Int) {
        self.sha256Hex = sha256Hex
        self.codeSha256 = codeSha256
        self.codeSize = codeSize
    }
}

/// An alias: a name pointing at a version, optionally with a weighted second version.
public struct AliasRecord: Codable, Sendable, Equatable {
    /// Alias name.
    public var name: String
    /// Primary version.
    public var functionVersion: String
    /// Description (`""` default).
    public var description: String
    /// Additional version weights (at most one entry).
    public var additionalVersionWeights: [String: Double]
    /// Revision id, renewed on every update.
    public var revisionId: String

    /// Creates an alias.
    public init(
        name: String, functionVersion: String, description: String, additionalVersionWeights: [String: Double],
        revisionId: String
    ) {
        self.name = name
        self.functionVersion = functionVersion
        self.description = description
        self.additionalVersionWeights = additionalVersionWeights
        self.revisionId = revisionId
    }
}

/// A resource policy: ordered statements plus a revision id.
public struct PolicyRecord: Codable, Sendable {
    /// Statements as AWS renders them.
    public var statements: [JSONValue]
    /// Revision id, renewed on each add/remove.
    public var revisionId: String

    /// Creates a policy.
    public init(statements: [JSONValue], revisionId: String) {
        self.statements = statements
        self.revisionId = revisionId
    }
}

/// A provisioned concurrency config.
public struct ProvisionedConcurrencyRecord: Codable, Sendable {
    /// Requested executions.
    public var requested: Int
    /// When it was last set.
    public var lastModified: Date
    /// Whether the allocation finished (reported `READY`).
    public var ready: Bool
    /// Why the allocation failed (reported `FAILED`), if it did.
    public var failure: String?

    /// Creates a config.
    public init(requested: Int, lastModified: Date, ready: Bool, failure: String? = nil) {
        self.requested = requested
        self.lastModified = lastModified
        self.ready = ready
        self.failure = failure
    }
}

/// An asynchronous invocation config.
public struct EventInvokeConfigRecord: Codable, Sendable, Equatable {
    /// 0–2.
    public var maximumRetryAttempts: Int?
    /// 60–21600.
    public var maximumEventAgeInSeconds: Int?
    /// OnSuccess destination ARN.
    public var onSuccess: String?
    /// OnFailure destination ARN.
    public var onFailure: String?
    /// Last change.
    public var lastModified: Date

    /// Creates a config.
    public init(
        maximumRetryAttempts: Int?, maximumEventAgeInSeconds: Int?, onSuccess: String?, onFailure: String?,
        lastModified: Date
    ) {
        self.maximumRetryAttempts = maximumRetryAttempts
        self.maximumEventAgeInSeconds = maximumEventAgeInSeconds
        self.onSuccess = onSuccess
        self.onFailure = onFailure
        self.lastModified = lastModified
    }
}

/// A function URL config.
public struct FunctionURLRecord: Codable, Sendable {
    /// The 32-character URL id.
    public var urlId: String
    /// `NONE` or `AWS_IAM`.
    public var authType: String
    /// CORS settings as given.
    public var cors: JSONValue?
    /// `BUFFERED` or `RESPONSE_STREAM`, when given.
    public var invokeMode: String?
    /// Creation time.
    public var creationTime: Date
    /// Last change.
    public var lastModified: Date

    /// Creates a config.
    public init(urlId: String, authType: String, cors: JSONValue?, invokeMode: String?, creationTime: Date) {
        self.urlId = urlId
        self.authType = authType
        self.cors = cors
        self.invokeMode = invokeMode
        self.creationTime = creationTime
        self.lastModified = creationTime
    }
}
