import Foundation
import NimbusRuntimeAPI
import Testing

/// A `provided.al2023`-style custom runtime: a shell `bootstrap` speaking the Runtime API with curl.
@Suite(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/curl"), "needs curl"))
struct CustomRuntimeTests {
    static let bootstrap = #"""
        #!/bin/sh
        set -eu
        api="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime"
        while true; do
          headers="$(mktemp)"
          event="$(curl -sS -D "$headers" "$api/invocation/next")"
          id="$(grep -i '^Lambda-Runtime-Aws-Request-Id:' "$headers" | tr -d '\r' | cut -d' ' -f2)"
          arn="$(grep -i '^Lambda-Runtime-Invoked-Function-Arn:' "$headers" | tr -d '\r' | cut -d' ' -f2)"
          rm -f "$headers"
          case "$event" in
            *fail*) curl -sS -o /dev/null -X POST -H 'Lambda-Runtime-Function-Error-Type: Custom.Failure' \
                      -d '{"errorMessage":"asked to fail","errorType":"Custom.Failure"}' "$api/invocation/$id/error" ;;
            *) curl -sS -o /dev/null -X POST -d "{\"got\":$event,\"arn\":\"$arn\"}" "$api/invocation/$id/response" ;;
          esac
        done
        """#

    @Test("A curl-based bootstrap gets events with the Runtime API headers and posts results and errors",
          .timeLimit(.minutes(1)))
    func curlBootstrap() async throws {
        let (events, continuation) = AsyncStream<RuntimeEvent>.makeStream()
        let server = try await RuntimeAPIServer.bind(endpoint: RuntimeEndpoint { continuation.yield($0) })
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("nimbus-provided-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let script = dir.appendingPathComponent("bootstrap")
        try Self.bootstrap.write(to: script, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script.path)
        let process = Process()
        // Through sh rather than exec'ing the file just written: a process forked meanwhile by a parallel
        // test may still hold the write descriptor, and exec would fail with ETXTBSY.
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = [script.path]
        process.environment = ["AWS_LAMBDA_RUNTIME_API": "127.0.0.1:\(server.port)", "PATH": "/usr/bin:/bin"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer {
            process.terminate()
            try? FileManager.default.removeItem(at: dir)
        }
        var iterator = events.makeAsyncIterator()
        #expect(await iterator.next() == .ready)
        let ok = await server.endpoint.invoke(
            RuntimeInvocation(requestId: "r1", payload: Array(#"{"x":1}"#.utf8), timeoutMs: 3000, invokedFunctionArn: "arn:f"))
        #expect(ok == .response(Array(#"{"got":{"x":1},"arn":"arn:f"}"#.utf8)))
        let failed = await server.endpoint.invoke(
            RuntimeInvocation(requestId: "r2", payload: Array(#"{"fail":1}"#.utf8), timeoutMs: 3000, invokedFunctionArn: "arn:f"))
        guard case .functionError(_, let type) = failed else {
            Issue.record("expected a function error, got \(failed)")
            return
        }
        #expect(type == "Custom.Failure")
        await server.close()
    }
}
