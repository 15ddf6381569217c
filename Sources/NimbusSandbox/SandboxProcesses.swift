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
        /// The launcher's pidfd registration with the `DescriptorWatcher`.
        var watch: UInt64?
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

    /// Calls `handler` once, on the `DescriptorWatcher`'s thread, when the launcher exits (its pidfd turns
    /// readable); no polling. Not after `kill()`.
    func onExit(_ handler: @escaping @Sendable () -> Void) {
        state.withLock { state in
            guard state.launcher >= 0, state.watch == nil else { return }
            state.watch = DescriptorWatcher.shared.watch(state.launcher, once: true) {
                handler()
                return false
            }
        }
    }

    /// SIGKILLs pid 1 and the launcher without waiting for them (`kill()` reaps them later): their memory
    /// is freed as soon as they die, whoever reaps them.
    func signalKill() {
        // Under the lock: `kill()` closes the descriptors, and a closed number may be reused at once.
        state.withLock { state in
            for fd in [state.initPidfd, state.launcher] where fd >= 0 { _ = nimbus_pidfd_signal(fd, SIGKILL) }
        }
    }

    /// SIGKILLs pid 1 (ending the pid namespace) and the launcher, reaps both, closes the pidfds. From here
    /// on the sandbox has exited for whoever asks (with the launcher's own status once it is reaped).
    func kill() {
        let (launcher, initPidfd, watch, provisional) = state.withLock { state -> (Int32, Int32, UInt64?, Bool) in
            defer {
                state.launcher = -1
                state.initPidfd = -1
                state.watch = nil
                state.exitStatus = state.exitStatus ?? SIGKILL  // the wait status of a SIGKILLed process
            }
            return (state.launcher, state.initPidfd, state.watch, state.exitStatus == nil)
        }
        // Before the pidfd is closed: a watched descriptor must stay open until it is unwatched.
        if let watch { DescriptorWatcher.shared.unwatch(watch) }
        for fd in [initPidfd, launcher] where fd >= 0 { _ = nimbus_pidfd_signal(fd, SIGKILL) }
        for fd in [launcher, initPidfd] where fd >= 0 {
            var status: Int32 = 0
            // Dying after SIGKILL takes milliseconds; stop waiting once the process is not ours to reap.
            var (reaped, waits) = (nimbus_pidfd_try_reap(fd, &status), 0)
            while reaped == 0, waits < 1000 {
                usleep(1000)
                (reaped, waits) = (nimbus_pidfd_try_reap(fd, &status), waits + 1)
            }
            if fd == launcher, reaped == 1, provisional { state.withLock { $0.exitStatus = status } }
            close(fd)
        }
    }
}
