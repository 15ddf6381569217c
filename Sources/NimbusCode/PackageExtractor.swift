import Foundation

/// Validates a parsed archive and writes its tree, read-only, into a fresh directory.
///
/// Everything that can be judged without inflating file contents (paths, duplicates, link targets,
/// declared sizes) is checked before the first file is written; contents are then streamed to disk
/// with real-byte limits. On failure the caller deletes the partly written directory.
struct PackageExtractor {
    /// What was extracted.
    struct Result: Sendable, Equatable {
        /// Real bytes inflated (files and link targets).
        var unzippedSize: Int
        /// Central-directory entries.
        var entryCount: Int
    }

    /// The parsed archive.
    let archive: ZipArchive
    /// Limits in force.
    let limits: CodeLimits

    /// Checks the archive and creates its tree at `root` (which must not exist yet).
    ///
    /// Directories end up `0555`, files `0444`, or `0555` when any execute bit is set in their Unix mode;
    /// links are recreated as symbolic links after every file is written.
    func extract(into root: String) throws -> Result {
        let plan = try ExtractionPlan(archive: archive, limits: limits)
        let inflater = EntryInflater(archive: archive, limits: limits)
        var targets: [EntryPath: [UInt8]] = [:]
        for link in plan.symlinks {
            targets[link.path] = try inflater.readLinkTarget(link.record)
        }
        try plan.checkLinks(targets: targets)

        try FileOps.makeDirectory(root, mode: 0o700)
        for directory in plan.directories {
            try FileOps.makeDirectory(root + "/" + directory.description, mode: 0o700)
        }
        for item in plan.files {
            let file = try FileOps.NewFile(root + "/" + item.path.description)
            try inflater.inflate(item.record) { chunk in
                try chunk.withUnsafeBytes { try file.write($0) }
            }
            try file.close(mode: item.record.isExecutable ? 0o555 : 0o444)
        }
        for link in plan.symlinks {
            try FileOps.makeSymlink(root + "/" + link.path.description, target: targets[link.path] ?? [])
        }
        for directory in plan.directories.reversed() {
            try FileOps.setMode(root + "/" + directory.description, 0o555)
        }
        try FileOps.setMode(root, 0o555)
        return Result(unzippedSize: Int(inflater.totalInflated), entryCount: archive.entries.count)
    }
}
