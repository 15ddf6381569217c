extension StringProtocol {
    /// The text without leading and trailing spaces and tabs (cheaper than Foundation's CharacterSet trim).
    func trimmingASCIIWhitespace() -> String {
        let bytes = Array(self.utf8)
        guard let first = bytes.firstIndex(where: { $0 != 0x20 && $0 != 0x09 }),
            let last = bytes.lastIndex(where: { $0 != 0x20 && $0 != 0x09 })
        else { return "" }
        return String(decoding: bytes[first...last], as: UTF8.self)
    }
}
