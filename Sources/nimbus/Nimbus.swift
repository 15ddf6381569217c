import ArgumentParser
import Foundation
import Logging
import NimbusInvoke
import NimbusServer
import NimbusModel
import NimbusStore

/// `nimbus`: a self-hosted, Lambda-compatible code execution service.
@main
struct Nimbus: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nimbus",
        abstract: "A self-hosted, AWS-Lambda-compatible code execution service.",
        subcommands: [Serve.self, Accounts.self, Logs.self, Events.self])
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
            var handler = LineLogHandler(label: label)
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
            } catch let error as any CustomStringConvertible {
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

/// `nimbus logs FUNCTION [--follow]`: a function's invocation logs (START / output / END / REPORT).
struct Logs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print a function's invocation logs.")
    @Argument(help: "Function name.") var function: String
    @Option(name: .customLong("account-id"), help: "Owning account (needed when several accounts have the name).")
    var accountId: String?
    @Option(help: "Region.") var region = "us-east-1"
    @Flag(help: "Keep printing new lines as they arrive.") var follow = false
    @Option(name: .customLong("data-dir"), help: "Data directory.") var dataDir: String?

    func run() async throws {
        let logs = NimbusPlatform.functionLogs(dataDirectory: ServerConfiguration.dataDirectory(dataDir))
        let accounts = try accountId.map { [$0] } ?? FileManager.default.contentsOfDirectory(atPath: logs.directory.path)
        let files = accounts.map { logs.file(account: $0, region: region, function: function) }
            .filter { FileManager.default.fileExists(atPath: $0.path) }
        guard files.count == 1, let file = files.first else {
            throw ValidationError(
                files.isEmpty ? "no logs for \(function) in \(region)" : "several accounts have \(function); pass --account-id")
        }
        let handle = try FileHandle(forReadingFrom: file)
        defer { try? handle.close() }
        while true {
            if let data = try handle.readToEnd(), !data.isEmpty {
                FileHandle.standardOutput.write(data)
            }
            guard follow else { return }
            try await Task.sleep(for: .milliseconds(250))
        }
    }
}

/// `nimbus events redrive`: re-submits the messages of a dead-letter queue to a function as `Event`
/// invocations (works while the server runs; it picks them up within a second).
struct Events: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Work with asynchronous invocations.", subcommands: [Redrive.self])

    struct Redrive: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Move a queue's messages (e.g. a function's dead letters) back to a function as Event invocations.")
        @Option(help: "The queue holding the dead letters (name).") var queue: String
        @Option(help: "The function to run them (name).") var function: String
        @Option(help: "Qualifier (version or alias).") var qualifier: String?
        @Option(name: .customLong("account-id"), help: "Account owning the queue and the function.") var accountId: String
        @Option(help: "Region.") var region = "us-east-1"
        @Option(help: "At most this many messages.") var limit = 100_000
        @Option(name: .customLong("data-dir"), help: "Data directory.") var dataDir: String?

        func run() async throws {
            let store = try NimbusPlatformStore.open(dataDir)
            guard let queueRecord = try await store.queue(accountId: accountId, region: region, name: queue) else {
                throw ValidationError("no queue \(queue) in account \(accountId) (\(region))")
            }
            guard try await store.function(FunctionKey(accountId: accountId, region: region, name: function)) != nil else {
                throw ValidationError("no function \(function) in account \(accountId) (\(region))")
            }
            let moved = try await store.redriveMessages(
                queueId: queueRecord.id, toFunction: function, qualifier: qualifier, accountId: accountId,
                region: region, limit: limit)
            try printJSON(["redriven": moved])
        }
    }
}
