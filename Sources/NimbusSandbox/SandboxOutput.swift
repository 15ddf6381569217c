import Foundation
import Synchronization

/// What a sandbox writes to stdout and stderr, read continuously from a pipe (so a chatty function never
/// blocks on a full pipe) and handed out per invocation with `take()`. Keeps at most `limit` bytes.
public final class SandboxOutput: Sendable {
    private let pipe: Pipe
    /// The pipe's registration with the watcher (nil: it could not be watched; `take()` still reads it).
    private let token: UInt64?

    /// Starts reading the pipe's read end `fd` (made non-blocking; closed by `close()`).
    init(fd: Int32, limit: Int = 1_048_576) {
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        let pipe = Pipe(fd: fd, limit: limit)
        self.pipe = pipe
        // A few chunks per wakeup: the watcher serves every sandbox, and a function that writes without pause
        // must not hold it (the descriptor is level-triggered, so the rest is reported again).
        token = DescriptorWatcher.shared.watch(fd) { pipe.drain(chunks: 4) }
    }

    deinit { close() }

    /// Everything written since the last call.
    public func take() -> [UInt8] {
        _ = pipe.drain(chunks: pipe.limit / Pipe.chunk + 1)
        return pipe.state.withLock { state in
            defer { state.bytes.removeAll(keepingCapacity: true) }
            return state.bytes
        }
    }

    /// Stops reading and closes the pipe (once).
    func close() {
        if let token { DescriptorWatcher.shared.unwatch(token) }
        pipe.close()
    }

    /// The pipe's read end (-1 once closed) and what was read from it. Reads and the close happen under
    /// one lock, so a late read never reaches a descriptor number the process has reused since.
    private final class Pipe: Sendable {
        let state: Mutex<(fd: Int32, bytes: [UInt8])>
        let limit: Int

        init(fd: Int32, limit: Int) {
            state = Mutex((fd, []))
            self.limit = limit
        }

        static let chunk = 16_384

        /// Reads what the pipe holds, up to `chunks` reads (twice per invocation, mostly finding nothing: the
        /// chunk is not zeroed). False once the pipe is closed or every writer has gone (nothing more will
        /// come).
        func drain(chunks: Int) -> Bool {
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: Self.chunk) { chunk in
                state.withLock { state in
                    for _ in 0..<chunks where state.fd >= 0 {
                        let n = read(state.fd, chunk.baseAddress, chunk.count)
                        if n < 0, errno == EINTR { continue }
                        guard n > 0 else { return n < 0 && errno == EAGAIN }
                        state.bytes.append(contentsOf: chunk[0..<n])
                        if state.bytes.count > limit { state.bytes.removeFirst(state.bytes.count - limit) }
                    }
                    return state.fd >= 0
                }
            }
        }

        func close() {
            state.withLock { state in
                if state.fd >= 0 { Glibc.close(state.fd) }
                state.fd = -1
            }
        }
    }
}
