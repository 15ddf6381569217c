import Foundation
import NimbusModel
import NimbusStore

extension ControlPlane {
    /// CreateAlias.
    public func createAlias(_ name: String, _ bytes: [UInt8], caller: Caller) async throws -> JSONValue {
        var body = try RequestReader.parse(bytes)
        let aliasName = try body.string("Name")
        let functionVersion = try body.string("FunctionVersion")
        let description = try body.string("Description")
        let weights = try Self.readRouting(&body)
        try body.finish()
        guard let aliasName else { throw LambdaError.invalidContent("Missing required member Name") }
        guard let functionVersion else { throw LambdaError.invalidContent("Missing required member FunctionVersion") }
        try Self.validateAlias(name: aliasName, version: functionVersion, description: description, weights: weights)
        let target = try await resolve(
            name, caller: caller, action: "lambda:CreateAlias", shape: .standard, qualifierPattern: nil)
        let missing = LambdaError.resourceNotFound("Function not found: \(target.key.arn()):\(functionVersion)")
        return try await mutate(target.key, missing: missing) { function, _ in
            try Self.checkTargets(function, version: functionVersion, weights: weights ?? [:])
            if function.aliases[aliasName] != nil {
                throw LambdaError.conflict("Alias already exists: \(function.arn(aliasName))")
            }
            let alias = AliasRecord(
                name: aliasName, functionVersion: functionVersion, description: description ?? "",
                additionalVersionWeights: weights ?? [:], revisionId: Self.newRevisionId())
            function.aliases[aliasName] = alias
            return Self.render(alias, of: function)
        }
    }

    /// GetAlias.
    public func getAlias(_ name: String, alias aliasName: String, caller: Caller) async throws -> JSONValue {
        try Self.validateAliasName(aliasName)
        let target = try await resolve(name, caller: caller, action: "lambda:GetAlias", qualifierPattern: nil)
        let record = try await load(target)
        guard let alias = record.aliases[aliasName] else {
            throw LambdaError.resourceNotFound("Cannot find alias arn: \(record.arn(aliasName))")
        }
        return Self.render(alias, of: record)
    }

    /// UpdateAlias: omitted members are kept; an empty weight map removes routing.
    public func updateAlias(_ name: String, alias aliasName: String, _ bytes: [UInt8], caller: Caller) async throws
        -> JSONValue
    {
        var body = try RequestReader.parse(bytes)
        let functionVersion = try body.string("FunctionVersion")
        let description = try body.string("Description")
        let weights = try Self.readRouting(&body)
        let revisionId = try body.string("RevisionId")
        try body.finish()
        try Self.validateAlias(name: aliasName, version: functionVersion, description: description, weights: weights)
        let target = try await resolve(
            name, caller: caller, action: "lambda:UpdateAlias", shape: .standard, qualifierPattern: nil)
        return try await mutate(target.key) { function, _ in
            guard var alias = function.aliases[aliasName] else {
                throw LambdaError.resourceNotFound("Alias not found: \(function.arn(aliasName))")
            }
            if let revisionId, revisionId != alias.revisionId { throw LambdaError.functionRevisionMismatch }
            let version = functionVersion ?? alias.functionVersion
            let newWeights = weights ?? alias.additionalVersionWeights
            try Self.checkTargets(function, version: version, weights: newWeights)
            alias.functionVersion = version
            alias.additionalVersionWeights = newWeights
            if let description { alias.description = description }
            alias.revisionId = Self.newRevisionId()
            function.aliases[aliasName] = alias
            return Self.render(alias, of: function)
        }
    }

    /// DeleteAlias: idempotent; also drops configs bound to the alias.
    public func deleteAlias(_ name: String, alias aliasName: String, caller: Caller) async throws {
        try Self.validateAliasName(aliasName)
        let target = try await resolve(
            name, caller: caller, action: "lambda:DeleteAlias", shape: .standard, qualifierPattern: nil)
        try await mutate(target.key) { function, _ in
            function.aliases[aliasName] = nil
            function.provisioned[aliasName] = nil
            function.policies[aliasName] = nil
            function.eventInvokeConfigs[aliasName] = nil
            function.urlConfigs[aliasName] = nil
        }
    }

    /// ListAliases, sorted by name, optionally only those pointing at a version.
    public func listAliases(
        _ name: String, functionVersion: String?, marker: String?, maxItems: String?, caller: Caller
    ) async throws -> JSONValue {
        var errors = ValidationErrors()
        errors.pattern(functionVersion, at: "functionVersion", .versionWithLatestPublished)
        try errors.throwIfAny()
        let target = try await resolve(name, caller: caller, action: "lambda:ListAliases", qualifierPattern: nil)
        let size = try Marker.pageSize(maxItems, modelMax: 10000, pageMax: 50)
        let record = try await load(target)
        let aliases = record.aliases.values
            .filter { functionVersion == nil || $0.functionVersion == functionVersion }
            .sorted { $0.name < $1.name }
        let (page, next) = try Marker.page(aliases, after: marker, size: size) { $0.name }
        var o = JSONObjectBuilder()
        o.set("Aliases", .array(page.map { Self.render($0, of: record) }))
        o.set("NextMarker", next)
        return o.value
    }

    static func render(_ alias: AliasRecord, of function: FunctionRecord) -> JSONValue {
        var o = JSONObjectBuilder()
        o.set("AliasArn", function.arn(alias.name))
        o.set("Name", alias.name)
        o.set("FunctionVersion", alias.functionVersion)
        o.set("Description", alias.description)
        if !alias.additionalVersionWeights.isEmpty {
            let weights = alias.additionalVersionWeights.sorted { $0.key < $1.key }.map { ($0.key, JSONValue.double($0.value)) }
            o.set("RoutingConfig", .object([("AdditionalVersionWeights", .object(weights))]))
        }
        o.set("RevisionId", alias.revisionId)
        return o.value
    }

    static func readRouting(_ body: inout RequestReader) throws(LambdaError) -> [String: Double]? {
        guard var routing = try body.object("RoutingConfig") else { return nil }
        let weights = try routing.numberMap("AdditionalVersionWeights") ?? [:]
        try routing.finish()
        return weights
    }

    static func validateAliasName(_ name: String) throws(LambdaError) {
        var errors = ValidationErrors()
        errors.length(name, at: "name", min: 1, max: 128)
        errors.pattern(name, at: "name", .aliasName)
        try errors.throwIfAny()
    }

    static func validateAlias(
        name: String, version: String?, description: String?, weights: [String: Double]?
    ) throws(LambdaError) {
        var errors = ValidationErrors()
        errors.length(name, at: "name", min: 1, max: 128)
        errors.pattern(name, at: "name", .aliasName)
        errors.length(version, at: "functionVersion", min: 1, max: 1024)
        errors.pattern(version, at: "functionVersion", .versionWithLatestPublished)
        errors.length(description, at: "description", max: 256)
        if let weights {
            let rendered = "{" + weights.sorted { $0.key < $1.key }.map { "\($0.key)=\(javaDouble($0.value))" }
                .joined(separator: ", ") + "}"
            if weights.keys.contains(where: { $0.isEmpty || !$0.allSatisfy { $0.isASCII && $0.isNumber } }) {
                errors.add(
                    rendered, at: "routingConfig.additionalVersionWeights",
                    "Map keys must satisfy constraint: [Member must have length less than or equal to 1024, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: [0-9]+, Member must not be null]"
                )
            }
            if weights.values.contains(where: { $0 < 0 || $0 > 1 }) {
                errors.add(
                    rendered, at: "routingConfig.additionalVersionWeights",
                    "Map value must satisfy constraint: [Member must have value less than or equal to 1.0, Member must have value greater than or equal to 0.0, Member must not be null]"
                )
            }
        }
        try errors.throwIfAny()
        if let weights, weights.count > 1 {
            throw LambdaError.invalidParameter("Number of items in AdditionalVersionWeights cannot be greater than 1")
        }
    }

    /// Checks that the alias's versions exist and fit together.
    static func checkTargets(_ function: FunctionRecord, version: String, weights: [String: Double]) throws {
        if version != "$LATEST", function.version(version) == nil {
            throw LambdaError.resourceNotFound("Function not found: \(function.arn(version))")
        }
        for key in weights.keys.sorted() {
            if key == version {
                throw LambdaError.invalidParameter(
                    "Invalid function version \(key). Function version \(key) is already included in routing configuration."
                )
            }
            if function.version(key) == nil {
                throw LambdaError.resourceNotFound("Function not found: \(function.arn(key))")
            }
        }
        if version == "$LATEST", !weights.isEmpty {
            throw LambdaError.invalidParameter("$LATEST is not supported for an alias pointing to more than 1 version")
        }
    }

    /// Java's `Double.toString` for the values AWS echoes in validation messages.
    static func javaDouble(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e7 ? "\(Int(value)).0" : "\(value)"
    }
}
