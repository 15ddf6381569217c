import Foundation
import NimbusRuntimeAPI
import NimbusSandbox
import Testing

/// awslambdaric on Debian's python inside a real sandbox, with the runtime packages bound read-only.
@Suite(
    .serialized,
    .enabled(
        if: canSandbox && ProcessInfo.processInfo.environment["NIMBUS_PYTHON_RUNTIME"] != nil,
        "needs the sandbox prerequisites and NIMBUS_PYTHON_RUNTIME (set by make test)"))
struct PythonSandboxTests {
    @Test("A Python handler runs under awslambdaric in the sandbox, with boto3 importable as on Lambda",
          .timeLimit(.minutes(1)))
    func pythonRoundTrip() async throws {
        let task = URL(fileURLWithPath: "/tmp/nimbus-python-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: task, withIntermediateDirectories: true)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: task.path)
        defer { try? FileManager.default.removeItem(at: task) }
        try """
            import os, boto3
            counter = 0
            def handler(event, context):
                global counter
                counter += 1
                return {"event": event, "count": counter, "uid": os.getuid(), "boto3": boto3.__version__,
                        "requestId": context.aws_request_id, "function": context.function_name}
            """.write(to: task.appendingPathComponent("app.py"), atomically: true, encoding: .utf8)
        let (events, continuation) = AsyncStream<RuntimeEvent>.makeStream()
        let endpoint = RuntimeEndpoint { continuation.yield($0) }
        let spec = SandboxSpec(
            id: "py-\(UInt32.random(in: 0...UInt32.max))", taskDirectory: task.path,
            readOnlyBinds: [(ProcessInfo.processInfo.environment["NIMBUS_PYTHON_RUNTIME"]!, "/var/runtime")],
            command: ["/usr/bin/python3", "-m", "awslambdaric", "app.handler"],
            environment: [
                "AWS_LAMBDA_RUNTIME_API": "127.0.0.1:9001", "PYTHONPATH": "/var/runtime:/var/task",
                "LAMBDA_TASK_ROOT": "/var/task", "AWS_LAMBDA_FUNCTION_NAME": "py", "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256", "PATH": "/usr/bin:/bin", "HOME": "/tmp",
            ],
            memoryMB: 256, pidsMax: 64, hostUID: 61_001, hostGID: 61_001)
        let sandbox = try await BubblewrapDriver(shim: spawnShim, scope: "tests").start(spec, endpoint: endpoint)
        var iterator = events.makeAsyncIterator()
        #expect(await iterator.next() == .ready)
        for n in 1...3 {
            let outcome = await endpoint.invoke(
                RuntimeInvocation(
                    requestId: "r\(n)", payload: Array(#"{"n":\#(n)}"#.utf8),
                    timeoutMs: 5000, invokedFunctionArn: "arn:py"))
            guard case .response(let body) = outcome else {
                Issue.record("unexpected outcome \(outcome)")
                break
            }
            let json = try #require(try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])
            #expect(json["count"] as? Int == n)
            #expect(json["uid"] as? Int == 993)
            #expect(json["requestId"] as? String == "r\(n)")
            #expect((json["boto3"] as? String)?.isEmpty == false)
        }
        #expect(await sandbox.stop())
    }
}
