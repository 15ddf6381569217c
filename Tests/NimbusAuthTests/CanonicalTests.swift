import Foundation
import Testing

@testable import NimbusAuth

@Suite("Canonicalisation details")
struct CanonicalTests {
    @Test(arguments: [
        ("", "/"), ("/", "/"), ("/a//b/./c/../d/", "/a/b/d/"), ("/..", "/"), ("/a/b", "/a/b"),
        ("/arn%3Aaws%3Alambda", "/arn%253Aaws%253Alambda"), ("/f n/é", "/f%20n/%C3%A9"),
        ("/a/.hidden/b", "/a/.hidden/b"), ("/a/b//", "/a/b/"), ("/a/b/.", "/a/b"),
    ])
    func uri(_ raw: String, _ expected: String) {
        #expect(SigV4Canonical.uri(raw) == expected)
    }

    @Test func queryIsNormalisedAndSorted() {
        #expect(SigV4Canonical.query("b=%7e&a=x%3ay&a=%3A&c&d=+") == "a=%3A&a=x%3Ay&b=~&c=&d=%2B")
        #expect(SigV4Canonical.query("X-Amz-Signature=ab&z=1", excluding: "X-Amz-Signature") == "z=1")
        #expect(SigV4Canonical.query("") == "")
    }

    @Test func headerValuesAreTrimmed() {
        #expect(SigV4Canonical.trimAll("  a   b\tc \n d  ") == "a b c d")
        #expect(SigV4Canonical.trimAll("") == "")
        // Values that are already trimmed come back as they are; anything else takes the full path.
        #expect(SigV4Canonical.trimAll("application/x-amz-json-1.0") == "application/x-amz-json-1.0")
        #expect(SigV4Canonical.trimAll("a b") == "a b")
        #expect(SigV4Canonical.trimAll("a  b ") == "a b")
        #expect(SigV4Canonical.trimAll(" a") == "a")
        #expect(SigV4Canonical.trimAll("a\u{1F}b") == "a b")
        #expect(SigV4Canonical.trimAll("é  ü") == "é ü")
    }

    @Test func amzDateRoundTrip() throws {
        let date = try #require(AmzDate.parse("20240229T235959Z"))
        #expect(AmzDate.format(date) == "20240229T235959Z")
        #expect(AmzDate.format(Date(timeIntervalSince1970: 0)) == "19700101T000000Z")
        #expect(AmzDate.parse("20230229T000000Z") == nil)
        #expect(AmzDate.parse("20240501T120000") == nil)
        #expect(AmzDate.parse("2024050xT120000Z") == nil)
    }

    @Test func httpDates() {
        let noon = Date(timeIntervalSince1970: 1_714_564_800)
        #expect(AmzDate.parseHTTPDate("Wed, 01 May 2024 12:00:00 GMT") == noon)
        #expect(AmzDate.parseHTTPDate("Wed, 01 May 2024 12:00:00 -0000") == noon)
        #expect(AmzDate.parseHTTPDate("Wed, 01 May 2024 14:00:00 +0200") == noon)
        #expect(AmzDate.parseHTTPDate("yesterday") == nil)
    }

    @Test func signingKeyMatchesAwsDocumentationExample() {
        // The worked example in AWS's SigV4 documentation (IAM ListUsers, 2015-08-30).
        let canonical = SigV4Canonical.request(
            method: "GET", rawPath: "/", rawQuery: "Action=ListUsers&Version=2010-05-08",
            signedHeaders: ["content-type", "host", "x-amz-date"],
            headers: [
                (name: "Host", value: "iam.amazonaws.com"),
                (name: "Content-Type", value: "application/x-www-form-urlencoded; charset=utf-8"),
                (name: "X-Amz-Date", value: "20150830T123600Z"),
            ],
            payloadHash: SigV4Canonical.sha256Hex([]))
        let stringToSign = SigV4Canonical.stringToSign(
            amzDate: "20150830T123600Z", scope: "20150830/us-east-1/iam/aws4_request", canonicalRequest: canonical)
        #expect(
            stringToSign.hasSuffix("f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59"))
        let signature = SigV4Canonical.signature(
            secret: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", dateStamp: "20150830", region: "us-east-1",
            service: "iam", stringToSign: stringToSign)
        #expect(signature == "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7")
    }
}
