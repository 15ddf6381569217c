import Testing

@testable import NimbusSandbox

@Suite struct CgroupNumberTests {
    @Test func controlFileNumbersAreParsedFromTheirBytes() {
        #expect(CgroupV1.decimal(Array("1234567\n".utf8)) == 1_234_567)
        #expect(CgroupV1.decimal(Array("9223372036854771712\n".utf8)) == 9_223_372_036_854_771_712)
        #expect(CgroupV1.decimal(Array("0".utf8)) == 0)
    }

    @Test func whatIsNotANumberGivesNil() {
        #expect(CgroupV1.decimal(Array("\n".utf8)) == nil)
        #expect(CgroupV1.decimal(Array("max\n".utf8)) == nil)
        #expect(CgroupV1.decimal([UInt8]()) == nil)
        #expect(CgroupV1.decimal(Array("99999999999999999999\n".utf8)) == nil)
    }
}
