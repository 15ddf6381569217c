import Foundation
import NimbusModel

/// A content-addressed store of validated deployment packages on local disk.
///
/// Each package lives in `<directory>/<sha256hex>/`: `code.zip` (the exact uploaded bytes, `0444`),
/// `task/` (the extracted tree, read-only) and `artifact.json` (its `CodeArtifact`, so a repeated upload
/// returns without reading the zip again). A package is built in `<directory>/.tmp-<uuid>/` and renamed
/// into place in one step, so a digest directory is either complete or absent; when two identical uploads
/// race, the loser's copy is discarded and the winner's returned.
public struct CodeArtifactStore: Sendable {
    /// The store's root directory (created on first store).
    public let directory: URL
    /// Limits applied to every upload.
    public let limits: CodeLimits

    /// Creates a store rooted at `directory` applying `limits`.
    public init(directory: URL, limits: CodeLimits = .lambda) {
        self.directory = directory
        self.limits = limits
        self.rootPath = directory.path
    }

    /// Validates and stores `zip`, or returns the existing artifact when the same bytes were stored before.
    /// Throws `CodeValidationError` for unacceptable code and `CodeStoreError` for file-system failures.
    public func store(_ zip: Data) throws -> CodeArtifact {
        guard zip.count <= limits.maxZippedSize else {
            throw CodeValidationError.zippedTooLarge(limit: limits.maxZippedSize)
        }
        return try store(Array(zip))
    }

    /// Validates and stores `zip`, or returns the existing artifact when the same bytes were stored before.
    /// Throws `CodeValidationError` for unacceptable code and `CodeStoreError` for file-system failures.
    public func store(_ zip: [UInt8]) throws -> CodeArtifact {
        guard zip.count <= limits.maxZippedSize else {
            throw CodeValidationError.zippedTooLarge(limit: limits.maxZippedSize)
        }
        let digest = CodeDigest(of: zip)
        if let existing = try existingArtifact(hex: digest.hex) { return existing }
        let archive = try ZipArchive(bytes: zip, limits: limits)
        do {
            try FileManager.default.createDirectory(atPath: rootPath, withIntermediateDirectories: true)
        } catch {
            throw CodeStoreError(kind: .io, message: "Creating the code store '\(rootPath)' failed: \(error)")
        }
        let staging = rootPath + "/.tmp-" + RandomID.uuid()
        try FileOps.makeDirectory(staging, mode: 0o755)
        do {
            let result = try PackageExtractor(archive: archive, limits: limits).extract(into: staging + "/task")
            let artifact = CodeArtifact(
                sha256Hex: digest.hex, codeSha256: digest.base64, codeSize: zip.count,
                unzippedSize: result.unzippedSize, entryCount: result.entryCount
            )
            try FileOps.writeFile(staging + "/code.zip", zip, mode: 0o444)
            try FileOps.writeFile(staging + "/artifact.json", try Self.encode(artifact), mode: 0o444)
            if try FileOps.rename(staging, to: path(digest.hex)) { return artifact }
            // An identical upload finished first: keep its copy, which holds the same bytes.
            try? FileOps.removeTree(staging)
            return try existingArtifact(hex: digest.hex) ?? artifact
        } catch {
            try? FileOps.removeTree(staging)
            throw error
        }
    }

    /// The exact zip bytes stored under `sha256Hex`, for download.
    public func zipData(sha256Hex: String) throws -> Data {
        guard let hex = CodeDigest.normalizedHex(sha256Hex), contains(sha256Hex: hex),
              let data = FileManager.default.contents(atPath: path(hex) + "/code.zip")
        else { throw Self.notFound(sha256Hex) }
        return data
    }

    /// The artifact stored under `sha256Hex`, or nil when there is none.
    public func artifact(sha256Hex: String) throws -> CodeArtifact? {
        guard let hex = CodeDigest.normalizedHex(sha256Hex) else { return nil }
        return try existingArtifact(hex: hex)
    }

    /// The path of the extracted, read-only tree of `sha256Hex` (what Lambda mounts as `/var/task`). A string
    /// that is not 64 hex digits yields a path under `<directory>/.invalid/` that never exists. A plain string:
    /// the invoker asks on every sandbox assignment, and building it through `URL` cost ≈ 0.1 ms.
    public func taskDirectory(sha256Hex: String) -> String {
        "\(rootPath)/\(CodeDigest.normalizedHex(sha256Hex) ?? ".invalid")/task"
    }

    /// Whether a complete artifact is stored under `sha256Hex`.
    public func contains(sha256Hex: String) -> Bool {
        guard let hex = CodeDigest.normalizedHex(sha256Hex) else { return false }
        return FileOps.exists(path(hex) + "/artifact.json")
    }

    /// Deletes the artifact stored under `sha256Hex`, if any. It disappears from view atomically first.
    public func remove(sha256Hex: String) throws {
        guard let hex = CodeDigest.normalizedHex(sha256Hex), FileOps.exists(path(hex)) else { return }
        let trash = rootPath + "/.trash-" + RandomID.uuid()
        do {
            _ = try FileOps.rename(path(hex), to: trash)
        } catch where !FileOps.exists(path(hex)) {
            return  // removed concurrently
        }
        try FileOps.removeTree(trash)
    }

    /// The root directory as a file-system path.
    private let rootPath: String

    /// The directory of the artifact `hex`.
    private func path(_ hex: String) -> String { rootPath + "/" + hex }

    /// The complete artifact stored as `hex`, or nil. A directory without readable metadata was not made
    /// by this store (installs are atomic), so it is moved aside and removed to let the upload replace it.
    private func existingArtifact(hex: String) throws -> CodeArtifact? {
        let directoryPath = path(hex)
        guard FileOps.exists(directoryPath) else { return nil }
        if let data = FileManager.default.contents(atPath: directoryPath + "/artifact.json"),
           let artifact = try? JSONDecoder().decode(CodeArtifact.self, from: data), artifact.sha256Hex == hex {
            return artifact
        }
        try remove(sha256Hex: hex)
        return nil
    }

    /// `artifact` as sorted-key JSON bytes.
    private static func encode(_ artifact: CodeArtifact) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return Array(try encoder.encode(artifact))
    }

    /// The error for a digest with no stored artifact.
    private static func notFound(_ sha256Hex: String) -> CodeStoreError {
        let shown = ZipEntryRecord.display(sha256Hex)
        return CodeStoreError(kind: .notFound, message: "No code is stored under SHA-256 '\(shown)'.")
    }
}
