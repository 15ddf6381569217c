import NimbusModel

/// The queue attributes a caller may set, their ranges and defaults, and the settings a queue's
/// stored attributes amount to.
public enum QueueAttributes {
    /// Integer attributes: allowed range and default.
    static let integers: [String: (range: ClosedRange<Int>, default: Int)] = [
        "DelaySeconds": (0...900, 0),
        "MaximumMessageSize": (1_024...1_048_576, 262_144),
        "MessageRetentionPeriod": (60...1_209_600, 345_600),
        "ReceiveMessageWaitTimeSeconds": (0...20, 0),
        "VisibilityTimeout": (0...43_200, 30),
        "KmsDataKeyReusePeriodSeconds": (60...86_400, 300),
    ]
    /// Attributes kept as given (JSON documents and flags checked below).
    static let others: Set<String> = [
        "Policy", "RedrivePolicy", "RedriveAllowPolicy", "KmsMasterKeyId", "SqsManagedSseEnabled", "FifoQueue",
        "ContentBasedDeduplication", "DeduplicationScope", "FifoThroughputLimit",
    ]
    /// Attributes SQS computes.
    static let computed: [String] = [
        "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed",
        "CreatedTimestamp", "LastModifiedTimestamp", "QueueArn",
    ]

    /// Every attribute name GetQueueAttributes knows.
    public static var readable: Set<String> { Set(integers.keys).union(others).union(computed) }

    /// Checks names and values of attributes to set; JSON policies are checked for shape here and
    /// for their targets by the service.
    public static func validate(_ attributes: [String: String], fifo: Bool = false) throws(QueueError) {
        for (name, value) in attributes.sorted(by: { $0.key < $1.key }) {
            if !fifo, fifoDefaults[name] != nil, name != "FifoQueue" { throw .invalidAttributeName(name) }
            if let spec = integers[name] {
                guard let number = Int(value), spec.range.contains(number) else {
                    throw .invalidAttributeValue("Invalid value for the parameter \(name).")
                }
            } else if others.contains(name) {
                switch name {
                case "DeduplicationScope", "FifoThroughputLimit":
                    let allowed = name == "DeduplicationScope" ? ["messageGroup", "queue"] : ["perQueue", "perMessageGroupId"]
                    guard allowed.contains(value) else {
                        throw .invalidAttributeValue("Invalid value for the parameter \(name).")
                    }
                case "SqsManagedSseEnabled", "FifoQueue", "ContentBasedDeduplication":
                    guard value == "true" || value == "false" else {
                        throw .invalidAttributeValue("Invalid value for the parameter \(name).")
                    }
                case "RedrivePolicy":
                    if !value.isEmpty { _ = try RedrivePolicy.parse(value) }
                case "RedriveAllowPolicy":
                    if !value.isEmpty { _ = try RedriveAllowPolicy.parse(value) }
                case "Policy":
                    if !value.isEmpty, (try? JSONValue.parse(Array(value.utf8))).flatMap({ v -> Bool? in
                        if case .object = v { return true } else { return nil }
                    }) == nil {
                        throw .invalidAttributeValue("Invalid value for the parameter Policy.")
                    }
                default: break
                }
            } else {
                throw .invalidAttributeName(name)
            }
        }
    }

    /// FIFO attributes, with the values a FIFO queue reports when they were not set.
    static let fifoDefaults: [String: String] = [
        "FifoQueue": "true", "ContentBasedDeduplication": "false", "DeduplicationScope": "queue",
        "FifoThroughputLimit": "perQueue",
    ]

    /// Whether the attributes make a FIFO queue.
    public static func isFifo(_ attributes: [String: String]) -> Bool { attributes["FifoQueue"] == "true" }

    /// The value of an integer attribute: as set, else its default.
    public static func integer(_ name: String, in attributes: [String: String]) -> Int {
        attributes[name].flatMap(Int.init) ?? integers[name]?.default ?? 0
    }
}

/// A queue's `RedrivePolicy`: where messages go after `maxReceiveCount` receives.
public struct RedrivePolicy: Sendable, Equatable {
    /// The dead-letter queue's ARN.
    public var deadLetterTargetArn: String
    /// Receives before a message moves.
    public var maxReceiveCount: Int

    /// Parses the JSON text SQS accepts (the count may be a number or a string).
    public static func parse(_ text: String) throws(QueueError) -> RedrivePolicy {
        func invalid(_ reason: String) -> QueueError { .invalidValue(text, for: "RedrivePolicy", reason: reason) }
        guard let value = try? JSONValue.parse(Array(text.utf8)), case .object = value else {
            throw invalid("Redrive policy is not a valid JSON map.")
        }
        guard let arn = value["deadLetterTargetArn"]?.stringValue, QueueARN(arn) != nil else {
            throw invalid("Invalid value for deadLetterTargetArn.")
        }
        let count: Int?
        switch value["maxReceiveCount"] {
        case .int(let n): count = n
        case .string(let s): count = Int(s)
        default: count = nil
        }
        guard let count, (1...1_000).contains(count) else {
            throw invalid("Invalid value for maxReceiveCount: valid values are from 1 to 1000 both inclusive.")
        }
        return RedrivePolicy(deadLetterTargetArn: arn, maxReceiveCount: count)
    }
}

/// A queue's `RedriveAllowPolicy`: which source queues may use it as their dead-letter queue.
public struct RedriveAllowPolicy: Sendable, Equatable {
    /// `allowAll`, `denyAll` or `byQueue`.
    public var permission: String
    /// With `byQueue`, the allowed source queue ARNs (at most 10).
    public var sourceQueueArns: [String]

    /// Parses the JSON text.
    public static func parse(_ text: String) throws(QueueError) -> RedriveAllowPolicy {
        func invalid(_ reason: String) -> QueueError { .invalidValue(text, for: "RedriveAllowPolicy", reason: reason) }
        guard let value = try? JSONValue.parse(Array(text.utf8)), case .object = value,
            let permission = value["redrivePermission"]?.stringValue,
            ["allowAll", "denyAll", "byQueue"].contains(permission)
        else { throw invalid("Amazon SQS can't create the redrive allow policy, as it's in an unsupported format.") }
        var arns: [String] = []
        if case .array(let items) = value["sourceQueueArns"] {
            arns = items.compactMap(\.stringValue)
        }
        if permission == "byQueue" && (arns.isEmpty || arns.count > 10) {
            throw invalid("Amazon SQS can't create the redrive allow policy. byQueue needs 1 to 10 source queue ARNs.")
        }
        if permission != "byQueue" && !arns.isEmpty {
            throw invalid("Amazon SQS can't create the redrive allow policy. sourceQueueArns needs byQueue.")
        }
        return RedriveAllowPolicy(permission: permission, sourceQueueArns: arns)
    }

    /// Whether the queue `source` may send its dead letters here.
    public func allows(_ source: String) -> Bool {
        switch permission {
        case "allowAll": return true
        case "denyAll": return false
        default: return sourceQueueArns.contains(source)
        }
    }
}

/// `arn:aws:sqs:<region>:<account>:<name>`.
public struct QueueARN: Sendable, Equatable, CustomStringConvertible {
    /// Region.
    public var region: String
    /// Owning account.
    public var accountId: String
    /// Queue name.
    public var name: String

    /// Creates an ARN.
    public init(region: String, accountId: String, name: String) {
        self.region = region
        self.accountId = accountId
        self.name = name
    }

    /// Parses an ARN; nil when it is not an SQS queue ARN.
    public init?(_ text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 6, parts[0] == "arn", parts[1].hasPrefix("aws"), parts[2] == "sqs",
            !parts[3].isEmpty, parts[4].count == 12, parts[4].allSatisfy(\.isNumber), QueueName.isValid(parts[5])
        else { return nil }
        self.init(region: parts[3], accountId: parts[4], name: parts[5])
    }

    public var description: String { "arn:aws:sqs:\(region):\(accountId):\(name)" }
}

/// Queue name rules.
public enum QueueName {
    /// 1 to 80 of alphanumerics, hyphens and underscores (FIFO queues: ending in `.fifo`).
    public static func isValid(_ name: String) -> Bool {
        name.hasSuffix(".fifo")
            ? ASCIIWord.matches(String(name.dropLast(5)), maxLength: 75) : ASCIIWord.matches(name, maxLength: 80)
    }
}
