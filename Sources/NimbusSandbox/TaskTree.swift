import Foundation

/// Puts a function's extracted code into a pre-initialised sandbox's `/var/task` source directory by hard
/// links (same file system, no bytes copied): directories are made, files linked, symlinks recreated.
public enum TaskTree {
    /// Links everything under `source` into the existing, empty directory `destination`.
    /// Returns how many entries were placed.
    @discardableResult
    public static func link(from source: String, into destination: String) throws -> Int {
        guard let directory = opendir(source) else { throw failure("opendir", source) }
        defer { closedir(directory) }
        var count = 0
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name == "." || name == ".." { continue }
            let from = source + "/" + name
            let to = destination + "/" + name
            var info = stat()
            guard lstat(from, &info) == 0 else { throw failure("lstat", from) }
            switch info.st_mode & S_IFMT {
            case S_IFDIR:
                guard mkdir(to, info.st_mode & 0o7777) == 0 else { throw failure("mkdir", to) }
                count += try link(from: from, into: to)
            case S_IFLNK:
                var target = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
                let n = readlink(from, &target, target.count - 1)
                guard n >= 0 else { throw failure("readlink", from) }
                guard symlink(String(decoding: target[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self), to) == 0
                else { throw failure("symlink", to) }
            case S_IFREG:
                guard Glibc.link(from, to) == 0 else { throw failure("link", to) }
            default:
                continue
            }
            count += 1
        }
        return count
    }

    /// `mkdir -p path` with plain system calls: one `mkdir` when the parent exists (Foundation's
    /// `createDirectory` stats every component first). Returns 0, or the `errno` of the call that failed.
    public static func makeDirectories(_ path: String, mode: mode_t = 0o755) -> Int32 {
        if mkdir(path, mode) == 0 || errno == EEXIST { return 0 }
        guard errno == ENOENT, let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return errno }
        let parent = makeDirectories(String(path[..<slash]), mode: mode)
        guard parent == 0 else { return parent }
        return mkdir(path, mode) == 0 || errno == EEXIST ? 0 : errno
    }

    /// Removes a directory tree (a torn-down sandbox's task directory); missing is fine.
    public static func remove(_ path: String) {
        try? FileManager.default.removeItem(atPath: path)
    }

    private static func failure(_ call: String, _ path: String) -> SandboxError {
        SandboxError(description: "\(call) \(path): errno \(errno)")
    }
}
