import Foundation

/// Why a request failed SigV4 authentication, in the shape AWS reports it
/// (`code` goes in `x-amzn-ErrorType`, `message` in the JSON body).
public struct SigV4Failure: Error, Sendable, Equatable, CustomStringConvertible {
    /// The AWS error code, e.g. `InvalidSignatureException`.
    public var code: String
    /// The HTTP status code.
    public var status: Int
    /// The human-readable message.
    public var message: String

    /// Creates a failure.
    public init(code: String, status: Int, message: String) {
        self.code = code
        self.status = status
        self.message = message
    }

    /// `Code (status): message`, for logs.
    public var description: String { "\(code) (\(status)): \(message)" }
}

extension SigV4Failure {
    /// 403: neither an `Authorization` header nor presigned query parameters.
    public static let missingAuthenticationToken = SigV4Failure(
        code: "MissingAuthenticationTokenException", status: 403, message: "Missing Authentication Token")

    /// 403: the access key id is unknown (raised by the caller when its secret lookup fails).
    public static let unrecognizedClient = SigV4Failure(
        code: "UnrecognizedClientException", status: 403,
        message: "The security token included in the request is invalid.")

    /// 403: the recomputed signature differs from the one sent.
    public static let signatureMismatch = invalidSignature(
        "The request signature we calculated does not match the signature you provided. "
            + "Check your AWS Secret Access Key and signing method. Consult the service documentation for details.")

    /// 403: `host` is not among the signed headers.
    public static let hostNotSigned = invalidSignature(
        "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")

    /// 403: `X-Amz-Content-SHA256` names a hash other than the body's.
    public static let contentSHA256Mismatch = invalidSignature(
        "The provided 'x-amz-content-sha256' header does not match what was computed.")

    /// 400 `IncompleteSignatureException`: the authorization data is malformed or incomplete.
    public static func incompleteSignature(_ message: String) -> SigV4Failure {
        SigV4Failure(code: "IncompleteSignatureException", status: 400, message: message)
    }

    /// 403 `InvalidSignatureException` with the given message.
    public static func invalidSignature(_ message: String) -> SigV4Failure {
        SigV4Failure(code: "InvalidSignatureException", status: 403, message: message)
    }

    /// 403: the request time is older than `now - window`.
    public static func signatureExpired(amzDate: String, now: Date, window: TimeInterval) -> SigV4Failure {
        invalidSignature(
            "Signature expired: \(amzDate) is now earlier than \(AmzDate.format(now - window)) "
                + "(\(AmzDate.format(now)) - \(AmzDate.describe(window)))")
    }

    /// 403: the request time is later than `now + window`.
    public static func signatureNotYetCurrent(amzDate: String, now: Date, window: TimeInterval) -> SigV4Failure {
        invalidSignature(
            "Signature not yet current: \(amzDate) is still later than \(AmzDate.format(now + window)) "
                + "(\(AmzDate.format(now)) + \(AmzDate.describe(window)))")
    }
}
