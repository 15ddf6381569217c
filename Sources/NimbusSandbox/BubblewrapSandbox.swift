import CNimbusLinux
import Foundation
import NimbusRuntimeAPI
import Synchronization

/// A running sandbox: its processes, cgroups and Runtime API listener.
public final class BubblewrapSandbox: Sendable {
    /// What it runs.
    public let spec: SandboxSpec
    /// Its cgroups.
    public let cgroup: CgroupV1
    /// Its Runtime API.
    public let server: RuntimeAPIServer
    /// Its way to the Nimbus API, when it has one.
    let relay: APIRelay?
    /// The outer bwrap and the sandbox's pid 1, held by pidfd.
    let processes: SandboxProcesses
    /// The sandbox's pid 1, as the host sees it (for diagnostics).
    public let initPid: pid_t
    /// What the runtime writes to stdout and stderr.
    public let output: SandboxOutput
    /// The write end of the runtime's configuration pipe (fd 3 inside), until `configure` closes it.
    private let configFD: Mutex<Int32>

    init(
        spec: SandboxSpec, cgroup: CgroupV1, server: RuntimeAPIServer, relay: APIRelay?, processes: SandboxProcesses,
        output: SandboxOutput, initPid: pid_t, configFD: Int32
    ) {
        self.relay = relay
        self.configFD = Mutex(configFD)
        self.spec = spec
        self.cgroup = cgroup
        self.server = server
        self.processes = processes
        self.output = output
        self.initPid = initPid
    }

    /// Hands a waiting runtime its configuration (written whole, then the pipe is closed so the reader sees
    /// the end). Returns false if the runtime is gone or was configured already.
    @discardableResult
    public func configure(_ bytes: [UInt8]) -> Bool {
        let fd = takeConfigFD()
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + written, bytes.count - written) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { return false }
            written += n
        }
        return true
    }

    /// The config pipe's write end, handed to exactly one caller (-1 once taken).
    private func takeConfigFD() -> Int32 {
        configFD.withLock { fd in
            defer { fd = -1 }
            return fd
        }
    }

    /// The outer bwrap's wait status once it has exited (the runtime is gone then), else nil.
    public func exitStatus() -> Int32? { processes.exitStatus() }

    /// Calls `handler` once, on the `DescriptorWatcher` thread, when the sandbox's processes have exited (not
    /// after `stop`).
    public func onExit(_ handler: @escaping @Sendable () -> Void) { processes.onExit(handler) }

    /// Kills everything in the sandbox (killing pid 1 ends its pid namespace), reaps, removes the cgroups
    /// and closes the listener. Returns whether the cgroups could be removed. The waits for dying processes
    /// (milliseconds, polled) run `offPool`.
    @discardableResult
    public func stop() async -> Bool {
        await offPool { self.processes.kill() }
        let fd = takeConfigFD()
        if fd >= 0 { close(fd) }
        output.close()
        await server.close()
        await relay?.close()
        return await offPool { self.cgroup.remove() }
    }

    /// Sends SIGKILL to the sandbox's processes at once, without waiting; `stop()` still has to follow
    /// (reaping, cgroups, listener). An evicted sandbox releases its memory this way before its
    /// successor starts, while the rest of its teardown leaves the request path.
    public func signalKill() { processes.signalKill() }
}
