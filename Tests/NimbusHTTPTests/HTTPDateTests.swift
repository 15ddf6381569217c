import Foundation
import Testing

@testable import NimbusHTTP

@Suite struct HTTPDateTests {
    @Test("The Date header is RFC 9110's IMF-fixdate, in GMT", arguments: [
        (0, "Thu, 01 Jan 1970 00:00:00 GMT"),
        (951_782_400, "Tue, 29 Feb 2000 00:00:00 GMT"),
        (1_796_000_000, "Mon, 30 Nov 2026 00:53:20 GMT"),
    ])
    func fixdate(seconds: Int, text: String) {
        var time = time_t(seconds)
        #expect(HTTPDate.format(&time) == text)
    }

    @Test func theCachedTextIsTheCurrentSecond() {
        for _ in 0..<3 {
            var before = time(nil)
            let cached = HTTPDate.now()
            var after = time(nil)
            #expect(cached == HTTPDate.format(&before) || cached == HTTPDate.format(&after))
        }
    }
}
