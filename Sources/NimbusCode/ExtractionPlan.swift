/// The validated shape of the tree an archive extracts to, checked before any byte is written.
///
/// Building a plan refuses unsupported entries, unsafe or too-long paths, conflicting duplicates, entries
/// beneath symbolic links, and declared sizes or ratios past the limits. `checkLinks` then resolves every
/// link target against the planned tree (following links to links, as the kernel would).
struct ExtractionPlan: Sendable {
    /// An entry to create, with its validated path.
    struct Item: Sendable {
        /// The central-directory record.
        let record: ZipEntryRecord
        /// Where it goes under the task directory.
        let path: EntryPath
    }

    /// What occupies a path in the planned tree.
    private enum Node {
        case file, directory, implicitDirectory, symlink
    }

    /// Regular files, in archive order.
    private(set) var files: [Item] = []
    /// Symbolic links, in archive order.
    private(set) var symlinks: [Item] = []
    /// Every directory, explicit or implied by a deeper entry, shallowest first.
    private(set) var directories: [EntryPath] = []
    /// Occupant of every planned path.
    private var nodes: [EntryPath: Node] = [:]
    /// Limits in force.
    private let limits: CodeLimits

    /// Plans the extraction of `archive`, refusing it on the first problem found.
    init(archive: ZipArchive, limits: CodeLimits) throws {
        self.limits = limits
        for record in archive.entries {
            try Self.checkSupported(record, limits: limits)
            let path = try EntryPath.validate(record.name, display: record.displayName, limits: limits)
            let kind = record.kind
            if path.isRoot {
                // "./" or similar names the task directory itself: harmless for a directory.
                guard kind == .directory else {
                    throw CodeValidationError.entry(.unsafePath, record.displayName, "names the package root")
                }
                continue
            }
            try insert(Item(record: record, path: path), kind: kind)
        }
        try Self.checkDeclaredSizes(archive, limits: limits)
        directories = nodes.compactMap { path, node in
            node == .directory || node == .implicitDirectory ? path : nil
        }.sorted { $0.components.count < $1.components.count }
    }

    /// Refuses encryption, methods other than stored and deflate, inconsistent stored sizes, long links.
    private static func checkSupported(_ record: ZipEntryRecord, limits: CodeLimits) throws {
        let name = record.displayName
        guard !record.isEncrypted else { throw CodeValidationError.entry(.unsupportedEntry, name, "is encrypted") }
        guard record.kind != .directory else { return }
        guard record.method == 0 || record.method == 8 else {
            throw CodeValidationError.entry(
                .unsupportedEntry, name,
                "uses compression method \(record.method); only stored (0) and deflate (8) are supported"
            )
        }
        if record.method == 0 && record.compressedSize != record.uncompressedSize {
            throw CodeValidationError.entry(.corruptEntry, name, "is stored uncompressed but declares two sizes")
        }
        if record.kind == .symlink && record.uncompressedSize > UInt64(limits.maxPathLength) {
            throw CodeValidationError.entry(
                .unsafeLink, name, "has a link target longer than \(limits.maxPathLength) bytes"
            )
        }
    }

    /// Records `item` in the tree, refusing it under a file or link, or on top of a different occupant.
    private mutating func insert(_ item: Item, kind: ZipEntryKind) throws {
        let name = item.record.displayName
        for ancestor in item.path.ancestors {
            switch nodes[ancestor] {
            case nil: nodes[ancestor] = .implicitDirectory
            case .directory?, .implicitDirectory?: break
            case .file?:
                throw CodeValidationError.entry(.duplicateEntry, name, "uses the file '\(ancestor)' as a directory")
            case .symlink?:
                throw CodeValidationError.entry(.unsafeLink, name, "lies beneath the symbolic link '\(ancestor)'")
            }
        }
        let node: Node = switch kind {
        case .file: .file
        case .directory: .directory
        case .symlink: .symlink
        }
        switch (nodes[item.path], node) {
        case (nil, _):
            nodes[item.path] = node
        case (.directory?, .directory), (.implicitDirectory?, .directory):
            nodes[item.path] = .directory
            return
        case (.implicitDirectory?, _), (.directory?, _):
            throw CodeValidationError.entry(.duplicateEntry, name, "conflicts with the directory '\(item.path)'")
        default:
            throw CodeValidationError.entry(.duplicateEntry, name, "appears more than once in the archive")
        }
        switch node {
        case .file: files.append(item)
        case .symlink: symlinks.append(item)
        case .directory, .implicitDirectory: break
        }
    }

    /// Refuses declared totals past the unzipped limit and declared ratios past the ratio limit.
    ///
    /// Declared sizes are only a fast first filter: the same limits are enforced again on real bytes.
    private static func checkDeclaredSizes(_ archive: ZipArchive, limits: CodeLimits) throws {
        let ratio = UInt64(limits.maxCompressionRatio)
        let threshold = UInt64(limits.compressionRatioThreshold)
        var total: UInt64 = 0
        for record in archive.entries where record.kind != .directory {
            let (sum, overflow) = total.addingReportingOverflow(record.uncompressedSize)
            total = overflow ? .max : sum
        }
        if total > UInt64(limits.maxUnzippedSize) {
            throw CodeValidationError.unzippedTooLarge(limit: limits.maxUnzippedSize)
        }
        for record in archive.entries where record.kind != .directory {
            if exceedsRatio(record.uncompressedSize, record.compressedSize, ratio: ratio, threshold: threshold) {
                throw CodeValidationError.entryRatio(record.displayName, limits: limits)
            }
        }
        if exceedsRatio(total, UInt64(archive.bytes.count), ratio: ratio, threshold: threshold) {
            throw CodeValidationError.archiveRatio(limits: limits)
        }
    }

    /// Whether `inflated` is past `threshold` and more than `ratio` times `compressed`.
    static func exceedsRatio(_ inflated: UInt64, _ compressed: UInt64, ratio: UInt64, threshold: UInt64) -> Bool {
        guard inflated > threshold else { return false }
        let (bound, overflow) = max(compressed, 1).multipliedReportingOverflow(by: ratio)
        return !overflow && inflated > bound
    }

    /// Resolves every link's target (given as raw bytes) within the planned tree, refusing empty, absolute,
    /// escaping or looping targets. Links to missing paths inside the tree are allowed.
    func checkLinks(targets: [EntryPath: [UInt8]]) throws {
        for link in symlinks {
            let name = link.record.displayName
            let target = targets[link.path] ?? []
            let shown = ZipEntryRecord.display(String(decoding: target, as: UTF8.self))
            guard !target.isEmpty, !target.contains(0) else {
                throw CodeValidationError.entry(
                    .unsafeLink, name, "is a symbolic link with an empty or NUL-containing target"
                )
            }
            var stack = link.path.parent.components
            var pending = Array(Self.targetComponents(target).reversed())
            var hops = 0
            if target[0] == UInt8(ascii: "/") {
                throw CodeValidationError.entry(.unsafeLink, name, "is a symbolic link to the absolute path '\(shown)'")
            }
            while let component = pending.popLast() {
                if component == [UInt8(ascii: "."), UInt8(ascii: ".")] {
                    guard !stack.isEmpty else {
                        throw CodeValidationError.entry(
                            .unsafeLink, name, "is a symbolic link to '\(shown)', outside the deployment package"
                        )
                    }
                    stack.removeLast()
                    continue
                }
                stack.append(component)
                let here = EntryPath(components: stack)
                guard nodes[here] == .symlink, let next = targets[here] else { continue }
                hops += 1
                guard hops <= 40, next.first != UInt8(ascii: "/") else {
                    throw CodeValidationError.entry(
                        .unsafeLink, name, "is a symbolic link that loops or leaves the package"
                    )
                }
                stack.removeLast()
                pending.append(contentsOf: Self.targetComponents(next).reversed())
            }
        }
    }

    /// A link target's components, without empty and `.` ones (`..` kept).
    private static func targetComponents(_ target: [UInt8]) -> [[UInt8]] {
        target.split(separator: UInt8(ascii: "/")).map(Array.init).filter { $0 != [UInt8(ascii: ".")] }
    }
}
