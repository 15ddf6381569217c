import Foundation
import NimbusControl
import NimbusModel

/// The environment a runtime starts with (lambda-api.md §6.7): Lambda's reserved variables, the
/// runtime's own, then the function's `Environment.Variables`. Nothing is inherited from Nimbus.
enum SandboxEnvironment {
    static func make(target: InvocationTarget, launch: RuntimeRegistry.Launch, runtime: String) -> [String: String] {
        let version = target.version
        let function = target.function
        let stream = UUID().uuidString.lowercased().replacing("-", with: "")
        var env: [String: String] = [
            "AWS_LAMBDA_RUNTIME_API": "127.0.0.1:9001",
            "_HANDLER": version.handler ?? "",
            "LAMBDA_TASK_ROOT": "/var/task",
            "LAMBDA_RUNTIME_DIR": "/var/runtime",
            "AWS_LAMBDA_FUNCTION_NAME": function.name,
            "AWS_LAMBDA_FUNCTION_VERSION": version.version,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": String(version.memorySize),
            "AWS_LAMBDA_LOG_GROUP_NAME": version.loggingConfig["LogGroup"] ?? "/aws/lambda/\(function.name)",
            "AWS_LAMBDA_LOG_STREAM_NAME": "\(Self.today())/[\(version.version)]\(stream)",
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
            "AWS_REGION": function.region,
            "AWS_DEFAULT_REGION": function.region,
            "LANG": "en_US.UTF-8",
            "TZ": ":UTC",
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "HOME": "/tmp",
        ]
        if launch.managed { env["AWS_EXECUTION_ENV"] = "AWS_Lambda_\(runtime)" }
        for (key, value) in launch.environment { env[key] = value }
        for (key, value) in version.environment ?? [:] { env[key] = value }
        return env
    }

    static func today() -> String {
        String(Timestamps.iso(Date()).prefix(10)).replacing("-", with: "/")
    }
}
