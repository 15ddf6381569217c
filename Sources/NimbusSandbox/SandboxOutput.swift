import Foundation
import Synchronization

/// What a sandbox writes to stdout and stderr, read continuously from a pipe (so a chatty function never
/// blocks on a full pipe) and handed out per invocation with `take()`. Keeps at most `limit` bytes.
public final class SandboxOutput: Sendable {
    private let fd: Int32
    private let limit: Int
    private let buffer = Mutex<[UInt8]>([])
    nonisolated(unsafe) private let source: any DispatchSourceRead

    /// Starts reading the pipe's read end `fd` (made non-blocking; closed by `close()`).
    init(fd: Int32, limit: Int = 1_048_576) {
        self.fd = fd
        self.limit = limit
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: .global())
        source.setEventHandler { [weak self] in self?.drain() }
        source.setCancelHandler { Glibc.close(fd) }
        source.resume()
    }

    /// Reads what the pipe holds (twice per invocation, mostly finding nothing: the chunk is not zeroed).
    private func drain() {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 16_384) { chunk in
            while true {
                let n = read(fd, chunk.baseAddress, chunk.count)
                guard n > 0 else { return }
                buffer.withLock { buffer in
                    buffer.append(contentsOf: chunk[0..<n])
                    if buffer.count > limit { buffer.removeFirst(buffer.count - limit) }
                }
            }
        }
    }

    /// Everything written since the last call.
    public func take() -> [UInt8] {
        drain()
        return buffer.withLock { buffer in
            defer { buffer.removeAll(keepingCapacity: true) }
            return buffer
        }
    }

    /// Stops reading and closes the pipe.
    func close() { source.cancel() }
}
