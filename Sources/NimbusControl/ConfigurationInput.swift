import NimbusModel

/// The configuration members shared by CreateFunction and UpdateFunctionConfiguration, read from the
/// request and validated; `nil` means "not given".
struct ConfigurationInput {
    var role: String?
    var handler: String?
    var description: String?
    var timeout: Int?
    var memorySize: Int?
    var runtime: String?
    var environment: [String: String]?
    var deadLetterTargetArn: String?
    var kmsKeyArn: String?
    var tracingMode: String?
    var layers: [String]?
    var vpcConfig: JSONValue?
    var fileSystemConfigs: JSONValue?
    var ephemeralStorage: Int?
    var loggingConfig: [String: String]?
    var snapStartApplyOn: String?
    var architectures: [String]?

    /// Reads the members from `body`; `includeArchitectures` is for CreateFunction only.
    init(reading body: inout RequestReader, includeArchitectures: Bool) throws(LambdaError) {
        role = try body.string("Role")
        handler = try body.string("Handler")
        description = try body.string("Description")
        timeout = try body.int("Timeout")
        memorySize = try body.int("MemorySize")
        runtime = try body.string("Runtime")
        if var env = try body.object("Environment") {
            environment = try env.stringMap("Variables") ?? [:]
            try env.finish()
        }
        if var dlq = try body.object("DeadLetterConfig") {
            deadLetterTargetArn = try dlq.string("TargetArn") ?? ""
            try dlq.finish()
        }
        kmsKeyArn = try body.string("KMSKeyArn")
        if var tracing = try body.object("TracingConfig") {
            tracingMode = try tracing.string("Mode")
            try tracing.finish()
        }
        layers = try body.strings("Layers")
        vpcConfig = try body.raw("VpcConfig")
        fileSystemConfigs = try body.raw("FileSystemConfigs")
        if var storage = try body.object("EphemeralStorage") {
            ephemeralStorage = try storage.int("Size")
            try storage.finish()
        }
        if var logging = try body.object("LoggingConfig") {
            var config: [String: String] = [:]
            for key in ["LogFormat", "ApplicationLogLevel", "SystemLogLevel", "LogGroup"] {
                config[key] = try logging.string(key)
            }
            try logging.finish()
            loggingConfig = config
        }
        if var snap = try body.object("SnapStart") {
            snapStartApplyOn = try snap.string("ApplyOn")
            try snap.finish()
        }
        if includeArchitectures { architectures = try body.strings("Architectures") }
    }

    /// Checks model constraints (ValidationException) and then Lambda's own rules (InvalidParameterValue).
    func validate() throws(LambdaError) {
        var errors = ValidationErrors()
        errors.pattern(role, at: "role", .role)
        errors.length(handler, at: "handler", max: 128)
        if let handler, !handler.isEmpty { errors.pattern(handler, at: "handler", .handler) }
        errors.length(description, at: "description", max: 256)
        errors.range(timeout, at: "timeout", min: 1, max: 900)
        errors.range(memorySize, at: "memorySize", min: 128, max: 10240)
        errors.range(ephemeralStorage, at: "ephemeralStorage.size", min: 512, max: 10240)
        errors.oneOf(tracingMode, at: "tracingConfig.mode", ["Active", "PassThrough"])
        errors.pattern(kmsKeyArn, at: "kMSKeyArn", .kmsKeyArn)
        errors.pattern(deadLetterTargetArn, at: "deadLetterConfig.targetArn", .resourceArn)
        errors.oneOf(snapStartApplyOn, at: "snapStart.applyOn", ["PublishedVersions", "None"])
        if let logging = loggingConfig {
            errors.oneOf(logging["LogFormat"], at: "loggingConfig.logFormat", ["JSON", "Text"])
            let levels = ["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"]
            errors.oneOf(logging["ApplicationLogLevel"], at: "loggingConfig.applicationLogLevel", levels)
            errors.oneOf(logging["SystemLogLevel"], at: "loggingConfig.systemLogLevel", ["DEBUG", "INFO", "WARN"])
            errors.length(logging["LogGroup"], at: "loggingConfig.logGroup", min: 1, max: 512)
            errors.pattern(logging["LogGroup"], at: "loggingConfig.logGroup", .logGroup)
        }
        if let architectures {
            let rendered = "[" + architectures.joined(separator: ", ") + "]"
            if architectures.count > 1 {
                errors.add(rendered, at: "architectures", "Member must have length less than or equal to 1")
            } else if architectures.contains(where: { !["x86_64", "arm64"].contains($0) }) {
                errors.add(
                    rendered, at: "architectures",
                    "Member must satisfy constraint: [Member must satisfy enum value set: [x86_64, arm64], Member must not be null]"
                )
            }
        }
        if let layers {
            for (index, layer) in layers.enumerated() {
                errors.pattern(layer, at: "layers.\(index + 1).member", .layerVersionArn)
            }
        }
        if let environment {
            let badKeys = environment.keys.sorted().filter { !Pattern.environmentKey.matches($0) }
            if !badKeys.isEmpty {
                errors.add(
                    "{" + badKeys.joined(separator: ", ") + "}", at: "environment.variables",
                    "Map keys must satisfy constraint: [Member must satisfy regular expression pattern: \(Pattern.environmentKey.source)]"
                )
            }
        }
        try errors.throwIfAny()
        if let runtime { try Runtimes.validate(runtime) }
        if let environment { try Self.validateEnvironment(environment) }
        if let layers, let first = layers.first {
            _ = layers
            throw LambdaError.invalidParameter("Layer version \(first) does not exist.")
        }
    }

    static let reservedEnvironmentKeys: Set<String> = [
        "_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_EXECUTION_ENV",
        "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION",
        "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME",
        "AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
        "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR",
    ]

    static func validateEnvironment(_ environment: [String: String]) throws(LambdaError) {
        let reserved = environment.keys.filter { reservedEnvironmentKeys.contains($0) }.sorted()
        if !reserved.isEmpty {
            throw LambdaError.invalidParameter(
                "Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: "
                    + reserved.joined(separator: ", "))
        }
        let measured = JSONValue.object(environment.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })
            .jsonString
        if measured.utf8.count > 4096 {
            throw LambdaError.invalidParameter(
                "Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: \(measured)"
            )
        }
    }

    /// Applies every given member to `version`.
    func apply(to version: inout VersionRecord) {
        if let role { version.role = role }
        if let handler { version.handler = handler }
        if let description { version.description = description }
        if let timeout { version.timeout = timeout }
        if let memorySize { version.memorySize = memorySize }
        if let runtime { version.runtime = runtime }
        if let environment { version.environment = environment }
        if let deadLetterTargetArn {
            version.deadLetterTargetArn = deadLetterTargetArn.isEmpty ? nil : deadLetterTargetArn
        }
        if let kmsKeyArn { version.kmsKeyArn = kmsKeyArn.isEmpty ? nil : kmsKeyArn }
        if let tracingMode { version.tracingMode = tracingMode }
        if let layers { version.layers = layers }
        if let vpcConfig { version.vpcConfig = vpcConfig }
        if let fileSystemConfigs { version.fileSystemConfigs = fileSystemConfigs }
        if let ephemeralStorage { version.ephemeralStorage = ephemeralStorage }
        if let loggingConfig {
            for (key, value) in loggingConfig { version.loggingConfig[key] = value }
        }
        if let snapStartApplyOn { version.snapStartApplyOn = snapStartApplyOn }
        if let architectures, !architectures.isEmpty { version.architectures = architectures }
    }
}
