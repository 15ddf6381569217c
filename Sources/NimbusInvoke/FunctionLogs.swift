import Foundation
import NimbusSandbox
import Synchronization

/// Per-function log files: `<directory>/<account>/<region>/<function>.log`, appended to after each
/// invocation, read by `nimbus logs`.
public final class FunctionLogs: Sendable {
    /// Root directory.
    public let directory: URL
    /// Open append-only descriptors by file path (bounded; the oldest is closed past `openLimit`).
    private let open = Mutex<(fds: [String: Int32], order: [String])>(([:], []))
    private let openLimit = 256
    /// `directory` as a path, computed once (`URL.path` is not free and appends run on every invocation).
    private let root: String

    /// Creates the store under `directory`.
    public init(directory: URL) {
        self.directory = directory
        self.root = directory.path
    }

    deinit {
        open.withLock { state in for fd in state.fds.values { close(fd) } }
    }

    /// The log file of a function.
    public func file(account: String, region: String, function: String) -> URL {
        directory.appendingPathComponent(account).appendingPathComponent(region)
            .appendingPathComponent("\(function).log")
    }

    /// Appends one invocation's log (one `write` on an `O_APPEND` descriptor kept open).
    func append(_ bytes: [UInt8], account: String, region: String, function: String) {
        let path = "\(root)/\(account)/\(region)/\(function).log"
        open.withLock { state in
            var fd = state.fds[path] ?? -1
            if fd < 0 {
                _ = TaskTree.makeDirectories(String(path[..<path.lastIndex(of: "/")!]))
                fd = Glibc.open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
                guard fd >= 0 else { return }
                if state.order.count >= openLimit, let oldest = state.order.first {
                    state.order.removeFirst()
                    if let old = state.fds.removeValue(forKey: oldest) { close(old) }
                }
                state.fds[path] = fd
                state.order.append(path)
            }
            bytes.withUnsafeBytes { raw in
                var offset = 0
                while offset < raw.count {
                    let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
                    if n < 0, errno == EINTR { continue }
                    guard n > 0 else { return }
                    offset += n
                }
            }
        }
    }
}
