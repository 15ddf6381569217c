/// Why an uploaded code zip was refused, with a message fit to return to the caller.
///
/// `zippedTooLarge` is meant to be answered with HTTP 413 `RequestEntityTooLargeException`;
/// every other kind with HTTP 400 `InvalidParameterValueException`.
public struct CodeValidationError: Error, Sendable, Equatable, Hashable, CustomStringConvertible {
    /// The class of problem found.
    public enum Kind: String, Sendable, Equatable, Hashable, CaseIterable {
        /// The data is not a readable zip archive (including empty data).
        case notAZip
        /// The zip itself is larger than `CodeLimits.maxZippedSize`.
        case zippedTooLarge
        /// The entries inflate to more than `CodeLimits.maxUnzippedSize`.
        case unzippedTooLarge
        /// An entry's name is empty, absolute, escapes the tree, or contains a NUL byte or a backslash.
        case unsafePath
        /// A symbolic link is absolute, escapes the tree, loops, or has another entry beneath it.
        case unsafeLink
        /// Two entries name the same path, or one entry uses another file's name as a directory.
        case duplicateEntry
        /// The archive has more entries than `CodeLimits.maxEntryCount`.
        case tooManyEntries
        /// An entry path is longer or deeper than `CodeLimits` allows.
        case pathTooLong
        /// An entry, or the archive, inflates more than `CodeLimits.maxCompressionRatio` times its compressed size.
        case compressionRatio
        /// An entry is encrypted or uses a compression method other than stored or deflate.
        case unsupportedEntry
        /// An entry's data is damaged: bad header, overlapping data, wrong size or CRC-32, broken deflate stream.
        case corruptEntry
    }

    /// The class of problem found.
    public let kind: Kind
    /// A human-readable explanation, in AWS's words where AWS has words.
    public let message: String
    /// The offending entry's name as stored in the archive (control characters escaped), when one is to blame.
    public let entry: String?

    /// Creates an error of `kind` with `message`, optionally naming the offending `entry`.
    public init(kind: Kind, message: String, entry: String? = nil) {
        self.kind = kind
        self.message = message
        self.entry = entry
    }

    /// The message.
    public var description: String { message }
}

extension CodeValidationError {
    /// AWS's prefix for every refusal to unzip.
    static let unzipPrefix = "Could not unzip uploaded file."

    /// Data that is not a zip archive.
    static let notAZip = CodeValidationError(
        kind: .notAZip,
        message: "\(unzipPrefix) Please check your file, then try to upload again."
    )

    /// A zip larger than `limit` bytes.
    static func zippedTooLarge(limit: Int) -> CodeValidationError {
        CodeValidationError(kind: .zippedTooLarge, message: "Zipped size must be smaller than \(limit) bytes")
    }

    /// Entries inflating past `limit` bytes in total.
    static func unzippedTooLarge(limit: Int) -> CodeValidationError {
        CodeValidationError(kind: .unzippedTooLarge, message: "Unzipped size must be smaller than \(limit) bytes")
    }

    /// More than `limit` entries.
    static func tooManyEntries(limit: Int) -> CodeValidationError {
        CodeValidationError(
            kind: .tooManyEntries,
            message: "\(unzipPrefix) The deployment package has more than \(limit) entries."
        )
    }

    /// A problem of `kind` with the entry named `entry`; `detail` completes "Entry '<name>' …".
    static func entry(_ kind: Kind, _ entry: String, _ detail: String) -> CodeValidationError {
        CodeValidationError(kind: kind, message: "\(unzipPrefix) Entry '\(entry)' \(detail).", entry: entry)
    }

    /// A damaged archive structure that cannot be blamed on one entry.
    static func corruptArchive(_ detail: String) -> CodeValidationError {
        CodeValidationError(kind: .corruptEntry, message: "\(unzipPrefix) The archive is damaged: \(detail).")
    }

    /// One entry inflating more than the ratio limit allows.
    static func entryRatio(_ entry: String, limits: CodeLimits) -> CodeValidationError {
        .entry(.compressionRatio, entry, "expands more than \(limits.maxCompressionRatio) times its compressed size")
    }

    /// The archive as a whole inflating more than the ratio limit allows.
    static func archiveRatio(limits: CodeLimits) -> CodeValidationError {
        CodeValidationError(
            kind: .compressionRatio,
            message: "\(unzipPrefix) The deployment package expands more than "
                + "\(limits.maxCompressionRatio) times its zipped size."
        )
    }
}
