/// A stored, validated deployment package: what Lambda reports about function code.
public struct CodeArtifact: Sendable, Codable, Equatable, Hashable {
    /// Lowercase hex SHA-256 of the zip's bytes; the artifact's key and directory name in the store.
    public var sha256Hex: String
    /// Standard base64 of the raw 32-byte SHA-256 digest (44 characters): Lambda's `CodeSha256`.
    public var codeSha256: String
    /// Exact size of the zip in bytes: Lambda's `CodeSize`.
    public var codeSize: Int
    /// Total number of bytes the entries inflate to (files and link targets).
    public var unzippedSize: Int
    /// Number of central-directory entries (files, directories and links).
    public var entryCount: Int

    /// Creates an artifact description from its parts.
    public init(sha256Hex: String, codeSha256: String, codeSize: Int, unzippedSize: Int, entryCount: Int) {
        self.sha256Hex = sha256Hex
        self.codeSha256 = codeSha256
        self.codeSize = codeSize
        self.unzippedSize = unzippedSize
        self.entryCount = entryCount
    }
}
