import Foundation
import NimbusAuth
import Testing

/// One request signed by botocore (see Fixtures/make_fixtures.py), as it would arrive on the wire.
struct BotocoreFixture: Sendable, CustomTestStringConvertible {
    let name: String
    let method: String
    let rawPath: String
    let rawQuery: String
    /// The query before presigning added its parameters.
    let unsignedQuery: String
    let headers: [(name: String, value: String)]
    /// The headers botocore saw before signing, plus the `Host` its HTTP client sends.
    let unsignedHeaders: [(name: String, value: String)]
    let body: String
    let bodySHA256: String
    let securityToken: String?
    let expires: Int?
    let canonicalRequest: String
    let signature: String

    var testDescription: String { name }

    /// The signed request as the server receives it.
    var request: SigV4Request {
        SigV4Request(method: method, rawPath: rawPath, rawQuery: rawQuery, headers: headers, body: Array(body.utf8))
    }

    /// The request before botocore signed it.
    var unsignedRequest: SigV4Request {
        SigV4Request(
            method: method, rawPath: rawPath, rawQuery: unsignedQuery, headers: unsignedHeaders,
            body: Array(body.utf8))
    }

    /// The value of the `Authorization` header botocore produced, if header-signed.
    var authorization: String? { request.header("Authorization") }
}

/// The inputs every fixture was signed with.
enum Botocore {
    static let accessKeyId = "AKIDEXAMPLE"
    static let secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
    static let region = "us-east-1"
    static let service = "lambda"
    /// 2024-05-01T12:00:00Z.
    static let signedAt = Date(timeIntervalSince1970: 1_714_564_800)

    static func verifier(offset: TimeInterval = 0) -> SigV4Verifier {
        SigV4Verifier(now: { signedAt + offset })
    }

    static func signer(token: String? = nil) -> SigV4Signer {
        SigV4Signer(accessKeyId: accessKeyId, secretAccessKey: secret, region: region, service: service, sessionToken: token)
    }

    /// Parses and verifies `request` with the clock `offset` seconds after signing.
    static func check(
        _ request: SigV4Request, secret: String = Botocore.secret, offset: TimeInterval = 0
    ) throws(SigV4Failure) {
        let verifier = verifier(offset: offset)
        let signature = try verifier.parse(request)
        try verifier.verify(signature, secretAccessKey: secret, request: request)
    }
}

/// Changes the last ASCII letter or digit of `text` to a different one.
func flipLast(_ text: String) -> String {
    var scalars = Array(text.unicodeScalars)
    guard let i = scalars.lastIndex(where: { $0.isASCII && $0.properties.isAlphabetic || ("0"..."9").contains($0) })
    else { return text + "x" }
    scalars[i] = scalars[i] == "a" ? "b" : (scalars[i] == "0" ? "1" : (scalars[i] == "9" ? "8" : "a"))
    return String(String.UnicodeScalarView(scalars))
}

extension SigV4Request {
    /// A copy with every header named `name` given `value`.
    func replacing(header name: String, with value: String) -> SigV4Request {
        var copy = self
        copy.headers = headers.map { $0.name.lowercased() == name.lowercased() ? (name: $0.name, value: value) : $0 }
        return copy
    }
}
