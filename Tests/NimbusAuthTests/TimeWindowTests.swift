import Foundation
import NimbusAuth
import Testing

@Suite("Clock skew and presigned expiry")
struct TimeWindowTests {
    let headerSigned = botocoreFixtures.first { $0.name == "get-arn-latest" }!
    let presigned = botocoreFixtures.first { $0.name == "presigned-get" }!

    @Test(arguments: [-240.0, 240.0, 300.0, -300.0])
    func withinSkewPasses(_ offset: TimeInterval) throws {
        try Botocore.check(headerSigned.request, offset: offset)
    }

    @Test func sixMinutesLateIsExpired() {
        #expect(
            throws: SigV4Failure(
                code: "InvalidSignatureException", status: 403,
                message: "Signature expired: 20240501T120000Z is now earlier than 20240501T120100Z "
                    + "(20240501T120600Z - 5 min.)")
        ) { try Botocore.check(headerSigned.request, offset: 360) }
    }

    @Test func sixMinutesEarlyIsNotYetCurrent() {
        #expect(
            throws: SigV4Failure(
                code: "InvalidSignatureException", status: 403,
                message: "Signature not yet current: 20240501T120000Z is still later than 20240501T115900Z "
                    + "(20240501T115400Z + 5 min.)")
        ) { try Botocore.check(headerSigned.request, offset: -360) }
    }

    @Test func dateHeaderFallbackHonoursSkew() throws {
        let fixture = try #require(botocoreFixtures.first { $0.name == "get-date-header" })
        try Botocore.check(fixture.request, offset: 240)
        #expect(throws: SigV4Failure.self) { try Botocore.check(fixture.request, offset: 360) }
    }

    @Test(arguments: [-240.0, 0.0, 360.0, 899.0, 900.0])
    func presignedValidUntilExpiry(_ offset: TimeInterval) throws {
        try Botocore.check(presigned.request, offset: offset)
    }

    @Test func presignedPastExpiryFails() {
        #expect(
            throws: SigV4Failure(
                code: "InvalidSignatureException", status: 403,
                message: "Signature expired: 20240501T120000Z is now earlier than 20240501T120001Z "
                    + "(20240501T121501Z - 15 min.)")
        ) { try Botocore.check(presigned.request, offset: 901) }
    }

    @Test func presignedFromTheFutureFails() {
        #expect(throws: SigV4Failure.self) { try Botocore.check(presigned.request, offset: -360) }
    }

    @Test func customSkewWindow() throws {
        let verifier = SigV4Verifier(skew: 90, now: { Botocore.signedAt + 120 })
        let request = headerSigned.request
        #expect(
            throws: SigV4Failure.invalidSignature(
                "Signature expired: 20240501T120000Z is now earlier than 20240501T120030Z (20240501T120200Z - 90 sec.)")
        ) { try verifier.verify(verifier.parse(request), secretAccessKey: Botocore.secret, request: request) }
    }
}
