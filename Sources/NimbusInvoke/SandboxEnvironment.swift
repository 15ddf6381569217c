import Foundation
import NimbusControl
import NimbusModel
import NimbusSandbox

/// The environment a runtime starts with (lambda-api.md §6.7): Lambda's reserved variables, the
/// runtime's own, then the function's `Environment.Variables`. Nothing is inherited from Nimbus.
enum SandboxEnvironment {
    /// What a pre-initialised instance waits with, before its function is known.
    static func waiting(launch: RuntimeRegistry.Launch) -> [String: String] {
        var env = common
        for (key, value) in launch.environment { env[key] = value }
        if launch.zygote == .node { env["NIMBUS_CONFIG_FD"] = String(BubblewrapCommand.FD.config) }
        return env
    }

    /// The function's environment. `initialization` is Lambda's `AWS_LAMBDA_INITIALIZATION_TYPE`.
    static func make(
        target: InvocationTarget, launch: RuntimeRegistry.Launch, runtime: String,
        initialization: String = "on-demand", endpoint: String? = nil, credentials: [String: String] = [:]
    ) -> [String: String] {
        let version = target.version
        let function = target.function
        let stream = RandomID.hex32()
        var env = common
        env.merge([
            "_HANDLER": version.handler ?? "",
            "AWS_LAMBDA_FUNCTION_NAME": function.name,
            "AWS_LAMBDA_FUNCTION_VERSION": version.version,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": String(version.memorySize),
            "AWS_LAMBDA_LOG_GROUP_NAME": version.loggingConfig["LogGroup"] ?? "/aws/lambda/\(function.name)",
            "AWS_LAMBDA_LOG_STREAM_NAME": "\(Self.today())/[\(version.version)]\(stream)",
            "AWS_LAMBDA_INITIALIZATION_TYPE": initialization,
            "AWS_REGION": function.region,
            "AWS_DEFAULT_REGION": function.region,
        ]) { $1 }
        if launch.managed { env["AWS_EXECUTION_ENV"] = "AWS_Lambda_\(runtime)" }
        // The function may point AWS_ENDPOINT_URL elsewhere; its credentials are Nimbus's to set.
        if let endpoint { env["AWS_ENDPOINT_URL"] = endpoint }
        for (key, value) in launch.environment { env[key] = value }
        for (key, value) in version.environment ?? [:] {
            // A function's own search path goes first; the runtime's stays reachable behind it.
            if let runtimePath = launch.environment[key], searchPaths.contains(key) {
                env[key] = value + ":" + runtimePath
            } else {
                env[key] = value
            }
        }
        env.merge(credentials) { $1 }
        return env
    }

    /// Search-path variables a function may extend but not take away from its runtime.
    static let searchPaths: Set<String> = ["PYTHONPATH", "NODE_PATH"]

    private static let common: [String: String] = [
        "AWS_LAMBDA_RUNTIME_API": "127.0.0.1:9001",
        "LAMBDA_TASK_ROOT": "/var/task",
        "LAMBDA_RUNTIME_DIR": "/var/runtime",
        "LANG": "en_US.UTF-8",
        "TZ": ":UTC",
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": "/tmp",
    ]

    static func today() -> String {
        String(Timestamps.iso(Date()).prefix(10).map { $0 == "-" ? "/" : $0 })
    }
}
