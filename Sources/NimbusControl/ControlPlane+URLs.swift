import Foundation
import NimbusModel
import NimbusStore

extension ControlPlane {
    /// CreateFunctionUrlConfig / UpdateFunctionUrlConfig.
    public func putFunctionURL(_ name: String, qualifier: String?, _ bytes: [UInt8], create: Bool, caller: Caller)
        async throws -> JSONValue
    {
        var body = try RequestReader.parse(bytes)
        let authType = try body.string("AuthType")
        let cors = try body.raw("Cors")
        let invokeMode = try body.string("InvokeMode")
        try body.finish()
        var errors = ValidationErrors()
        errors.oneOf(authType, at: "authType", ["NONE", "AWS_IAM"])
        errors.oneOf(invokeMode, at: "invokeMode", ["BUFFERED", "RESPONSE_STREAM"])
        try errors.throwIfAny()
        if create, authType == nil { throw LambdaError.invalidContent("Missing required member AuthType") }
        if let cors { _ = try Self.validateCors(cors) }
        let target = try await resolve(
            name, qualifier: qualifier, caller: caller,
            action: create ? "lambda:CreateFunctionUrlConfig" : "lambda:UpdateFunctionUrlConfig",
            shape: .standard, qualifierPattern: .urlQualifier)
        let now = self.now()
        let base = urlBase()
        let missing = LambdaError.resourceNotFound("Function does not exist")
        return try await mutate(target.key, missing: missing) { function, _ in
            let key = try Self.urlKey(function, target.qualifier, missing: missing)
            let arn = key.isEmpty ? function.arn : function.arn(key)
            if create {
                if function.urlConfigs[key] != nil {
                    throw LambdaError.conflict(
                        "Failed to create function url config for [functionArn = \(arn)]. Error message:  FunctionUrlConfig exists for this Lambda function"
                    )
                }
                let config = FunctionURLRecord(
                    urlId: Self.newURLId(), authType: authType!, cors: cors, invokeMode: invokeMode, creationTime: now)
                function.urlConfigs[key] = config
                var o = JSONObjectBuilder()
                o.set("FunctionUrl", Self.url(config, base: base))
                o.set("FunctionArn", arn)
                o.set("AuthType", config.authType)
                o.set("Cors", config.cors)
                o.set("CreationTime", Timestamps.iso(config.creationTime))
                o.set("InvokeMode", invokeMode)
                return o.value
            }
            guard var config = function.urlConfigs[key] else { throw LambdaError.resourceDoesNotExist }
            if let authType { config.authType = authType }
            if let cors { config.cors = cors }
            if let invokeMode { config.invokeMode = invokeMode }
            config.lastModified = now
            function.urlConfigs[key] = config
            return Self.render(config, arn: arn, base: base)
        }
    }

    /// GetFunctionUrlConfig.
    public func getFunctionURL(_ name: String, qualifier: String?, caller: Caller) async throws -> JSONValue {
        let target = try await resolve(
            name, qualifier: qualifier, caller: caller, action: "lambda:GetFunctionUrlConfig",
            qualifierPattern: .urlQualifier)
        guard let record = try await functions.function(target.key) else { throw LambdaError.resourceDoesNotExist }
        let key = try Self.urlKey(record, target.qualifier, missing: .resourceDoesNotExist)
        guard let config = record.urlConfigs[key] else { throw LambdaError.resourceDoesNotExist }
        return Self.render(config, arn: key.isEmpty ? record.arn : record.arn(key), base: urlBase())
    }

    /// DeleteFunctionUrlConfig.
    public func deleteFunctionURL(_ name: String, qualifier: String?, caller: Caller) async throws {
        let target = try await resolve(
            name, qualifier: qualifier, caller: caller, action: "lambda:DeleteFunctionUrlConfig",
            shape: .standard, qualifierPattern: .urlQualifier)
        try await mutate(target.key, missing: .resourceDoesNotExist) { function, _ in
            let key = try Self.urlKey(function, target.qualifier, missing: .resourceDoesNotExist)
            guard function.urlConfigs[key] != nil else { throw LambdaError.resourceDoesNotExist }
            function.urlConfigs[key] = nil
        }
    }

    /// ListFunctionUrlConfigs.
    public func listFunctionURLs(_ name: String, marker: String?, maxItems: String?, caller: Caller) async throws
        -> JSONValue
    {
        let target = try await resolve(
            name, caller: caller, action: "lambda:ListFunctionUrlConfigs", shape: .standard, qualifierPattern: nil)
        let size = try Marker.pageSize(maxItems, modelMax: 50, pageMax: 50)
        let record = try await load(target)
        let configs = record.urlConfigs.sorted { $0.key < $1.key }
        let (page, next) = try Marker.page(configs, after: marker, size: size) { $0.key }
        var o = JSONObjectBuilder()
        o.set(
            "FunctionUrlConfigs",
            .array(page.map { Self.render($0.value, arn: $0.key.isEmpty ? record.arn : record.arn($0.key), base: urlBase()) }))
        o.set("NextMarker", next)
        return o.value
    }

    static func urlKey(_ function: FunctionRecord, _ qualifier: String?, missing: LambdaError) throws -> String {
        guard let qualifier else { return "" }
        guard function.aliases[qualifier] != nil else { throw missing }
        return qualifier
    }

    static func render(_ config: FunctionURLRecord, arn: String, base: String) -> JSONValue {
        var o = JSONObjectBuilder()
        o.set("FunctionUrl", url(config, base: base))
        o.set("FunctionArn", arn)
        o.set("AuthType", config.authType)
        o.set("Cors", config.cors)
        o.set("CreationTime", Timestamps.iso(config.creationTime))
        o.set("LastModifiedTime", Timestamps.iso(config.lastModified))
        o.set("InvokeMode", config.invokeMode ?? "BUFFERED")
        return o.value
    }

    static func url(_ config: FunctionURLRecord, base: String) -> String {
        "\(base)/lambda-url/\(config.urlId)/"
    }

    static func newURLId() -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        return String((0..<32).map { _ in alphabet.randomElement()! })
    }

    static func validateCors(_ cors: JSONValue) throws(LambdaError) -> JSONValue {
        var reader = try RequestReader(cors, path: "Cors.")
        _ = try reader.bool("AllowCredentials")
        _ = try reader.strings("AllowHeaders")
        let methods = try reader.strings("AllowMethods")
        _ = try reader.strings("AllowOrigins")
        _ = try reader.strings("ExposeHeaders")
        let maxAge = try reader.int("MaxAge")
        try reader.finish()
        var errors = ValidationErrors()
        errors.range(maxAge, at: "cors.maxAge", min: 0, max: 86400)
        if let methods, methods.count > 6 {
            errors.add("[" + methods.joined(separator: ", ") + "]", at: "cors.allowMethods", "Member must have length less than or equal to 6")
        }
        try errors.throwIfAny()
        return cors
    }
}
