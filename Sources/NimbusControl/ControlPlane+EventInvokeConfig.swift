import Foundation
import NimbusModel
import NimbusStore

extension ControlPlane {
    /// Put (replace) or Update (merge) FunctionEventInvokeConfig.
    public func putEventInvokeConfig(
        _ name: String, qualifier: String?, _ bytes: [UInt8], merge: Bool, caller: Caller
    ) async throws -> JSONValue {
        var body = try RequestReader.parse(bytes)
        let retries = try body.int("MaximumRetryAttempts")
        let maxAge = try body.int("MaximumEventAgeInSeconds")
        var onSuccess: String?
        var onFailure: String?
        let hasDestinations = body.has("DestinationConfig")
        if var destinations = try body.object("DestinationConfig") {
            if var success = try destinations.object("OnSuccess") {
                onSuccess = try success.string("Destination")
                try success.finish()
            }
            if var failure = try destinations.object("OnFailure") {
                onFailure = try failure.string("Destination")
                try failure.finish()
            }
            try destinations.finish()
        }
        try body.finish()
        let (success, failure) = (onSuccess, onFailure)
        var errors = ValidationErrors()
        errors.range(retries, at: "maximumRetryAttempts", min: 0, max: 2)
        errors.range(maxAge, at: "maximumEventAgeInSeconds", min: 60, max: 21600)
        errors.length(onSuccess, at: "destinationConfig.onSuccess.destination", max: 350)
        errors.length(onFailure, at: "destinationConfig.onFailure.destination", max: 350)
        errors.pattern(onSuccess, at: "destinationConfig.onSuccess.destination", .destinationArn)
        errors.pattern(onFailure, at: "destinationConfig.onFailure.destination", .destinationArn)
        try errors.throwIfAny()
        if retries == nil, maxAge == nil, !hasDestinations {
            throw LambdaError.invalidParameter("You must specify at least one of error handling or destination setting.")
        }
        let target = try await resolve(
            name, qualifier: qualifier, caller: caller, action: "lambda:PutFunctionEventInvokeConfig")
        for destination in [onSuccess, onFailure].compactMap({ $0 }) where !destination.isEmpty {
            try await checkDestination(destination, of: target, success: destination == onSuccess)
        }
        let now = self.now()
        let missing = LambdaError.resourceNotFound("The function doesn't exist.")
        return try await mutate(target.key, missing: missing) { function, _ in
            let key = try Self.eventConfigKey(function, target.qualifier)
            var config: EventInvokeConfigRecord
            if merge {
                guard let existing = function.eventInvokeConfigs[key] else {
                    throw Self.noEventInvokeConfig(function.arn(key))
                }
                config = existing
                if let retries { config.maximumRetryAttempts = retries }
                if let maxAge { config.maximumEventAgeInSeconds = maxAge }
                if hasDestinations {
                    if let success { config.onSuccess = success.isEmpty ? nil : success }
                    if let failure { config.onFailure = failure.isEmpty ? nil : failure }
                }
                config.lastModified = now
            } else {
                config = EventInvokeConfigRecord(
                    maximumRetryAttempts: retries, maximumEventAgeInSeconds: maxAge,
                    onSuccess: success.flatMap { $0.isEmpty ? nil : $0 },
                    onFailure: failure.flatMap { $0.isEmpty ? nil : $0 }, lastModified: now)
            }
            function.eventInvokeConfigs[key] = config
            return Self.render(config, arn: function.arn(key))
        }
    }

    /// GetFunctionEventInvokeConfig.
    public func getEventInvokeConfig(_ name: String, qualifier: String?, caller: Caller) async throws -> JSONValue {
        let target = try await resolve(
            name, qualifier: qualifier, caller: caller, action: "lambda:GetFunctionEventInvokeConfig")
        let notFound = Self.noEventInvokeConfig(target.key.arn(target.qualifier ?? "$LATEST"))
        guard let record = try await functions.function(target.key) else { throw notFound }
        let key = try Self.eventConfigKey(record, target.qualifier)
        guard let config = record.eventInvokeConfigs[key] else { throw notFound }
        return Self.render(config, arn: record.arn(key))
    }

    /// DeleteFunctionEventInvokeConfig.
    public func deleteEventInvokeConfig(_ name: String, qualifier: String?, caller: Caller) async throws {
        let target = try await resolve(
            name, qualifier: qualifier, caller: caller, action: "lambda:DeleteFunctionEventInvokeConfig")
        let notFound = Self.noEventInvokeConfig(target.key.arn(target.qualifier ?? "$LATEST"))
        try await mutate(target.key, missing: notFound) { function, _ in
            let key = try Self.eventConfigKey(function, target.qualifier)
            guard function.eventInvokeConfigs[key] != nil else { throw notFound }
            function.eventInvokeConfigs[key] = nil
        }
    }

    /// ListFunctionEventInvokeConfigs.
    public func listEventInvokeConfigs(_ name: String, marker: String?, maxItems: String?, caller: Caller)
        async throws -> JSONValue
    {
        let target = try await resolve(
            name, caller: caller, action: "lambda:ListFunctionEventInvokeConfigs", qualifierPattern: nil)
        let size = try Marker.pageSize(maxItems, modelMax: 50, pageMax: 50)
        guard let record = try await functions.function(target.key) else {
            throw LambdaError.resourceNotFound("The function doesn't exist.")
        }
        let configs = record.eventInvokeConfigs.sorted { $0.key < $1.key }
        let (page, next) = try Marker.page(configs, after: marker, size: size) { $0.key }
        var o = JSONObjectBuilder()
        o.set("FunctionEventInvokeConfigs", .array(page.map { Self.render($0.value, arn: record.arn($0.key)) }))
        o.set("NextMarker", next)
        return o.value
    }

    static func eventConfigKey(_ function: FunctionRecord, _ qualifier: String?) throws -> String {
        guard let qualifier, qualifier != "$LATEST" else { return "$LATEST" }
        if function.version(qualifier) != nil || function.aliases[qualifier] != nil { return qualifier }
        throw noEventInvokeConfig(function.arn(qualifier))
    }

    /// Destinations must be a queue, topic, bus or bucket ARN, or an existing function other than this one.
    func checkDestination(_ destination: String, of target: Target, success: Bool) async throws {
        let parts = destination.split(separator: ":", omittingEmptySubsequences: false)
        let service = parts.count > 2 ? String(parts[2]) : ""
        switch service {
        case "sqs", "sns", "events", "s3":
            return
        case "lambda":
            guard parts.count >= 7, parts[5] == "function" else { break }
            let name = String(parts[6])
            if name == target.key.name && String(parts[4]) == target.key.accountId {
                throw LambdaError.invalidParameter("You can't specify the function as a destination for itself.")
            }
            let key = FunctionKey(accountId: String(parts[4]), region: String(parts[3]), name: name)
            let sameAccount = key.accountId == target.key.accountId && key.region == target.key.region
            let exists = sameAccount ? try await functions.function(key) != nil : false
            if !exists {
                throw LambdaError.invalidParameter("The destination ARN \(destination) is invalid.")
            }
            return
        default:
            break
        }
        let rendered =
            success
            ? "DestinationConfig(onSuccess=OnSuccess(destination=\(destination)), onFailure=null)"
            : "DestinationConfig(onSuccess=null, onFailure=OnFailure(destination=\(destination)))"
        throw LambdaError.invalidParameter("The provided destination config \(rendered) is invalid.")
    }

    static func noEventInvokeConfig(_ arn: String) -> LambdaError {
        .resourceNotFound("The function \(arn) doesn't have an EventInvokeConfig")
    }

    static func render(_ config: EventInvokeConfigRecord, arn: String) -> JSONValue {
        var o = JSONObjectBuilder()
        o.set("LastModified", Timestamps.epoch(config.lastModified))
        o.set("FunctionArn", arn)
        o.set("MaximumRetryAttempts", config.maximumRetryAttempts)
        o.set("MaximumEventAgeInSeconds", config.maximumEventAgeInSeconds)
        let success: JSONValue = config.onSuccess.map { .object([("Destination", .string($0))]) } ?? .object([])
        let failure: JSONValue = config.onFailure.map { .object([("Destination", .string($0))]) } ?? .object([])
        o.set("DestinationConfig", .object([("OnSuccess", success), ("OnFailure", failure)]))
        return o.value
    }
}
