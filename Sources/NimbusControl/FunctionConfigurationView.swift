import NimbusModel

/// Renders a `VersionRecord` as Lambda's `FunctionConfiguration`, in AWS's member order.
struct FunctionConfigurationView {
    /// Which operation family the output is for.
    enum Style {
        /// Get*/Update*/Publish: state fields and RuntimeVersionConfig present.
        case detail
        /// List*: no state fields, no RuntimeVersionConfig.
        case list
    }

    /// A transient state shown instead of the stored one (the response of the call that caused it).
    enum Transition {
        case none
        /// CreateFunction / PublishVersion responses: `State: Pending`.
        case creating
        /// Update* responses: `LastUpdateStatus: InProgress`.
        case updating
    }

    static func render(
        _ version: VersionRecord, of function: FunctionRecord, arn: String, style: Style,
        transition: Transition = .none, revisionId: String? = nil
    ) -> JSONValue {
        var o = JSONObjectBuilder()
        o.set("FunctionName", function.name)
        o.set("FunctionArn", arn)
        o.set("Runtime", version.runtime)
        o.set("Role", version.role)
        o.set("Handler", version.handler)
        o.set("CodeSize", version.code.codeSize)
        o.set("Description", version.description)
        o.set("Timeout", version.timeout)
        o.set("MemorySize", version.memorySize)
        o.set("LastModified", Timestamps.iso(version.lastModified))
        o.set("CodeSha256", version.code.codeSha256)
        o.set("Version", version.version)
        if let vpc = version.vpcConfig { o.set("VpcConfig", vpcResponse(vpc)) }
        if let dlq = version.deadLetterTargetArn { o.set("DeadLetterConfig", .object([("TargetArn", .string(dlq))])) }
        if let env = version.environment {
            o.set(
                "Environment",
                .object([("Variables", .object(env.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) }))]))
        }
        o.set("KMSKeyArn", version.kmsKeyArn)
        o.set("TracingConfig", .object([("Mode", .string(version.tracingMode))]))
        o.set("RevisionId", revisionId ?? version.revisionId)
        if let layers = version.layers, !layers.isEmpty {
            o.set("Layers", .array(layers.map { .object([("Arn", .string($0)), ("CodeSize", .int(0))]) }))
        }
        if style == .detail {
            switch transition {
            case .creating:
                o.set("State", "Pending")
                o.set("StateReason", "The function is being created.")
                o.set("StateReasonCode", "Creating")
            case .updating:
                o.set("State", version.state)
                o.set("LastUpdateStatus", "InProgress")
                o.set("LastUpdateStatusReason", "The function is being created.")
                o.set("LastUpdateStatusReasonCode", "Creating")
            case .none:
                o.set("State", version.state)
                o.set("LastUpdateStatus", version.lastUpdateStatus)
            }
        }
        if let fs = version.fileSystemConfigs { o.set("FileSystemConfigs", fs) }
        o.set("PackageType", version.packageType)
        o.set("Architectures", .array(version.architectures.map { .string($0) }))
        o.set("EphemeralStorage", .object([("Size", .int(version.ephemeralStorage))]))
        o.set(
            "SnapStart",
            .object([("ApplyOn", .string(version.snapStartApplyOn)), ("OptimizationStatus", .string("Off"))]))
        if style == .detail, let runtime = version.runtime {
            o.set(
                "RuntimeVersionConfig",
                .object([("RuntimeVersionArn", .string(runtimeVersionArn(runtime, region: function.region)))]))
        }
        o.set("LoggingConfig", .object(loggingOrder.compactMap { key in version.loggingConfig[key].map { (key, .string($0)) } }))
        return o.value
    }

    private static let loggingOrder = ["LogFormat", "ApplicationLogLevel", "SystemLogLevel", "LogGroup"]

    /// A stable, runtime-specific RuntimeVersionArn (Nimbus has one version per runtime).
    static func runtimeVersionArn(_ runtime: String, region: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in runtime.utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        let digest = String(repeating: "0", count: 16 - hex.count) + hex
        return "arn:\(ARN.partition(for: region)):lambda:\(region)::runtime:\(digest)\(digest)\(digest)\(digest)"
    }

    private static func vpcResponse(_ vpc: JSONValue) -> JSONValue {
        var o = JSONObjectBuilder()
        o.set("SubnetIds", vpc["SubnetIds"] ?? .array([]))
        o.set("SecurityGroupIds", vpc["SecurityGroupIds"] ?? .array([]))
        o.set("Ipv6AllowedForDualStack", vpc["Ipv6AllowedForDualStack"] ?? .bool(false))
        o.set("VpcId", "")
        return o.value
    }
}
