import Foundation
import NimbusModel
import NimbusStore

extension ControlPlane {
    /// AddPermission: appends a statement to the policy of the function or of a version/alias.
    public func addPermission(_ name: String, qualifier: String?, _ bytes: [UInt8], caller: Caller) async throws
        -> JSONValue
    {
        var body = try RequestReader.parse(bytes)
        let sid = try body.string("StatementId")
        let action = try body.string("Action")
        let principal = try body.string("Principal")
        let sourceArn = try body.string("SourceArn")
        let sourceAccount = try body.string("SourceAccount")
        let eventSourceToken = try body.string("EventSourceToken")
        let revisionId = try body.string("RevisionId")
        let orgId = try body.string("PrincipalOrgID")
        let urlAuthType = try body.string("FunctionUrlAuthType")
        let viaURL = try body.bool("InvokedViaFunctionUrl")
        try body.finish()
        guard let sid, let action, let principal else {
            throw LambdaError.invalidContent("Missing required member StatementId, Action or Principal")
        }
        var errors = ValidationErrors()
        errors.length(sid, at: "statementId", min: 1, max: 100)
        errors.pattern(sid, at: "statementId", .statementId)
        errors.pattern(action, at: "action", .action)
        errors.pattern(principal, at: "principal", .handler)
        errors.pattern(sourceArn, at: "sourceArn", Pattern(#"arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\-])+:([a-z]{2}(-gov)?-[a-z]+-\d{1})?:(\d{12})?:(.*)"#))
        errors.pattern(sourceAccount, at: "sourceAccount", .sourceOwner)
        errors.pattern(eventSourceToken, at: "eventSourceToken", .eventSourceToken)
        errors.pattern(orgId, at: "principalOrgID", .principalOrgID)
        errors.oneOf(urlAuthType, at: "functionUrlAuthType", ["NONE", "AWS_IAM"])
        try errors.throwIfAny()
        let target = try await resolve(name, qualifier: qualifier, caller: caller, action: "lambda:AddPermission")
        if target.qualifier == "$LATEST" {
            throw LambdaError.invalidParameter("We currently do not support adding policies for $LATEST.")
        }
        guard let renderedPrincipal = ResourcePolicy.principal(principal) else {
            throw LambdaError.invalidParameter(
                "The provided principal was invalid. Please check the principal and try again.")
        }
        let _ = try await load(target)
        return try await mutate(target.key) { function, _ in
            let resource = try Self.policyResource(function, qualifier: target.qualifier)
            var policy = function.policies[target.qualifier ?? ""] ?? PolicyRecord(statements: [], revisionId: "")
            if let revisionId, revisionId != policy.revisionId { throw LambdaError.policyRevisionMismatch }
            if policy.statements.contains(where: { $0["Sid"]?.stringValue == sid }) {
                throw LambdaError.conflict(
                    "The statement id (\(sid)) provided already exists. Please provide a new statement id, or remove the existing statement."
                )
            }
            var conditions: [(String, JSONValue)] = []
            var equals: [(String, JSONValue)] = []
            if let sourceAccount { equals.append(("AWS:SourceAccount", .string(sourceAccount))) }
            if let orgId { equals.append(("aws:PrincipalOrgID", .string(orgId))) }
            if let urlAuthType { equals.append(("lambda:FunctionUrlAuthType", .string(urlAuthType))) }
            if let eventSourceToken { equals.append(("lambda:EventSourceToken", .string(eventSourceToken))) }
            if viaURL == true { equals.append(("lambda:InvokedViaFunctionUrl", .string("true"))) }
            if !equals.isEmpty { conditions.append(("StringEquals", .object(equals))) }
            if let sourceArn { conditions.append(("ArnLike", .object([("AWS:SourceArn", .string(sourceArn))]))) }
            var statement = JSONObjectBuilder()
            statement.set("Sid", sid)
            statement.set("Effect", "Allow")
            statement.set("Principal", renderedPrincipal)
            statement.set("Action", action)
            statement.set("Resource", resource)
            if !conditions.isEmpty { statement.set("Condition", .object(conditions)) }
            policy.statements.append(statement.value)
            policy.revisionId = Self.newRevisionId()
            function.policies[target.qualifier ?? ""] = policy
            return .object([("Statement", .string(statement.value.jsonString))])
        }
    }

    /// GetPolicy.
    public func getPolicy(_ name: String, qualifier: String?, caller: Caller) async throws -> JSONValue {
        let target = try await resolve(name, qualifier: qualifier, caller: caller, action: "lambda:GetPolicy")
        guard let record = try await functions.function(target.key) else { throw LambdaError.resourceDoesNotExist }
        _ = try Self.policyResource(record, qualifier: target.qualifier)
        guard let policy = record.policies[target.qualifier ?? ""], !policy.statements.isEmpty else {
            throw LambdaError.resourceDoesNotExist
        }
        let document = JSONValue.object([
            ("Version", .string("2012-10-17")), ("Id", .string("default")), ("Statement", .array(policy.statements)),
        ])
        return .object([("Policy", .string(document.jsonString)), ("RevisionId", .string(policy.revisionId))])
    }

    /// RemovePermission.
    public func removePermission(
        _ name: String, statementId: String, qualifier: String?, revisionId: String?, caller: Caller
    ) async throws {
        var errors = ValidationErrors()
        errors.length(statementId, at: "statementId", min: 1, max: 100)
        errors.pattern(statementId, at: "statementId", .namespacedStatementId)
        try errors.throwIfAny()
        let target = try await resolve(name, qualifier: qualifier, caller: caller, action: "lambda:RemovePermission")
        let missing = LambdaError.resourceNotFound("No policy found for: \(target.key.arn())")
        try await mutate(target.key, missing: missing) { function, _ in
            _ = try Self.policyResource(function, qualifier: target.qualifier)
            guard var policy = function.policies[target.qualifier ?? ""], !policy.statements.isEmpty else {
                throw LambdaError.resourceNotFound("No policy is associated with the given resource.")
            }
            if let revisionId, revisionId != policy.revisionId { throw LambdaError.policyRevisionMismatch }
            guard let index = policy.statements.firstIndex(where: { $0["Sid"]?.stringValue == statementId }) else {
                throw LambdaError.resourceNotFound("Statement \(statementId) is not found in resource policy.")
            }
            policy.statements.remove(at: index)
            policy.revisionId = Self.newRevisionId()
            function.policies[target.qualifier ?? ""] = policy.statements.isEmpty ? nil : policy
        }
    }

    /// The statement `Resource` for a qualifier, checking that the version or alias exists.
    static func policyResource(_ function: FunctionRecord, qualifier: String?) throws -> String {
        guard let qualifier else { return function.arn }
        if function.aliases[qualifier] != nil || function.version(qualifier) != nil || qualifier == "$LATEST" {
            return function.arn(qualifier)
        }
        if qualifier.allSatisfy(\.isNumber) {
            throw LambdaError.resourceNotFound("Function not found: \(function.arn(qualifier))")
        }
        throw LambdaError.resourceNotFound("Cannot find alias arn: \(function.arn(qualifier))")
    }
}
