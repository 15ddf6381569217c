import NimbusModel

/// Maps Lambda runtime identifiers to what is installed: the command the sandbox runs and the read-only
/// runtime directory bound at `/var/runtime`. Identifiers whose exact interpreter is missing may be
/// mapped to an installed one by configuration; each such mapping is reported as a start-up warning.
public struct RuntimeRegistry: Sendable {
    /// How one runtime family starts.
    public struct Launch: Sendable, Equatable {
        /// The installed runtime that serves (e.g. `python3.11` also for an aliased `python3.12`).
        public var name: String
        /// Host directory bound read-only at `/var/runtime` (nil: none).
        public var runtimeDirectory: String?
        /// Command inside the sandbox; `{handler}` is replaced by the function's handler.
        public var command: [String]
        /// Extra environment.
        public var environment: [String: String]
        /// Set `AWS_EXECUTION_ENV` (managed runtimes only).
        public var managed: Bool
        /// How a pre-initialised instance of this runtime waits for its function.
        var zygote: Zygote
    }

    var launches: [String: Launch]
    /// Start-up warnings (runtimes served by a different installed interpreter).
    public private(set) var warnings: [String] = []

    /// Identifiers served by another installed runtime unless configuration says otherwise.
    public static let defaultAliases = ["python3.12": "python3.11", "python3.13": "python3.11", "python3.14": "python3.11"]

    /// The registry for this machine: Debian's python 3.11 with awslambdaric under `pythonRuntime`, node 20
    /// with Nimbus's bootstrap under `nodeRuntime`, and `provided` runtimes running the function's bootstrap.
    /// `aliases` maps identifiers without their own interpreter to an installed one (e.g. python3.12 → python3.11);
    /// every mapping, and every one that cannot be made, is a start-up warning.
    public init(pythonRuntime: String?, nodeRuntime: String?, aliases: [String: String] = Self.defaultAliases) {
        var launches: [String: Launch] = [
            "provided.al2023": Self.provided,
            "provided.al2": Self.provided,
        ]
        if let pythonRuntime {
            launches["python3.11"] = Launch(
                name: "python3.11", runtimeDirectory: pythonRuntime,
                command: ["/usr/bin/python3", "-S", "-c", Zygote.pythonStart, "{handler}"],
                environment: ["PYTHONPATH": "/var/runtime:/var/task", "PYTHONUNBUFFERED": "1"], managed: true,
                zygote: .python)
        }
        if let nodeRuntime {
            launches["nodejs20.x"] = Launch(
                name: "nodejs20.x", runtimeDirectory: nodeRuntime, command: ["/usr/bin/node", "/var/runtime/bootstrap.js"],
                environment: ["NODE_PATH": "/var/task/node_modules"], managed: true, zygote: .node)
        }
        let installed = launches
        for (alias, target) in aliases.sorted(by: { $0.key < $1.key }) {
            if installed[alias] != nil {
                warnings.append("runtime \(alias) is installed; its mapping to \(target) is ignored")
            } else if let launch = installed[target] {
                launches[alias] = launch
                warnings.append("runtime \(alias) is not installed; it is served by \(target)")
            } else {
                warnings.append("runtime \(alias) is not served: it is mapped to \(target), which is not installed")
            }
        }
        self.launches = launches
    }

    static let provided = Launch(
        name: "provided", runtimeDirectory: nil, command: ["/var/task/bootstrap"], environment: [:], managed: false,
        zygote: .exec)

    /// How `runtime` starts, or nil when nothing installed serves it.
    public func launch(for runtime: String) -> Launch? { launches[runtime] }
}
