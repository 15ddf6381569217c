/// Collects model-constraint violations and renders them the way AWS (Coral) words them:
/// `N validation error(s) detected: Value '<v>' at '<member>' failed to satisfy constraint: <rule>; …`.
public struct ValidationErrors: Sendable {
    /// The individual items, already rendered.
    public private(set) var items: [String] = []

    /// Creates an empty collection.
    public init() {}

    /// Whether nothing was recorded.
    public var isEmpty: Bool { items.isEmpty }

    /// Records a violation of `rule` by `value` (rendered as given, `nil` rendering as `null`) at `member`.
    public mutating func add(_ value: String?, at member: String, _ rule: String) {
        let shown = value.map { "'\($0)'" } ?? "null"
        items.append("Value \(shown) at '\(member)' failed to satisfy constraint: \(rule)")
    }

    /// The Coral-style message, or nil when nothing was recorded.
    public var message: String? {
        guard !items.isEmpty else { return nil }
        let noun = items.count == 1 ? "validation error" : "validation errors"
        return "\(items.count) \(noun) detected: " + items.joined(separator: "; ")
    }

    /// Throws a `ValidationException` when anything was recorded.
    public func throwIfAny() throws(LambdaError) {
        if let message { throw LambdaError.validation(message) }
    }

    /// Checks a string against a whole-match pattern.
    public mutating func pattern(_ value: String?, at member: String, _ pattern: Pattern) {
        guard let value, !pattern.matches(value) else { return }
        add(value, at: member, "Member must satisfy regular expression pattern: \(pattern.source)")
    }

    /// Checks a string's length bounds.
    public mutating func length(_ value: String?, at member: String, min: Int? = nil, max: Int? = nil) {
        guard let value else { return }
        let count = value.count
        if let max, count > max {
            add(value, at: member, "Member must have length less than or equal to \(max)")
        } else if let min, count < min {
            add(value, at: member, "Member must have length greater than or equal to \(min)")
        }
    }

    /// Checks an integer's bounds.
    public mutating func range(_ value: Int?, at member: String, min: Int? = nil, max: Int? = nil) {
        guard let value else { return }
        if let max, value > max {
            add(String(value), at: member, "Member must have value less than or equal to \(max)")
        } else if let min, value < min {
            add(String(value), at: member, "Member must have value greater than or equal to \(min)")
        }
    }

    /// Checks membership in an enum value set.
    public mutating func oneOf(_ value: String?, at member: String, _ allowed: [String]) {
        guard let value, !allowed.contains(value) else { return }
        add(value, at: member, "Member must satisfy enum value set: [\(allowed.joined(separator: ", "))]")
    }
}
