import Foundation

/// How `nimbus serve` is set up.
public struct ServerConfiguration: Sendable {
    /// Address to bind.
    public var host: String
    /// Port to bind (0 picks a free one).
    public var port: Int
    /// Data directory (database, code artifacts).
    public var dataDirectory: URL

    /// Creates a configuration.
    public init(host: String = "127.0.0.1", port: Int = 9000, dataDirectory: URL) {
        self.host = host
        self.port = port
        self.dataDirectory = dataDirectory
    }

    /// The SQLite database path.
    public var databasePath: String { dataDirectory.appendingPathComponent("nimbus.sqlite").path }
    /// The code artifact directory.
    public var codeDirectory: URL { dataDirectory.appendingPathComponent("code", isDirectory: true) }
    /// Task directories of running sandboxes (function code hard-linked in); emptied at start-up.
    public var instancesDirectory: URL { dataDirectory.appendingPathComponent("instances", isDirectory: true) }

    /// The data directory from a flag, `NIMBUS_DATA_DIR`, or `./.nimbus`.
    public static func dataDirectory(_ flag: String?) -> URL {
        let path = flag ?? ProcessInfo.processInfo.environment["NIMBUS_DATA_DIR"] ?? ".nimbus"
        return URL(fileURLWithPath: path, isDirectory: true).standardizedFileURL
    }
}
