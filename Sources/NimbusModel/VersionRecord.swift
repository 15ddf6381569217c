import Foundation

/// The configuration and code of `$LATEST` or of one published version.
public struct VersionRecord: Codable, Sendable {
    /// `$LATEST` or the version number.
    public var version: String
    /// Runtime identifier.
    public var runtime: String?
    /// Execution role ARN (stored verbatim).
    public var role: String
    /// Handler.
    public var handler: String?
    /// Description.
    public var description: String
    /// Timeout in seconds.
    public var timeout: Int
    /// Memory in MB.
    public var memorySize: Int
    /// Environment variables, when configured (an empty map is kept).
    public var environment: [String: String]?
    /// Architectures (one element).
    public var architectures: [String]
    /// `/tmp` size in MB.
    public var ephemeralStorage: Int
    /// `PassThrough` or `Active`.
    public var tracingMode: String
    /// Dead-letter target ARN.
    public var deadLetterTargetArn: String?
    /// KMS key ARN.
    public var kmsKeyArn: String?
    /// Layer version ARNs.
    public var layers: [String]?
    /// VPC config as given (stored only).
    public var vpcConfig: JSONValue?
    /// File system configs as given (stored only).
    public var fileSystemConfigs: JSONValue?
    /// Logging config (LogFormat, LogGroup, levels).
    public var loggingConfig: [String: String]
    /// SnapStart ApplyOn.
    public var snapStartApplyOn: String
    /// `Zip`.
    public var packageType: String
    /// The code.
    public var code: CodeReference
    /// Last change.
    public var lastModified: Date
    /// Revision id.
    public var revisionId: String
    /// `Pending`, `Active` or `Failed`.
    public var state: String
    /// `Successful`, `Failed` or nil before the first update.
    public var lastUpdateStatus: String?

    /// Creates a version record.
    public init(
        version: String, runtime: String?, role: String, handler: String?, description: String, timeout: Int,
        memorySize: Int, environment: [String: String]?, architectures: [String], ephemeralStorage: Int,
        tracingMode: String, deadLetterTargetArn: String?, kmsKeyArn: String?, layers: [String]?,
        vpcConfig: JSONValue?, fileSystemConfigs: JSONValue?, loggingConfig: [String: String],
        snapStartApplyOn: String, packageType: String, code: CodeReference, lastModified: Date, revisionId: String,
        state: String, lastUpdateStatus: String?
    ) {
        self.version = version
        self.runtime = runtime
        self.role = role
        self.handler = handler
        self.description = description
        self.timeout = timeout
        self.memorySize = memorySize
        self.environment = environment
        self.architectures = architectures
        self.ephemeralStorage = ephemeralStorage
        self.tracingMode = tracingMode
        self.deadLetterTargetArn = deadLetterTargetArn
        self.kmsKeyArn = kmsKeyArn
        self.layers = layers
        self.vpcConfig = vpcConfig
        self.fileSystemConfigs = fileSystemConfigs
        self.loggingConfig = loggingConfig
        self.snapStartApplyOn = snapStartApplyOn
        self.packageType = packageType
        self.code = code
        self.lastModified = lastModified
        self.revisionId = revisionId
        self.state = state
        self.lastUpdateStatus = lastUpdateStatus
    }
}
