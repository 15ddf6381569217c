#if canImport(Glibc)
import Glibc
#endif

/// Random bytes and identifiers from the kernel's generator, one `getentropy` call each. Foundation's
/// `UUID()` opens, reads and closes `/dev/urandom` every time (three system calls), and the invoke path
/// makes one per request.
public enum RandomID {
    /// A version-4 UUID in lower case, `xxxxxxxx-xxxx-4xxx-Yxxx-xxxxxxxxxxxx` (Y one of 8, 9, a, b): what
    /// `UUID().uuidString.lowercased()` gives.
    public static func uuid() -> String {
        var bytes = RandomID.bytes(16)
        bytes[6] = (bytes[6] & 0x0f) | 0x40  // version 4
        bytes[8] = (bytes[8] & 0x3f) | 0x80  // RFC 4122 variant
        return format(bytes, dashes: true)
    }

    /// 32 lower-case hex digits (a UUID without dashes), as Lambda's log stream names end.
    public static func hex32() -> String { format(bytes(16), dashes: false) }

    /// `count` random bytes (at most 256 per system call).
    public static func bytes(_ count: Int) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            var offset = 0
            while offset < count {
                let chunk = min(256, count - offset)
                // getentropy only fails for more than 256 bytes or a kernel without getrandom(2).
                precondition(getentropy(buffer.baseAddress! + offset, chunk) == 0, "getentropy failed: \(errno)")
                offset += chunk
            }
            initialized = count
        }
    }

    private static func format(_ bytes: [UInt8], dashes: Bool) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(36)
        for (index, byte) in bytes.enumerated() {
            if dashes, index == 4 || index == 6 || index == 8 || index == 10 { text.append(UInt8(ascii: "-")) }
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
