import Crypto
import Foundation
import NimbusModel
import Synchronization

/// The SigV4 canonical request, string to sign and signing-key derivation, following botocore's
/// `SigV4Auth` (non-S3): https://github.com/boto/botocore/blob/develop/botocore/auth.py
public enum SigV4Canonical {
    /// The only supported algorithm.
    static let algorithm = "AWS4-HMAC-SHA256"
    /// The `X-Amz-Content-SHA256` value for an unsigned body.
    static let unsignedPayload = "UNSIGNED-PAYLOAD"
    /// The credential scope terminator.
    static let terminator = "aws4_request"

    /// The canonical request: method, URI, query, headers, signed header list and payload hash.
    static func request(
        method: String, rawPath: String, rawQuery: String, excludingQueryKey: String? = nil,
        signedHeaders: [String], headers: [(name: String, value: String)], payloadHash: String
    ) -> String {
        [
            method.uppercased(), uri(rawPath), query(rawQuery, excluding: excludingQueryKey),
            canonicalHeaders(signedHeaders, from: headers), signedHeaders.joined(separator: ";"), payloadHash,
        ].joined(separator: "\n")
    }

    /// The raw path with dot segments and empty segments removed, percent-encoded once more (keeping `/`).
    static func uri(_ rawPath: String) -> String {
        PercentEncoding.encode(removeDotSegments(rawPath).utf8, keepSlash: true)
    }

    /// RFC 3986 dot-segment removal that also drops empty segments, as botocore's `remove_dot_segments`.
    static func removeDotSegments(_ path: String) -> String {
        guard !path.isEmpty else { return "/" }
        // Most paths have nothing to remove: no `//` and no segment starting with a dot.
        if path.utf8.first == UInt8(ascii: "/"), !Self.hasEmptyOrDotSegment(path.utf8) { return path }
        var output: [Substring] = []
        for segment in path.split(separator: "/", omittingEmptySubsequences: true) where segment != "." {
            if segment == ".." {
                if !output.isEmpty { output.removeLast() }
            } else {
                output.append(segment)
            }
        }
        let first = path.hasPrefix("/") ? "/" : ""
        let last = path.hasSuffix("/") && !output.isEmpty ? "/" : ""
        return first + output.joined(separator: "/") + last
    }

    /// Normalised `k=v` pairs sorted by key then value, joined by `&`; `excluding` drops one key.
    static func query(_ rawQuery: String, excluding: String? = nil) -> String {
        var pairs: [(key: String, value: String)] = []
        for part in rawQuery.split(separator: "&", omittingEmptySubsequences: true) {
            let eq = part.firstIndex(of: "=") ?? part.endIndex
            let key = PercentEncoding.normalize(part[..<eq])
            let value = eq == part.endIndex ? "" : PercentEncoding.normalize(part[part.index(after: eq)...])
            if key != excluding { pairs.append((key, value)) }
        }
        pairs.sort { $0.key != $1.key ? precedes($0.key, $1.key) : precedes($0.value, $1.value) }
        return pairs.map { "\($0.key)=\($0.value)" }.joined(separator: "&")
    }

    /// One `name:value` line per signed header (plus a trailing newline); repeats joined with `,`.
    static func canonicalHeaders(_ names: [String], from headers: [(name: String, value: String)]) -> String {
        let lowered = headers.map { (name: $0.name.lowercased(), value: $0.value) }
        var text = ""
        for name in names {
            let values = lowered.filter { $0.name == name }.map { trimAll($0.value) }
            text += name + ":" + values.joined(separator: ",") + "\n"
        }
        return text
    }

    /// Whether a `/` is followed by another `/` or a `.` anywhere in the path.
    private static func hasEmptyOrDotSegment(_ bytes: String.UTF8View) -> Bool {
        var previousWasSlash = false
        for byte in bytes {
            if previousWasSlash, byte == UInt8(ascii: "/") || byte == UInt8(ascii: ".") { return true }
            previousWasSlash = byte == UInt8(ascii: "/")
        }
        return false
    }

    /// Trims a header value and collapses internal whitespace runs to one space (Python `' '.join(v.split())`).
    static func trimAll(_ value: String) -> String {
        if isTrimmedPrintableASCII(value.utf8) { return value }
        var words: [String] = []
        var current = String.UnicodeScalarView()
        for scalar in value.unicodeScalars {
            if scalar.properties.isWhitespace || (0x1C...0x1F).contains(scalar.value) {
                if !current.isEmpty { words.append(String(current)) }
                current = String.UnicodeScalarView()
            } else {
                current.append(scalar)
            }
        }
        if !current.isEmpty { words.append(String(current)) }
        return words.joined(separator: " ")
    }

    /// Printable ASCII with single spaces only between words: what `trimAll` would return unchanged.
    private static func isTrimmedPrintableASCII(_ bytes: String.UTF8View) -> Bool {
        var previous: UInt8 = 0x20
        for byte in bytes {
            if byte == 0x20 {
                if previous == 0x20 { return false }
            } else if byte < 0x21 || byte > 0x7E {
                return false
            }
            previous = byte
        }
        return previous != 0x20
    }

    /// `AWS4-HMAC-SHA256\n<amzDate>\n<scope>\n<hex sha256(canonical request)>`.
    static func stringToSign(amzDate: String, scope: String, canonicalRequest: String) -> String {
        [algorithm, amzDate, scope, sha256Hex(Array(canonicalRequest.utf8))].joined(separator: "\n")
    }

    /// The hex signature: HMAC chain `"AWS4"+secret` → date → region → service → `aws4_request` → string to sign.
    static func signature(
        secret: String, dateStamp: String, region: String, service: String, stringToSign: String
    ) -> String {
        let key = signingKey(secret: secret, dateStamp: dateStamp, region: region, service: service)
        return Hex.lowercase(HMAC<SHA256>.authenticationCode(for: Array(stringToSign.utf8), using: SymmetricKey(data: key)))
    }

    /// The derived key of a (secret, day, region, service) scope, remembered: it changes once a day.
    static func signingKey(secret: String, dateStamp: String, region: String, service: String) -> [UInt8] {
        let scope = [secret, dateStamp, region, service].joined(separator: "\u{0}")
        if let key = signingKeys.withLock({ $0[scope] }) { return key }
        var key = Array(("AWS4" + secret).utf8)
        for part in [dateStamp, region, service, terminator] {
            key = Array(HMAC<SHA256>.authenticationCode(for: Array(part.utf8), using: SymmetricKey(data: key)))
        }
        signingKeys.withLock { keys in
            if keys.count >= 1_024 { keys.removeAll(keepingCapacity: true) }
            keys[scope] = key
        }
        return key
    }

    private static let signingKeys = Mutex<[String: [UInt8]]>([:])

    /// Lower-case hex SHA-256 of `bytes`.
    static func sha256Hex(_ bytes: [UInt8]) -> String { Hex.lowercase(SHA256.hash(data: bytes)) }

    /// Compares two strings in time independent of where they differ.
    public static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8)
        let y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var diff: UInt8 = 0
        for i in x.indices { diff |= x[i] ^ y[i] }
        return diff == 0
    }

    /// Byte-wise (code point) ordering, as Python sorts strings.
    static func precedes(_ a: String, _ b: String) -> Bool { a.utf8.lexicographicallyPrecedes(b.utf8) }
}
