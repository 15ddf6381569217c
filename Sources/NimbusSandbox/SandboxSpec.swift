import NIOCore
/// What one sandbox runs and with which limits.
public struct SandboxSpec: Sendable {
    /// Unique id (names the cgroups).
    public var id: String
    /// Host directory bound read-only at `/var/task`.
    public var taskDirectory: String
    /// Further read-only binds (host path → sandbox path), e.g. a runtime at `/var/runtime`.
    public var readOnlyBinds: [(host: String, sandbox: String)]
    /// The runtime command inside the sandbox (ignored when `forkServer` is set).
    public var command: [String]
    /// Where the runtime comes from instead of `command`: forked in by this server once bwrap has built the
    /// sandbox, whose pid 1 is then `nimbus-spawn -H` (see `ForkServer`).
    public var forkServer: ForkServer?
    /// The complete environment of the runtime (nothing is inherited).
    public var environment: [String: String]
    /// Memory limit in MB (`MemorySize`).
    public var memoryMB: Int
    /// `/tmp` size in MB (`EphemeralStorage`).
    public var ephemeralStorageMB: Int
    /// Maximum number of processes and threads.
    public var pidsMax: Int
    /// Unprivileged host uid and gid the sandbox runs as.
    public var hostUID: UInt32
    /// Host gid.
    public var hostGID: UInt32
    /// Port of the Runtime API inside the sandbox's own network namespace.
    public var runtimeAPIPort: Int
    /// CPU weight under contention (`cpu.shares`).
    public var cpuShares: Int = CgroupV1.defaultShares
    /// A port inside the sandbox relayed to the Nimbus API, when the sandbox gets one.
    public var apiRelay: APIRelayTarget?

    /// Creates a spec.
    public init(
        id: String, taskDirectory: String, readOnlyBinds: [(host: String, sandbox: String)] = [], command: [String],
        environment: [String: String], memoryMB: Int, ephemeralStorageMB: Int = 512, pidsMax: Int = 256,
        hostUID: UInt32, hostGID: UInt32, runtimeAPIPort: Int = 9001
    ) {
        self.id = id
        self.taskDirectory = taskDirectory
        self.readOnlyBinds = readOnlyBinds
        self.command = command
        self.environment = environment
        self.memoryMB = memoryMB
        self.ephemeralStorageMB = ephemeralStorageMB
        self.pidsMax = pidsMax
        self.hostUID = hostUID
        self.hostGID = hostGID
        self.runtimeAPIPort = runtimeAPIPort
    }

    /// Lambda's CPU share: one full vCPU at 1,769 MB, proportional below (CFS period 100 ms).
    public var cpuQuotaMicroseconds: Int { Self.cpuQuota(memoryMB: memoryMB) }

    /// Lambda's CPU share for `memoryMB` (µs per 100 ms period).
    public static func cpuQuota(memoryMB: Int) -> Int { max(1000, 100_000 * memoryMB / 1769) }
}

/// Where a sandbox's API relay listens (inside) and where it leads (on the host).
public struct APIRelayTarget: Sendable {
    /// Port on 127.0.0.1 inside the sandbox's network namespace.
    public var port: Int
    /// The Nimbus API's address, once the server listens.
    public var address: @Sendable () -> SocketAddress?

    /// Creates a target.
    public init(port: Int, address: @escaping @Sendable () -> SocketAddress?) {
        self.port = port
        self.address = address
    }
}
