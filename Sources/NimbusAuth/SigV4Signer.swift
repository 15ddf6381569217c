import Foundation

/// Signs requests with AWS Signature Version 4 the way botocore's `SigV4Auth` / `SigV4QueryAuth` do:
/// every header present is signed except botocore's hop-by-hop list, so the request must carry `Host`.
public struct SigV4Signer: Sendable {
    /// The access key id.
    public var accessKeyId: String
    /// The secret access key.
    public var secretAccessKey: String
    /// The region of the credential scope.
    public var region: String
    /// The service of the credential scope, e.g. `lambda`.
    public var service: String
    /// A session token, sent as `X-Amz-Security-Token` when set.
    public var sessionToken: String?

    /// Creates a signer for one set of credentials and one scope.
    public init(
        accessKeyId: String, secretAccessKey: String, region: String, service: String,
        sessionToken: String? = nil
    ) {
        self.accessKeyId = accessKeyId
        self.secretAccessKey = secretAccessKey
        self.region = region
        self.service = service
        self.sessionToken = sessionToken
    }

    /// Headers botocore never signs (`SIGNED_HEADERS_BLACKLIST`).
    public static let unsignedHeaderNames: Set<String> = [
        "connection", "expect", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
        "transfer-encoding", "upgrade", "user-agent", "x-amzn-trace-id",
    ]

    /// The headers to add for header signing, at `date`: `X-Amz-Date`, `X-Amz-Security-Token` (with a
    /// session token) and `Authorization`. Existing ones of those names are ignored.
    public func authorizationHeaders(for request: SigV4Request, date: Date) -> [(name: String, value: String)] {
        Array(sign(request, date: date).headers.suffix(sessionToken == nil ? 2 : 3))
    }

    /// A copy of `request` with old auth headers removed and fresh `X-Amz-Date`, token and `Authorization` added.
    public func sign(_ request: SigV4Request, date: Date) -> SigV4Request {
        let amzDate = AmzDate.format(date)
        var replaced: Set<String> = ["authorization", "x-amz-date"]
        if sessionToken != nil { replaced.insert("x-amz-security-token") }
        var signed = request
        signed.headers = request.headers.filter { !replaced.contains($0.name.lowercased()) }
        signed.headers.append((name: "X-Amz-Date", value: amzDate))
        if let sessionToken { signed.headers.append((name: "X-Amz-Security-Token", value: sessionToken)) }
        let names = signedHeaderNames(signed.headers)
        let signature = self.signature(for: signed, amzDate: amzDate, signedHeaders: names)
        let value = "\(SigV4Canonical.algorithm) Credential=\(accessKeyId)/\(scope(amzDate)), "
            + "SignedHeaders=\(names.joined(separator: ";")), Signature=\(signature)"
        signed.headers.append((name: "Authorization", value: value))
        return signed
    }

    /// The query string of a presigned URL for `request` at `date`, valid for `expires` seconds: the
    /// request's own parameters, then the `X-Amz-*` auth parameters, then `X-Amz-Signature`.
    public func presignedQuery(for request: SigV4Request, date: Date, expires: Int = 3600) -> String {
        let amzDate = AmzDate.format(date)
        let names = signedHeaderNames(request.headers)
        var auth: [(String, String)] = [
            ("X-Amz-Algorithm", SigV4Canonical.algorithm), ("X-Amz-Credential", "\(accessKeyId)/\(scope(amzDate))"),
            ("X-Amz-Date", amzDate), ("X-Amz-Expires", String(expires)),
            ("X-Amz-SignedHeaders", names.joined(separator: ";")),
        ]
        if let sessionToken { auth.append(("X-Amz-Security-Token", sessionToken)) }
        let authKeys = Set(auth.map(\.0) + ["X-Amz-Signature"])
        var parts: [String] = []
        for part in request.rawQuery.split(separator: "&") {
            let eq = part.firstIndex(of: "=") ?? part.endIndex
            let key = PercentEncoding.normalize(part[..<eq])
            guard !authKeys.contains(key) else { continue }
            parts.append(key + "=" + (eq == part.endIndex ? "" : PercentEncoding.normalize(part[part.index(after: eq)...])))
        }
        parts += auth.map { PercentEncoding.encode($0.0.utf8) + "=" + PercentEncoding.encode($0.1.utf8) }
        var unsigned = request
        unsigned.rawQuery = parts.joined(separator: "&")
        let signature = self.signature(for: unsigned, amzDate: amzDate, signedHeaders: names)
        return unsigned.rawQuery + "&X-Amz-Signature=" + signature
    }

    private func scope(_ amzDate: String) -> String {
        "\(amzDate.prefix(8))/\(region)/\(service)/\(SigV4Canonical.terminator)"
    }

    private func signedHeaderNames(_ headers: [(name: String, value: String)]) -> [String] {
        Set(headers.map { $0.name.lowercased() }).subtracting(Self.unsignedHeaderNames)
            .sorted(by: SigV4Canonical.precedes)
    }

    private func signature(for request: SigV4Request, amzDate: String, signedHeaders: [String]) -> String {
        let payload = request.header("x-amz-content-sha256") ?? request.bodySHA256
        let canonical = SigV4Canonical.request(
            method: request.method, rawPath: request.rawPath, rawQuery: request.rawQuery,
            signedHeaders: signedHeaders, headers: request.headers, payloadHash: payload)
        return SigV4Canonical.signature(
            secret: secretAccessKey, dateStamp: String(amzDate.prefix(8)), region: region, service: service,
            stringToSign: SigV4Canonical.stringToSign(amzDate: amzDate, scope: scope(amzDate), canonicalRequest: canonical))
    }
}
