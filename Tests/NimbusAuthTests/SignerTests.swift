import Foundation
import NimbusAuth
import Testing

@Suite("SigV4Signer matches botocore and round-trips through the verifier")
struct SignerTests {
    @Test(arguments: botocoreFixtures.filter { $0.expires == nil && $0.request.header("Date") == nil })
    func headerSignatureEqualsBotocore(_ fixture: BotocoreFixture) throws {
        let signed = Botocore.signer(token: fixture.securityToken).sign(fixture.unsignedRequest, date: Botocore.signedAt)
        #expect(signed.header("Authorization") == fixture.authorization)
        #expect(signed.header("X-Amz-Date") == "20240501T120000Z")
        #expect(signed.header("X-Amz-Security-Token") == fixture.securityToken)
        try Botocore.check(signed)
    }

    @Test(arguments: botocoreFixtures.filter { $0.expires != nil })
    func presignedQueryEqualsBotocore(_ fixture: BotocoreFixture) throws {
        let query = Botocore.signer().presignedQuery(
            for: fixture.unsignedRequest, date: Botocore.signedAt, expires: try #require(fixture.expires))
        #expect(query == fixture.rawQuery)
    }

    @Test func authorizationHeadersAreTheAddedOnes() {
        let request = SigV4Request(
            method: "POST", rawPath: "/2015-03-31/functions/f1/invocations",
            headers: [(name: "Host", value: "localhost:9001"), (name: "Authorization", value: "stale")],
            body: Array("{}".utf8))
        let headers = Botocore.signer(token: "tok").authorizationHeaders(for: request, date: Botocore.signedAt)
        #expect(headers.map(\.name) == ["X-Amz-Date", "X-Amz-Security-Token", "Authorization"])
        #expect(headers[2].value.hasPrefix("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240501/us-east-1/lambda/aws4_request, "))
    }

    @Test func signedRequestWithTokenAndUnsignedPayloadVerifies() throws {
        let request = SigV4Request(
            method: "post", rawPath: "/2015-03-31/functions/my%20fn/invocations", rawQuery: "b=2&a=%7e&a=:",
            headers: [
                (name: "host", value: "127.0.0.1:9001"), (name: "X-Amz-Content-SHA256", value: "UNSIGNED-PAYLOAD"),
                (name: "user-agent", value: "bench"),
            ],
            body: Array(repeating: 7, count: 1000))
        let signed = Botocore.signer(token: "session").sign(request, date: Botocore.signedAt + 30)
        let verifier = Botocore.verifier(offset: 60)
        let signature = try verifier.parse(signed)
        #expect(signature.securityToken == "session")
        #expect(signature.signedHeaders == ["host", "x-amz-content-sha256", "x-amz-date", "x-amz-security-token"])
        try verifier.verify(signature, secretAccessKey: Botocore.secret, request: signed)
        #expect(throws: SigV4Failure.signatureMismatch) {
            try verifier.verify(signature, secretAccessKey: "other", request: signed)
        }
    }

    @Test func presignedRoundTripWithToken() throws {
        let request = SigV4Request(
            method: "GET", rawPath: "/downloads/code.zip", rawQuery: "v=1",
            headers: [(name: "Host", value: "localhost:9001")])
        var presigned = request
        presigned.rawQuery = Botocore.signer(token: "t/+=").presignedQuery(
            for: request, date: Botocore.signedAt, expires: 60)
        #expect(presigned.rawQuery.contains("X-Amz-Security-Token=t%2F%2B%3D"))
        try Botocore.check(presigned, offset: 59)
        #expect(throws: SigV4Failure.self) { try Botocore.check(presigned, offset: 61) }
    }
}
