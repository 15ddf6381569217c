import CNimbusLinux
import Foundation
import Synchronization

/// The host processes of a sandbox, held by pidfd: the outer bwrap (our child), the sandbox's pid 1
/// (reparented to us, the subreaper, when bwrap exits) and, when the runtime was forked in by a
/// `ForkServer`, the runtime (reparented to us when its forker exits). Signals and reaping go through the
/// pidfds, so a pid reused by an unrelated process is never touched. The sandbox has exited when its
/// runtime has: the forked runtime when there is one, else the launcher (bwrap ends with its command).
final class SandboxProcesses: Sendable {
    private struct State {
        var launcher: Int32
        var initPidfd: Int32 = -1
        /// The forked runtime (-1: the runtime is bwrap's command).
        var runtime: Int32 = -1
        var exitStatus: Int32?
        /// The launcher's pidfd registration with the `DescriptorWatcher`.
        var watch: UInt64?
        /// The process whose exit is the sandbox's: the forked runtime, else the launcher.
        var exitSource: Int32 { runtime >= 0 ? runtime : launcher }
    }

    private let state: Mutex<State>

    init(launcher: Int32) { state = Mutex(State(launcher: launcher)) }

    func adopt(initPidfd: Int32) { state.withLock { $0.initPidfd = initPidfd } }

    /// Takes a forked runtime's pidfd (before anyone watches for the exit).
    func adopt(runtimePidfd: Int32) { state.withLock { $0.runtime = runtimePidfd } }

    /// The runtime's wait status once it has exited (reaped on first sight), else nil.
    func exitStatus() -> Int32? {
        state.withLock { state in
            if let status = state.exitStatus { return status }
            var status: Int32 = 0
            guard state.exitSource >= 0, Self.reap(state.exitSource, &status, forked: state.runtime >= 0) else {
                return nil
            }
            state.exitStatus = status
            return status
        }
    }

    /// Reaps an exited process. A forked runtime that exits before its forker has is not our child yet for
    /// the moment the forker takes to exit: once its pidfd says it has exited, wait for that (bounded).
    private static func reap(_ pidfd: Int32, _ status: inout Int32, forked: Bool) -> Bool {
        var result = nimbus_pidfd_try_reap(pidfd, &status)
        var waits = 0
        while forked, result == -ECHILD, waits < 200, nimbus_fd_readable(pidfd, 0) == 1 {
            usleep(250)
            result = nimbus_pidfd_try_reap(pidfd, &status)
            waits += 1
        }
        return result == 1
    }

    /// Calls `handler` once, on the `DescriptorWatcher`'s thread, when the runtime exits (its pidfd turns
    /// readable); no polling. Not after `kill()`.
    func onExit(_ handler: @escaping @Sendable () -> Void) {
        state.withLock { state in
            guard state.exitSource >= 0, state.watch == nil else { return }
            state.watch = DescriptorWatcher.shared.watch(state.exitSource, once: true) {
                handler()
                return false
            }
        }
    }

    /// SIGKILLs pid 1, the forked runtime and the launcher without waiting for them (`kill()` reaps them later): their memory
    /// is freed as soon as they die, whoever reaps them.
    func signalKill() {
        // Under the lock: `kill()` closes the descriptors, and a closed number may be reused at once.
        state.withLock { state in
            for fd in [state.initPidfd, state.runtime, state.launcher] where fd >= 0 {
                _ = nimbus_pidfd_signal(fd, SIGKILL)
            }
        }
    }

    /// SIGKILLs pid 1 (ending the pid namespace), the runtime and the launcher, reaps them, closes the
    /// pidfds. From here on the sandbox has exited for whoever asks (with the runtime's own status once it is
    /// reaped).
    func kill() {
        let (launcher, initPidfd, runtime, statusSource, watch, provisional) = state.withLock {
            state -> (Int32, Int32, Int32, Int32, UInt64?, Bool) in
            defer {
                state.launcher = -1
                state.initPidfd = -1
                state.runtime = -1
                state.watch = nil
                state.exitStatus = state.exitStatus ?? SIGKILL  // the wait status of a SIGKILLed process
            }
            return (state.launcher, state.initPidfd, state.runtime, state.exitSource, state.watch, state.exitStatus == nil)
        }
        // Before the pidfd is closed: a watched descriptor must stay open until it is unwatched.
        if let watch { DescriptorWatcher.shared.unwatch(watch) }
        for fd in [initPidfd, runtime, launcher] where fd >= 0 { _ = nimbus_pidfd_signal(fd, SIGKILL) }
        for fd in [launcher, runtime, initPidfd] where fd >= 0 {
            var status: Int32 = 0
            let reaped = Self.reapKilled(fd, &status)
            if fd == statusSource, reaped == 1, provisional { state.withLock { $0.exitStatus = status } }
            close(fd)
        }
    }

    /// Waits (up to 1 s, polled) for a SIGKILLed process to die and reaps it: dying takes milliseconds.
    /// Stops at once when the process is not ours to reap. `nimbus_pidfd_try_reap`'s answer.
    static func reapKilled(_ pidfd: Int32, _ status: inout Int32) -> Int32 {
        var (reaped, waits) = (nimbus_pidfd_try_reap(pidfd, &status), 0)
        while reaped == 0, waits < 1000 {
            usleep(1000)
            (reaped, waits) = (nimbus_pidfd_try_reap(pidfd, &status), waits + 1)
        }
        return reaped
    }
}
