import Foundation

/// Verifies AWS Signature Version 4 requests as botocore signs them, in two phases so the caller can
/// look the secret up (asynchronously) between `parse` and `verify`.
public struct SigV4Verifier: Sendable {
    /// The clock the skew window and presigned expiry are measured against.
    public var now: @Sendable () -> Date
    /// How far the request time may be from `now`, either way (AWS uses 5 minutes).
    public var skew: TimeInterval

    /// Creates a verifier with a skew window (default 5 minutes) and a clock (default the system clock).
    public init(skew: TimeInterval = 300, now: @escaping @Sendable () -> Date = { Date() }) {
        self.skew = skew
        self.now = now
    }

    /// Checks time, scope and signed headers, then recomputes the signature with `secretAccessKey`
    /// and compares it in constant time.
    public func verify(
        _ signature: SigV4Signature, secretAccessKey: String, request: SigV4Request
    ) throws(SigV4Failure) {
        try checkTime(signature)
        guard signature.signedHeaders.contains("host") else { throw .hostNotSigned }
        try checkScope(signature)
        let expected = SigV4Canonical.signature(
            secret: secretAccessKey, dateStamp: signature.dateStamp, region: signature.region,
            service: signature.service,
            stringToSign: SigV4Canonical.stringToSign(
                amzDate: signature.amzDate, scope: signature.credentialScope,
                canonicalRequest: try canonicalRequest(signature, request)))
        guard SigV4Canonical.constantTimeEqual(expected, signature.signature) else { throw .signatureMismatch }
    }

    /// The canonical request the client should have signed (useful when diagnosing a mismatch).
    public func canonicalRequest(_ signature: SigV4Signature, _ request: SigV4Request) throws(SigV4Failure) -> String {
        SigV4Canonical.request(
            method: request.method, rawPath: request.rawPath, rawQuery: request.rawQuery,
            excludingQueryKey: signature.isPresigned ? "X-Amz-Signature" : nil,
            signedHeaders: signature.signedHeaders, headers: request.headers,
            payloadHash: try payloadHash(request))
    }

    /// `X-Amz-Content-SHA256` when sent (it must match the body unless `UNSIGNED-PAYLOAD`), else the body hash.
    func payloadHash(_ request: SigV4Request) throws(SigV4Failure) -> String {
        guard let declared = request.header("x-amz-content-sha256") else { return request.bodySHA256 }
        if declared != SigV4Canonical.unsignedPayload && declared.lowercased() != request.bodySHA256 {
            throw .contentSHA256Mismatch
        }
        return declared
    }

    private func checkTime(_ signature: SigV4Signature) throws(SigV4Failure) {
        let now = now()
        let time = signature.requestTime
        if time > now + skew {
            throw .signatureNotYetCurrent(amzDate: signature.amzDate, now: now, window: skew)
        }
        if signature.isPresigned, let expires = signature.expires {
            let window = TimeInterval(expires)
            if time < now - window { throw .signatureExpired(amzDate: signature.amzDate, now: now, window: window) }
        } else if time < now - skew {
            throw .signatureExpired(amzDate: signature.amzDate, now: now, window: skew)
        }
    }

    private func checkScope(_ signature: SigV4Signature) throws(SigV4Failure) {
        var problems: [String] = []
        if signature.terminator != SigV4Canonical.terminator {
            problems.append(
                "Credential should be scoped with a valid terminator: 'aws4_request', not '\(signature.terminator)'.")
        }
        let day = String(signature.amzDate.prefix(8))
        if signature.dateStamp != day {
            problems.append(
                "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: "
                    + "'\(signature.dateStamp)' != '\(day)', from '\(signature.amzDate)'.")
        }
        if !problems.isEmpty { throw .invalidSignature(problems.joined(separator: " ")) }
    }
}
