import Crypto
import Foundation
import NimbusModel

/// The two spellings of one SHA-256 digest that the store and Lambda use.
struct CodeDigest: Sendable, Equatable {
    /// Lowercase hex, 64 characters.
    let hex: String
    /// Standard base64 of the 32 raw bytes, 44 characters.
    let base64: String

    /// Hashes `bytes`.
    init(of bytes: [UInt8]) {
        let digest = Array(SHA256.hash(data: bytes))
        self.hex = Hex.lowercase(digest)
        self.base64 = Data(digest).base64EncodedString()
    }

    /// `candidate` lowercased when it is 64 hex digits, else nil.
    static func normalizedHex(_ candidate: String) -> String? {
        let lower = candidate.lowercased()
        guard lower.utf8.count == 64,
              lower.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) })
        else { return nil }
        return lower
    }
}
