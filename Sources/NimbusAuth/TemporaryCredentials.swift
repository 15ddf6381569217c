import Foundation
import NimbusModel
import Synchronization

/// Short-lived credentials Nimbus hands to the code it runs, as Lambda hands out execution-role
/// credentials: an access key, a secret and a session token, scoped to one account, expiring. They are
/// kept in memory only (sandboxes do not outlive the server).
public final class TemporaryCredentials: Sendable {
    /// One issued set.
    public struct Entry: Sendable, Equatable {
        /// `ASIA…` access key id.
        public var accessKeyId: String
        /// Secret access key.
        public var secretAccessKey: String
        /// Session token; requests must carry it as `X-Amz-Security-Token`.
        public var sessionToken: String
        /// The account the credentials act for.
        public var accountId: String
        /// When they stop working.
        public var expiration: Date
    }

    private let entries = Mutex<[String: Entry]>([:])
    /// How long issued credentials work.
    public let lifetime: TimeInterval
    let now: @Sendable () -> Date

    /// Creates an issuer; credentials last `lifetime` seconds (default 12 hours).
    public init(lifetime: TimeInterval = 12 * 3600, now: @escaping @Sendable () -> Date = { Date() }) {
        self.lifetime = lifetime
        self.now = now
    }

    /// Issues credentials for `accountId` (and forgets expired ones).
    public func issue(accountId: String) -> Entry {
        let clock = now()
        let entry = Entry(
            accessKeyId: "ASIA" + Self.random(16, alphabet: "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"),
            secretAccessKey: Self.random(40, alphabet: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"),
            sessionToken: Self.random(
                160, alphabet: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"),
            accountId: accountId, expiration: clock.addingTimeInterval(lifetime))
        entries.withLock { entries in
            entries = entries.filter { $0.value.expiration > clock }
            entries[entry.accessKeyId] = entry
        }
        return entry
    }

    /// Forgets credentials (their sandbox is gone).
    public func revoke(_ accessKeyId: String) {
        _ = entries.withLock { $0.removeValue(forKey: accessKeyId) }
    }

    /// The entry for an access key id, if it was issued here.
    public func entry(_ accessKeyId: String) -> Entry? { entries.withLock { $0[accessKeyId] } }

    /// Checks the session token and expiry of an issued key; returns (secret, account).
    public func check(_ entry: Entry, sessionToken: String?) throws(SigV4Failure) -> (secret: String, accountId: String) {
        guard let sessionToken, SigV4Canonical.constantTimeEqual(sessionToken, entry.sessionToken) else {
            throw .unrecognizedClient
        }
        guard entry.expiration > now() else { throw .expiredToken }
        return (entry.secretAccessKey, entry.accountId)
    }

    /// `count` characters drawn uniformly from `alphabet` (ASCII, 32 or 64 letters here). The bytes come
    /// from the kernel in one call per 256 rather than one per character or per eight: credentials are
    /// issued on every sandbox assignment.
    static func random(_ count: Int, alphabet: String) -> String {
        let letters = Array(alphabet.utf8)
        // Bytes at or above the largest multiple of the alphabet's size would bias the draw: skipped.
        let limit = UInt8(truncatingIfNeeded: 256 - 256 % letters.count)
        var result: [UInt8] = []
        result.reserveCapacity(count)
        while result.count < count {
            for byte in RandomID.bytes(min(256, count - result.count + 8)) where result.count < count {
                if limit == 0 || byte < limit { result.append(letters[Int(byte) % letters.count]) }
            }
        }
        return String(decoding: result, as: UTF8.self)
    }
}

extension SigV4Failure {
    /// 403: temporary credentials past their expiration.
    public static let expiredToken = SigV4Failure(
        code: "ExpiredTokenException", status: 403, message: "The security token included in the request is expired")
}
