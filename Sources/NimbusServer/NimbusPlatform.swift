import Foundation
import Hummingbird
import Logging
import NimbusAuth
import NimbusCode
import NimbusControl
import NimbusHTTP
import NimbusModel
import NimbusStore
import ServiceLifecycle
import UnixSignals
import Synchronization

/// The composition root: opens the store and artifact directory, wires the control plane, the
/// authenticator and the HTTP front end, and runs them in one `ServiceGroup`.
public struct NimbusPlatform: Sendable {
    /// The configuration.
    public let configuration: ServerConfiguration
    /// The store.
    public let store: SQLiteStore

    /// Opens the data directory (creating it) and its database.
    public init(configuration: ServerConfiguration) throws {
        self.configuration = configuration
        try FileManager.default.createDirectory(at: configuration.dataDirectory, withIntermediateDirectories: true)
        self.store = try SQLiteStore(path: configuration.databasePath)
    }

    /// Opens only the store, for the `accounts` commands.
    public static func openStore(dataDirectory: URL) throws -> SQLiteStore {
        try FileManager.default.createDirectory(at: dataDirectory, withIntermediateDirectories: true)
        return try SQLiteStore(path: ServerConfiguration(dataDirectory: dataDirectory).databasePath)
    }

    /// On an empty data directory, creates the `default` account and returns the quick-start text.
    public func quickStart() async throws -> String? {
        guard try await store.accounts().isEmpty else { return nil }
        let (account, key) = try await store.createAccount(name: "default", accountId: nil)
        let endpoint = "http://\(configuration.host):\(configuration.port)"
        return """
            Nimbus: this data directory was empty, so a default account was created (\(account.accountId)).
            Use it with the aws CLI or boto3:

                export AWS_ACCESS_KEY_ID=\(key.accessKeyId)
                export AWS_SECRET_ACCESS_KEY=\(key.secretAccessKey)
                export AWS_DEFAULT_REGION=us-east-1
                export AWS_ENDPOINT_URL=\(endpoint)

            More accounts: nimbus accounts create NAME --data-dir \(configuration.dataDirectory.path)
            """
    }

    /// Runs the server until SIGTERM/SIGINT. `onRunning` receives the bound port.
    public func run(logger: Logger, onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        let base = Mutex("http://\(configuration.host):\(configuration.port)")
        let baseURL: @Sendable () -> String = { base.withLock { $0 } }
        let secret = try await store.setting("code-url-secret") {
            var generator = SystemRandomNumberGenerator()
            return (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        }
        let signer = CodeLocationSigner(secret: secret, base: baseURL)
        let code = CodeArtifactStore(directory: configuration.codeDirectory)
        let control = ControlPlane(
            functions: store, mappings: store, code: code, urlBase: baseURL,
            codeLocation: { key, qualifier in signer.url(for: key, qualifier: qualifier) })
        let store = self.store
        let authenticator = Authenticator { accessKeyId in
            try await store.accessKey(id: accessKeyId).map { ($0.secretAccessKey, $0.accountId) }
        }
        let responder = APIResponder(control: control, authenticator: authenticator, codeSigner: signer)
        let host = configuration.host
        let app = Application(
            responder: responder,
            configuration: .init(address: .hostname(host, port: configuration.port), serverName: "nimbus"),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                base.withLock { $0 = "http://\(host):\(port)" }
                await onRunning(port)
            },
            logger: logger)
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: app)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}
