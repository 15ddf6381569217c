import Foundation
import Logging
import Synchronization

/// The server's log handler: one line per event, in swift-log's `StreamLogHandler` layout
/// (`<time> <level> <label>: <key=value …> [<source>] <message>`), written to a file descriptor with a
/// single `write(2)`.
///
/// It exists because the request log line is on every request's path: `StreamLogHandler` re-renders its
/// metadata each time a key is set (twice per request before the line is even logged) and formats the
/// time with `localtime`/`strftime` on every line. Here metadata is rendered once, when a line is
/// written, and the time text is reused for every line within the same second.
public struct LineLogHandler: LogHandler {
    /// Handler metadata, rendered only when a line is written.
    public var metadata: Logger.Metadata = [:]
    /// Lines below this level are dropped.
    public var logLevel: Logger.Level = .info
    private let label: String
    private let descriptor: Int32

    /// A handler named `label` writing to `descriptor` (standard error by default).
    public init(label: String, descriptor: Int32 = 2) {
        self.label = label
        self.descriptor = descriptor
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        if let error = event.error {
            merged["error.message"] = .string("\(error)")
            merged["error.type"] = .string(String(reflecting: type(of: error)))
        }
        var line = Self.clock.text(now: time(nil))
        line += " \(event.level)"
        if !label.isEmpty { line += " \(label)" }
        line += ":"
        for (key, value) in merged.sorted(by: { $0.key < $1.key }) {
            line += " \(key)=\(value)"
        }
        line += " [\(event.source)] \(event.message)\n"
        Self.write(line, to: descriptor)
    }

    /// Writes all of `line`, retrying short writes and interruptions; drops it on any other error
    /// (logging must never fail the caller).
    static func write(_ line: String, to descriptor: Int32) {
        var line = line
        line.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = Foundation.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if written > 0 {
                    offset += written
                } else if written < 0, errno == EINTR {
                    continue
                } else {
                    return
                }
            }
        }
    }

    /// The local time as `2026-11-27T07:24:05+0000`, formatted once per second.
    final class Clock: Sendable {
        private let last = Mutex<(second: Int, text: String)>((-1, ""))

        func text(now: time_t) -> String {
            if let cached = last.withLock({ $0.second == now ? $0.text : nil }) { return cached }
            var seconds = now
            var parts = tm()
            var buffer = [CChar](repeating: 0, count: 64)
            localtime_r(&seconds, &parts)
            let count = strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%S%z", &parts)
            let text = String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            last.withLock { $0 = (now, text) }
            return text
        }
    }

    static let clock = Clock()
}
