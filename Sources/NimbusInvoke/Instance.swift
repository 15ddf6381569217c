import Foundation
import NimbusControl
import NimbusModel
import NimbusRuntimeAPI
import NimbusSandbox
import Synchronization

/// What a pre-initialised instance can become: instances of one shape are interchangeable.
struct InstanceShape: Hashable, Sendable {
    /// The installed runtime (`RuntimeRegistry.Launch.name`).
    var runtime: String
    /// How its runtime waits.
    var zygote: Zygote
    /// `/tmp` size, fixed when the sandbox starts.
    var ephemeralStorageMB: Int
}

/// A started sandbox (namespaces, cgroups, Runtime API listener) whose runtime process waits for its
/// function, or, once assigned, runs one function version for one account until it is torn down.
final class Instance: Sendable {
    let shape: InstanceShape
    let sandbox: BubblewrapSandbox
    let endpoint: RuntimeEndpoint
    let session: SandboxSession
    /// The host directory bound read-only at `/var/task`; the function's code is linked in on assignment.
    let taskDirectory: String
    /// Revokes the temporary credentials handed to the function, when the instance stops.
    let revokeCredentials = Mutex<(@Sendable () -> Void)?>(nil)

    init(shape: InstanceShape, sandbox: BubblewrapSandbox, endpoint: RuntimeEndpoint, session: SandboxSession,
         taskDirectory: String) {
        self.shape = shape
        self.sandbox = sandbox
        self.endpoint = endpoint
        self.session = session
        self.taskDirectory = taskDirectory
    }

    /// Whether `stop` has been called.
    private let stopping = Mutex(false)

    /// Kills the sandbox, removes its cgroups and its task directory (once: a later call returns at once).
    func stop() async {
        guard !stopping.withLock({ stopping in defer { stopping = true }; return stopping }) else { return }
        revokeCredentials.withLock { $0 }?()
        await sandbox.stop()
        TaskTree.remove(taskDirectory)
    }
}

/// Starts instances before their function is known, and hands a function to one.
struct InstanceFactory: Sendable {
    let driver: BubblewrapDriver
    /// Where instances' task directories live (`<data>/instances`, emptied when the server starts).
    let directory: String
    /// The Nimbus API as functions reach it.
    let api: NimbusAPIAccess?
    /// Fork servers by runtime (`RuntimeRegistry.Launch.name`): instances of these runtimes are forked in.
    let forkServers: [String: ForkServer]
    /// The memory limit while an instance waits (its function's `MemorySize` replaces it).
    static let waitingMemoryMB = 128
    /// The CPU weight while an instance starts and waits: under contention, sandboxes serving requests win.
    static let waitingShares = 2

    /// Starts an instance of `shape`: the runtime imports what it can and blocks on its config pipe.
    /// `ahead`: started before any request needs it (low CPU weight until assigned).
    func start(_ shape: InstanceShape, launch: RuntimeRegistry.Launch, uid: UInt32, ahead: Bool) async throws
        -> Instance
    {
        let id = RandomID.uuid()
        let task = "\(directory)/\(id)"
        guard mkdir(task, 0o755) == 0 else { throw SandboxError(description: "mkdir \(task): errno \(errno)") }
        var spec = SandboxSpec(
            id: id, taskDirectory: task,
            readOnlyBinds: launch.runtimeDirectory.map { [($0, "/var/runtime")] } ?? [],
            command: shape.zygote.command(launch), environment: SandboxEnvironment.waiting(launch: launch),
            memoryMB: Self.waitingMemoryMB, ephemeralStorageMB: shape.ephemeralStorageMB, pidsMax: 1024,
            hostUID: uid, hostGID: uid)
        if shape.zygote == .python { spec.forkServer = forkServers[launch.name] }
        if ahead { spec.cpuShares = Self.waitingShares }
        spec.apiRelay = api?.relay
        let session = SandboxSession(cgroup: driver.cgroup(for: id))
        let endpoint = RuntimeEndpoint { session.handle($0) }
        do {
            let sandbox: BubblewrapSandbox
            do {
                sandbox = try await driver.start(spec, endpoint: endpoint)
            } catch where spec.forkServer != nil {
                // The fork server failed (it is replaced with the next request): start this runtime in its
                // sandbox rather than fail the invocation waiting for it.
                FileHandle.standardError.write(Data("nimbus: a forked runtime did not start (\(error)); starting one\n".utf8))
                spec.forkServer = nil
                sandbox = try await driver.start(spec, endpoint: endpoint)
            }
            session.attach(sandbox: sandbox, endpoint: endpoint)
            return Instance(shape: shape, sandbox: sandbox, endpoint: endpoint, session: session, taskDirectory: task)
        } catch {
            TaskTree.remove(task)
            throw error
        }
    }

    /// Hands `target`'s version to a waiting instance: code linked into `/var/task`, the memory limit raised
    /// to the function's, the environment (and, for `.exec`, the command) written to the runtime, then the
    /// CPU share raised while the runtime reads them (the waiting share is only ever lower).
    func assign(
        _ instance: Instance, target: InvocationTarget, launch: RuntimeRegistry.Launch, runtime: String,
        code: String, initialization: String
    ) throws {
        let version = target.version
        try TaskTree.link(from: code, into: instance.taskDirectory)
        try instance.sandbox.cgroup.setMemoryLimit(memoryMB: version.memorySize)
        var credentials: [String: String] = [:]
        if let api {
            let issued = api.issue(target.function.accountId)
            credentials = issued.environment
            instance.revokeCredentials.withLock { $0 = issued.revoke }
        }
        let environment = SandboxEnvironment.make(
            target: target, launch: launch, runtime: runtime, initialization: initialization,
            endpoint: api?.endpoint, credentials: credentials)
        let handler = version.handler ?? ""
        let argv: [String]
        switch instance.shape.zygote {
        case .python: argv = ["awslambdaric", handler]
        case .node: argv = []
        case .exec: argv = launch.command.map { $0 == "{handler}" ? handler : $0 }
        }
        let quota = SandboxSpec.cpuQuota(memoryMB: version.memorySize)
        instance.session.assigned(cpuQuota: quota)
        guard instance.sandbox.configure(Zygote.configuration(environment: environment, argv: argv)) else {
            throw SandboxError(description: "the waiting runtime is gone")
        }
        try instance.sandbox.cgroup.setCPUShares(CgroupV1.defaultShares)
    }
}

/// How the code Nimbus runs reaches the Nimbus API, as Lambda functions reach AWS: a relay port inside
/// each sandbox (`AWS_ENDPOINT_URL`) and temporary credentials scoped to the function's account.
public struct NimbusAPIAccess: Sendable {
    /// The relay: its port inside the sandbox and the API's address on the host.
    public var relay: APIRelayTarget
    /// Issues credentials for an account: `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` /
    /// `AWS_SESSION_TOKEN`, and how to revoke them once the sandbox is gone.
    public var issue: @Sendable (_ accountId: String) -> (environment: [String: String], revoke: @Sendable () -> Void)

    /// Creates the access.
    public init(
        relay: APIRelayTarget,
        issue: @escaping @Sendable (String) -> (environment: [String: String], revoke: @Sendable () -> Void)
    ) {
        self.relay = relay
        self.issue = issue
    }

    /// `AWS_ENDPOINT_URL` inside the sandbox.
    var endpoint: String { "http://127.0.0.1:\(relay.port)" }
}
