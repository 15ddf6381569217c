import Testing

@testable import NimbusModel

@Suite struct RandomIDTests {
    @Test func uuidsAreVersion4InLowerCase() {
        for _ in 0..<200 {
            let id = Array(RandomID.uuid().utf8)
            #expect(id.count == 36)
            for (index, char) in id.enumerated() {
                if [8, 13, 18, 23].contains(index) {
                    #expect(char == UInt8(ascii: "-"))
                } else {
                    #expect(Array("0123456789abcdef".utf8).contains(char))
                }
            }
            #expect(id[14] == UInt8(ascii: "4"))
            #expect(Array("89ab".utf8).contains(id[19]))
        }
    }

    @Test func identifiersDoNotRepeat() {
        let uuids = Set((0..<1000).map { _ in RandomID.uuid() })
        #expect(uuids.count == 1000)
        let streams = (0..<100).map { _ in RandomID.hex32() }
        #expect(Set(streams).count == 100)
        #expect(streams.allSatisfy { $0.utf8.count == 32 && !$0.contains("-") })
    }

    @Test func bytesBeyondOneCallAreAllFilled() {
        // 600 bytes take three calls; every byte value should turn up somewhere in a few such draws.
        var seen = Set<UInt8>()
        for _ in 0..<20 {
            let bytes = RandomID.bytes(600)
            #expect(bytes.count == 600)
            seen.formUnion(bytes)
        }
        #expect(seen.count == 256)
        #expect(RandomID.bytes(0).isEmpty)
    }
}
