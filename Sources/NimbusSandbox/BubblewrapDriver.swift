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
        defer { close(seccomp) }
        let forked = spec.forkServer != nil
        let pipes = try StartPipes(forked: forked)
        var argv = [shim]
        for file in cgroup.taskFiles { argv += ["-t", file] }
        for fd in [BubblewrapCommand.FD.seccomp, BubblewrapCommand.FD.info, BubblewrapCommand.FD.block] {
            argv += ["-k", String(fd)]
        }
        argv += ["-k", String(forked ? BubblewrapCommand.FD.ready : BubblewrapCommand.FD.config)]
        argv += ["-u", String(spec.hostUID), "-g", String(spec.hostGID), "--", bwrap]
        argv += BubblewrapCommand.arguments(spec, shim: shim)
        // stdout and stderr of bwrap and the runtime go to one pipe, read by SandboxOutput. The runtime reads
        // its configuration on fd 3: bwrap's command inherits the pipe; a forked runtime gets it from the fork.
        let sources = [seccomp, pipes.info[1], pipes.block[0], forked ? pipes.ready[1] : pipes.config[0]]
        let targets = [
            BubblewrapCommand.FD.seccomp, BubblewrapCommand.FD.info, BubblewrapCommand.FD.block,
            forked ? BubblewrapCommand.FD.ready : BubblewrapCommand.FD.config,
        ]
        var pid: pid_t = 0
        let rc = Self.withCStrings(argv) { cArgs in
            nimbus_spawn(
                shim, cArgs, sources + [pipes.output[1], pipes.output[1]], targets + [1, 2], Int32(sources.count + 2), &pid)
        }
        pipes.closeSpawned()
        guard rc == 0 else {
            pipes.closeStarting()
            pipes.closeKept()
            throw SandboxError(description: "posix_spawn \(shim): errno \(rc)")
        }
        // pidfds from here on: the launcher is our (possibly exited, unreaped) child, and the sandbox's
        // pid 1 is alive and blocked until we release it, so neither pid can have been reused yet.
        let processes = SandboxProcesses(launcher: nimbus_pidfd_open(pid))
        var server: RuntimeAPIServer?
        var relay: APIRelay?
        do {
            guard let initPid = await Self.readChildPid(pipes.info[0]) else {
                throw SandboxError(description: "bwrap exited before the sandbox started")
            }
            let initPidfd = nimbus_pidfd_open(initPid)
            processes.adopt(initPidfd: initPidfd)
            let listener = nimbus_listen_in_netns_of(initPid, Int32(spec.runtimeAPIPort))
            guard listener >= 0 else {
                throw SandboxError(description: "Runtime API listener in the sandbox netns: errno \(-listener)")
            }
            do {
                server = try await RuntimeAPIServer.adopt(listeningSocket: listener, endpoint: endpoint)
            } catch {
                close(listener)
                throw error
            }
            if let target = spec.apiRelay {
                let socket = nimbus_listen_in_netns_of(initPid, Int32(target.port))
                guard socket >= 0 else { throw SandboxError(description: "API relay listener: errno \(-socket)") }
                do {
                    relay = try await APIRelay.adopt(listeningSocket: socket, target: target.address)
                } catch {
                    close(socket)
                    throw error
                }
            }
            var go: UInt8 = 1
            _ = write(pipes.block[1], &go, 1)
            if let forkServer = spec.forkServer {
                // pid 1 runs once bwrap has built the sandbox: only then may a runtime enter it.
                guard await pipes.awaitReady() else {
                    throw SandboxError(description: "the sandbox's pid 1 did not start")
                }
                let runtime = try await forkServer.fork(
                    initPid: initPid, initPidfd: initPidfd, tasks: cgroup.taskFiles, uid: BubblewrapCommand.insideID,
                    config: pipes.config[0], output: pipes.output[1], seccomp: seccomp)
                // By pid, safely: the runtime is ours or its forker's to reap, and neither reaps it before this
                // (Nimbus only ever waits through pidfds, never for any child).
                let runtimePidfd = nimbus_pidfd_open(runtime)
                guard runtimePidfd >= 0 else {  // (ending the pid namespace, below, kills it)
                    throw SandboxError(description: "pidfd of the forked runtime: errno \(-runtimePidfd)")
                }
                processes.adopt(runtimePidfd: runtimePidfd)
            }
            pipes.closeStarting()
            return BubblewrapSandbox(
                spec: spec, cgroup: cgroup, server: server!, relay: relay, processes: processes,
                output: SandboxOutput(fd: pipes.output[0]), initPid: initPid, configFD: pipes.config[1])
        } catch {
            await server?.close()
            await relay?.close()
            processes.kill()
            pipes.closeStarting()
            pipes.closeKept()
            throw error
        }
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
