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

extension Substring {
    /// Splits at an ASCII byte, working on UTF-8 bytes instead of `Character`s (no grapheme breaking);
    /// for the separators of signature headers and credential scopes.
    func asciiSplit(_ separator: UInt8, omittingEmptySubsequences: Bool = true) -> [Substring] {
        utf8.split(separator: separator, omittingEmptySubsequences: omittingEmptySubsequences).map { Substring($0) }
    }
}

extension String {
    /// See `Substring.asciiSplit`.
    func asciiSplit(_ separator: UInt8, omittingEmptySubsequences: Bool = true) -> [Substring] {
        self[...].asciiSplit(separator, omittingEmptySubsequences: omittingEmptySubsequences)
    }
}
