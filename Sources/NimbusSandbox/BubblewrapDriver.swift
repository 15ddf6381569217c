import CNimbusLinux
import Foundation
import NimbusRuntimeAPI

/// A failure to start or drive a sandbox (a platform fault, never the function's).
public struct SandboxError: Error, CustomStringConvertible, Sendable {
    /// What went wrong.
    public var description: String

    /// Creates an error.
    public init(description: String) { self.description = description }
}

/// Starts sandboxes with bubblewrap: cgroups made and limited by Nimbus, the `nimbus-spawn` shim to join
/// them and drop to an unprivileged uid, seccomp, and the Runtime API listener created inside the
/// sandbox's own network namespace before the runtime starts (the `--info-fd`/`--block-fd` handshake).
public struct BubblewrapDriver: Sendable {
    /// The exec shim.
    public let shim: String
    /// bwrap.
    public let bwrap: String
    /// The cgroup mount root.
    public let cgroupRoot: String
    /// This server's cgroup scope (`nimbus/<scope>/…`).
    public let scope: String

    /// Creates a driver and makes this process a child subreaper, so sandbox processes are reaped here.
    public init(shim: String, scope: String, bwrap: String = "/usr/bin/bwrap", cgroupRoot: String = "/sys/fs/cgroup") {
        self.shim = shim
        self.scope = scope
        self.bwrap = bwrap
        self.cgroupRoot = cgroupRoot
        _ = nimbus_become_subreaper()
        // A runtime that dies before reading its configuration must not take the server down with SIGPIPE.
        signal(SIGPIPE, SIG_IGN)
    }

    /// The cgroup a sandbox with this id gets.
    public func cgroup(for id: String) -> CgroupV1 { CgroupV1(root: cgroupRoot, scope: scope, id: id) }

    /// Removes this server's (empty) scope directories at shutdown.
    public func removeScope() { CgroupV1.removeScope(root: cgroupRoot, scope: scope) }

    /// Kills and removes sandboxes a previous server of this scope left behind.
    public func sweepStale() -> Int { CgroupV1.sweepStale(root: cgroupRoot, scope: scope) }

    /// Removes empty, old sandbox cgroups that servers of other scopes abandoned.
    public func sweepAbandoned() -> Int { CgroupV1.sweepAbandoned(root: cgroupRoot, keeping: scope) }

    /// Starts a sandbox whose Runtime API is served by `endpoint`.
    public func start(_ spec: SandboxSpec, endpoint: RuntimeEndpoint) async throws -> BubblewrapSandbox {
        let cgroup = cgroup(for: spec.id)
        try cgroup.create(memoryMB: spec.memoryMB, pidsMax: spec.pidsMax, cpuShares: spec.cpuShares)
        do {
            return try await launch(spec, cgroup: cgroup, endpoint: endpoint)
        } catch {
            cgroup.remove()
            throw error
        }
    }

    private func launch(_ spec: SandboxSpec, cgroup: CgroupV1, endpoint: RuntimeEndpoint) async throws
        -> BubblewrapSandbox
    {
        let seccomp = nimbus_seccomp_filter_fd()
        guard seccomp >= 0 else { throw SandboxError(description: "seccomp filter: errno \(-seccomp)") }
        var info: [Int32] = [0, 0]
        var block: [Int32] = [0, 0]
        var output: [Int32] = [0, 0]
        var config: [Int32] = [0, 0]
        guard nimbus_pipe(&info) == 0, nimbus_pipe(&block) == 0, nimbus_pipe(&output) == 0, nimbus_pipe(&config) == 0
        else {
            close(seccomp)
            throw SandboxError(description: "pipe: errno \(errno)")
        }
        let log = SandboxOutput(fd: output[0])
        var argv = [shim]
        for file in cgroup.taskFiles { argv += ["-t", file] }
        for fd in [
            BubblewrapCommand.FD.seccomp, BubblewrapCommand.FD.info, BubblewrapCommand.FD.block,
            BubblewrapCommand.FD.config,
        ] {
            argv += ["-k", String(fd)]
        }
        argv += ["-u", String(spec.hostUID), "-g", String(spec.hostGID), "--", bwrap]
        argv += BubblewrapCommand.arguments(spec)
        // stdout and stderr of bwrap and the runtime go to one pipe, read by SandboxOutput; the config pipe's
        // read end is inherited by the runtime as fd 3.
        let sources = [seccomp, info[1], block[0], config[0], output[1], output[1]]
        let targets = [
            BubblewrapCommand.FD.seccomp, BubblewrapCommand.FD.info, BubblewrapCommand.FD.block,
            BubblewrapCommand.FD.config, 1, 2,
        ]
        var pid: pid_t = 0
        let rc = Self.withCStrings(argv) { cArgs in
            nimbus_spawn(shim, cArgs, sources, targets, Int32(sources.count), &pid)
        }
        for fd in Set(sources) { close(fd) }
        guard rc == 0 else {
            close(info[0])
            close(block[1])
            close(config[1])
            log.close()
            throw SandboxError(description: "posix_spawn \(shim): errno \(rc)")
        }
        defer {
            close(info[0])
            close(block[1])
        }
        // pidfds from here on: the launcher is our (possibly exited, unreaped) child, and the sandbox's
        // pid 1 is alive and blocked until we release it, so neither pid can have been reused yet.
        let processes = SandboxProcesses(launcher: nimbus_pidfd_open(pid))
        guard let initPid = await Self.readChildPid(info[0]) else {
            processes.kill()
            close(config[1])
            log.close()
            throw SandboxError(description: "bwrap exited before the sandbox started")
        }
        processes.adopt(initPidfd: nimbus_pidfd_open(initPid))
        let listener = nimbus_listen_in_netns_of(initPid, Int32(spec.runtimeAPIPort))
        guard listener >= 0 else {
            processes.kill()
            close(config[1])
            log.close()
            throw SandboxError(description: "Runtime API listener in the sandbox netns: errno \(-listener)")
        }
        let server: RuntimeAPIServer
        do {
            server = try await RuntimeAPIServer.adopt(listeningSocket: listener, endpoint: endpoint)
        } catch {
            close(listener)
            processes.kill()
            close(config[1])
            log.close()
            throw error
        }
        var relay: APIRelay?
        if let target = spec.apiRelay {
            let socket = nimbus_listen_in_netns_of(initPid, Int32(target.port))
            do {
                guard socket >= 0 else { throw SandboxError(description: "API relay listener: errno \(-socket)") }
                relay = try await APIRelay.adopt(listeningSocket: socket, target: target.address)
            } catch {
                if socket >= 0 { close(socket) }
                await server.close()
                processes.kill()
                close(config[1])
                log.close()
                throw error
            }
        }
        var go: UInt8 = 1
        _ = write(block[1], &go, 1)
        return BubblewrapSandbox(
            spec: spec, cgroup: cgroup, server: server, relay: relay, processes: processes, output: log,
            initPid: initPid, configFD: config[1])
    }

    /// Reads bwrap's `{"child-pid": N}` from the info pipe (blocking, off the cooperative pool).
    static func readChildPid(_ fd: Int32) async -> pid_t? {
        await offPool {
            var text = ""
            var buffer = [UInt8](repeating: 0, count: 512)
            while !text.contains("}") {
                let n = read(fd, &buffer, buffer.count)
                if n <= 0 { break }
                text += String(decoding: buffer[0..<n], as: UTF8.self)
            }
            return parseChildPid(text)
        }
    }

    /// The pid in bwrap's info JSON.
    static func parseChildPid(_ text: String) -> pid_t? {
        guard let key = text.range(of: "\"child-pid\"") else { return nil }
        let digits = text[key.upperBound...].drop { !$0.isNumber }.prefix { $0.isNumber }
        return pid_t(digits)
    }

    static func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
        var pointers = strings.map { strdup($0) } + [nil]
        defer { for pointer in pointers { free(pointer) } }
        return pointers.withUnsafeMutableBufferPointer { body($0.baseAddress!) }
    }
}
