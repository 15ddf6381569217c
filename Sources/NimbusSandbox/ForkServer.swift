import CNimbusLinux
import Foundation
import Synchronization

/// A long-lived root process that forks runtimes into sandboxes bwrap has built (a zygote): a runtime that
/// would spend tens of milliseconds starting its interpreter and importing its runtime client is instead
/// copied, already initialised, into the sandbox's namespaces.
///
/// The program (`command`, started with `environment` and nothing else) reads requests on fd 3, a
/// `SOCK_SEQPACKET` socket. Each is one JSON object `{"pid", "tasks", "uid", "gid"}` with five descriptors
/// attached: the sandbox pid 1's pidfd, the runtime's configuration pipe (its fd 3), its output pipe (its fd 1
/// and 2), the seccomp program, and a report pipe. For each it forks a child that, still root on the host,
/// joins the cgroups (`tasks`), enters every namespace of that pid 1 through the pidfd, takes its root,
/// takes the sandbox uid and gid, and forks the runtime. The runtime drops every capability, sets
/// no-new-privileges and loads the seccomp program before it runs anything else. The child writes the
/// runtime's host pid (or `error …`) to the report pipe and exits, so the runtime is reparented to this
/// process, the subreaper, which watches and reaps it through a pidfd like any sandbox process.
public final class ForkServer: Sendable {
    /// The program and its arguments.
    public let command: [String]
    /// Its whole environment.
    public let environment: [String: String]

    private struct Running {
        var pidfd: Int32
        var socket: Int32
    }

    private let running = Mutex<Running?>(nil)

    /// Creates a server; its process starts with the first request.
    public init(command: [String], environment: [String: String]) {
        self.command = command
        self.environment = environment
    }

    /// Forks a runtime into the sandbox whose pid 1 is `initPid` (held by `initPidfd`); it joins the cgroups
    /// whose `tasks` files are given. Returns the runtime's host pid: our child once the forking process has
    /// exited, which it has when this returns.
    func fork(
        initPid: pid_t, initPidfd: Int32, tasks: [String], uid: String, config: Int32, output: Int32, seccomp: Int32
    ) async throws -> pid_t {
        var report: [Int32] = [0, 0]
        guard nimbus_pipe(&report) == 0 else { throw SandboxError(description: "pipe: errno \(errno)") }
        let request = Self.request(pid: initPid, tasks: tasks, uid: uid)
        let sent = send(request, fds: [initPidfd, config, output, seccomp, report[1]])
        close(report[1])
        guard sent == 0 else {
            close(report[0])
            throw SandboxError(description: "fork server: errno \(-sent)")
        }
        let reader = report[0]
        let answer = await offPool { Self.readAll(reader, timeoutMs: Self.patienceMs) }
        close(reader)
        guard let answer else {
            stop()  // stuck: the next request starts a new one
            throw SandboxError(description: "fork server: no answer within \(Self.patienceMs) ms")
        }
        let line = answer.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let pid = pid_t(line), pid > 0 else {
            let reason = line.isEmpty ? "it exited" : line
            throw SandboxError(description: "fork server: \(reason)")
        }
        return pid
    }

    /// Kills the server's process and reaps it (shutdown; a later request starts a new one).
    public func stop() {
        guard let process = running.withLock({ running in defer { running = nil }; return running }) else { return }
        Self.end(process)
    }

    /// Sends one request, starting the process first if it is not running, and once more with a new process
    /// if the old one turns out to be gone or stuck (its queue full). 0 or -errno. Nothing here blocks: the
    /// send does not wait, and processes given up on are killed and reaped after the lock is released.
    private func send(_ bytes: [UInt8], fds: [Int32]) -> Int32 {
        var abandoned: [Running] = []
        defer { abandoned.forEach(Self.end) }
        return running.withLock { running in
            var result: Int32 = -ESRCH
            for _ in 0..<2 {
                if let process = running, nimbus_pidfd_signal(process.pidfd, 0) != 0 {
                    abandoned.append(process)
                    running = nil
                }
                if running == nil { running = start() }
                guard let process = running else { return -ECHILD }
                result = bytes.withUnsafeBufferPointer {
                    nimbus_send_with_fds(process.socket, $0.baseAddress, $0.count, fds, Int32(fds.count))
                }
                guard [-EPIPE, -ECONNREFUSED, -ECONNRESET, -EAGAIN].contains(result) else { return result }
                abandoned.append(process)
                running = nil
            }
            return result
        }
    }

    /// Spawns the process through `env -i` (its environment must be in place before an interpreter starts),
    /// with the request socket as fd 3 and our stderr as its own.
    private func start() -> Running? {
        var pair: [Int32] = [0, 0]
        guard nimbus_seqpacket_pair(&pair) == 0 else { return nil }
        let variables = environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        let argv = ["/usr/bin/env", "-i"] + variables + command
        var pid: pid_t = 0
        let rc = BubblewrapDriver.withCStrings(argv) { nimbus_spawn("/usr/bin/env", $0, [pair[1], 2], [3, 2], 2, &pid) }
        close(pair[1])
        let pidfd = rc == 0 ? nimbus_pidfd_open(pid) : -1
        guard pidfd >= 0 else {
            close(pair[0])
            return nil
        }
        return Running(pidfd: pidfd, socket: pair[0])
    }

    private static func end(_ process: Running) {
        close(process.socket)
        _ = nimbus_pidfd_signal(process.pidfd, SIGKILL)
        var status: Int32 = 0
        _ = SandboxProcesses.reapKilled(process.pidfd, &status)
        close(process.pidfd)
    }

    /// A request: `{"pid": …, "tasks": […], "uid": …, "gid": …}` (a sandbox's gid equals its uid).
    static func request(pid: pid_t, tasks: [String], uid: String) -> [UInt8] {
        let object: [String: Any] = ["pid": Int(pid), "tasks": tasks, "uid": Int(uid) ?? -1, "gid": Int(uid) ?? -1]
        return (try? [UInt8](JSONSerialization.data(withJSONObject: object))) ?? []
    }

    /// How long a fork may take before the server is deemed stuck (a fork takes milliseconds).
    static let patienceMs: Int32 = 10_000

    /// Reads `fd` to its end; nil if it stays silent for `timeoutMs`.
    static func readAll(_ fd: Int32, timeoutMs: Int32) -> String? {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 256)
        while true {
            guard nimbus_fd_readable(fd, timeoutMs) == 1 else { return nil }
            let n = read(fd, &buffer, buffer.count)
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { break }
            bytes += buffer[0..<n]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
