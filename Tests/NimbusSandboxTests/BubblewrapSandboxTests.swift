import Foundation
import NimbusRuntimeAPI
import NimbusSandbox
import Testing

/// The nimbus-spawn shim built beside the test bundle (or NIMBUS_SPAWN).
let spawnShim: String = {
    if let path = ProcessInfo.processInfo.environment["NIMBUS_SPAWN"] { return path }
    let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    return bundle.appendingPathComponent("nimbus-spawn").path
}()

let canSandbox =
    getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/bwrap")
    && FileManager.default.isExecutableFile(atPath: spawnShim)
    && FileManager.default.fileExists(atPath: "/sys/fs/cgroup/memory")

/// Real sandboxes: bwrap, cgroups, seccomp, the netns listener, a curl-based custom runtime inside.
@Suite(.serialized, .enabled(if: canSandbox, "needs root, bubblewrap, cgroup v1 and the nimbus-spawn shim"))
struct BubblewrapSandboxTests {
    /// Answers every invocation with what the sandbox lets it do.
    static let bootstrap = #"""
        #!/bin/sh
        api="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime"
        while true; do
          headers="$(mktemp)"
          event="$(curl -sS -D "$headers" "$api/invocation/next")"
          id="$(grep -i '^Lambda-Runtime-Aws-Request-Id:' "$headers" | tr -d '\r' | cut -d' ' -f2)"
          rm -f "$headers"
          port="$(echo "$event" | sed -n 's/.*"hostPort":\([0-9]*\).*/\1/p')"
          if cat /etc/shadow >/dev/null 2>&1 || ls /root >/dev/null 2>&1; then host=readable; else host=hidden; fi
          if touch /var/task/x 2>/dev/null; then task=writable; else task=readonly; fi
          if touch /usr/x 2>/dev/null; then usr=writable; else usr=readonly; fi
          if touch /tmp/ok 2>/dev/null; then tmp=writable; else tmp=readonly; fi
          if curl -s -m 1 "http://127.0.0.1:$port/" >/dev/null 2>&1; then net=reachable; else net=unreachable; fi
          procs="$(ls /proc | grep -c '^[0-9]')"
          if unshare -U true 2>/dev/null; then userns=allowed; else userns=denied; fi
          env="$(cat /proc/1/environ 2>/dev/null | tr '\0' ' ' | wc -c)"
          body="{\"uid\":$(id -u),\"host\":\"$host\",\"task\":\"$task\",\"usr\":\"$usr\",\"tmp\":\"$tmp\",\"net\":\"$net\",\"procs\":$procs,\"userns\":\"$userns\",\"initEnvBytes\":$env,\"fn\":\"$AWS_LAMBDA_FUNCTION_NAME\"}"
          curl -sS -o /dev/null -X POST -d "$body" "$api/invocation/$id/response"
        done
        """#

    func taskDirectory() throws -> URL {
        let dir = URL(fileURLWithPath: "/tmp/nimbus-sandbox-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: dir.path)
        let script = dir.appendingPathComponent("bootstrap")
        try Self.bootstrap.write(to: script, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script.path)
        return dir
    }

    @Test("A custom runtime starts in a sandbox, gets invocations through its own Runtime API, and is contained",
          .timeLimit(.minutes(1)))
    func containedRoundTrip() async throws {
        let task = try taskDirectory()
        defer { try? FileManager.default.removeItem(at: task) }
        // A service on the host's loopback that the sandbox must not reach.
        let hostService = try await RuntimeAPIServer.bind(endpoint: RuntimeEndpoint())
        let (events, continuation) = AsyncStream<RuntimeEvent>.makeStream()
        let endpoint = RuntimeEndpoint { continuation.yield($0) }
        let id = "test-\(UInt32.random(in: 0...UInt32.max))"
        let spec = SandboxSpec(
            id: id, taskDirectory: task.path, command: ["/var/task/bootstrap"],
            environment: [
                "AWS_LAMBDA_RUNTIME_API": "127.0.0.1:9001", "AWS_LAMBDA_FUNCTION_NAME": "contained",
                "PATH": "/usr/bin:/bin", "LAMBDA_TASK_ROOT": "/var/task",
            ],
            memoryMB: 256, pidsMax: 64, hostUID: 61_000, hostGID: 61_000)
        let sandbox = try await BubblewrapDriver(shim: spawnShim, scope: "tests").start(spec, endpoint: endpoint)
        var iterator = events.makeAsyncIterator()
        #expect(await iterator.next() == .ready)
        let outcome = await endpoint.invoke(
            RuntimeInvocation(
                requestId: "r1", payload: Array(#"{"hostPort":\#(hostService.port)}"#.utf8),
                timeoutMs: 3000, invokedFunctionArn: "arn:f"))
        guard case .response(let body) = outcome else {
            Issue.record("unexpected outcome \(outcome)")
            _ = await sandbox.stop()
            return
        }
        let seen = try #require(try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])
        #expect(seen["uid"] as? Int == 993)
        #expect(seen["fn"] as? String == "contained")
        #expect(seen["host"] as? String == "hidden")
        #expect(seen["task"] as? String == "readonly")
        #expect(seen["usr"] as? String == "readonly")
        #expect(seen["tmp"] as? String == "writable")
        #expect(seen["net"] as? String == "unreachable")
        #expect(seen["userns"] as? String == "denied")
        #expect(seen["initEnvBytes"] as? Int == 0)
        let procs = try #require(seen["procs"] as? Int)
        #expect(procs < 10)
        #expect(!sandbox.cgroup.pids.isEmpty)
        let removed = await sandbox.stop()
        #expect(removed)
        #expect(!FileManager.default.fileExists(atPath: "/sys/fs/cgroup/memory/nimbus/tests/\(id)"))
        await hostService.close()
    }

    @Test("The memory limit is enforced by the cgroup and an OOM kill is counted")
    func memoryLimit() async throws {
        let task = try taskDirectory()
        defer { try? FileManager.default.removeItem(at: task) }
        // A runtime that allocates past its limit in /tmp (tmpfs pages count against the memory cgroup).
        try "#!/bin/sh\nhead -c 200000000 /dev/zero > /tmp/fill\nsleep 5\n".write(
            to: task.appendingPathComponent("hog"), atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: task.appendingPathComponent("hog").path)
        let spec = SandboxSpec(
            id: "oom-\(UInt32.random(in: 0...UInt32.max))", taskDirectory: task.path, command: ["/var/task/hog"],
            environment: ["PATH": "/usr/bin:/bin"], memoryMB: 64, ephemeralStorageMB: 512, pidsMax: 16,
            hostUID: 61_000, hostGID: 61_000)
        let sandbox = try await BubblewrapDriver(shim: spawnShim, scope: "tests").start(spec, endpoint: RuntimeEndpoint())
        var oom = 0
        for _ in 0..<100 where oom == 0 {
            try await Task.sleep(for: .milliseconds(50))
            oom = sandbox.cgroup.oomKills
        }
        #expect(oom >= 1)
        #expect(sandbox.cgroup.maxMemoryBytes <= 64 * 1_048_576)
        #expect(await sandbox.stop())
    }
}
