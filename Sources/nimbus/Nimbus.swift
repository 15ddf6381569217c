import ArgumentParser
import Foundation
import Logging
import NimbusServer
import NimbusModel
import NimbusStore

/// `nimbus`: a self-hosted, Lambda-compatible code execution service.
@main
struct Nimbus: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nimbus",
        abstract: "A self-hosted, AWS-Lambda-compatible code execution service.",
        subcommands: [Serve.self, Accounts.self])
}

/// `nimbus serve`.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the Nimbus server.")

    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on (0 picks a free port).") var port = 9000
    @Option(name: .customLong("data-dir"), help: "Data directory (default $NIMBUS_DATA_DIR or ./.nimbus).")
    var dataDir: String?
    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String?

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel ?? ProcessInfo.processInfo.environment["NIMBUS_LOG_LEVEL"] ?? "info") ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "nimbus")
        let platform = try NimbusPlatform(
            configuration: ServerConfiguration(
                host: host, port: port, dataDirectory: ServerConfiguration.dataDirectory(dataDir)))
        if let text = try await platform.quickStart() {
            print(text)
        }
        try await platform.run(logger: logger) { port in
            print("Nimbus listening on http://\(host):\(port)")
            fflush(nil)
        }
    }
}

/// `nimbus accounts`.
struct Accounts: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage accounts (works while the server runs on the same data directory).",
        subcommands: [Create.self, List.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an account and print its access key.")
        @Argument(help: "Account name.") var name: String
        @Option(name: .customLong("account-id"), help: "12-digit account id (random when omitted).")
        var accountId: String?
        @Option(name: .customLong("data-dir"), help: "Data directory.") var dataDir: String?

        func run() async throws {
            let store = try NimbusPlatformStore.open(dataDir)
            do {
                let (account, key) = try await store.createAccount(name: name, accountId: accountId)
                try printJSON([
                    "AccountId": account.accountId, "AccessKeyId": key.accessKeyId,
                    "SecretAccessKey": key.secretAccessKey,
                ])
            } catch let error as CustomStringConvertible {
                throw ValidationError(error.description)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List accounts as JSON.")
        @Option(name: .customLong("data-dir"), help: "Data directory.") var dataDir: String?

        func run() async throws {
            let store = try NimbusPlatformStore.open(dataDir)
            let formatter = ISO8601DateFormatter()
            let accounts = try await store.accounts().map {
                ["AccountId": $0.accountId, "Name": $0.name, "CreatedAt": formatter.string(from: $0.createdAt)]
            }
            try printJSON(accounts)
        }
    }
}

enum NimbusPlatformStore {
    static func open(_ dataDir: String?) throws -> SQLiteStore {
        try NimbusPlatform.openStore(dataDirectory: ServerConfiguration.dataDirectory(dataDir))
    }
}

func printJSON(_ value: some Encodable) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}
