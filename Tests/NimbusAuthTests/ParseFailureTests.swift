import Foundation
import NimbusAuth
import Testing

@Suite("Missing and malformed authorization data")
struct ParseFailureTests {
    let host = (name: "Host", value: "lambda.us-east-1.amazonaws.com")
    let amzDate = (name: "X-Amz-Date", value: "20240501T120000Z")
    let credential = "AKIDEXAMPLE/20240501/us-east-1/lambda/aws4_request"

    func parse(_ headers: [(name: String, value: String)], query: String = "") throws(SigV4Failure) {
        _ = try Botocore.verifier().parse(
            SigV4Request(method: "GET", rawPath: "/2015-03-31/functions/", rawQuery: query, headers: headers))
    }

    func incomplete(_ message: String) -> SigV4Failure {
        SigV4Failure(code: "IncompleteSignatureException", status: 400, message: message)
    }

    @Test func noAuthorizationIsMissingToken() {
        #expect(throws: SigV4Failure.missingAuthenticationToken) { try parse([host, amzDate], query: "MaxItems=1") }
        #expect(SigV4Failure.missingAuthenticationToken.code == "MissingAuthenticationTokenException")
        #expect(SigV4Failure.missingAuthenticationToken.status == 403)
        #expect(SigV4Failure.missingAuthenticationToken.message == "Missing Authentication Token")
    }

    @Test func unrecognizedClientShape() {
        let failure = SigV4Failure.unrecognizedClient
        #expect(failure.code == "UnrecognizedClientException")
        #expect(failure.status == 403)
        #expect(failure.message == "The security token included in the request is invalid.")
    }

    @Test func missingSignatureParameter() {
        let auth = "AWS4-HMAC-SHA256 Credential=\(credential), SignedHeaders=host;x-amz-date"
        #expect(throws: incomplete("Authorization header requires 'Signature' parameter. Authorization=\(auth)")) {
            try parse([host, amzDate, (name: "Authorization", value: auth)])
        }
    }

    @Test func missingEverythingIsListedTogether() {
        let auth = "AWS4-HMAC-SHA256 Foo=bar"
        let message = "Authorization header requires 'Credential' parameter. "
            + "Authorization header requires 'Signature' parameter. "
            + "Authorization header requires 'SignedHeaders' parameter. "
            + "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
            + "Authorization=\(auth)"
        #expect(throws: incomplete(message)) { try parse([host, (name: "Authorization", value: auth)]) }
    }

    @Test func pairWithoutEqualSign() {
        #expect(
            throws: incomplete(
                "'abc.def' not a valid key=value pair (missing equal-sign) in Authorization header: 'Bearer abc.def'.")
        ) { try parse([host, amzDate, (name: "Authorization", value: "Bearer abc.def")]) }
    }

    @Test func unsupportedAlgorithm() {
        let auth = "AWS4-HMAC-SHA512 Credential=\(credential), SignedHeaders=host, Signature=00"
        #expect(throws: incomplete("Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA512' (only AWS4-HMAC-SHA256 for now).")) {
            try parse([host, amzDate, (name: "Authorization", value: auth)])
        }
    }

    @Test func shortCredential() {
        let auth = "AWS4-HMAC-SHA256 Credential=AKID/20240501/us-east-1/lambda, SignedHeaders=host, Signature=00"
        #expect(
            throws: incomplete(
                "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, "
                    + "got 'AKID/20240501/us-east-1/lambda'")
        ) { try parse([host, amzDate, (name: "Authorization", value: auth)]) }
    }

    @Test func badAmzDate() {
        let auth = "AWS4-HMAC-SHA256 Credential=\(credential), SignedHeaders=host, Signature=00"
        #expect(
            throws: incomplete(
                "Date must be in ISO-8601 'basic format'. Got '2024-05-01T12:00:00Z'. See http://en.wikipedia.org/wiki/ISO_8601")
        ) {
            try parse([host, (name: "X-Amz-Date", value: "2024-05-01T12:00:00Z"), (name: "Authorization", value: auth)])
        }
    }

    @Test func presignedMissingParameters() {
        let query = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=\(credential)&X-Amz-Date=20240501T120000Z"
        #expect(
            throws: incomplete(
                "AWS query-string parameters must include 'X-Amz-Signature'. "
                    + "AWS query-string parameters must include 'X-Amz-SignedHeaders'. "
                    + "AWS query-string parameters must include 'X-Amz-Expires'. Re-examine the query-string parameters.")
        ) { try parse([host], query: query) }
    }

    @Test(arguments: ["abc", "-5", "604801"])
    func presignedBadExpires(_ expires: String) {
        let query = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=\(credential)&X-Amz-Date=20240501T120000Z"
            + "&X-Amz-Expires=\(expires)&X-Amz-SignedHeaders=host&X-Amz-Signature=00"
        #expect(throws: SigV4Failure.self) { try parse([host], query: query) }
    }

    @Test func hostMustBeSigned() throws {
        let signer = Botocore.signer()
        let request = signer.sign(
            SigV4Request(method: "GET", rawPath: "/", headers: [(name: "X-Custom", value: "1")]), date: Botocore.signedAt)
        #expect(throws: SigV4Failure.hostNotSigned) { try Botocore.check(request) }
    }

    @Test func scopeDateMustMatchRequestDay() throws {
        let fixture = try #require(botocoreFixtures.first { $0.name == "get-arn-latest" })
        let request = fixture.request.replacing(header: "X-Amz-Date", with: "20240502T000100Z")
        #expect(
            throws: SigV4Failure.invalidSignature(
                "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: "
                    + "'20240501' != '20240502', from '20240502T000100Z'.")
        ) { try Botocore.check(request, offset: 12 * 3600 + 60) }
    }

    @Test func scopeTerminatorMustBeAws4Request() throws {
        let fixture = try #require(botocoreFixtures.first { $0.name == "get-arn-latest" })
        let auth = try #require(fixture.authorization).replacingOccurrences(of: "aws4_request", with: "aws5_request")
        let request = fixture.request.replacing(header: "Authorization", with: auth)
        #expect(
            throws: SigV4Failure.invalidSignature(
                "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'.")
        ) { try Botocore.check(request) }
    }

    @Test func contentHashHeaderMustMatchBody() throws {
        let fixture = try #require(botocoreFixtures.first { $0.name == "post-json" })
        var request = fixture.request
        request.headers.append((name: "X-Amz-Content-SHA256", value: String(repeating: "0", count: 64)))
        #expect(throws: SigV4Failure.contentSHA256Mismatch) { try Botocore.check(request) }
    }
}

@Suite struct AmzDateBoundsTests {
    @Test("An absurd year in the Date header is refused, not trapped on")
    func hugeYear() {
        let request = SigV4Request(
            method: "GET", rawPath: "/", rawQuery: "",
            headers: [
                (name: "Authorization", value: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240501/us-east-1/lambda/aws4_request, SignedHeaders=date;host, Signature=00"),
                (name: "Date", value: "Wed, 01 May 999999999999 12:00:00 GMT"), (name: "Host", value: "h"),
            ])
        #expect(throws: SigV4Failure.self) { try SigV4Verifier().parse(request) }
    }
}
