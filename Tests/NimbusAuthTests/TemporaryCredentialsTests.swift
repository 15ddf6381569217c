import Foundation
import Synchronization
import Testing

@testable import NimbusAuth

@Suite struct TemporaryCredentialsTests {
    final class Clock: Sendable {
        let now = Mutex(Date(timeIntervalSince1970: 1_800_000_000))
        func advance(_ seconds: TimeInterval) { now.withLock { $0 = $0.addingTimeInterval(seconds) } }
    }

    @Test func issuedCredentialsNeedTheirTokenAndExpire() throws {
        let clock = Clock()
        let issuer = TemporaryCredentials(lifetime: 3600) { clock.now.withLock { $0 } }
        let entry = issuer.issue(accountId: "123456789012")
        #expect(entry.accessKeyId.hasPrefix("ASIA") && entry.accessKeyId.count == 20)
        #expect(entry.secretAccessKey.count == 40 && entry.sessionToken.count == 160)
        #expect(issuer.entry(entry.accessKeyId) == entry)
        let key = try issuer.check(entry, sessionToken: entry.sessionToken)
        #expect(key.accountId == "123456789012" && key.secret == entry.secretAccessKey)
        #expect(throws: SigV4Failure.unrecognizedClient) { try issuer.check(entry, sessionToken: nil) }
        #expect(throws: SigV4Failure.unrecognizedClient) { try issuer.check(entry, sessionToken: "forged") }
        clock.advance(3601)
        #expect(throws: SigV4Failure.expiredToken) { try issuer.check(entry, sessionToken: entry.sessionToken) }
        // Expired entries are forgotten when the next set is issued; revoked ones at once.
        let next = issuer.issue(accountId: "123456789012")
        #expect(issuer.entry(entry.accessKeyId) == nil)
        issuer.revoke(next.accessKeyId)
        #expect(issuer.entry(next.accessKeyId) == nil)
        #expect(next.accessKeyId != entry.accessKeyId && next.sessionToken != entry.sessionToken)
    }
}

@Suite struct CredentialAlphabetTests {
    @Test func randomTextUsesOnlyTheAlphabetAndEveryLetterOfIt() {
        let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
        let text = TemporaryCredentials.random(64_000, alphabet: alphabet)
        #expect(text.utf8.count == 64_000)
        var counts: [Character: Int] = [:]
        for character in text { counts[character, default: 0] += 1 }
        #expect(Set(counts.keys) == Set(alphabet))
        // 1,000 expected per letter; a skewed mapping (e.g. modulo bias) or a stuck generator falls outside.
        #expect(counts.values.allSatisfy { (800...1200).contains($0) }, "\(counts)")
    }

    @Test func alphabetsThatDoNotDivide256AreStillUniformAndExact() {
        let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"  // 62 letters
        let text = TemporaryCredentials.random(62_000, alphabet: alphabet)
        #expect(text.count == 62_000)
        var counts: [Character: Int] = [:]
        for character in text { counts[character, default: 0] += 1 }
        #expect(Set(counts.keys) == Set(alphabet))
        #expect(counts.values.allSatisfy { (800...1200).contains($0) }, "\(counts)")
    }
}
