import Foundation
import Logging
import NIOCore
import NimbusAsync
import NimbusAuth
import NimbusCode
import NimbusControl
import NimbusHTTP
import NimbusInvoke
import NimbusQueue
import NimbusSandbox
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

    /// The cgroup scope of this data directory: servers on other data directories never touch its sandboxes.
    var cgroupScope: String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in configuration.dataDirectory.path.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return String(hash, radix: 16)
    }

    /// Where function logs live under a data directory.
    public static func functionLogs(dataDirectory: URL) -> FunctionLogs {
        FunctionLogs(directory: dataDirectory.appendingPathComponent("logs"))
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
        let randomSecret: @Sendable () -> [UInt8] = {
            var generator = SystemRandomNumberGenerator()
            return (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        }
        let secret = try await store.setting("code-url-secret", orInsert: randomSecret)
        let queues = QueueService(
            store: store, receiptSecret: try await store.setting("sqs-receipt-secret", orInsert: randomSecret))
        let signer = CodeLocationSigner(secret: secret, base: baseURL)
        let code = CodeArtifactStore(directory: configuration.codeDirectory)
        let shim = Self.sandboxShim(logger: logger)
        let control = ControlPlane(
            functions: store, mappings: store, code: code, limits: Self.accountLimits(logger: logger), urlBase: baseURL,
            allocatesProvisioned: shim != nil, codeLocation: { key, qualifier in signer.url(for: key, qualifier: qualifier) })
        let store = self.store
        let temporary = TemporaryCredentials()
        let apiPort = Mutex<Int?>(nil)
        let relayHost = ["0.0.0.0", "::", "localhost"].contains(configuration.host) ? "127.0.0.1" : configuration.host
        let api = NimbusAPIAccess(
            relay: APIRelayTarget(port: Self.sandboxAPIPort) {
                apiPort.withLock { $0 }.flatMap { try? SocketAddress(ipAddress: relayHost, port: $0) }
            },
            issue: { accountId in
                let entry = temporary.issue(accountId: accountId)
                let environment = [
                    "AWS_ACCESS_KEY_ID": entry.accessKeyId, "AWS_SECRET_ACCESS_KEY": entry.secretAccessKey,
                    "AWS_SESSION_TOKEN": entry.sessionToken,
                ]
                return (environment, { temporary.revoke(entry.accessKeyId) })
            })
        let authenticator = Authenticator(temporary: temporary) { accessKeyId in
            try await store.accessKey(id: accessKeyId).map { ($0.secretAccessKey, $0.accountId) }
        }
        let logs = FunctionLogs(directory: configuration.dataDirectory.appendingPathComponent("logs"))
        let invoker = shim.flatMap { shim in
            Self.makeInvoker(
                shim: shim, control: control, logs: logs, scope: cgroupScope,
                instances: configuration.instancesDirectory.path, api: api, logger: logger)
        }
        if invoker != nil { Self.makeTraversable(configuration.codeDirectory, logger: logger) }
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: QueueJanitor(queues: queues)), .init(service: WALCheckpointer(store: store, logger: logger)),
        ]
        var submitEvent: (@Sendable (AsyncEvent) async throws -> Void)?
        if let invoker {
            let (runner, submit) = AsyncEventRunner.make(
                store: store, control: control, invoker: invoker, policy: Self.asyncRetryPolicy(logger: logger),
                sendToQueue: { arn, message, sender in _ = try await queues.send(arn: arn, message, senderId: sender) },
                sandboxPatience: Self.eventPatience(logger: logger), logger: logger)
            services.append(.init(service: runner))
            services.append(.init(service: IdleReaper(invoker: invoker)))
            services.append(.init(service: InstanceFiller(invoker: invoker)))
            services.append(.init(service: ProvisionedWarmer(control: control, invoker: invoker, logger: logger)))
            submitEvent = submit
        }
        let responder = APIResponder(
            control: control, authenticator: authenticator, codeSigner: signer, invoker: invoker,
            submitEvent: submitEvent, queues: queues)
        let host = configuration.host
        let app = APIServer(
            responder: responder, host: host, port: configuration.port, logger: logger,
            onRunning: { port in
                base.withLock { $0 = "http://\(host):\(port)" }
                apiPort.withLock { $0 = port }
                await onRunning(port)
            })
        let group = ServiceGroup(
            configuration: .init(
                services: services + [.init(service: app)], gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        try await group.run()
        await invoker?.shutdown()
    }

    /// The port inside every sandbox that leads to the Nimbus API (`AWS_ENDPOINT_URL=http://127.0.0.1:9000`).
    static let sandboxAPIPort = 9000

    /// Lambda's asynchronous retry delays; `NIMBUS_ASYNC_RETRY_BASE` (seconds, default 60) shortens them for tests.
    static func asyncRetryPolicy(logger: Logger) -> AsyncRetryPolicy {
        let base = setting("NIMBUS_ASYNC_RETRY_BASE", "a positive number of seconds; using 60", logger: logger) {
            Double($0).flatMap { $0 > 0 ? $0 : nil }
        }
        return base.map { AsyncRetryPolicy(retryBase: $0, backoffStart: min(1, $0)) } ?? AsyncRetryPolicy()
    }

    /// How long an `Event` invocation waits for a busy sandbox of its version before another is started;
    /// `NIMBUS_EVENT_PATIENCE_MS` (milliseconds, default 100; 0 scales out at once, as synchronous invokes do).
    static func eventPatience(logger: Logger) -> Duration {
        let milliseconds = setting("NIMBUS_EVENT_PATIENCE_MS", "a whole number of milliseconds; using 100", logger: logger) {
            Int($0).flatMap { $0 >= 0 ? $0 : nil }
        }
        return milliseconds.map { .milliseconds($0) } ?? AsyncEventRunner.defaultSandboxPatience
    }

    /// An environment setting parsed by `parse`; nil when unset, and nil with a warning ("`name` must be
    /// `expectation`") when `parse` rejects it, so the caller's default applies either way.
    static func setting<T>(_ name: String, _ expectation: String, logger: Logger, parse: (String) -> T?) -> T? {
        guard let text = ProcessInfo.processInfo.environment[name] else { return nil }
        guard let value = parse(text) else {
            logger.warning("\(name) must be \(expectation)")
            return nil
        }
        return value
    }

    /// Sandboxes run as unprivileged uids that bwrap binds code from: the code directory gets o+x (traverse,
    /// no listing); an ancestor that others cannot traverse is reported, since Invoke would fail there.
    static func makeTraversable(_ codeDirectory: URL, logger: Logger) {
        try? FileManager.default.createDirectory(at: codeDirectory, withIntermediateDirectories: true)
        let files = FileManager.default
        func permissions(_ url: URL) -> Int? {
            (try? files.attributesOfItem(atPath: url.path))?[.posixPermissions] as? Int
        }
        for url in [codeDirectory.deletingLastPathComponent(), codeDirectory] {
            if let mode = permissions(url) {
                try? files.setAttributes([.posixPermissions: (mode & 0o7777) | 0o111], ofItemAtPath: url.path)
            }
        }
        var ancestor = codeDirectory.deletingLastPathComponent().deletingLastPathComponent()
        while ancestor.path != "/" {
            if let mode = permissions(ancestor), mode & 0o001 == 0 {
                logger.warning("sandboxes cannot reach code under \(ancestor.path) (no o+x); Invoke will fail")
                return
            }
            ancestor = ancestor.deletingLastPathComponent()
        }
    }

    /// The spawn shim, when this machine can run sandboxes (root, bubblewrap, cgroup v1, the shim itself).
    static func sandboxShim(logger: Logger) -> String? {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let shim = URL(fileURLWithPath: exe).deletingLastPathComponent().appendingPathComponent("nimbus-spawn").path
        guard getuid() == 0, FileManager.default.isExecutableFile(atPath: "/usr/bin/bwrap"),
            FileManager.default.isExecutableFile(atPath: shim),
            FileManager.default.fileExists(atPath: "/sys/fs/cgroup/memory")
        else {
            logger.warning("Invoke is disabled: sandboxes need root, /usr/bin/bwrap, cgroup v1 and \(shim)")
            return nil
        }
        return shim
    }

    /// The warm pool.
    static func makeInvoker(
        shim: String, control: ControlPlane, logs: FunctionLogs, scope: String, instances: String,
        api: NimbusAPIAccess, logger: Logger
    ) -> Invoker? {
        let driver = BubblewrapDriver(shim: shim, scope: scope)
        let stale = driver.sweepStale()
        if stale > 0 { logger.notice("removed \(stale) sandbox(es) left by a previous run") }
        let abandoned = driver.sweepAbandoned()
        if abandoned > 0 { logger.notice("removed \(abandoned) empty sandbox cgroup(s) abandoned by other servers") }
        // Task directories of a previous run's sandboxes: hard links only, the code store keeps the bytes.
        try? FileManager.default.removeItem(atPath: instances)
        guard mkdir(instances, 0o711) == 0 else {
            logger.warning("Invoke is disabled: cannot create \(instances) (errno \(errno))")
            return nil
        }
        let environment = ProcessInfo.processInfo.environment
        func runtimeDirectory(_ variable: String, _ fallback: String) -> String? {
            let path = environment[variable] ?? fallback
            return FileManager.default.fileExists(atPath: path) ? path : nil
        }
        let aliases = environment["NIMBUS_RUNTIME_ALIASES"].map(Self.pairs)
        for part in aliases?.malformed ?? [] { logger.warning("NIMBUS_RUNTIME_ALIASES: ignored '\(part)'") }
        let registry = RuntimeRegistry(
            pythonRuntime: runtimeDirectory("NIMBUS_PYTHON_RUNTIME", "/opt/nimbus/runtimes/python"),
            nodeRuntime: runtimeDirectory("NIMBUS_NODE_RUNTIME", "/opt/nimbus/runtimes/node"),
            aliases: aliases.map { Dictionary($0.pairs) { _, last in last } } ?? RuntimeRegistry.defaultAliases)
        for warning in registry.warnings { logger.warning("\(warning)") }
        var pool = Invoker.Configuration()
        if let seconds = environment["NIMBUS_IDLE_TIMEOUT"].flatMap(Int.init) { pool.idleTimeout = .seconds(seconds) }
        if let budget = environment["NIMBUS_MEMORY_BUDGET_MB"].flatMap(Int.init) { pool.memoryBudgetMB = budget }
        if let text = environment["NIMBUS_PREINITIALISED"] { pool.preinitialised = Self.counts(text) }
        if environment["NIMBUS_FORK_RUNTIMES"] == "0" { pool.forkRuntimes = false }
        pool.nimbusAPI = api
        return Invoker(
            driver: driver, registry: registry, configuration: pool, instancesDirectory: instances, logs: logs
        ) { version in
            control.taskDirectory(for: version)
        }
    }

    /// Lambda's account limits, with `NIMBUS_ACCOUNT_CONCURRENCY` concurrent executions per account and region
    /// when it is set (a whole number ≥ 1; anything else is a warning and the default of 1,000 stays).
    static func accountLimits(logger: Logger) -> AccountLimits {
        guard let text = ProcessInfo.processInfo.environment["NIMBUS_ACCOUNT_CONCURRENCY"] else { return .lambda }
        guard let count = Int(text.trimmingCharacters(in: .whitespaces)), count >= 1 else {
            logger.warning("NIMBUS_ACCOUNT_CONCURRENCY: '\(text)' is not a whole number of at least 1; 1000 applies")
            return .lambda
        }
        return .with(concurrentExecutions: count)
    }

    /// Parses `runtime=count,…` (e.g. `python3.11=4,nodejs20.x=0`); malformed parts are ignored.
    static func counts(_ text: String) -> [String: Int] {
        var counts: [String: Int] = [:]
        for (runtime, value) in pairs(text).pairs {
            if let count = Int(value), count >= 0 { counts[runtime] = count }
        }
        return counts
    }

    /// The `key=value` parts of a comma-separated list (e.g. `python3.12=python3.11`), trimmed, and the
    /// parts that are not that (no `=`, or an empty side).
    static func pairs(_ text: String) -> (pairs: [(String, String)], malformed: [String]) {
        var result: (pairs: [(String, String)], malformed: [String]) = ([], [])
        for part in text.split(separator: ",") where !part.allSatisfy(\.isWhitespace) {
            let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if pair.count == 2, !pair[0].isEmpty, !pair[1].isEmpty {
                result.pairs.append((pair[0], pair[1]))
            } else {
                result.malformed.append(part.trimmingCharacters(in: .whitespaces))
            }
        }
        return result
    }
}
