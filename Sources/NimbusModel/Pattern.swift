import Foundation

/// A whole-string regular expression from the Lambda service model, kept with its source text
/// because validation messages quote it.
public struct Pattern: Sendable {
    /// The pattern as the model writes it.
    public let source: String
    /// Compiled once; NSRegularExpression is immutable and safe to share across threads.
    nonisolated(unsafe) let regex: NSRegularExpression

    /// Compiles a pattern; a bad literal is a programming error.
    public init(_ source: String) {
        self.source = source
        do {
            self.regex = try NSRegularExpression(pattern: "^(?:" + source + ")$")
        } catch {
            fatalError("invalid pattern \(source): \(error)")
        }
    }

    /// Whether the whole string matches.
    public func matches(_ value: String) -> Bool {
        wholeMatch(value) != nil
    }

    /// The capture groups of a whole-string match (nil for groups that did not take part).
    public func wholeMatch(_ value: String) -> [String?]? {
        let ns = value as NSString
        guard let match = regex.firstMatch(in: value, range: NSRange(location: 0, length: ns.length)),
            match.range.location == 0, match.range.length == ns.length
        else { return nil }
        return (0..<match.numberOfRanges).map { index in
            let range = match.range(at: index)
            return range.location == NSNotFound ? nil : ns.substring(with: range)
        }
    }
}

extension Pattern {
    /// IAM role ARN.
    public static let role = Pattern(#"arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+"#)
    /// Alias name.
    public static let aliasName = Pattern(#"(?!^[0-9]+$)([a-zA-Z0-9-_]+)"#)
    /// AddPermission statement id.
    public static let statementId = Pattern(#"([a-zA-Z0-9-_]+)"#)
    /// RemovePermission statement id (also allows dots).
    public static let namespacedStatementId = Pattern(#"([a-zA-Z0-9-_.]+)"#)
    /// The `Qualifier` query parameter of most operations.
    public static let qualifier = Pattern(#"(|[a-zA-Z0-9$_-]+)"#)
    /// The `Qualifier` of Get/Invoke-style operations.
    public static let namespacedQualifier = Pattern(#"\$(LATEST(\.PUBLISHED)?)|[a-zA-Z0-9-_$]+"#)
    /// The `FunctionName` member of most operations (max 140).
    public static let functionName = Pattern(#"(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\$LATEST|[a-zA-Z0-9-_]+))?"#)
    /// The `FunctionName` of Get/Delete/Invoke/permission operations (max 256).
    public static let namespacedFunctionName = Pattern(#"(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9-_\.]+)(:(\$LATEST(\.PUBLISHED)?|[a-zA-Z0-9-_]+))?"#)
    /// Permission action.
    public static let action = Pattern(#"(lambda:[*]|lambda:[a-zA-Z]+|[*])"#)
    /// Source account.
    public static let sourceOwner = Pattern(#"\d{12}"#)
    /// Organisation id.
    public static let principalOrgID = Pattern(#"o-[a-z0-9]{10,32}"#)
    /// Event source token.
    public static let eventSourceToken = Pattern(#"[a-zA-Z0-9._\-]+"#)
    /// Log group.
    public static let logGroup = Pattern(#"[\.\-_/#A-Za-z0-9]+"#)
    /// Function URL qualifiers: aliases only.
    public static let urlQualifier = Pattern(#"((?!^\d+$)^[0-9a-zA-Z-_]+$)"#)
    /// A published version number or `$LATEST`.
    public static let version = Pattern(#"(\$LATEST|[0-9]+)"#)
    /// An alias target: a version number, `$LATEST` or `$LATEST.PUBLISHED`.
    public static let versionWithLatestPublished = Pattern(#"(\$LATEST(\.PUBLISHED)?|[0-9]+)"#)
    /// Handler.
    public static let handler = Pattern(#"[^\s]+"#)
    /// Environment variable names.
    public static let environmentKey = Pattern(#"[a-zA-Z]([a-zA-Z0-9_])+"#)
    /// KMS key ARN.
    public static let kmsKeyArn = Pattern(#"(arn:(aws[a-zA-Z-]*)?:[a-z0-9-.]+:.*)|()"#)
    /// Dead-letter target / generic resource ARN.
    public static let resourceArn = Pattern(#"(arn:(aws[a-zA-Z-]*)?:[a-z0-9-.]+:.*)|()"#)
    /// Destination ARN for async invoke configs.
    public static let destinationArn = Pattern(#"$|kafka://([^.]([a-zA-Z0-9\-_.]{0,248}))|arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\-])+:([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1})?:(\d{12})?:(.*)"#)
    /// Event source ARN.
    public static let eventSourceArn = Pattern(#"arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\-])+:([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1})?:(\d{12})?:(.*)"#)
    /// Taggable resource ARN.
    public static let taggableResource = Pattern(#"arn:(aws[a-zA-Z-]*):lambda:[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:\d{12}:(function:[a-zA-Z0-9-_]+(:(\$LATEST|[a-zA-Z0-9-_]+))?|code-signing-config:csc-[a-z0-9]{17}|event-source-mapping:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|capacity-provider:[a-zA-Z0-9-_]+)"#)
    /// Layer version ARN.
    public static let layerVersionArn = Pattern(#"arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+"#)
    /// Account id.
    public static let accountId = Pattern(#"\d{12}"#)
}
