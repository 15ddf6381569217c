import CNimbusLinux
import Foundation

/// The pipes of one sandbox start. bwrap gets one end of most of them; a runtime forked in by a
/// `ForkServer` gets its configuration and output pipes through the fork instead. The sandbox keeps two
/// ends (`config[1]` to configure the runtime, `output[0]` to read it); every other end is closed once the
/// start has succeeded or failed.
struct StartPipes {
    /// bwrap's `--info-fd` (read: pid 1's host pid).
    let info: [Int32]
    /// bwrap's `--block-fd` (write: let the command run).
    let block: [Int32]
    /// The runtime's stdout and stderr.
    let output: [Int32]
    /// The runtime's configuration (its fd 3).
    let config: [Int32]
    /// A forked runtime's pid 1 says it runs (`nimbus-spawn -H`); unused (-1) otherwise.
    let ready: [Int32]
    let forked: Bool

    init(forked: Bool) throws {
        var made: [[Int32]] = []
        for _ in 0..<(forked ? 5 : 4) {
            var pair: [Int32] = [0, 0]
            guard nimbus_pipe(&pair) == 0 else {
                let error = errno
                for pair in made { pair.forEach { close($0) } }
                throw SandboxError(description: "pipe: errno \(error)")
            }
            made.append(pair)
        }
        (info, block, output, config) = (made[0], made[1], made[2], made[3])
        ready = forked ? made[4] : [-1, -1]
        self.forked = forked
    }

    /// The ends bwrap inherited: ours are closed once it is spawned (or failed to spawn).
    func closeSpawned() {
        for fd in [info[1], block[0], forked ? ready[1] : config[0]] { close(fd) }
        if !forked { close(output[1]) }
    }

    /// The ends used while the sandbox starts: closed once it has started or failed.
    func closeStarting() {
        for fd in [info[0], block[1]] { close(fd) }
        if forked { for fd in [ready[0], config[0], output[1]] { close(fd) } }
    }

    /// The ends a started sandbox keeps, when the start failed.
    func closeKept() {
        close(config[1])
        close(output[0])
    }

    /// Waits (blocking, off the cooperative pool) for pid 1's byte on `ready`; false if the pipe ended first
    /// or nothing came within the fork server's patience (the outer bwrap holds the write end too).
    func awaitReady() async -> Bool {
        let fd = ready[0]
        return await offPool {
            guard nimbus_fd_readable(fd, ForkServer.patienceMs) == 1 else { return false }
            var byte: UInt8 = 0
            var n = read(fd, &byte, 1)
            while n < 0, errno == EINTR { n = read(fd, &byte, 1) }
            return n == 1
        }
    }
}
