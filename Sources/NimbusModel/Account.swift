import Foundation

/// A tenant.
public struct Account: Codable, Sendable, Equatable {
    /// 12-digit account id.
    public var accountId: String
    /// Human name (unique).
    public var name: String
    /// Creation time.
    public var createdAt: Date

    /// Creates an account value.
    public init(accountId: String, name: String, createdAt: Date) {
        self.accountId = accountId
        self.name = name
        self.createdAt = createdAt
    }
}

/// A long-term access key of an account.
public struct AccessKey: Codable, Sendable, Equatable {
    /// `AKIA…` key id.
    public var accessKeyId: String
    /// The secret.
    public var secretAccessKey: String
    /// Owning account.
    public var accountId: String

    /// Creates a key value.
    public init(accessKeyId: String, secretAccessKey: String, accountId: String) {
        self.accessKeyId = accessKeyId
        self.secretAccessKey = secretAccessKey
        self.accountId = accountId
    }
}

/// An event source mapping, stored on its own: it outlives its function.
public struct EventSourceMappingRecord: Codable, Sendable {
    /// UUID.
    public var uuid: String
    /// Owning account.
    public var accountId: String
    /// Region.
    public var region: String
    /// Target function ARN as given (qualified or not).
    public var functionArn: String
    /// Source ARN.
    public var eventSourceArn: String
    /// Batch size.
    public var batchSize: Int
    /// Batching window.
    public var maximumBatchingWindowInSeconds: Int
    /// Whether polling is on.
    public var enabled: Bool
    /// `ReportBatchItemFailures` or empty.
    public var functionResponseTypes: [String]
    /// Filter criteria as given.
    public var filterCriteria: JSONValue?
    /// Scaling config as given.
    public var scalingConfig: JSONValue?
    /// Other members stored as given (stream-only settings).
    public var extra: [String: JSONValue]
    /// Tags.
    public var tags: [String: String]
    /// Last change.
    public var lastModified: Date

    /// Creates a mapping.
    public init(
        uuid: String, accountId: String, region: String, functionArn: String, eventSourceArn: String,
        batchSize: Int, maximumBatchingWindowInSeconds: Int, enabled: Bool, functionResponseTypes: [String],
        filterCriteria: JSONValue?, scalingConfig: JSONValue?, extra: [String: JSONValue], tags: [String: String],
        lastModified: Date
    ) {
        self.uuid = uuid
        self.accountId = accountId
        self.region = region
        self.functionArn = functionArn
        self.eventSourceArn = eventSourceArn
        self.batchSize = batchSize
        self.maximumBatchingWindowInSeconds = maximumBatchingWindowInSeconds
        self.enabled = enabled
        self.functionResponseTypes = functionResponseTypes
        self.filterCriteria = filterCriteria
        self.scalingConfig = scalingConfig
        self.extra = extra
        self.tags = tags
        self.lastModified = lastModified
    }

    /// The mapping's ARN.
    public var arn: String { ARN.eventSourceMapping(uuid, region: region, account: accountId) }
}
