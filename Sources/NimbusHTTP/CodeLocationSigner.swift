import Crypto
import Foundation
import NimbusAuth
import NimbusModel
import NimbusStore

/// Mints and checks the pre-signed `Code.Location` URLs: an HMAC over the account, region,
/// function, qualifier and expiry with a server secret, so only the owner's URL opens the zip.
public struct CodeLocationSigner: Sendable {
    let secret: [UInt8]
    let base: @Sendable () -> String
    let lifetime: TimeInterval

    /// Creates a signer with the server secret and the public base URL.
    public init(secret: [UInt8], base: @escaping @Sendable () -> String, lifetime: TimeInterval = 600) {
        self.secret = secret
        self.base = base
        self.lifetime = lifetime
    }

    static let prefix = "/_nimbus/code/"

    /// The URL for a function's code at a qualifier.
    public func url(for key: FunctionKey, qualifier: String, now: Date = Date()) -> String {
        let expires = Int(now.timeIntervalSince1970 + lifetime)
        let parts = [key.accountId, key.region, key.name, qualifier]
        let path = Self.prefix + parts.map(Self.escape).joined(separator: "/")
        return "\(base())\(path)?expires=\(expires)&signature=\(signature(parts, expires: expires))"
    }

    /// The function and qualifier a URL names, when its signature is valid and unexpired.
    func verify(rawPath: String, query: [(String, String)], now: Date = Date()) -> (FunctionKey, String)? {
        guard rawPath.hasPrefix(Self.prefix),
            let expires = query.first(where: { $0.0 == "expires" }).flatMap({ Int($0.1) }),
            let given = query.first(where: { $0.0 == "signature" })?.1,
            Double(expires) >= now.timeIntervalSince1970
        else { return nil }
        // Sign and check the decoded components, so clients that re-encode the path still match.
        let parts = rawPath.dropFirst(Self.prefix.count).split(separator: "/").map {
            String($0).removingPercentEncoding ?? String($0)
        }
        guard parts.count == 4, SigV4Canonical.constantTimeEqual(given, signature(parts, expires: expires)) else { return nil }
        return (FunctionKey(accountId: parts[0], region: parts[1], name: parts[2]), parts[3])
    }

    private func signature(_ parts: [String], expires: Int) -> String {
        let message = (parts + [String(expires)]).joined(separator: "\n")
        let mac = HMAC<SHA256>.authenticationCode(for: Data(message.utf8), using: SymmetricKey(data: secret))
        return Hex.lowercase(mac)
    }

    private static let unreserved = CharacterSet(
        charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~")

    private static func escape(_ s: String) -> String {
        s.addingPercentEncoding(withAllowedCharacters: unreserved) ?? s
    }
}
