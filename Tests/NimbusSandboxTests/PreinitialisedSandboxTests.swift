import Foundation
import NimbusRuntimeAPI
import NimbusSandbox
import Testing

/// A sandbox started before its function is known: code linked in afterwards, configuration over fd 3.
@Suite(.serialized, .enabled(if: canSandbox, "needs root, bubblewrap, cgroup v1 and the nimbus-spawn shim"))
struct PreinitialisedSandboxTests {
    @Test("A waiting sandbox sees code linked in after it started and reads its configuration from fd 3",
          .timeLimit(.minutes(1)))
    func configuredAfterStart() async throws {
        let code = try BubblewrapSandboxTests().taskDirectory()
        let task = URL(fileURLWithPath: "/tmp/nimbus-instance-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: task, withIntermediateDirectories: true)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: task.path)
        defer {
            try? FileManager.default.removeItem(at: code)
            try? FileManager.default.removeItem(at: task)
        }
        let (events, continuation) = AsyncStream<RuntimeEvent>.makeStream()
        let endpoint = RuntimeEndpoint { continuation.yield($0) }
        // Waits for one line on fd 3, then runs what /var/task holds by then with that line as function name.
        let waiter = #"read -r name <&3; exec env AWS_LAMBDA_FUNCTION_NAME="$name" /var/task/bootstrap"#
        var spec = SandboxSpec(
            id: "pre-\(UInt32.random(in: 0...UInt32.max))", taskDirectory: task.path,
            command: ["/bin/sh", "-c", waiter],
            environment: ["AWS_LAMBDA_RUNTIME_API": "127.0.0.1:9001", "PATH": "/usr/bin:/bin"],
            memoryMB: 128, pidsMax: 64, hostUID: 61_001, hostGID: 61_001)
        spec.cpuShares = 2  // started ahead of demand: yields the CPU to sandboxes serving requests
        let sandbox = try await BubblewrapDriver(shim: spawnShim, scope: "tests").start(spec, endpoint: endpoint)
        let shares = { try String(contentsOfFile: "/sys/fs/cgroup/cpu/\(sandbox.cgroup.path)/cpu.shares", encoding: .utf8) }
        #expect(try shares().trimmingCharacters(in: .whitespacesAndNewlines) == "2")
        try await Task.sleep(for: .milliseconds(100))
        #expect(sandbox.exitStatus() == nil)
        #expect(try TaskTree.link(from: code.path, into: task.path) == 1)
        try sandbox.cgroup.setMemoryLimit(memoryMB: 256)
        try sandbox.cgroup.setCPUShares(CgroupV1.defaultShares)
        #expect(try shares().trimmingCharacters(in: .whitespacesAndNewlines) == "1024")
        let limit = try String(
            contentsOfFile: "/sys/fs/cgroup/memory/\(sandbox.cgroup.path)/memory.limit_in_bytes", encoding: .utf8)
        #expect(limit.trimmingCharacters(in: .whitespacesAndNewlines) == String(256 * 1_048_576))
        #expect(sandbox.configure(Array("assigned-later\n".utf8)))
        #expect(!sandbox.configure(Array("twice\n".utf8)))
        var iterator = events.makeAsyncIterator()
        #expect(await iterator.next() == .ready)
        let outcome = await endpoint.invoke(
            RuntimeInvocation(requestId: "r1", payload: Array(#"{"hostPort":1}"#.utf8), timeoutMs: 3000, invokedFunctionArn: "arn:f"))
        guard case .response(let body) = outcome else {
            Issue.record("unexpected outcome \(outcome)")
            _ = await sandbox.stop()
            return
        }
        let seen = try #require(try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])
        #expect(seen["fn"] as? String == "assigned-later")
        #expect(seen["task"] as? String == "readonly")
        #expect(await sandbox.stop())
    }

    @Test("Linking a task tree keeps directories, files (same inode) and symlinks")
    func linkTree() throws {
        let root = URL(fileURLWithPath: "/tmp/nimbus-tasktree-\(UUID().uuidString)")
        let source = root.appendingPathComponent("src")
        let target = root.appendingPathComponent("dst")
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.createDirectory(at: source.appendingPathComponent("pkg/sub"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
        try "a".write(to: source.appendingPathComponent("app.py"), atomically: true, encoding: .utf8)
        try "b".write(to: source.appendingPathComponent("pkg/sub/m.py"), atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: source.appendingPathComponent("link").path, withDestinationPath: "app.py")
        #expect(try TaskTree.link(from: source.path, into: target.path) == 5)
        let a = try FileManager.default.attributesOfItem(atPath: source.appendingPathComponent("app.py").path)
        let b = try FileManager.default.attributesOfItem(atPath: target.appendingPathComponent("app.py").path)
        #expect(a[.systemFileNumber] as? UInt64 == b[.systemFileNumber] as? UInt64)
        #expect(try String(contentsOf: target.appendingPathComponent("pkg/sub/m.py"), encoding: .utf8) == "b")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: target.appendingPathComponent("link").path) == "app.py")
        // An existing entry is an error, not an overwrite.
        #expect(throws: SandboxError.self) { try TaskTree.link(from: source.path, into: target.path) }
        TaskTree.remove(target.path)
        #expect(!FileManager.default.fileExists(atPath: target.path))
    }
}

/// Cgroups abandoned by servers that will never restart on their data directory.
@Suite(.enabled(if: canSandbox, "needs root and cgroup v1"))
struct AbandonedCgroupTests {
    @Test("Empty, old sandbox cgroups of other scopes are removed; ones with processes stay")
    func sweep() throws {
        let scope = "abandoned-test-\(UInt32.random(in: 0...UInt32.max))"
        let empty = CgroupV1(scope: scope, id: "empty")
        let busy = CgroupV1(scope: scope, id: "busy")
        try empty.create(memoryMB: 64, pidsMax: 8)
        try busy.create(memoryMB: 64, pidsMax: 8)
        let sleeper = Process()
        sleeper.executableURL = URL(fileURLWithPath: "/bin/sleep")
        sleeper.arguments = ["30"]
        try sleeper.run()
        defer {
            kill(sleeper.processIdentifier, SIGKILL)
            sleeper.waitUntilExit()
            busy.remove()
            CgroupV1.removeScope(scope: scope)
        }
        for file in busy.taskFiles { try String(sleeper.processIdentifier).write(toFile: file, atomically: false, encoding: .utf8) }
        // Younger than the age limit: kept (another server may be about to join it).
        #expect(CgroupV1.sweepAbandoned(keeping: "none", age: 3600, scopes: { $0 == scope }) == 0)
        #expect(FileManager.default.fileExists(atPath: "/sys/fs/cgroup/pids/\(empty.path)"))
        // Old enough (a cut-off in the future makes every directory old): the empty one goes.
        #expect(CgroupV1.sweepAbandoned(keeping: "none", age: -10, scopes: { $0 == scope }) == 1)
        #expect(!FileManager.default.fileExists(atPath: "/sys/fs/cgroup/pids/\(empty.path)"))
        #expect(FileManager.default.fileExists(atPath: "/sys/fs/cgroup/pids/\(busy.path)"))
        // The server's own scope is never swept.
        #expect(CgroupV1.sweepAbandoned(keeping: scope, age: -10, scopes: { $0 == scope }) == 0)
    }
}
