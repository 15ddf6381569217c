import Foundation
import NimbusAuth
import Testing

@Suite("Botocore fixtures verify, and any tampering is caught")
struct FixtureVerificationTests {
    @Test(arguments: botocoreFixtures)
    func verifies(_ fixture: BotocoreFixture) throws {
        try Botocore.check(fixture.request)
    }

    @Test(arguments: botocoreFixtures)
    func parsesClaims(_ fixture: BotocoreFixture) throws {
        let signature = try Botocore.verifier().parse(fixture.request)
        #expect(signature.accessKeyId == Botocore.accessKeyId)
        #expect(signature.dateStamp == "20240501")
        #expect(signature.region == Botocore.region)
        #expect(signature.service == Botocore.service)
        #expect(signature.amzDate == "20240501T120000Z")
        #expect(signature.requestTime == Botocore.signedAt)
        #expect(signature.signature == fixture.signature)
        #expect(signature.isPresigned == (fixture.expires != nil))
        #expect(signature.expires == fixture.expires)
        #expect(signature.securityToken == fixture.securityToken)
        #expect(signature.signedHeaders.contains("host"))
    }

    @Test(arguments: botocoreFixtures)
    func canonicalRequestMatchesBotocore(_ fixture: BotocoreFixture) throws {
        let verifier = Botocore.verifier()
        let request = fixture.request
        #expect(try verifier.canonicalRequest(verifier.parse(request), request) == fixture.canonicalRequest)
    }

    @Test(arguments: botocoreFixtures)
    func precomputedBodyHashVerifies(_ fixture: BotocoreFixture) throws {
        let request = SigV4Request(
            method: fixture.method, rawPath: fixture.rawPath, rawQuery: fixture.rawQuery, headers: fixture.headers,
            bodySHA256: fixture.bodySHA256.uppercased())
        try Botocore.check(request)
    }

    @Test(arguments: botocoreFixtures)
    func flippedPathFails(_ fixture: BotocoreFixture) {
        var request = fixture.request
        request.rawPath = flipLast(request.rawPath)
        #expect(throws: SigV4Failure.signatureMismatch) { try Botocore.check(request) }
    }

    @Test(arguments: botocoreFixtures.filter { !$0.unsignedQuery.isEmpty })
    func flippedQueryFails(_ fixture: BotocoreFixture) {
        var request = fixture.request
        request.rawQuery = "R" + request.rawQuery.dropFirst()  // every fixture query starts with another letter
        #expect(throws: SigV4Failure.signatureMismatch) { try Botocore.check(request) }
    }

    @Test(arguments: botocoreFixtures)
    func flippedBodyFails(_ fixture: BotocoreFixture) {
        let body = fixture.body.isEmpty ? "x" : flipLast(fixture.body)
        let request = SigV4Request(
            method: fixture.method, rawPath: fixture.rawPath, rawQuery: fixture.rawQuery, headers: fixture.headers,
            body: Array(body.utf8))
        #expect(throws: SigV4Failure.signatureMismatch) { try Botocore.check(request) }
    }

    @Test(arguments: botocoreFixtures)
    func flippedHostHeaderFails(_ fixture: BotocoreFixture) throws {
        let host = try #require(fixture.request.header("host"))
        let request = fixture.request.replacing(header: "Host", with: flipLast(host))
        #expect(throws: SigV4Failure.signatureMismatch) { try Botocore.check(request) }
    }

    @Test(arguments: botocoreFixtures)
    func flippedSignatureFails(_ fixture: BotocoreFixture) throws {
        let verifier = Botocore.verifier()
        var signature = try verifier.parse(fixture.request)
        signature.signature = flipLast(signature.signature)
        #expect(throws: SigV4Failure.signatureMismatch) {
            try verifier.verify(signature, secretAccessKey: Botocore.secret, request: fixture.request)
        }
    }

    @Test(arguments: botocoreFixtures)
    func wrongSecretFails(_ fixture: BotocoreFixture) {
        #expect(throws: SigV4Failure.signatureMismatch) {
            try Botocore.check(fixture.request, secret: flipLast(Botocore.secret))
        }
    }

    @Test func unsignedHeaderChangesAreIgnored() throws {
        let fixture = try #require(botocoreFixtures.first { $0.name == "post-json" })
        var request = fixture.request.replacing(header: "User-Agent", with: "something-else/2.0")
        request.headers.append((name: "X-Forwarded-For", value: "127.0.0.1"))
        try Botocore.check(request)
    }

    @Test func flippedSignedHeaderValueFails() throws {
        let fixture = try #require(botocoreFixtures.first { $0.name == "post-json" })
        let request = fixture.request.replacing(header: "X-Amz-Invocation-Type", with: "Event")
        #expect(throws: SigV4Failure.signatureMismatch) { try Botocore.check(request) }
    }
}
