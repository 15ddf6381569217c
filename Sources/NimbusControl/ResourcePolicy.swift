import NimbusModel

/// Builds and evaluates function resource-policy statements (the subset Lambda's AddPermission writes).
enum ResourcePolicy {
    /// The principal as AWS renders it in a statement, or nil when it is not a valid principal.
    static func principal(_ raw: String) -> JSONValue? {
        if raw == "*" { return .string("*") }
        if Pattern.accountId.matches(raw) { return .object([("AWS", .string(ARN.accountRoot(raw)))]) }
        if raw.hasSuffix(".amazonaws.com") || raw.hasSuffix(".amazonaws.com.cn") {
            return .object([("Service", .string(raw))])
        }
        if raw.hasPrefix("arn:aws:iam::") || raw.hasPrefix("arn:aws-cn:iam::") || raw.hasPrefix("arn:aws-us-gov:iam::") {
            return .object([("AWS", .string(raw))])
        }
        return nil
    }

    /// Whether some statement of the function's policy for `qualifier` lets `principalAccount` perform `action`.
    /// Statements with conditions are for services calling on a source's behalf and never match an account.
    static func allows(_ function: FunctionRecord, qualifier: String?, principalAccount: String, action: String)
        -> Bool
    {
        guard let policy = function.policies[qualifier ?? ""] else { return false }
        return policy.statements.contains { statement in
            guard statement["Effect"]?.stringValue == "Allow", statement["Condition"] == nil,
                let granted = statement["Action"]?.stringValue
            else { return false }
            let actionMatches =
                granted == "*" || granted.lowercased() == "lambda:*" || granted.lowercased() == action.lowercased()
            return actionMatches && principalMatches(statement["Principal"], account: principalAccount)
        }
    }

    private static func principalMatches(_ principal: JSONValue?, account: String) -> Bool {
        guard let principal else { return false }
        if principal.stringValue == "*" { return true }
        guard let aws = principal["AWS"]?.stringValue else { return false }
        return aws == "*" || aws == account || aws == ARN.accountRoot(account)
            || aws.hasPrefix("arn:aws:iam::\(account):")
    }
}
