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
        var watcher: (any DispatchSourceRead)?
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

    /// Calls `handler` once when the launcher exits (its pidfd turns readable); no polling. The watcher
    /// owns a duplicate of the pidfd, closed when it is cancelled.
    func onExit(_ handler: @escaping @Sendable () -> Void) {
        state.withLock { state in
            guard state.launcher >= 0, state.watcher == nil else { return }
            let fd = dup(state.launcher)
            guard fd >= 0 else { return }
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            let source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: .global())
            source.setEventHandler {
                source.cancel()
                handler()
            }
            source.setCancelHandler { close(fd) }
            state.watcher = source
            source.resume()
        }
    }

    /// SIGKILLs pid 1 and the launcher without waiting for them (`kill()` reaps them later): their memory
    /// is freed as soon as they die, whoever reaps them.
    func signalKill() {
        let fds = state.withLock { [$0.initPidfd, $0.launcher] }
        for fd in fds where fd >= 0 { _ = nimbus_pidfd_signal(fd, SIGKILL) }
    }

    /// SIGKILLs pid 1 (ending the pid namespace) and the launcher, reaps both, closes the pidfds.
    func kill() {
        let (launcher, initPidfd, watcher) = state.withLock { state -> (Int32, Int32, (any DispatchSourceRead)?) in
            defer {
                state.launcher = -1
                state.initPidfd = -1
                state.watcher = nil
            }
            return (state.launcher, state.initPidfd, state.watcher)
        }
        watcher?.cancel()
        for fd in [initPidfd, launcher] where fd >= 0 { _ = nimbus_pidfd_signal(fd, SIGKILL) }
        var status: Int32 = 0
        for fd in [launcher, initPidfd] where fd >= 0 {
            // Dying after SIGKILL takes milliseconds; stop waiting once the process is not ours to reap.
            for _ in 0..<1000 where nimbus_pidfd_try_reap(fd, &status) == 0 { usleep(1000) }
            close(fd)
        }
    }
}
