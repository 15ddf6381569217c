#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A failure of the artifact store itself rather than of the uploaded code.
///
/// Callers map `notFound` to their own "no such code" answer and `io` to an internal server error.
public struct CodeStoreError: Error, Sendable, Equatable, Hashable, CustomStringConvertible {
    /// The class of failure.
    public enum Kind: String, Sendable, Equatable, Hashable, CaseIterable {
        /// No artifact is stored under the requested digest (or the digest is not 64 hex digits).
        case notFound
        /// A file-system operation failed.
        case io
    }

    /// The class of failure.
    public let kind: Kind
    /// A human-readable explanation naming the operation and path.
    public let message: String

    /// Creates an error of `kind` with `message`.
    public init(kind: Kind, message: String) {
        self.kind = kind
        self.message = message
    }

    /// The message.
    public var description: String { message }

    /// A failed system call `operation` on `path` with `errno` value `code`.
    static func io(_ operation: String, _ path: String, errno code: Int32) -> CodeStoreError {
        let reason = String(cString: strerror(code))
        return CodeStoreError(kind: .io, message: "\(operation) '\(path)' failed: \(reason) (errno \(code))")
    }
}
