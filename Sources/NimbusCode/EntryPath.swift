/// A normalised relative path inside the task directory, kept as the exact UTF-8 bytes used on disk.
///
/// Validation works on bytes, not on Swift `Character`s, so a `/` followed by a combining mark still
/// counts as a separator, and two names differing only in Unicode normalisation stay distinct.
struct EntryPath: Hashable, Sendable, CustomStringConvertible {
    /// The components, none of them empty, `.` or `..`.
    let components: [[UInt8]]

    /// Creates a path from already-validated components.
    init(components: [[UInt8]]) {
        self.components = components
    }

    /// Whether this is the task directory itself (no components).
    var isRoot: Bool { components.isEmpty }

    /// The components joined by `/`.
    var bytes: [UInt8] { Array(components.joined(separator: [UInt8(ascii: "/")])) }

    /// The path as a string, for file-system calls and messages.
    var description: String { String(decoding: bytes, as: UTF8.self) }

    /// Every proper ancestor except the root, shallowest first.
    var ancestors: [EntryPath] {
        guard components.count > 1 else { return [] }
        return (1..<components.count).map { EntryPath(components: Array(components[0..<$0])) }
    }

    /// Validates an entry name: not empty, no NUL byte, no backslash, not absolute, no `..` component,
    /// within the length and depth limits. `.` components and repeated or trailing slashes are dropped.
    static func validate(_ name: String, display: String, limits: CodeLimits) throws -> EntryPath {
        let bytes = Array(name.utf8)
        func refuse(_ kind: CodeValidationError.Kind, _ detail: String) -> CodeValidationError {
            CodeValidationError.entry(kind, display, detail)
        }
        guard !bytes.isEmpty else { throw refuse(.unsafePath, "has an empty name") }
        guard !bytes.contains(0) else { throw refuse(.unsafePath, "has a name containing a NUL byte") }
        guard !bytes.contains(UInt8(ascii: "\\")) else {
            throw refuse(.unsafePath, "has a name containing a backslash; use '/' to separate path components")
        }
        guard bytes[0] != UInt8(ascii: "/") else { throw refuse(.unsafePath, "has an absolute path") }
        let components = split(bytes)
        guard let components else { throw refuse(.unsafePath, "has a path outside the deployment package") }
        let path = EntryPath(components: components)
        if path.bytes.count > limits.maxPathLength {
            throw refuse(.pathTooLong, "has a path longer than \(limits.maxPathLength) bytes")
        }
        if components.count > limits.maxPathDepth {
            throw refuse(.pathTooLong, "is nested deeper than \(limits.maxPathDepth) levels")
        }
        if components.contains(where: { $0.count > CodeLimits.maxComponentLength }) {
            throw refuse(.pathTooLong, "has a path component longer than \(CodeLimits.maxComponentLength) bytes")
        }
        return path
    }

    /// Splits on `/`, dropping empty and `.` components; nil when any component is `..`.
    static func split(_ bytes: [UInt8]) -> [[UInt8]]? {
        var components: [[UInt8]] = []
        for part in bytes.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: true) {
            if part.elementsEqual([UInt8(ascii: ".")]) { continue }
            if part.elementsEqual([UInt8(ascii: "."), UInt8(ascii: ".")]) { return nil }
            components.append(Array(part))
        }
        return components
    }
}

extension EntryPath {
    /// `self` followed by `component`.
    func appending(_ component: [UInt8]) -> EntryPath {
        EntryPath(components: components + [component])
    }

    /// `self` without its last component (the root stays the root).
    var parent: EntryPath { EntryPath(components: Array(components.dropLast())) }
}
