import Foundation
import NimbusRuntimeAPI
import NimbusSandbox
import Testing

@testable import NimbusInvoke

private let shim: String = {
    if let path = ProcessInfo.processInfo.environment["NIMBUS_SPAWN"] { return path }
    let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    return bundle.appendingPathComponent("nimbus-spawn").path
}()
private let pythonRuntime = ProcessInfo.processInfo.environment["NIMBUS_PYTHON_RUNTIME"] ?? "/opt/nimbus/runtimes/python"
private let canFork =
    getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/bwrap")
    && FileManager.default.isExecutableFile(atPath: shim) && FileManager.default.fileExists(atPath: "/sys/fs/cgroup/memory")
    && FileManager.default.fileExists(atPath: "\(pythonRuntime)/awslambdaric")

/// Python instances forked in by the real fork server (awslambdaric imported once, as root on the host).
@Suite(.serialized, .enabled(if: canFork, "needs root, bubblewrap, cgroup v1, nimbus-spawn and the Python runtime"))
struct ForkedInstanceTests {
    static let handler = """
        import os
        def handler(event, context):
            if event.get("exit"):
                os._exit(event["exit"])
            return {"pid": os.getpid(), "uid": os.getuid(), "ppid": os.getppid(), "cwd": os.getcwd()}
        """

    @Test("A forked runtime serves its function inside the sandbox; its exit, with its status, is the sandbox's",
          .timeLimit(.minutes(1)))
    func forkedRuntime() async throws {
        let registry = RuntimeRegistry(pythonRuntime: pythonRuntime, nodeRuntime: nil)
        let launch = try #require(registry.launch(for: "python3.11"))
        let server = try #require(Zygote.forkServer(for: launch))
        defer { server.stop() }
        let directory = "/tmp/nimbus-forked-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let factory = InstanceFactory(
            driver: BubblewrapDriver(shim: shim, scope: "tests"), directory: directory, api: nil,
            forkServers: [launch.name: server])
        let shape = InstanceShape(runtime: launch.name, zygote: .python, ephemeralStorageMB: 64)

        let first = try await start(factory, shape, launch)
        #expect(try await invoke(first, #"{}"#)["uid"] as? Int == 993)
        let seen = try await invoke(first, #"{}"#)
        #expect(seen["cwd"] as? String == "/var/task")
        // Its parent is outside its pid namespace (the forker, then nimbus serve): 0 from inside.
        #expect(seen["ppid"] as? Int == 0)
        let outcome = await first.session.run(
            RuntimeInvocation(requestId: "x", payload: Array(#"{"exit": 7}"#.utf8), timeoutMs: 3000, invokedFunctionArn: "arn:f"),
            timeout: .seconds(3))
        guard case .exited(let status, _, _) = outcome else {
            Issue.record("expected the runtime's exit, got \(outcome)")
            return
        }
        #expect(status == 7 << 8)
        #expect(first.sandbox.exitStatus() == 7 << 8)
        await first.stop()

        // A fork server that died is replaced by the next request.
        server.stop()
        let second = try await start(factory, shape, launch)
        #expect(try await invoke(second, #"{}"#)["ppid"] as? Int == 0)  // forked (under bwrap's init it is 1)
        await second.stop()
    }

    private func start(_ factory: InstanceFactory, _ shape: InstanceShape, _ launch: RuntimeRegistry.Launch)
        async throws -> Instance
    {
        let instance = try await factory.start(shape, launch: launch, uid: 61_003, ahead: false)
        try Self.handler.write(toFile: "\(instance.taskDirectory)/app.py", atomically: false, encoding: .utf8)
        let environment = ["AWS_LAMBDA_RUNTIME_API": "127.0.0.1:9001", "_HANDLER": "app.handler", "LAMBDA_TASK_ROOT": "/var/task",
                           "PYTHONPATH": "/var/runtime:/var/task", "AWS_LAMBDA_FUNCTION_NAME": "forked",
                           "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128", "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST"]
        instance.session.assigned(cpuQuota: 100_000)
        #expect(instance.sandbox.configure(Zygote.configuration(environment: environment, argv: ["awslambdaric", "app.handler"])))
        return instance
    }

    private func invoke(_ instance: Instance, _ payload: String) async throws -> [String: Any] {
        let outcome = await instance.session.run(
            RuntimeInvocation(requestId: UUID().uuidString, payload: Array(payload.utf8), timeoutMs: 3000, invokedFunctionArn: "arn:f"),
            timeout: .seconds(3))
        guard case .runtime(.response(let body)) = outcome else {
            Issue.record("unexpected outcome \(outcome)")
            return [:]
        }
        return try #require(try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])
    }
}
