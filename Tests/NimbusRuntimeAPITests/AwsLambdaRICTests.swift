import Foundation
import NimbusRuntimeAPI
import Synchronization
import Testing

/// Drives the real `awslambdaric` (from PyPI, installed by `make`) against the Runtime API server.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["NIMBUS_PYTHON"] != nil, "needs NIMBUS_PYTHON (set by make test)"))
struct AwsLambdaRICTests {
    static let handler = """
        import json
        def handler(event, context):
            if event.get("fail"):
                raise ValueError("boom")
            return {"echo": event, "function": context.function_name, "arn": context.invoked_function_arn,
                    "requestId": context.aws_request_id, "memory": context.memory_limit_in_mb,
                    "remaining": context.get_remaining_time_in_millis()}
        """

    /// Starts awslambdaric with `handler` against a fresh endpoint and returns the pieces.
    func start(handler: String) async throws -> (RuntimeAPIServer, Process, AsyncStream<RuntimeEvent>, URL) {
        let (events, continuation) = AsyncStream<RuntimeEvent>.makeStream()
        let endpoint = RuntimeEndpoint { continuation.yield($0) }
        let server = try await RuntimeAPIServer.bind(endpoint: endpoint)
        let task = FileManager.default.temporaryDirectory.appendingPathComponent("nimbus-ric-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: task, withIntermediateDirectories: true)
        try Self.handler.write(to: task.appendingPathComponent("app.py"), atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ProcessInfo.processInfo.environment["NIMBUS_PYTHON"]!)
        process.arguments = ["-m", "awslambdaric", handler]
        process.currentDirectoryURL = task
        process.environment = [
            "AWS_LAMBDA_RUNTIME_API": "127.0.0.1:\(server.port)", "LAMBDA_TASK_ROOT": task.path,
            "PYTHONPATH": task.path, "AWS_LAMBDA_FUNCTION_NAME": "f1", "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128", "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/f1",
            "AWS_LAMBDA_LOG_STREAM_NAME": "2026/11/26/[$LATEST]0", "PATH": "/usr/bin:/bin",
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return (server, process, events, task)
    }

    @Test("awslambdaric initialises, answers invocations with the context fields, and reports handler errors",
          .timeLimit(.minutes(1)))
    func roundTrips() async throws {
        let (server, process, events, task) = try await start(handler: "app.handler")
        defer {
            process.terminate()
            try? FileManager.default.removeItem(at: task)
        }
        var iterator = events.makeAsyncIterator()
        #expect(await iterator.next() == .ready)
        for i in 0..<3 {
            let outcome = await server.endpoint.invoke(
                RuntimeInvocation(
                    requestId: "req-\(i)", payload: Array(#"{"n":\#(i)}"#.utf8), timeoutMs: 3000,
                    invokedFunctionArn: "arn:aws:lambda:us-east-1:111122223333:function:f1"))
            guard case .response(let body) = outcome else {
                Issue.record("unexpected outcome \(outcome)")
                return
            }
            let json = try #require(try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])
            #expect((json["echo"] as? [String: Any])?["n"] as? Int == i)
            #expect(json["function"] as? String == "f1")
            #expect(json["requestId"] as? String == "req-\(i)")
            #expect(json["arn"] as? String == "arn:aws:lambda:us-east-1:111122223333:function:f1")
            #expect(json["memory"] as? String == "128")
            let remaining = try #require(json["remaining"] as? Int)
            #expect(remaining > 0 && remaining <= 3000)
        }
        let failed = await server.endpoint.invoke(
            RuntimeInvocation(
                requestId: "req-fail", payload: Array(#"{"fail":true}"#.utf8), timeoutMs: 3000,
                invokedFunctionArn: "arn"))
        guard case .functionError(let body, let type) = failed else {
            Issue.record("expected a function error, got \(failed)")
            return
        }
        #expect(type == "ValueError")
        #expect(String(decoding: body, as: UTF8.self).contains("boom"))
        await server.close()
    }

    @Test("A handler that cannot be imported is reported on /init/error", .timeLimit(.minutes(1)))
    func initError() async throws {
        let (server, process, events, task) = try await start(handler: "missing_module.handler")
        defer {
            process.terminate()
            try? FileManager.default.removeItem(at: task)
        }
        var iterator = events.makeAsyncIterator()
        var initError: RuntimeEvent?
        while let event = await iterator.next() {
            if case .initError = event {
                initError = event
                break
            }
        }
        guard case .initError(let body, let type) = initError else {
            Issue.record("no init error")
            return
        }
        #expect(type == "Runtime.ImportModuleError")
        #expect(String(decoding: body, as: UTF8.self).contains("missing_module"))
        await server.close()
    }
}
