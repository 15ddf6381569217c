import CNimbusLinux
import Foundation
import Synchronization

/// The two host processes of a sandbox, held by pidfd: the outer bwrap (our child) and the sandbox's
/// pid 1 (reparented to us, the subreaper, when bwrap exits). Signals and reaping go through the pidfds,
/// so a pid reused by an unrelated process is never touched.
final class SandboxProcesses: Sendable {
    private struct State {
        var launcher: Int32
        var initPidfd: Int32 = -1
        var exitStatus: Int32?
    }

    private let state: Mutex<State>

    init(launcher: Int32) { state = Mutex(State(launcher: launcher)) }

    func adopt(initPidfd: Int32) { state.withLock { $0.initPidfd = initPidfd } }

    /// The launcher's wait status once it has exited (reaped on first sight), else nil.
    func exitStatus() -> Int32? {
        state.withLock { state in
            if let status = state.exitStatus { return status }
            var status: Int32 = 0
            guard state.launcher >= 0, nimbus_pidfd_try_reap(state.launcher, &status) == 1 else { return nil }
            state.exitStatus = status
            return status
        }
    }

    /// SIGKILLs pid 1 (ending the pid namespace) and the launcher, reaps both, closes the pidfds.
    func kill() {
        let (launcher, initPidfd) = state.withLock { state -> (Int32, Int32) in
            defer {
                state.launcher = -1
                state.initPidfd = -1
            }
            return (state.launcher, state.initPidfd)
        }
        for fd in [initPidfd, launcher] where fd >= 0 { _ = nimbus_pidfd_signal(fd, SIGKILL) }
        var status: Int32 = 0
        for fd in [launcher, initPidfd] where fd >= 0 {
            // Dying after SIGKILL takes milliseconds; stop waiting once the process is not ours to reap.
            for _ in 0..<1000 where nimbus_pidfd_try_reap(fd, &status) == 0 { usleep(1000) }
            close(fd)
        }
    }
}
