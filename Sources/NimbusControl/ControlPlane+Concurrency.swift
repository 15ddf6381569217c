import Foundation
import NimbusModel
import NimbusStore

extension ControlPlane {
    static let unqualifiedOnly = LambdaError.invalidParameter(
        "This operation is permitted on Lambda functions only. Aliases and versions do not support this operation. Please specify either a function name or an unqualified function ARN."
    )

    /// PutFunctionConcurrency.
    public func putFunctionConcurrency(_ name: String, _ bytes: [UInt8], caller: Caller) async throws -> JSONValue {
        var body = try RequestReader.parse(bytes)
        let reserved = try body.int("ReservedConcurrentExecutions")
        try body.finish()
        guard let reserved else {
            throw LambdaError.invalidContent("Missing required member ReservedConcurrentExecutions")
        }
        var errors = ValidationErrors()
        errors.range(reserved, at: "reservedConcurrentExecutions", min: 0)
        try errors.throwIfAny()
        let target = try await resolve(
            name, caller: caller, action: "lambda:PutFunctionConcurrency", shape: .standard, qualifierPattern: nil)
        if target.qualifier != nil { throw Self.unqualifiedOnly }
        let limits = self.limits
        let missing = LambdaError.resourceNotFound("Function not found: \(target.key.arn()):$LATEST")
        return try await mutate(target.key, withUsage: true, missing: missing) { function, usage in
            let others = (usage?.reservedConcurrency ?? 0) + (usage?.provisionedConcurrency ?? 0)
            if reserved > limits.concurrentExecutions - others - limits.minimumUnreserved {
                throw LambdaError.invalidParameter(
                    "Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [\(limits.minimumUnreserved)]."
                )
            }
            function.reservedConcurrency = reserved
            return .object([("ReservedConcurrentExecutions", .int(reserved))])
        }
    }

    /// GetFunctionConcurrency: `{}` when none is set.
    public func getFunctionConcurrency(_ name: String, caller: Caller) async throws -> JSONValue {
        let target = try await resolve(
            name, caller: caller, action: "lambda:GetFunctionConcurrency", shape: .standard, qualifierPattern: nil)
        if target.qualifier != nil { throw Self.unqualifiedOnly }
        let record = try await load(target)
        guard let reserved = record.reservedConcurrency else { return .object([]) }
        return .object([("ReservedConcurrentExecutions", .int(reserved))])
    }

    /// DeleteFunctionConcurrency.
    public func deleteFunctionConcurrency(_ name: String, caller: Caller) async throws {
        let target = try await resolve(
            name, caller: caller, action: "lambda:DeleteFunctionConcurrency", shape: .standard,
            qualifierPattern: nil)
        if target.qualifier != nil { throw Self.unqualifiedOnly }
        try await mutate(target.key) { function, _ in function.reservedConcurrency = nil }
    }

    /// PutProvisionedConcurrencyConfig (202, `IN_PROGRESS`; reported `READY` afterwards).
    public func putProvisionedConcurrency(_ name: String, qualifier: String?, _ bytes: [UInt8], caller: Caller)
        async throws -> JSONValue
    {
        var body = try RequestReader.parse(bytes)
        let requested = try body.int("ProvisionedConcurrentExecutions")
        try body.finish()
        guard let requested else {
            throw LambdaError.invalidContent("Missing required member ProvisionedConcurrentExecutions")
        }
        var errors = ValidationErrors()
        errors.range(requested, at: "provisionedConcurrentExecutions", min: 1)
        try errors.throwIfAny()
        let target = try await provisionedTarget(
            name, qualifier: qualifier, caller: caller, action: "lambda:PutProvisionedConcurrencyConfig")
        let limits = self.limits
        let now = self.now()
        let allocates = allocatesProvisioned
        return try await mutate(target.key, withUsage: true) { function, usage in
            let qualifier = target.qualifier!
            try Self.checkProvisionedQualifier(function, qualifier)
            if let alias = function.aliases[qualifier], function.provisioned[alias.functionVersion] != nil {
                throw LambdaError.conflict(
                    "Alias can't be used for Provisioned Concurrency configuration on an already Provisioned version")
            }
            if function.aliases.values.contains(where: {
                $0.functionVersion == qualifier && function.provisioned[$0.name] != nil
            }) {
                throw LambdaError.conflict("Version is pointed by a Provisioned Concurrency alias")
            }
            let otherOnFunction = function.provisionedTotal - (function.provisioned[qualifier]?.requested ?? 0)
            let unreserved =
                limits.concurrentExecutions - (usage?.reservedConcurrency ?? 0) - (usage?.provisionedConcurrency ?? 0)
            if let reserved = function.reservedConcurrency {
                if requested > reserved - otherOnFunction {
                    throw LambdaError.invalidParameter(
                        "Requested Provisioned Concurrency should not be greater than the reservedConcurrentExecution for function"
                    )
                }
            } else if requested > unreserved - otherOnFunction - limits.minimumUnreserved {
                throw LambdaError.invalidParameter(
                    "Specified ConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [\(limits.minimumUnreserved)]."
                )
            }
            let config = ProvisionedConcurrencyRecord(requested: requested, lastModified: now, ready: !allocates)
            function.provisioned[qualifier] = config
            return Self.renderProvisioned(config, arn: nil, inProgress: true)
        }
    }

    /// GetProvisionedConcurrencyConfig.
    public func getProvisionedConcurrency(_ name: String, qualifier: String?, caller: Caller) async throws -> JSONValue {
        let target = try await provisionedTarget(
            name, qualifier: qualifier, caller: caller, action: "lambda:GetProvisionedConcurrencyConfig")
        let record = try await load(target)
        try Self.checkProvisionedQualifier(record, target.qualifier!)
        guard let config = record.provisioned[target.qualifier!] else {
            throw LambdaError.provisionedConfigNotFound()
        }
        return Self.renderProvisioned(config, arn: nil, inProgress: false)
    }

    /// DeleteProvisionedConcurrencyConfig (idempotent).
    public func deleteProvisionedConcurrency(_ name: String, qualifier: String?, caller: Caller) async throws {
        let target = try await provisionedTarget(
            name, qualifier: qualifier, caller: caller, action: "lambda:DeleteProvisionedConcurrencyConfig")
        try await mutate(target.key) { function, _ in
            try Self.checkProvisionedQualifier(function, target.qualifier!)
            function.provisioned[target.qualifier!] = nil
        }
    }

    /// ListProvisionedConcurrencyConfigs.
    public func listProvisionedConcurrency(_ name: String, marker: String?, maxItems: String?, caller: Caller)
        async throws -> JSONValue
    {
        let target = try await resolve(
            name, caller: caller, action: "lambda:ListProvisionedConcurrencyConfigs", qualifierPattern: nil)
        let size = try Marker.pageSize(maxItems, modelMax: 50, pageMax: 50)
        let record = try await load(target)
        let configs = record.provisioned.sorted { $0.key < $1.key }
        let (page, next) = try Marker.page(configs, after: marker, size: size) { $0.key }
        var o = JSONObjectBuilder()
        o.set(
            "ProvisionedConcurrencyConfigs",
            .array(page.map { Self.renderProvisioned($0.value, arn: record.arn($0.key), inProgress: false) }))
        o.set("NextMarker", next)
        return o.value
    }

    private func provisionedTarget(_ name: String, qualifier: String?, caller: Caller, action: String) async throws
        -> Target
    {
        let put = action == "lambda:PutProvisionedConcurrencyConfig"
        let target = try await resolve(name, qualifier: qualifier, caller: caller, action: action, shape: .standard)
        guard let qualifier = target.qualifier else {
            throw LambdaError.validation(
                "1 validation error detected: Value null at 'qualifier' failed to satisfy constraint: Member must not be null"
            )
        }
        if qualifier == "$LATEST" {
            throw LambdaError.invalidParameter(
                put
                    ? "Provisioned Concurrency Configs cannot be applied to unpublished function versions."
                    : "The function resource provided must be an alias or a published version.")
        }
        if try await functions.function(target.key) == nil {
            if qualifier.allSatisfy(\.isNumber) {
                throw LambdaError.resourceNotFound("Function not found: \(target.key.arn()):\(qualifier)")
            }
            throw LambdaError.resourceNotFound("Cannot find alias arn: \(target.key.arn()):\(qualifier)")
        }
        return target
    }

    static func checkProvisionedQualifier(_ function: FunctionRecord, _ qualifier: String) throws {
        if qualifier.allSatisfy(\.isNumber) {
            if function.version(qualifier) == nil {
                throw LambdaError.resourceNotFound("Function not found: \(function.arn(qualifier))")
            }
        } else if function.aliases[qualifier] == nil {
            throw LambdaError.resourceNotFound("Cannot find alias arn: \(function.arn(qualifier))")
        }
    }

    static func renderProvisioned(_ config: ProvisionedConcurrencyRecord, arn: String?, inProgress: Bool) -> JSONValue {
        // `inProgress`: the answer to the Put itself, before any allocation could have happened.
        let failed = !inProgress && config.failure != nil
        let ready = !inProgress && !failed && config.ready
        let allocated = ready ? config.requested : 0
        var o = JSONObjectBuilder()
        o.set("FunctionArn", arn)
        o.set("RequestedProvisionedConcurrentExecutions", config.requested)
        o.set("AvailableProvisionedConcurrentExecutions", allocated)
        o.set("AllocatedProvisionedConcurrentExecutions", allocated)
        o.set("Status", failed ? "FAILED" : ready ? "READY" : "IN_PROGRESS")
        o.set("StatusReason", failed ? config.failure : nil)
        o.set("LastModified", Timestamps.iso(config.lastModified))
        return o.value
    }

    /// GetAccountSettings.
    public func getAccountSettings(caller: Caller) async throws -> JSONValue {
        let usage = try await functions.accountUsage(accountId: caller.accountId, region: caller.region)
        let unreserved = limits.concurrentExecutions - usage.reservedConcurrency - usage.provisionedConcurrency
        return .object([
            (
                "AccountLimit",
                .object([
                    ("TotalCodeSize", .int(limits.totalCodeSize)),
                    ("CodeSizeUnzipped", .int(262_144_000)),
                    ("CodeSizeZipped", .int(52_428_800)),
                    ("ConcurrentExecutions", .int(limits.concurrentExecutions)),
                    ("UnreservedConcurrentExecutions", .int(unreserved)),
                ])
            ),
            (
                "AccountUsage",
                .object([("TotalCodeSize", .int(usage.totalCodeSize)), ("FunctionCount", .int(usage.functionCount))])
            ),
        ])
    }
}
