import Foundation
import NimbusSandbox

extension Zygote {
    /// The fork server of a runtime whose instances are forked from one initialised interpreter rather than
    /// started in each sandbox (Python), or nil. Its process is root on the host and runs only Nimbus's code
    /// and the runtime directory's: no function code ever runs in it. So the runtime directory must be
    /// root's and writable by no one else, and the interpreter runs isolated (`-I`: no environment
    /// variable, working directory or user site shapes what it imports).
    static func forkServer(for launch: RuntimeRegistry.Launch) -> ForkServer? {
        guard launch.zygote == .python, let runtime = launch.runtimeDirectory, ownedByRoot(runtime) else { return nil }
        return ForkServer(
            command: ["/usr/bin/python3", "-I", "-S", "-u", "-c", pythonForkServer, runtime],
            environment: SandboxEnvironment.waiting(launch: launch))
    }

    /// Whether `path` is a directory owned by root that only root may write to.
    static func ownedByRoot(_ path: String) -> Bool {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path) else { return false }
        return attributes[.type] as? FileAttributeType == .typeDirectory
            && (attributes[.ownerAccountID] as? NSNumber)?.intValue == 0
            && ((attributes[.posixPermissions] as? NSNumber)?.intValue ?? 0o777) & 0o022 == 0
    }

    /// The Python fork server (see `ForkServer` for the protocol): the waiter's imports and warm-ups, done
    /// once, then a loop that forks a runtime into each sandbox it is sent. The runtime leaves the loop and
    /// goes on as a waiter does in its own sandbox (`pythonRun`).
    ///
    /// It starts with the waiting environment, which the isolated interpreter keeps in `os.environ` without
    /// acting on it; the runtime directory (its argument) is the one path it adds. A forked runtime sets
    /// `sys.path` as `PYTHONPATH` would have, and renames the modules imported from the runtime directory to
    /// their `/var/runtime` names (their compiled code keeps the host's file names). `-u` stands for the
    /// waiting environment's `PYTHONUNBUFFERED`.
    static let pythonForkServer = pythonPrelude + """

        import sys
        sys.path.insert(0, sys.argv[1])
        """ + pythonImports + """
        import ctypes, resource, signal, socket

        _libc = ctypes.CDLL(None, use_errno=True)
        _libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]

        def _call(result, what):
            if result != 0:
                error = ctypes.get_errno()
                raise OSError(error, f"{what}: {os.strerror(error)}")

        class _CapHeader(ctypes.Structure):
            _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]

        class _CapData(ctypes.Structure):
            _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]

        class _Program(ctypes.Structure):
            _fields_ = [("length", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

        _LAST_CAP = int(open("/proc/sys/kernel/cap_last_cap").read())
        # CLONE_NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET: every namespace of the sandbox.
        _NAMESPACES = 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 | 0x40000000
        # It ends when nimbus serve closes its socket (at exit too); ^C in nimbus serve's terminal is not for it.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        os.chdir("/")

        def _enter(request, pidfd, config, output, seccomp, report):
            # The forker: still root on the host. It takes the sandbox's cgroups, namespaces, root and ids,
            # forks the runtime, reports the runtime's pid and exits (the runtime is reparented to Nimbus).
            try:
                _call(_libc.prctl(1, signal.SIGKILL, 0, 0, 0), "PR_SET_PDEATHSIG")  # a stuck forker ends with us
                if os.getppid() != _server_pid:
                    os._exit(1)
                os.setgroups([])
                for tasks in request["tasks"]:
                    with open(tasks, "w") as file:
                        file.write("0\\n")
                resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
                root = os.open("/proc/%d/root" % request["pid"], os.O_RDONLY | os.O_DIRECTORY)
                # Through the pidfd: had pid 1 died (and its pid been reused), this fails rather than enter
                # another process's namespaces; the root opened above was its own if it is still alive now.
                _call(_libc.setns(pidfd, _NAMESPACES), "setns")
                os.fchdir(root)
                _call(_libc.chroot(b"."), "chroot")
                os.close(root)
                os.setresgid(request["gid"], request["gid"], request["gid"])
                os.setresuid(request["uid"], request["uid"], request["uid"])
                runtime = os.fork()
            except BaseException as error:
                os.write(report, f"error {error}\\n".encode())
                os._exit(1)
            if runtime:
                os.write(report, b"%d\\n" % runtime)
                os._exit(0)
            # The runtime: in the sandbox's namespaces with its ids, but still holding every capability of
            # the sandbox's user namespace. Drop them, and everything else of the host, before going on.
            try:
                program = os.pread(seccomp, 1 << 20, 0)
                os.dup2(output, 1)
                os.dup2(output, 2)
                os.dup2(config, 3)
                os.closerange(4, 1 << 20)
                os.chdir("/var/task")
                os.setsid()
                signal.pthread_sigmask(signal.SIG_SETMASK, [])
                signal.signal(signal.SIGINT, signal.default_int_handler)
                for cap in range(_LAST_CAP + 1):
                    _call(_libc.prctl(24, cap, 0, 0, 0), "PR_CAPBSET_DROP")
                _call(_libc.prctl(47, 4, 0, 0, 0), "PR_CAP_AMBIENT_CLEAR_ALL")
                _call(_libc.capset(ctypes.byref(_CapHeader(0x20080522, 0)), (_CapData * 2)()), "capset")
                _call(_libc.prctl(38, 1, 0, 0, 0), "PR_SET_NO_NEW_PRIVS")
                _call(_libc.prctl(4, 1, 0, 0, 0), "PR_SET_DUMPABLE")  # as after an exec: /proc/self is its own
                filters = ctypes.create_string_buffer(program, len(program))
                prog = _Program(len(program) // 8, ctypes.addressof(filters))
                _call(_libc.prctl(22, 2, ctypes.addressof(prog), 0, 0), "PR_SET_SECCOMP")
            except BaseException as error:
                print(f"nimbus: the forked runtime could not enter its sandbox: {error}", file=sys.stderr, flush=True)
                os._exit(127)
            sys.argv = ["-c"]
            # The modules imported here came from the host's name of /var/runtime: rename them (packages
            # find their submodules, and tracebacks their source, through these names).
            host = sys.path.pop(0)
            sys.path[:0] = [""] + [entry for entry in os.environ.get("PYTHONPATH", "").split(":") if entry]
            def inside(path):
                return "/var/runtime" + path[len(host):] if isinstance(path, str) and path.startswith(host + "/") else path
            for module in list(sys.modules.values()):
                if inside(getattr(module, "__file__", None)) == getattr(module, "__file__", None):
                    continue  # not imported from the runtime directory
                for attribute in ("__file__", "__cached__"):
                    setattr(module, attribute, inside(getattr(module, attribute, None)))
                if isinstance(getattr(module, "__path__", None), list):
                    module.__path__[:] = [inside(entry) for entry in module.__path__]
                spec, loader = getattr(module, "__spec__", None), getattr(module, "__loader__", None)
                if spec is not None:
                    spec.origin, spec.cached = inside(spec.origin), inside(spec.cached)
                if hasattr(loader, "path"):
                    loader.path = inside(loader.path)
            del host, inside
            sys.path_importer_cache.clear()  # what was listed on the host

        _server = socket.socket(fileno=3)
        _server_pid = os.getpid()
        while True:
            try:
                _message, _fds, _, _ = socket.recv_fds(_server, 65536, 8)
            except InterruptedError:
                continue
            if not _message:
                os._exit(0)
            if len(_fds) != 5:
                for _fd in _fds:
                    os.close(_fd)
                continue
            _child = os.fork()
            if _child == 0:
                _server.detach()
                _enter(json.loads(_message), *_fds)
                break
            for _fd in _fds:
                os.close(_fd)
            os.waitpid(_child, 0)
        del _server, _server_pid, _message, _fds, _child

        """ + pythonRun
}
