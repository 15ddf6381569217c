/// A `FunctionName` as callers write it: a name, `name:qualifier`, a partial ARN
/// (`<account>:function:name[:qualifier]`) or a full ARN, parsed by the service model's pattern.
public struct FunctionReference: Sendable, Equatable {
    /// The plain function name.
    public var name: String
    /// The qualifier carried inside the name, if any.
    public var qualifier: String?
    /// The account named by an ARN or partial ARN.
    public var accountId: String?
    /// The region named by a full ARN.
    public var region: String?

    /// Creates a reference.
    public init(name: String, qualifier: String? = nil, accountId: String? = nil, region: String? = nil) {
        self.name = name
        self.qualifier = qualifier
        self.accountId = accountId
        self.region = region
    }

    /// Which model shape validates the member: `FunctionName` (max 140) or `NamespacedFunctionName` (max 256).
    public enum Shape: Sendable {
        case standard, namespaced

        var pattern: Pattern { self == .standard ? .functionName : .namespacedFunctionName }
        var maxLength: Int { self == .standard ? 140 : 256 }
    }

    /// Parses and validates `raw`, throwing the `ValidationException` AWS returns for a bad name.
    public static func parse(
        _ raw: String, shape: Shape = .namespaced, member: String = "functionName"
    ) throws(LambdaError) -> FunctionReference {
        // The common case, a plain name, matches the pattern's name group alone: no regex needed.
        if ASCIIWord.matches(raw, maxLength: shape.maxLength) {
            return FunctionReference(name: raw)
        }
        var errors = ValidationErrors()
        errors.length(raw, at: member, min: 1, max: shape.maxLength)
        guard errors.isEmpty, let groups = shape.pattern.wholeMatch(raw) else {
            if errors.isEmpty { errors.pattern(raw, at: member, shape.pattern) }
            try errors.throwIfAny()
            throw LambdaError.validation("invalid function name")
        }
        func group(_ index: Int) -> String? { index < groups.count ? groups[index] : nil }
        let region = group(3).map { String($0.dropLast()) }
        let account = group(8).map { String($0.dropLast()) }
        guard let name = group(10) else { throw LambdaError.validation("invalid function name") }
        return FunctionReference(name: name, qualifier: group(12), accountId: account, region: region)
    }
}
