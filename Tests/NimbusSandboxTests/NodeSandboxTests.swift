import Foundation
import NimbusRuntimeAPI
import NimbusSandbox
import Testing

/// Nimbus's Node.js bootstrap on the host's node inside a real sandbox.
@Suite(
    .serialized,
    .enabled(
        if: canSandbox && ProcessInfo.processInfo.environment["NIMBUS_NODE_RUNTIME"] != nil
            && FileManager.default.isExecutableFile(atPath: "/usr/bin/node"),
        "needs the sandbox prerequisites, /usr/bin/node and NIMBUS_NODE_RUNTIME (set by make test)"))
struct NodeSandboxTests {
    @Test("An async Node.js handler runs in the sandbox and its errors come back in AWS's node shape",
          .timeLimit(.minutes(1)))
    func nodeRoundTrip() async throws {
        let task = URL(fileURLWithPath: "/tmp/nimbus-node-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: task, withIntermediateDirectories: true)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: task.path)
        defer { try? FileManager.default.removeItem(at: task) }
        try """
            exports.handler = async (event, context) => {
              if (event.fail) { throw new TypeError("bad input"); }
              return { doubled: event.n * 2, fn: context.functionName, memory: context.memoryLimitInMB };
            };
            """.write(to: task.appendingPathComponent("index.js"), atomically: true, encoding: .utf8)
        let (events, continuation) = AsyncStream<RuntimeEvent>.makeStream()
        let endpoint = RuntimeEndpoint { continuation.yield($0) }
        let spec = SandboxSpec(
            id: "node-\(UInt32.random(in: 0...UInt32.max))", taskDirectory: task.path,
            readOnlyBinds: [(ProcessInfo.processInfo.environment["NIMBUS_NODE_RUNTIME"]!, "/var/runtime")],
            command: ["/usr/bin/node", "/var/runtime/bootstrap.js"],
            environment: [
                "AWS_LAMBDA_RUNTIME_API": "127.0.0.1:9001", "_HANDLER": "index.handler", "LAMBDA_TASK_ROOT": "/var/task",
                "AWS_LAMBDA_FUNCTION_NAME": "nodefn", "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512", "PATH": "/usr/bin:/bin", "HOME": "/tmp",
            ],
            memoryMB: 512, pidsMax: 64, hostUID: 61_002, hostGID: 61_002)
        let sandbox = try await BubblewrapDriver(shim: spawnShim, scope: "tests").start(spec, endpoint: endpoint)
        var iterator = events.makeAsyncIterator()
        #expect(await iterator.next() == .ready)
        let ok = await endpoint.invoke(
            RuntimeInvocation(requestId: "n1", payload: Array(#"{"n":21}"#.utf8), timeoutMs: 5000, invokedFunctionArn: "arn:n"))
        #expect(ok == .response(Array(#"{"doubled":42,"fn":"nodefn","memory":"512"}"#.utf8)))
        let failed = await endpoint.invoke(
            RuntimeInvocation(requestId: "n2", payload: Array(#"{"fail":true}"#.utf8), timeoutMs: 5000, invokedFunctionArn: "arn:n"))
        guard case .functionError(let body, let type) = failed else {
            Issue.record("expected a function error, got \(failed)")
            _ = await sandbox.stop()
            return
        }
        #expect(type == "TypeError")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])
        #expect(json["errorMessage"] as? String == "bad input")
        #expect(json["trace"] is [Any])
        #expect(await sandbox.stop())
    }
}
