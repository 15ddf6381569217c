import Foundation
import Synchronization

/// Per-function log files: `<directory>/<account>/<region>/<function>.log`, appended to after each
/// invocation, read by `nimbus logs`.
public final class FunctionLogs: Sendable {
    /// Root directory.
    public let directory: URL
    private let lock = Mutex(())

    /// Creates the store under `directory`.
    public init(directory: URL) { self.directory = directory }

    /// The log file of a function.
    public func file(account: String, region: String, function: String) -> URL {
        directory.appendingPathComponent(account).appendingPathComponent(region)
            .appendingPathComponent("\(function).log")
    }

    /// Appends one invocation's log.
    func append(_ bytes: [UInt8], account: String, region: String, function: String) {
        let url = file(account: account, region: region, function: function)
        lock.withLock { _ in
            try? FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            if !FileManager.default.fileExists(atPath: url.path) {
                FileManager.default.createFile(atPath: url.path, contents: nil)
            }
            guard let handle = try? FileHandle(forWritingTo: url) else { return }
            defer { try? handle.close() }
            _ = try? handle.seekToEnd()
            try? handle.write(contentsOf: Data(bytes))
        }
    }
}
