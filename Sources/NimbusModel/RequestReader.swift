/// Reads the members of a JSON request object with strict types. Every member read is remembered,
/// so `finish()` can reject members the operation does not take. Type errors and unknown members
/// become `InvalidRequestContentException`, as a Jackson-based AWS front end reports them.
public struct RequestReader: Sendable {
    private let members: [(String, JSONValue)]
    private var seen: Set<String> = []
    private let path: String

    /// Wraps an object; anything else is a content error.
    public init(_ value: JSONValue, path: String = "") throws(LambdaError) {
        guard case .object(let members) = value else {
            throw LambdaError.invalidContent("Expected a JSON object\(path.isEmpty ? "" : " at \(path)")")
        }
        self.members = members
        self.path = path
    }

    /// An empty object, for bodiless requests.
    public static var empty: RequestReader { try! RequestReader(.object([])) }

    /// Parses request bytes (an empty body is an empty object).
    public static func parse(_ bytes: [UInt8]) throws(LambdaError) -> RequestReader {
        guard !bytes.isEmpty else { return .empty }
        return try RequestReader(try JSONValue.parse(bytes))
    }

    private mutating func value(_ key: String) -> JSONValue? {
        seen.insert(key)
        guard let value = members.first(where: { $0.0 == key })?.1 else { return nil }
        if case .null = value { return nil }
        return value
    }

    private func typeError(_ key: String, _ expected: String) -> LambdaError {
        LambdaError.invalidContent("Cannot deserialize member \(path)\(key): expected \(expected)")
    }

    /// Whether the member is present (null counts as absent).
    public func has(_ key: String) -> Bool {
        members.contains { $0.0 == key && $0.1 != .null }
    }

    /// A string member.
    public mutating func string(_ key: String) throws(LambdaError) -> String? {
        guard let v = value(key) else { return nil }
        guard case .string(let s) = v else { throw typeError(key, "a string") }
        return s
    }

    /// An integer member.
    public mutating func int(_ key: String) throws(LambdaError) -> Int? {
        guard let v = value(key) else { return nil }
        switch v {
        case .int(let i): return i
        case .double(let d) where d == d.rounded() && abs(d) < 1e15: return Int(d)
        default: throw typeError(key, "an integer")
        }
    }

    /// A number member.
    public mutating func double(_ key: String) throws(LambdaError) -> Double? {
        guard let v = value(key) else { return nil }
        switch v {
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: throw typeError(key, "a number")
        }
    }

    /// A boolean member.
    public mutating func bool(_ key: String) throws(LambdaError) -> Bool? {
        guard let v = value(key) else { return nil }
        guard case .bool(let b) = v else { throw typeError(key, "a boolean") }
        return b
    }

    /// A list of strings.
    public mutating func strings(_ key: String) throws(LambdaError) -> [String]? {
        guard let v = value(key) else { return nil }
        guard case .array(let items) = v else { throw typeError(key, "a list of strings") }
        var out: [String] = []
        for item in items {
            guard case .string(let s) = item else { throw typeError(key, "a list of strings") }
            out.append(s)
        }
        return out
    }

    /// A map of strings.
    public mutating func stringMap(_ key: String) throws(LambdaError) -> [String: String]? {
        guard let v = value(key) else { return nil }
        guard case .object(let pairs) = v else { throw typeError(key, "a map of strings") }
        var out: [String: String] = [:]
        for (k, item) in pairs {
            guard case .string(let s) = item else { throw typeError(key, "a map of strings") }
            out[k] = s
        }
        return out
    }

    /// A map of numbers.
    public mutating func numberMap(_ key: String) throws(LambdaError) -> [String: Double]? {
        guard let v = value(key) else { return nil }
        guard case .object(let pairs) = v else { throw typeError(key, "a map of numbers") }
        var out: [String: Double] = [:]
        for (k, item) in pairs {
            switch item {
            case .int(let i): out[k] = Double(i)
            case .double(let d): out[k] = d
            default: throw typeError(key, "a map of numbers")
            }
        }
        return out
    }

    /// A nested object, read with its own reader.
    public mutating func object(_ key: String) throws(LambdaError) -> RequestReader? {
        guard let v = value(key) else { return nil }
        guard case .object = v else { throw typeError(key, "an object") }
        return try RequestReader(v, path: "\(path)\(key).")
    }

    /// A member taken as raw JSON (stored as given); must be an object or a list.
    public mutating func raw(_ key: String) throws(LambdaError) -> JSONValue? {
        guard let v = value(key) else { return nil }
        switch v {
        case .object, .array: return v
        default: throw typeError(key, "an object or a list")
        }
    }

    /// A member of any JSON type, taken as given.
    public mutating func any(_ key: String) -> JSONValue? { value(key) }

    /// Rejects members that were never read.
    public func finish() throws(LambdaError) {
        for (key, _) in members where !seen.contains(key) {
            throw LambdaError.invalidContent("Unrecognized field \"\(path)\(key)\", not marked as ignorable")
        }
    }
}
