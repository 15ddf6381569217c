import CNimbusLinux
import Foundation
import NimbusRuntimeAPI

/// A running sandbox: its processes, cgroups and Runtime API listener.
public final class BubblewrapSandbox: Sendable {
    /// What it runs.
    public let spec: SandboxSpec
    /// Its cgroups.
    public let cgroup: CgroupV1
    /// Its Runtime API.
    public let server: RuntimeAPIServer
    /// The outer bwrap and the sandbox's pid 1, held by pidfd.
    let processes: SandboxProcesses
    /// The sandbox's pid 1, as the host sees it (for diagnostics).
    public let initPid: pid_t
    /// What the runtime writes to stdout and stderr.
    public let output: SandboxOutput

    init(
        spec: SandboxSpec, cgroup: CgroupV1, server: RuntimeAPIServer, processes: SandboxProcesses,
        output: SandboxOutput, initPid: pid_t
    ) {
        self.spec = spec
        self.cgroup = cgroup
        self.server = server
        self.processes = processes
        self.output = output
        self.initPid = initPid
    }

    /// The outer bwrap's wait status once it has exited (the runtime is gone then), else nil.
    public func exitStatus() -> Int32? { processes.exitStatus() }

    /// Kills everything in the sandbox (killing pid 1 ends its pid namespace), reaps, removes the cgroups
    /// and closes the listener. Returns whether the cgroups could be removed.
    @discardableResult
    public func stop() async -> Bool {
        processes.kill()
        output.close()
        await server.close()
        return cgroup.remove()
    }
}
