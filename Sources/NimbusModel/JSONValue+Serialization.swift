/// Compact JSON text with member order kept, written by hand so responses are byte-for-byte predictable.
extension JSONValue {
    /// The compact JSON text.
    public var jsonString: String {
        var out = ""
        out.reserveCapacity(256)
        write(to: &out)
        return out
    }

    /// Appends the compact JSON text to `out`.
    public func write(to out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .double(let d):
            if d.isFinite, d == d.rounded(), abs(d) < 1e15 {
                out += String(Int(d))
                out += ".0"
            } else if d.isFinite {
                out += String(d)
            } else {
                out += "null"
            }
        case .string(let s): Self.writeString(s, to: &out)
        case .array(let items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                item.write(to: &out)
            }
            out += "]"
        case .object(let members):
            out += "{"
            for (i, (key, value)) in members.enumerated() {
                if i > 0 { out += "," }
                Self.writeString(key, to: &out)
                out += ":"
                value.write(to: &out)
            }
            out += "}"
        }
    }

    static func writeString(_ s: String, to out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }
}

/// Builds an ordered JSON object, skipping absent optional members.
public struct JSONObjectBuilder: Sendable {
    /// The members so far.
    public private(set) var members: [(String, JSONValue)] = []

    /// Creates an empty builder.
    public init() {}

    /// Appends a member.
    public mutating func set(_ key: String, _ value: JSONValue) { members.append((key, value)) }
    /// Appends a string member when present.
    public mutating func set(_ key: String, _ value: String?) { if let value { members.append((key, .string(value))) } }
    /// Appends an integer member when present.
    public mutating func set(_ key: String, _ value: Int?) { if let value { members.append((key, .int(value))) } }
    /// Appends a boolean member when present.
    public mutating func set(_ key: String, _ value: Bool?) { if let value { members.append((key, .bool(value))) } }
    /// Appends a member when present.
    public mutating func set(_ key: String, _ value: JSONValue?) { if let value { members.append((key, value)) } }

    /// The object.
    public var value: JSONValue { .object(members) }
}
