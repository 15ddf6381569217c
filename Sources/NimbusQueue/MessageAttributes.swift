import Crypto
import Foundation
import NimbusModel

/// One message attribute as SQS carries it.
public struct MessageAttribute: Sendable, Equatable {
    /// `String`, `Number` or `Binary`, optionally with a `.custom` suffix.
    public var dataType: String
    /// The value of a String or Number attribute.
    public var stringValue: String?
    /// The value of a Binary attribute.
    public var binaryValue: [UInt8]?

    /// Creates an attribute.
    public init(dataType: String, stringValue: String? = nil, binaryValue: [UInt8]? = nil) {
        self.dataType = dataType
        self.stringValue = stringValue
        self.binaryValue = binaryValue
    }

    /// The bytes the attribute adds to a message's size: name, type and value.
    func size(name: String) -> Int {
        name.utf8.count + dataType.utf8.count + (stringValue?.utf8.count ?? binaryValue?.count ?? 0)
    }

    var json: JSONValue {
        var o = JSONObjectBuilder()
        o.set("StringValue", stringValue)
        if let binaryValue { o.set("BinaryValue", Data(binaryValue).base64EncodedString()) }
        o.set("DataType", dataType)
        return o.value
    }
}

/// Parsing, validation, MD5 and storage of message attributes (`MessageAttributes` of SendMessage).
public enum MessageAttributes {
    /// At most this many attributes per message.
    static let maximumCount = 10

    /// Reads and checks the `MessageAttributes` map of a send.
    public static func parse(_ value: JSONValue?) throws(QueueError) -> [String: MessageAttribute] {
        guard let value, value != .null else { return [:] }
        guard case .object(let members) = value else {
            throw .serialization("MessageAttributes must be a map")
        }
        if members.count > maximumCount {
            throw .invalidParameter(
                "Number of message attributes [\(members.count)] exceeds the allowed maximum [\(maximumCount)].")
        }
        var result: [String: MessageAttribute] = [:]
        for (name, raw) in members {
            try checkName(name)
            guard case .object = raw, let dataType = raw["DataType"]?.stringValue, !dataType.isEmpty else {
                throw .invalidParameter("The message attribute '\(name)' must contain a non-empty message attribute type.")
            }
            let base = dataType.split(separator: ".", maxSplits: 1).first.map(String.init) ?? ""
            guard ["String", "Number", "Binary"].contains(base), dataType.utf8.count <= 256 else {
                throw .invalidParameter(
                    "The type of message (user) attribute '\(name)' is invalid. You must use only the following "
                        + "supported type prefixes: Binary, Number, String.")
            }
            if raw["StringListValues"].map(isNonEmptyList) == true || raw["BinaryListValues"].map(isNonEmptyList) == true {
                throw .unsupported("Message attribute list values in SendMessage operation are not supported.")
            }
            if base == "Binary" {
                guard let text = raw["BinaryValue"]?.stringValue, let bytes = Data(base64Encoded: text), !bytes.isEmpty
                else {
                    throw .invalidParameter(
                        "The message attribute '\(name)' with type 'Binary' must use field 'Binary'.")
                }
                result[name] = MessageAttribute(dataType: dataType, binaryValue: [UInt8](bytes))
            } else {
                guard let text = raw["StringValue"]?.stringValue, !text.isEmpty else {
                    throw .invalidParameter(
                        "The message attribute '\(name)' with type '\(base)' must use field 'String'.")
                }
                guard MessageBody.isValid(text) else { throw .invalidMessageContents }
                if base == "Number", Double(text) == nil {
                    throw .invalidParameter("Can't cast the value of message (user) attribute '\(name)' to a number.")
                }
                result[name] = MessageAttribute(dataType: dataType, stringValue: text)
            }
        }
        return result
    }

    private static func isNonEmptyList(_ value: JSONValue) -> Bool {
        if case .array(let items) = value { return !items.isEmpty }
        return false
    }

    /// Names: up to 256 of alphanumerics, `-`, `_`, `.`; no leading/trailing or doubled `.`; not `AWS.`/`Amazon.`.
    static func checkName(_ name: String) throws(QueueError) {
        let bytes = Array(name.utf8)
        let allowed = bytes.allSatisfy { ASCIIWord.contains($0) || $0 == 0x2E }
        let lowered = name.lowercased()
        guard !bytes.isEmpty, bytes.count <= 256, allowed, bytes.first != 0x2E, bytes.last != 0x2E,
            !name.contains(".."), !lowered.hasPrefix("aws."), !lowered.hasPrefix("amazon.")
        else {
            throw .invalidParameter(
                "Message (user) attribute name '\(name)' is invalid. Names may use letters, digits, '-', '_' and "
                    + "'.', at most 256 characters, not start or end with '.', not repeat '.', and not start with "
                    + "'AWS.' or 'Amazon.'.")
        }
    }

    /// The bytes attributes add to a message's size.
    public static func size(_ attributes: [String: MessageAttribute]) -> Int {
        attributes.reduce(0) { $0 + $1.value.size(name: $1.key) }
    }

    /// SQS's MD5 of message attributes: for each attribute by name, length-prefixed name, type,
    /// a transport byte (1 string, 2 binary) and length-prefixed value; hex of the digest.
    public static func md5(_ attributes: [String: MessageAttribute]) -> String? {
        guard !attributes.isEmpty else { return nil }
        var bytes: [UInt8] = []
        func field(_ data: [UInt8]) {
            let n = UInt32(data.count)
            bytes += [UInt8(n >> 24), UInt8((n >> 16) & 0xFF), UInt8((n >> 8) & 0xFF), UInt8(n & 0xFF)]
            bytes += data
        }
        for name in attributes.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
            let attribute = attributes[name]!
            field(Array(name.utf8))
            field(Array(attribute.dataType.utf8))
            if let binary = attribute.binaryValue {
                bytes.append(2)
                field(binary)
            } else {
                bytes.append(1)
                field(Array((attribute.stringValue ?? "").utf8))
            }
        }
        return MessageBody.md5(bytes)
    }

    /// The stored form: the wire JSON map.
    public static func document(_ attributes: [String: MessageAttribute]) -> String? {
        guard !attributes.isEmpty else { return nil }
        return JSONValue.object(attributes.sorted { $0.key < $1.key }.map { ($0.key, $0.value.json) }).jsonString
    }

    /// Reads the stored form back.
    public static func fromDocument(_ text: String?) -> [String: MessageAttribute] {
        guard let text, let value = try? JSONValue.parse(Array(text.utf8)), case .object(let members) = value else {
            return [:]
        }
        var result: [String: MessageAttribute] = [:]
        for (name, raw) in members {
            result[name] = MessageAttribute(
                dataType: raw["DataType"]?.stringValue ?? "String", stringValue: raw["StringValue"]?.stringValue,
                binaryValue: raw["BinaryValue"]?.stringValue.flatMap { Data(base64Encoded: $0) }.map { [UInt8]($0) })
        }
        return result
    }

    /// The attributes a receive asked for: `All`, `.*`, exact names, or `prefix.*`.
    public static func selected(_ attributes: [String: MessageAttribute], names: [String]) -> [String: MessageAttribute] {
        if names.contains("All") || names.contains(".*") { return attributes }
        return attributes.filter { name, _ in
            names.contains { wanted in
                wanted.hasSuffix(".*") ? name.hasPrefix(String(wanted.dropLast(1))) : wanted == name
            }
        }
    }

    /// As JSON for a received message.
    public static func json(_ attributes: [String: MessageAttribute]) -> JSONValue {
        .object(attributes.sorted { $0.key < $1.key }.map { ($0.key, $0.value.json) })
    }
}

/// Message body rules.
public enum MessageBody {
    /// The characters SQS allows: #x9, #xA, #xD, #x20–#xD7FF, #xE000–#xFFFD, #x10000–#x10FFFF.
    public static func isValid(_ text: String) -> Bool {
        text.unicodeScalars.allSatisfy { s in
            let v = s.value
            return v == 0x9 || v == 0xA || v == 0xD || (0x20...0xD7FF).contains(v) || (0xE000...0xFFFD).contains(v)
                || (0x10000...0x10FFFF).contains(v)
        }
    }

    /// Lower-case hex MD5.
    public static func md5(_ bytes: [UInt8]) -> String {
        Hex.lowercase(Insecure.MD5.hash(data: bytes))
    }
}
