import Foundation

/// The signature claims read from a request by `SigV4Verifier.parse`, before the secret is known.
public struct SigV4Signature: Sendable, Equatable {
    /// The access key id from the credential scope.
    public var accessKeyId: String
    /// The `yyyymmdd` date of the credential scope.
    public var dateStamp: String
    /// The region of the credential scope.
    public var region: String
    /// The service of the credential scope.
    public var service: String
    /// The last credential scope element (valid only when `aws4_request`).
    public var terminator: String
    /// The signed header names, lower-cased, in the order the client listed them.
    public var signedHeaders: [String]
    /// The hex signature the client sent.
    public var signature: String
    /// The request time as `yyyymmddTHHMMSSZ` (from `X-Amz-Date`, or converted from `Date`).
    public var amzDate: String
    /// The request time.
    public var requestTime: Date
    /// Whether the signature came from the query string (a presigned URL).
    public var isPresigned: Bool
    /// `X-Amz-Expires` in seconds, for presigned requests.
    public var expires: Int?
    /// The `X-Amz-Security-Token`, when the client sent one.
    public var securityToken: String?

    /// Creates a parsed signature.
    public init(
        accessKeyId: String, dateStamp: String, region: String, service: String, terminator: String,
        signedHeaders: [String], signature: String, amzDate: String, requestTime: Date,
        isPresigned: Bool, expires: Int? = nil, securityToken: String? = nil
    ) {
        self.accessKeyId = accessKeyId
        self.dateStamp = dateStamp
        self.region = region
        self.service = service
        self.terminator = terminator
        self.signedHeaders = signedHeaders
        self.signature = signature
        self.amzDate = amzDate
        self.requestTime = requestTime
        self.isPresigned = isPresigned
        self.expires = expires
        self.securityToken = securityToken
    }

    /// The credential scope without the access key: `date/region/service/terminator`.
    public var credentialScope: String { "\(dateStamp)/\(region)/\(service)/\(terminator)" }
}
