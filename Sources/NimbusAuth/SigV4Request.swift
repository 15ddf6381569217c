import Crypto
import Foundation

/// An HTTP request as it arrived on the wire, reduced to the parts AWS Signature Version 4 covers.
public struct SigV4Request: Sendable {
    /// The HTTP method, e.g. `GET`.
    public var method: String
    /// The path exactly as received, still percent-encoded (no query string).
    public var rawPath: String
    /// The query string after `?`, exactly as received; empty when there is none.
    public var rawQuery: String
    /// Every header line in arrival order; names in any case, repeated names allowed.
    public var headers: [(name: String, value: String)]
    /// Lower-case hex SHA-256 of the exact body bytes.
    public var bodySHA256: String

    /// Creates a request from its body bytes (hashed once, here).
    public init(
        method: String, rawPath: String, rawQuery: String = "",
        headers: [(name: String, value: String)], body: [UInt8] = []
    ) {
        self.init(
            method: method, rawPath: rawPath, rawQuery: rawQuery, headers: headers,
            bodySHA256: SigV4Canonical.sha256Hex(body))
    }

    /// Creates a request whose body was already hashed (lower-case hex SHA-256).
    public init(
        method: String, rawPath: String, rawQuery: String = "",
        headers: [(name: String, value: String)], bodySHA256: String
    ) {
        self.method = method
        self.rawPath = rawPath
        self.rawQuery = rawQuery
        self.headers = headers
        self.bodySHA256 = bodySHA256.lowercased()
    }

    /// All values of the header `name` (compared case-insensitively), in arrival order.
    public func headerValues(_ name: String) -> [String] {
        headers.filter { $0.name.utf8.elementsEqual(name.utf8, by: Self.asciiCaseInsensitiveEqual) }.map(\.value)
    }

    /// The first value of the header `name` (compared case-insensitively), if present.
    public func header(_ name: String) -> String? {
        headers.first { $0.name.utf8.elementsEqual(name.utf8, by: Self.asciiCaseInsensitiveEqual) }?.value
    }

    /// Header names are ASCII; compare them without allocating lower-cased copies.
    static func asciiCaseInsensitiveEqual(_ a: UInt8, _ b: UInt8) -> Bool {
        a == b || (a | 0x20 == b | 0x20 && (a | 0x20) >= UInt8(ascii: "a") && (a | 0x20) <= UInt8(ascii: "z"))
    }
}
