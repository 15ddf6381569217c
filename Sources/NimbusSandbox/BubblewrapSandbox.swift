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
    /// The outer bwrap process (our child).
    let launcherPid: pid_t
    /// The sandbox's pid 1, as the host sees it.
    public let initPid: pid_t

    init(spec: SandboxSpec, cgroup: CgroupV1, server: RuntimeAPIServer, launcherPid: pid_t, initPid: pid_t) {
        self.spec = spec
        self.cgroup = cgroup
        self.server = server
        self.launcherPid = launcherPid
        self.initPid = initPid
    }

    /// The outer bwrap's exit status once it has exited (the runtime is gone then), else nil.
    public func exitStatus() -> Int32? {
        var status: Int32 = 0
        return nimbus_try_wait(launcherPid, &status) == 1 ? status : nil
    }

    /// Kills everything in the sandbox (killing pid 1 ends its pid namespace), reaps, removes the cgroups
    /// and closes the listener. Returns whether the cgroups could be removed.
    @discardableResult
    public func stop() async -> Bool {
        BubblewrapDriver.killSandbox(launcher: launcherPid, initPid: initPid)
        await server.close()
        return cgroup.remove()
    }
}
