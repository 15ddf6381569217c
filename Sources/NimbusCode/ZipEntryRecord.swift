/// What an entry is once extracted.
enum ZipEntryKind: Sendable, Equatable {
    /// A regular file.
    case file
    /// A directory.
    case directory
    /// A symbolic link whose target is the entry's data.
    case symlink
}

/// One central-directory record, with the location of its data resolved from the local header.
struct ZipEntryRecord: Sendable {
    /// Position in the central directory, from 0.
    var index: Int
    /// The name as Unicode (UTF-8 when valid or flagged, else code page 437).
    var name: String
    /// `name` with control characters escaped and long names shortened, for messages.
    var displayName: String
    /// "Version made by": the high byte is the host system (3 Unix, 19 macOS).
    var versionMadeBy: UInt16
    /// General-purpose bit flags.
    var flags: UInt16
    /// Compression method (0 stored, 8 deflate).
    var method: UInt16
    /// CRC-32 of the inflated data, as declared.
    var crc32: UInt32
    /// Size of the stored data, as declared (ZIP64 extra field applied).
    var compressedSize: UInt64
    /// Size of the inflated data, as declared (ZIP64 extra field applied).
    var uncompressedSize: UInt64
    /// External file attributes; the high 16 bits hold the Unix mode on Unix hosts.
    var externalAttributes: UInt32
    /// Offset of the local file header (ZIP64 extra field applied).
    var localHeaderOffset: UInt64
    /// Where the entry's stored data lies in the archive; filled in after the local header is read.
    var dataRange: Range<Int> = 0..<0

    /// Whether the high 16 bits of the external attributes are a Unix mode.
    var hasUnixMode: Bool {
        let host = versionMadeBy >> 8
        return host == 3 || host == 19
    }

    /// The Unix mode, or 0 when the archive was not made on a Unix-like host.
    var unixMode: UInt32 { hasUnixMode ? externalAttributes >> 16 : 0 }

    /// Whether the entry (or the archive's central directory) is encrypted.
    var isEncrypted: Bool { flags & 0x0001 != 0 || flags & 0x0040 != 0 }

    /// Whether any execute bit is set in the Unix mode.
    var isExecutable: Bool { unixMode & 0o111 != 0 }

    /// File, directory or symbolic link, from the Unix mode, the MS-DOS attribute or a trailing slash.
    var kind: ZipEntryKind {
        let type = unixMode & 0o170000
        if type == 0o120000 { return .symlink }
        if type == 0o040000 || name.utf8.last == UInt8(ascii: "/") { return .directory }
        if !hasUnixMode && externalAttributes & 0x10 != 0 { return .directory }
        return .file
    }

    /// Decodes a raw name: UTF-8 when flagged or valid, otherwise IBM code page 437 as the format specifies.
    static func decodeName(_ raw: [UInt8], utf8Flag: Bool) -> String? {
        if let utf8 = String(validating: raw, as: UTF8.self) { return utf8 }
        if utf8Flag { return nil }
        var scalars = String.UnicodeScalarView()
        for byte in raw {
            if byte < 0x80 {
                scalars.append(Unicode.Scalar(byte))
            } else {
                scalars.append(codePage437High[Int(byte - 0x80)])
            }
        }
        return String(scalars)
    }

    /// `name` made safe for a message: control characters escaped, at most 200 characters.
    static func display(_ name: String) -> String {
        var out = ""
        var count = 0
        for scalar in name.unicodeScalars {
            if count == 200 {
                out += "…"
                break
            }
            switch scalar.value {
            case 0: out += "\\0"
            case 0x01..<0x20, 0x7F: out += "\\u{\(String(scalar.value, radix: 16))}"
            default: out.unicodeScalars.append(scalar)
            }
            count += 1
        }
        return out
    }

    /// Code page 437's characters for bytes 0x80–0xFF.
    private static let codePage437High: [Unicode.Scalar] = Array(
        ("ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐"
            + "└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u{00A0}").unicodeScalars
    )
}
