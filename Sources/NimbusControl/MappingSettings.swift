import NimbusModel

/// The event-source-mapping members Nimbus stores and echoes without acting on them yet (stream, Kafka, MQ,
/// DocumentDB settings), each read with its model type and checked against the model's bounds.
enum MappingSettings {
    /// How a member is typed and bounded.
    enum Kind {
        case int(ClosedRange<Int>)
        case bool
        case number
        case enumeration([String])
        case string
        case strings
        case raw
    }

    /// Members in the model's output order, with whether Update accepts them.
    static let members: [(name: String, kind: Kind, onUpdate: Bool)] = [
        ("StartingPosition", .enumeration(["TRIM_HORIZON", "LATEST", "AT_TIMESTAMP"]), false),
        ("StartingPositionTimestamp", .number, false),
        ("ParallelizationFactor", .int(1...10), true),
        ("DestinationConfig", .raw, true),
        ("Topics", .strings, false),
        ("Queues", .strings, false),
        ("SourceAccessConfigurations", .raw, true),
        ("SelfManagedEventSource", .raw, false),
        ("MaximumRecordAgeInSeconds", .int(-1...604_800), true),
        ("BisectBatchOnFunctionError", .bool, true),
        ("MaximumRetryAttempts", .int(-1...10_000), true),
        ("TumblingWindowInSeconds", .int(0...900), true),
        ("AmazonManagedKafkaEventSourceConfig", .raw, true),
        ("SelfManagedKafkaEventSourceConfig", .raw, true),
        ("DocumentDBEventSourceConfig", .raw, true),
        ("KMSKeyArn", .string, true),
        ("MetricsConfig", .raw, true),
        ("LoggingConfig", .raw, true),
        ("ProvisionedPollerConfig", .raw, true),
    ]

    /// Reads every member the operation accepts, validating types and bounds.
    static func read(_ body: inout RequestReader, create: Bool) throws(LambdaError) -> [String: JSONValue] {
        var values: [String: JSONValue] = [:]
        var errors = ValidationErrors()
        for (name, kind, onUpdate) in members where create || onUpdate {
            let member = String(name.prefix(1).lowercased() + name.dropFirst())
            switch kind {
            case .int(let bounds):
                let value = try body.int(name)
                errors.range(value, at: member, min: bounds.lowerBound, max: bounds.upperBound)
                if let value { values[name] = .int(value) }
            case .bool:
                if let value = try body.bool(name) { values[name] = .bool(value) }
            case .number:
                if let value = try body.double(name) { values[name] = .double(value) }
            case .enumeration(let allowed):
                let value = try body.string(name)
                errors.oneOf(value, at: member, allowed)
                if let value { values[name] = .string(value) }
            case .string:
                if let value = try body.string(name) { values[name] = .string(value) }
            case .strings:
                if let value = try body.strings(name) { values[name] = .array(value.map { .string($0) }) }
            case .raw:
                if let value = try body.raw(name) { values[name] = value }
            }
        }
        try errors.throwIfAny()
        return values
    }

    /// Validates ScalingConfig (MaximumConcurrency 2–1000) and FunctionResponseTypes (at most one, enum).
    static func validate(scaling: JSONValue?, responseTypes: [String]?) throws(LambdaError) {
        var errors = ValidationErrors()
        if let scaling {
            var reader = try RequestReader(scaling, path: "ScalingConfig.")
            let maximum = try reader.int("MaximumConcurrency")
            try reader.finish()
            errors.range(maximum, at: "scalingConfig.maximumConcurrency", min: 2, max: 1000)
        }
        if let responseTypes {
            if responseTypes.count > 1 {
                errors.add(
                    "[" + responseTypes.joined(separator: ", ") + "]", at: "functionResponseTypes",
                    "Member must have length less than or equal to 1")
            }
            for type in responseTypes {
                errors.oneOf(type, at: "functionResponseTypes", ["ReportBatchItemFailures"])
            }
        }
        try errors.throwIfAny()
    }

    /// Defaults AWS reports for stream (Kinesis, DynamoDB) mappings.
    static let streamDefaults: [String: JSONValue] = [
        "ParallelizationFactor": .int(1), "MaximumRecordAgeInSeconds": .int(-1),
        "BisectBatchOnFunctionError": .bool(false), "MaximumRetryAttempts": .int(-1),
        "TumblingWindowInSeconds": .int(0), "DestinationConfig": .object([("OnFailure", .object([]))]),
    ]
}
