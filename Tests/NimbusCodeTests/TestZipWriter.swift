/// One entry for `makeZip`, with every header field open to tampering.
struct TestEntry {
    var name: [UInt8]
    /// The bytes stored in the archive (already deflated when `method` is 8).
    var payload: [UInt8]
    var method: UInt16 = 0
    var crc32: UInt32
    var uncompressedSize: UInt64
    var externalAttributes: UInt32
    var versionMadeBy: UInt16 = 0x031E
    var flags: UInt16 = 0
    var zip64 = false
    var localHeaderOffsetOverride: UInt32?

    static func raw(_ name: String, payload: [UInt8], method: UInt16 = 0, mode: UInt32 = 0o100644,
                    inflated: [UInt8]? = nil) -> TestEntry {
        let content = inflated ?? payload
        return TestEntry(name: Array(name.utf8), payload: payload, method: method, crc32: CRC32.of(content),
                         uncompressedSize: UInt64(content.count), externalAttributes: mode << 16)
    }

    static func file(_ name: String, _ text: String, mode: UInt32 = 0o100644) -> TestEntry {
        raw(name, payload: Array(text.utf8), mode: mode)
    }

    static func file(_ name: String, bytes: [UInt8], mode: UInt32 = 0o100644) -> TestEntry {
        raw(name, payload: bytes, mode: mode)
    }

    static func deflated(_ name: String, _ bytes: [UInt8], mode: UInt32 = 0o100644) -> TestEntry {
        raw(name, payload: Deflate.fixedHuffman(bytes), method: 8, mode: mode, inflated: bytes)
    }

    static func directory(_ name: String) -> TestEntry {
        raw(name, payload: [], mode: 0o040755)
    }

    static func symlink(_ name: String, to target: String) -> TestEntry {
        raw(name, payload: Array(target.utf8), mode: 0o120777)
    }
}

/// Writes a zip archive byte by byte, so malformed archives can be made on purpose.
func makeZip(_ entries: [TestEntry], zip64EndRecord: Bool = false) -> [UInt8] {
    var out: [UInt8] = []
    var central: [UInt8] = []
    for entry in entries {
        let offset = UInt32(out.count)
        let extra: [UInt8] = entry.zip64
            ? le16(1) + le16(16) + le64(entry.uncompressedSize) + le64(UInt64(entry.payload.count)) : []
        let size32 = entry.zip64 ? 0xFFFF_FFFF : UInt32(truncatingIfNeeded: entry.uncompressedSize)
        let compressed32 = entry.zip64 ? 0xFFFF_FFFF : UInt32(entry.payload.count)
        let common = le16(entry.zip64 ? 45 : 20) + le16(entry.flags) + le16(entry.method) + le16(0) + le16(0x21)
            + le32(entry.crc32) + le32(compressed32) + le32(size32) + le16(UInt16(entry.name.count))
            + le16(UInt16(extra.count))
        out += le32(0x0403_4B50) + common + entry.name + extra + entry.payload
        central += le32(0x0201_4B50) + le16(entry.versionMadeBy) + common + le16(0) + le16(0) + le16(0)
            + le32(entry.externalAttributes) + le32(entry.localHeaderOffsetOverride ?? offset) + entry.name + extra
    }
    let centralOffset = out.count
    out += central
    let count = UInt64(entries.count)
    if zip64EndRecord {
        let recordOffset = UInt64(out.count)
        out += le32(0x0606_4B50) + le64(44) + le16(0x031E) + le16(45) + le32(0) + le32(0) + le64(count) + le64(count)
            + le64(UInt64(central.count)) + le64(UInt64(centralOffset))
        out += le32(0x0706_4B50) + le32(0) + le64(recordOffset) + le32(1)
        out += le32(0x0605_4B50) + le16(0) + le16(0) + le16(0xFFFF) + le16(0xFFFF)
            + le32(0xFFFF_FFFF) + le32(0xFFFF_FFFF) + le16(0)
    } else {
        out += le32(0x0605_4B50) + le16(0) + le16(0) + le16(UInt16(count)) + le16(UInt16(count))
            + le32(UInt32(central.count)) + le32(UInt32(centralOffset)) + le16(0)
    }
    return out
}

func le16(_ value: UInt16) -> [UInt8] { [UInt8(value & 0xFF), UInt8(value >> 8)] }
func le32(_ value: UInt32) -> [UInt8] { le16(UInt16(value & 0xFFFF)) + le16(UInt16(value >> 16)) }
func le64(_ value: UInt64) -> [UInt8] { le32(UInt32(value & 0xFFFF_FFFF)) + le32(UInt32(value >> 32)) }

/// CRC-32 (IEEE 802.3), as zip uses.
enum CRC32 {
    static let table: [UInt32] = (0..<256).map { index in
        var value = UInt32(index)
        for _ in 0..<8 { value = value & 1 != 0 ? 0xEDB8_8320 ^ (value >> 1) : value >> 1 }
        return value
    }

    static func of(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }
}

/// Hand-made raw deflate streams (RFC 1951).
enum Deflate {
    /// Packs bits least-significant first; Huffman codes go most-significant bit first.
    struct BitWriter {
        var bytes: [UInt8] = []
        var bitCount = 0

        mutating func bits(_ value: UInt32, _ count: Int) {
            for index in 0..<count {
                if bitCount % 8 == 0 { bytes.append(0) }
                if (value >> UInt32(index)) & 1 != 0 { bytes[bytes.count - 1] |= UInt8(1 << (bitCount % 8)) }
                bitCount += 1
            }
        }

        mutating func code(_ value: UInt32, _ count: Int) {
            for index in (0..<count).reversed() { bits((value >> UInt32(index)) & 1, 1) }
        }

        mutating func zeroBits(_ count: Int) {
            bitCount += count
            bytes += [UInt8](repeating: 0, count: (bitCount + 7) / 8 - bytes.count)
        }
    }

    /// One final block with the fixed Huffman code, literals only: real Huffman decoding, no compression.
    static func fixedHuffman(_ data: [UInt8]) -> [UInt8] {
        var writer = BitWriter()
        writer.bits(1, 1)
        writer.bits(1, 2)
        for byte in data {
            if byte < 144 { writer.code(0x30 + UInt32(byte), 8) } else { writer.code(0x190 + UInt32(byte) - 144, 9) }
        }
        writer.code(0, 7)
        return writer.bytes
    }

    /// A dynamic-Huffman block inflating to `1 + 258 * pairs` zero bytes at two bits per 258 bytes (~1:1032):
    /// a literal 0, then `pairs` copies of (length 258, distance 1), each coded in one bit plus one bit.
    static func zeroBomb(pairs: Int) -> (deflated: [UInt8], inflatedSize: Int) {
        var writer = BitWriter()
        writer.bits(1, 1)    // BFINAL
        writer.bits(2, 2)    // dynamic Huffman
        writer.bits(29, 5)   // 286 literal/length codes
        writer.bits(0, 5)    // 1 distance code
        writer.bits(14, 4)   // 18 code-length codes
        let order = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1]
        let lengths: [Int: UInt32] = [18: 1, 1: 2, 2: 2]   // codes: 18 -> 0, 1 -> 10, 2 -> 11
        for symbol in order { writer.bits(lengths[symbol] ?? 0, 3) }
        writer.code(0b11, 2)                                  // literal 0: length 2
        writer.code(0, 1); writer.bits(127, 7)                // 138 zeros
        writer.code(0, 1); writer.bits(106, 7)                // 117 zeros (1...255)
        writer.code(0b11, 2)                                  // 256 (end of block): length 2
        writer.code(0, 1); writer.bits(17, 7)                 // 28 zeros (257...284)
        writer.code(0b10, 2)                                  // 285 (length 258): length 1
        writer.code(0b10, 2)                                  // distance 0: length 1
        writer.code(0b10, 2)                                  // data: literal 0 (code 10)
        writer.zeroBits(2 * pairs)                            // (285 -> 0, distance 0 -> 0) per pair
        writer.code(0b11, 2)                                  // end of block
        return (writer.bytes, 1 + 258 * pairs)
    }
}
