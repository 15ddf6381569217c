/// Bounds-checked little-endian reads, as every zip structure is little-endian.
extension Array where Element == UInt8 {
    /// The 16-bit value at `offset`, or nil past the end.
    func le16(_ offset: Int) -> UInt16? {
        guard offset >= 0, offset <= count - 2 else { return nil }
        return UInt16(self[offset]) | UInt16(self[offset + 1]) << 8
    }

    /// The 32-bit value at `offset`, or nil past the end.
    func le32(_ offset: Int) -> UInt32? {
        guard let low = le16(offset), let high = le16(offset + 2) else { return nil }
        return UInt32(low) | UInt32(high) << 16
    }

    /// The 64-bit value at `offset`, or nil past the end.
    func le64(_ offset: Int) -> UInt64? {
        guard let low = le32(offset), let high = le32(offset + 4) else { return nil }
        return UInt64(low) | UInt64(high) << 32
    }

    /// The `length` bytes at `offset`, or nil past the end.
    func bytes(_ offset: Int, _ length: Int) -> [UInt8]? {
        guard offset >= 0, length >= 0, offset <= count - length else { return nil }
        return Array(self[offset..<(offset + length)])
    }
}
