/// The bubblewrap command line for a sandbox (pure; see docs/sandbox-recipe.md for why each part is there).
public enum BubblewrapCommand {
    /// File descriptors the spawn shim keeps open for bwrap.
    public enum FD {
        /// Inside the sandbox: the pipe a pre-initialised runtime reads its function's configuration from.
        public static let config: Int32 = 3
        /// The seccomp BPF program.
        public static let seccomp: Int32 = 10
        /// bwrap writes `{"child-pid": N}` here once the sandbox's pid 1 exists.
        public static let info: Int32 = 11
        /// bwrap waits for a byte here before running the command (the Runtime API listener goes in first).
        public static let block: Int32 = 12
        /// Inside a sandbox whose runtime is forked in: pid 1 writes a byte here once bwrap has built it.
        public static let ready: Int32 = 4
    }

    /// Where `nimbus-spawn` is bound read-only in a sandbox whose runtime is forked in: it runs as pid 1.
    public static let holdPath = "/var/nimbus-init"

    /// The uid/gid the runtime sees inside (Lambda's sandbox user is 993).
    public static let insideID = "993"

    /// bwrap's arguments, without the program itself. `shim` is `nimbus-spawn`, which is pid 1 of a sandbox
    /// whose runtime is forked in.
    public static func arguments(_ spec: SandboxSpec, shim: String) -> [String] {
        var a = [
            "--unshare-user", "--uid", insideID, "--gid", insideID,
            "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-net", "--unshare-cgroup",
            "--disable-userns", "--hostname", "sandbox",
            "--ro-bind", "/usr", "/usr",
            "--symlink", "usr/bin", "/bin", "--symlink", "usr/sbin", "/sbin",
            "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64",
            "--ro-bind-try", "/etc/ld.so.cache", "/etc/ld.so.cache",
            "--ro-bind-try", "/etc/localtime", "/etc/localtime",
            "--ro-bind-try", "/etc/ssl", "/etc/ssl",
            "--proc", "/proc", "--dev", "/dev",
            "--size", String(spec.ephemeralStorageMB * 1_048_576), "--tmpfs", "/tmp",
            "--ro-bind", spec.taskDirectory, "/var/task",
        ]
        for bind in spec.readOnlyBinds { a += ["--ro-bind", bind.host, bind.sandbox] }
        if spec.forkServer != nil { a += ["--ro-bind", shim, holdPath] }
        a += ["--remount-ro", "/", "--chdir", "/var/task", "--clearenv"]
        // (A forked runtime brings its environment; pid 1 then has none.)
        if spec.forkServer == nil {
            for (key, value) in spec.environment.sorted(by: { $0.key < $1.key }) { a += ["--setenv", key, value] }
        }
        a += [
            "--die-with-parent", "--new-session",
            "--seccomp", String(FD.seccomp), "--info-fd", String(FD.info), "--block-fd", String(FD.block),
        ]
        guard spec.forkServer == nil else { return a + ["--as-pid-1", "--", holdPath, "-H", String(FD.ready)] }
        return a + ["--"] + spec.command
    }
}
