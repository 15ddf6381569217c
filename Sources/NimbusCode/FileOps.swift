#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Thin POSIX wrappers that never follow symbolic links where it matters and report failures as `CodeStoreError`.
enum FileOps {
    /// Creates one directory with `mode`.
    static func makeDirectory(_ path: String, mode: mode_t) throws {
        guard mkdir(path, mode) == 0 else { throw CodeStoreError.io("mkdir", path, errno: errno) }
    }

    /// Creates a symbolic link at `path` whose target is exactly the bytes `target`.
    static func makeSymlink(_ path: String, target: [UInt8]) throws {
        let cTarget = (target + [0]).map { CChar(bitPattern: $0) }
        guard symlink(cTarget, path) == 0 else { throw CodeStoreError.io("symlink", path, errno: errno) }
    }

    /// Sets the permission bits of `path` (which must not be a symbolic link).
    static func setMode(_ path: String, _ mode: mode_t) throws {
        guard chmod(path, mode) == 0 else { throw CodeStoreError.io("chmod", path, errno: errno) }
    }

    /// Renames `source` to `destination`; returns false when the destination already exists and is not empty.
    static func rename(_ source: String, to destination: String) throws -> Bool {
        if posixRename(source, destination) == 0 { return true }
        let code = errno
        if code == EEXIST || code == ENOTEMPTY { return false }
        throw CodeStoreError.io("rename", source, errno: code)
    }

    /// Whether something (even a dangling link) exists at `path`.
    static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    /// Writes `bytes` to a new file at `path` and leaves it with `mode`.
    static func writeFile(_ path: String, _ bytes: [UInt8], mode: mode_t) throws {
        let file = try NewFile(path)
        try bytes.withUnsafeBytes { try file.write($0) }
        try file.close(mode: mode)
    }

    /// Deletes `path` and everything beneath it, first making its directories writable again.
    /// Symbolic links are removed, never followed. A missing path is not an error.
    static func removeTree(_ path: String) throws {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        if info.st_mode & S_IFMT == S_IFDIR {
            _ = chmod(path, 0o700)
            let children = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
            for child in children { try removeTree(path + "/" + child) }
            guard rmdir(path) == 0 || errno == ENOENT else { throw CodeStoreError.io("rmdir", path, errno: errno) }
        } else {
            guard unlink(path) == 0 || errno == ENOENT else { throw CodeStoreError.io("unlink", path, errno: errno) }
        }
    }

    /// A file created exclusively (never through a symbolic link) and written sequentially.
    final class NewFile {
        /// The file descriptor, or -1 once closed.
        private var descriptor: Int32
        /// The path, for messages.
        private let path: String

        /// Creates the file; fails if anything already exists at `path`.
        init(_ path: String) throws {
            self.path = path
            descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
            guard descriptor >= 0 else { throw CodeStoreError.io("create", path, errno: errno) }
        }

        deinit {
            if descriptor >= 0 { _ = posixClose(descriptor) }
        }

        /// Appends all of `buffer`, retrying short writes.
        func write(_ buffer: UnsafeRawBufferPointer) throws {
            guard var base = buffer.baseAddress else { return }
            var remaining = buffer.count
            while remaining > 0 {
                let written = posixWrite(descriptor, base, remaining)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw CodeStoreError.io("write", path, errno: errno)
                }
                remaining -= written
                base += written
            }
        }

        /// Sets the final permission bits and closes the file.
        func close(mode: mode_t) throws {
            defer { descriptor = -1 }
            guard fchmod(descriptor, mode) == 0 else {
                let code = errno
                _ = posixClose(descriptor)
                throw CodeStoreError.io("chmod", path, errno: code)
            }
            guard posixClose(descriptor) == 0 else { throw CodeStoreError.io("close", path, errno: errno) }
        }
    }
}

/// The C `rename`, unshadowed by `FileOps.rename`.
private func posixRename(_ source: String, _ destination: String) -> Int32 { rename(source, destination) }
/// The C `close`, unshadowed by `NewFile.close(mode:)`.
private func posixClose(_ descriptor: Int32) -> Int32 { close(descriptor) }
/// The C `write`, unshadowed by `NewFile.write(_:)`.
private func posixWrite(_ descriptor: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    write(descriptor, buffer, count)
}
