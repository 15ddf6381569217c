import NimbusModel
import NimbusSandbox

/// How a pre-initialised instance's runtime waits before any function is known, and how it is then told
/// which function it runs: one JSON document `{"env": {...}, "argv": [...]}` on fd 3
/// (`BubblewrapCommand.FD.config`), after the function's code has been linked into `/var/task`.
enum Zygote: String, Hashable, Sendable {
    /// Python with awslambdaric already imported; applies the environment in-process and runs the handler.
    case python
    /// Node.js with Nimbus's bootstrap loaded; applies the environment in-process.
    case node
    /// A small waiter that execs the function's command with its environment: custom runtimes, and any
    /// function whose environment changes how its interpreter starts.
    case exec

    /// What the instance runs while it waits. `launch` is the runtime's own command (used by `.node`).
    func command(_ launch: RuntimeRegistry.Launch) -> [String] {
        switch self {
        case .python: return ["/usr/bin/python3", "-S", "-c", Self.pythonWaiter]
        case .node: return launch.command
        case .exec: return ["/usr/bin/python3", "-S", "-E", "-c", Self.execWaiter]
        }
    }

    /// Whether a function with this environment can be configured in-process: variables an interpreter
    /// reads only when it starts (or awslambdaric reads when imported) need a fresh exec.
    func acceptsInProcess(_ functionVariables: [String: String]) -> Bool {
        let startup: [String]
        switch self {
        case .python: startup = ["PYTHON", "LD_", "AWS_LAMBDA_LOG_", "_"]
        case .node: startup = ["NODE_", "UV_", "LD_", "_"]
        case .exec: return true
        }
        return !functionVariables.keys.contains { key in startup.contains { key.hasPrefix($0) } }
    }

    /// The document a waiting runtime reads.
    static func configuration(environment: [String: String], argv: [String]) -> [UInt8] {
        let env = JSONValue.object(environment.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })
        let document = JSONValue.object([("env", env), ("argv", .array(argv.map { .string($0) }))])
        return document.jsonBytes
    }

    /// What every sandboxed Python runs first. Python is started with `-S`, so the host's site directories
    /// (Debian's `dist-packages`, and the `.pth` hooks in them) are neither on `sys.path` nor run: as on Lambda,
    /// a function imports its own code, the runtime's packages (awslambdaric, boto3) and the standard library.
    /// `site`'s builtins (`exit`, `quit`, `help`, `copyright`, `credits`, `license`) are still set up.
    static let pythonPrelude = """
        import site
        site.setquit(); site.setcopyright(); site.sethelper()
        """

    /// How a Python function that cannot use a waiting interpreter starts: the prelude, then awslambdaric
    /// with the handler as its argument (`sys.argv` is `["-c", handler]`).
    static let pythonStart = pythonPrelude + """

        import sys
        from awslambdaric.__main__ import main
        main(sys.argv)
        """

    /// Imports awslambdaric (the expensive part of a Python cold start), then waits for its function.
    static let pythonWaiter = pythonPrelude + pythonImports + pythonRun

    /// What a waiting Python runtime imports and warms up before any function is known (also the state a
    /// forked one is copied from: `pythonForkServer`).
    static let pythonImports = """

        import json, os, sys
        import awslambdaric.__main__ as ric
        # What awslambdaric imports lazily on its first run and invocation.
        import awslambdaric.lambda_literals, awslambdaric.lambda_runtime_hooks_runner, concurrent.futures.thread, http
        # The handler's module is compiled from source (/var/task is read-only: no bytecode cache), and the
        # first compile() in a process costs ≈ 2 ms more than any later one: pay it while waiting.
        compile("def handler(event, context):\\n    return {'k': [event, context]}\\n", "<nimbus>", "exec")

        """

    /// What a waiting Python runtime does in its sandbox: warm up its connection to the Runtime API, wait
    /// for its function's configuration on fd 3, apply it and run awslambdaric.
    static let pythonRun = """
        # awslambdaric's HTTP client (curl) pays for its first request and its first connection: post a
        # result for the warm-up id, which the Runtime API accepts and forgets before the first /next; the
        # connection stays open for /next (an error answer would make the client close it).
        try:
            from awslambdaric.lambda_runtime_client import runtime_client
            runtime_client.post_invocation_result("nimbus-warm-up", b"{}", "application/json", None)
        except Exception:
            pass
        # For python3.12 and later identifiers awslambdaric waits for each /next on a new worker thread; the
        # first thread a process starts costs ≈ 0.5 ms more than the next ones: start one now.
        with concurrent.futures.thread.ThreadPoolExecutor(max_workers=1) as executor:
            executor.submit(int).result()
        with os.fdopen(3, "rb") as pipe:
            config = json.loads(pipe.read())
        env = config["env"]
        for key in [key for key in os.environ if key not in env]:
            del os.environ[key]
        os.environ.update(env)
        # The import system listed /var/task (the working directory) while it was empty: forget that listing.
        for entry in ("", "/var/task"):
            finder = sys.path_importer_cache.get(entry)
            if finder is not None:
                finder.invalidate_caches()
        sys.argv = config["argv"]
        ric.main(config["argv"])
        """

    /// Waits for its function, then execs the command.
    static let execWaiter = """
        import json, os, sys
        with os.fdopen(3, "rb") as pipe:
            config = json.loads(pipe.read())
        try:
            os.execve(config["argv"][0], config["argv"], config["env"])
        except OSError as error:
            print(f"nimbus: cannot run {config['argv'][0]}: {error.strerror}", file=sys.stderr, flush=True)
            os._exit(127)
        """
}
