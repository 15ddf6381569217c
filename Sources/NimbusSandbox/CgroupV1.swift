import Foundation

/// One sandbox's cgroup v1 directories (memory, cpu, cpuacct, pids, freezer are separate mounts here),
/// created and limited by Nimbus itself, and removed once empty.
public struct CgroupV1: Sendable {
    /// The controllers Nimbus uses.
    public static let controllers = ["memory", "cpu", "cpuacct", "pids", "freezer"]

    /// The cgroup mount root.
    public let root: String
    /// Path below each controller: `nimbus/<scope>/<id>`.
    public let path: String

    /// Names the cgroup `nimbus/<scope>/<id>` under `root`; the scope keeps servers on one machine
    /// (different data directories) out of each other's sandboxes.
    public init(root: String = "/sys/fs/cgroup", scope: String, id: String) {
        self.root = root
        self.path = "nimbus/\(scope)/\(id)"
    }

    func directory(_ controller: String) -> String { "\(root)/\(controller)/\(path)" }

    /// The `tasks` files the spawn shim writes "0" into.
    public var taskFiles: [String] { Self.controllers.map { "\(directory($0))/tasks" } }

    /// The kernel's default CPU weight.
    public static let defaultShares = 1024

    /// Creates the directories and writes the limits (CPU quota lifted while the runtime initialises).
    /// `cpuShares` weighs the sandbox against others under contention (low for instances started ahead
    /// of demand, so their start-up never slows a sandbox serving a request).
    public func create(memoryMB: Int, pidsMax: Int, cpuShares: Int = CgroupV1.defaultShares) throws {
        for controller in Self.controllers {
            let failed = TaskTree.makeDirectories(directory(controller))
            guard failed == 0 else { throw CgroupError(path: directory(controller), errno: failed) }
        }
        try setMemoryLimit(memoryMB: memoryMB)
        try write("pids", "pids.max", String(pidsMax))
        try write("cpu", "cpu.cfs_quota_us", "-1")
        try write("cpu", "cpu.shares", String(cpuShares))
    }

    /// Sets the CPU weight.
    public func setCPUShares(_ shares: Int) throws {
        try write("cpu", "cpu.shares", String(shares))
    }

    /// Changes the memory limit (and memory+swap, where accounted) of a running sandbox. The kernel wants
    /// memory ≤ memory+swap at every step, so the order of the two writes depends on the direction.
    public func setMemoryLimit(memoryMB: Int) throws {
        let bytes = String(memoryMB * 1_048_576)
        guard access("\(directory("memory"))/memory.memsw.limit_in_bytes", F_OK) == 0 else {
            return try write("memory", "memory.limit_in_bytes", bytes)
        }
        let current = readNumber("memory", "memory.limit_in_bytes")
        let files = ["memory.limit_in_bytes", "memory.memsw.limit_in_bytes"]
        for file in (current ?? 0) > memoryMB * 1_048_576 ? files : files.reversed() {
            try write("memory", file, bytes)
        }
    }

    /// Sets the CPU quota (µs per 100 ms period).
    public func setCPUQuota(_ microseconds: Int) throws {
        try write("cpu", "cpu.cfs_quota_us", String(microseconds))
    }

    /// Peak memory in bytes (`memory.max_usage_in_bytes`).
    public var maxMemoryBytes: Int {
        readNumber("memory", "memory.max_usage_in_bytes") ?? 0
    }

    /// How many OOM kills happened in this cgroup.
    public var oomKills: Int {
        let text = read("memory", "memory.oom_control") ?? ""
        for line in text.split(separator: "\n") where line.hasPrefix("oom_kill ") {
            return Int(line.dropFirst("oom_kill ".count)) ?? 0
        }
        return 0
    }

    /// Processes still in the cgroup.
    public var pids: [Int32] {
        (read("pids", "cgroup.procs") ?? "").split(separator: "\n").compactMap { Int32($0) }
    }

    /// Removes sandboxes a previous `nimbus serve` of the same scope left behind (killed with SIGKILL, say):
    /// kills what is still in `nimbus/<scope>/*` and removes the directories. Returns how many were found.
    @discardableResult
    public static func sweepStale(root: String = "/sys/fs/cgroup", scope: String) -> Int {
        let ids = sandboxIDs(root: root, scope: scope)
        for id in ids {
            let cgroup = CgroupV1(root: root, scope: scope, id: id)
            for pid in cgroup.pids { kill(pid, SIGKILL) }
            cgroup.remove()
        }
        return ids.count
    }

    /// Removes sandbox cgroups that other servers abandoned: empty (no processes) and older than `age`,
    /// in any scope but `keeping`, and then the scopes left empty. A server killed on a data directory
    /// that is never served again (a temporary one) leaves such directories, and nothing else would
    /// remove them. Live sandboxes are never touched: a directory with processes, or one younger than
    /// `age` (a sandbox of another server about to join it), is kept, and `rmdir` refuses non-empty
    /// cgroups anyway. Returns how many sandbox directories were removed.
    @discardableResult
    public static func sweepAbandoned(
        root: String = "/sys/fs/cgroup", keeping: String, age: TimeInterval = 60,
        scopes matching: (String) -> Bool = { _ in true }
    ) -> Int {
        let cutoff = Date().addingTimeInterval(-age)
        let scopes = Set(controllers.flatMap { subdirectories(of: "\(root)/\($0)/nimbus") })
        var removed = 0
        for scope in scopes where scope != keeping && matching(scope) {
            for id in sandboxIDs(root: root, scope: scope) {
                let cgroup = CgroupV1(root: root, scope: scope, id: id)
                let created = controllers.compactMap { modified(cgroup.directory($0)) }.min()
                guard let created, created < cutoff, cgroup.pids.isEmpty else { continue }
                // No waiting and no killing: a directory that is not empty after all simply stays.
                if cgroup.remove(timeout: .zero) { removed += 1 }
            }
            for controller in controllers {
                let parent = "\(root)/\(controller)/nimbus/\(scope)"
                if modified(parent).map({ $0 < cutoff }) == true { rmdir(parent) }
            }
        }
        return removed
    }

    /// The sandbox ids (cgroup directories) present under `nimbus/<scope>` in any controller.
    static func sandboxIDs(root: String, scope: String) -> Set<String> {
        Set(controllers.flatMap { subdirectories(of: "\(root)/\($0)/nimbus/\(scope)") })
    }

    /// The cgroup directories (those with a `tasks` file) directly under `parent`.
    private static func subdirectories(of parent: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: parent)) ?? []).filter {
            FileManager.default.fileExists(atPath: "\(parent)/\($0)/tasks")
        }
    }

    private static func modified(_ path: String) -> Date? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return Date(timeIntervalSince1970: TimeInterval(info.st_mtim.tv_sec))
    }

    /// Removes `nimbus/<scope>` once a server has stopped all its sandboxes, including sandbox directories
    /// whose removal timed out earlier while their processes were still exiting (sweepStale kills what
    /// might remain).
    public static func removeScope(root: String = "/sys/fs/cgroup", scope: String) {
        sweepStale(root: root, scope: scope)
        for controller in controllers { rmdir("\(root)/\(controller)/nimbus/\(scope)") }
    }

    /// Removes the directories, waiting briefly for exiting processes to leave. Returns false if some remain.
    @discardableResult
    public func remove(timeout: Duration = .seconds(2)) -> Bool {
        let deadline = ContinuousClock.now + timeout
        var remaining = Self.controllers
        while !remaining.isEmpty {
            remaining = remaining.filter { rmdir(directory($0)) != 0 && errno != ENOENT }
            if remaining.isEmpty || ContinuousClock.now >= deadline { break }
            for pid in pids { kill(pid, SIGKILL) }
            usleep(2000)
        }
        return remaining.isEmpty
    }

    /// One `write(2)` of `value` to a control file. (Foundation's `String.write(toFile:)` adds an fsync and
    /// an extended-attribute call per write, which cgroupfs ignores: ≈ 0.1 ms on every sandbox assignment.)
    private func write(_ controller: String, _ file: String, _ value: String) throws {
        let path = "\(directory(controller))/\(file)"
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw CgroupError(path: path, errno: errno) }
        defer { close(fd) }
        var text = value
        let written = text.withUTF8 { bytes in
            var n: Int
            repeat { n = Glibc.write(fd, bytes.baseAddress, bytes.count) } while n < 0 && errno == EINTR
            return n
        }
        guard written == text.utf8.count else { throw CgroupError(path: path, errno: written < 0 ? errno : EIO) }
    }

    /// A control file holding one decimal number (`memory.max_usage_in_bytes`, read after every
    /// invocation): one read into a stack buffer, digits parsed in place.
    private func readNumber(_ controller: String, _ file: String) -> Int? {
        let fd = open("\(directory(controller))/\(file)", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 32) { buffer -> Int? in
            var n: Int
            repeat { n = Glibc.read(fd, buffer.baseAddress, buffer.count) } while n < 0 && errno == EINTR
            guard n > 0 else { return nil }
            return Self.decimal(buffer.prefix(n))
        }
    }

    /// The decimal number at the start of `bytes` (trailing newline ignored); nil when there is none or it
    /// does not fit.
    static func decimal(_ bytes: some Collection<UInt8>) -> Int? {
        var value = 0
        var digits = 0
        for byte in bytes {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { break }
            let (times, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times.addingReportingOverflow(Int(byte - UInt8(ascii: "0")))
            if overflow1 || overflow2 { return nil }
            value = sum
            digits += 1
        }
        return digits > 0 ? value : nil
    }

    /// A small control file's text (plain open/read).
    private func read(_ controller: String, _ file: String) -> String? {
        let fd = open("\(directory(controller))/\(file)", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { break }
            bytes += buffer[0..<n]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// A cgroup directory or control file that could not be created or written.
public struct CgroupError: Error, CustomStringConvertible {
    /// The directory or control file.
    public let path: String
    /// The `errno` of the failed call.
    public let errno: Int32

    /// `<path>: <strerror>`.
    public var description: String { "\(path): \(String(cString: strerror(errno)))" }
}
