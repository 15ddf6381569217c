/// The `[A-Za-z0-9_-]` character class many AWS names share (function names, queue names, batch ids).
public enum ASCIIWord {
    /// Whether `byte` is an ASCII letter, digit, `-` or `_`.
    public static func contains(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
            || byte == 0x2D || byte == 0x5F
    }

    /// Whether `text` is 1 to `maxLength` bytes of the class.
    public static func matches(_ text: String, maxLength: Int) -> Bool {
        !text.isEmpty && text.utf8.count <= maxLength && text.utf8.allSatisfy(contains)
    }
}
