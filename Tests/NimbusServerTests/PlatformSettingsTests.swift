import Testing

@testable import NimbusServer

@Suite struct PlatformSettingsTests {
    @Test("key=value lists: trimmed, and parts without both sides are ignored")
    func pairs() {
        let parsed = NimbusPlatform.pairs(" python3.12 = python3.11,bad,=x,y=, ,nodejs22.x=nodejs20.x ")
        #expect(parsed.pairs.map { "\($0.0)=\($0.1)" } == ["python3.12=python3.11", "nodejs22.x=nodejs20.x"])
        #expect(parsed.malformed == ["bad", "=x", "y="])
        #expect(NimbusPlatform.pairs("").pairs.isEmpty && NimbusPlatform.pairs("").malformed.isEmpty)
    }

    @Test("Pre-initialised counts take non-negative integers only")
    func counts() {
        #expect(NimbusPlatform.counts("python3.11=4, nodejs20.x=0,provided.al2023=-1,x=y") == ["python3.11": 4, "nodejs20.x": 0])
    }
}
