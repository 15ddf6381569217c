import Foundation
import NimbusModel
import NimbusStore

extension ControlPlane {
    /// CreateEventSourceMapping (202; stored now, polled by a later subsystem).
    public func createEventSourceMapping(_ bytes: [UInt8], caller: Caller) async throws -> JSONValue {
        var body = try RequestReader.parse(bytes)
        let eventSourceArn = try body.string("EventSourceArn")
        let functionName = try body.string("FunctionName")
        let enabled = try body.bool("Enabled") ?? true
        let batchSize = try body.int("BatchSize")
        let window = try body.int("MaximumBatchingWindowInSeconds")
        let responseTypes = try body.strings("FunctionResponseTypes") ?? []
        let filter = try body.raw("FilterCriteria")
        let scaling = try body.raw("ScalingConfig")
        let tags = try body.stringMap("Tags") ?? [:]
        var extra = try MappingSettings.read(&body, create: true)
        let destination = extra["DestinationConfig"]
        try body.finish()
        try MappingSettings.validate(scaling: scaling, responseTypes: responseTypes)
        guard let functionName else { throw LambdaError.invalidContent("Missing required member FunctionName") }
        var errors = ValidationErrors()
        errors.pattern(eventSourceArn, at: "eventSourceArn", .eventSourceArn)
        errors.range(batchSize, at: "batchSize", min: 1, max: 10000)
        errors.range(window, at: "maximumBatchingWindowInSeconds", min: 0, max: 300)
        try errors.throwIfAny()
        guard let eventSourceArn else { throw LambdaError.invalidParameter("Unrecognized event source.") }
        let service = eventSourceArn.split(separator: ":").dropFirst(2).first.map(String.init) ?? ""
        let isSQS = service == "sqs"
        let isStream = service == "kinesis" || service == "dynamodb"
        if isSQS, destination != nil {
            throw LambdaError.invalidParameter(
                "Unsupported DestinationConfig parameter for given event source mapping type.")
        }
        if isStream, extra["StartingPosition"] == nil {
            throw LambdaError.invalidParameter(
                "1 validation error detected: Value null at 'startingPosition' failed to satisfy constraint: Member must not be null."
            )
        }
        if let filter { try Self.validateFilter(filter) }
        if isStream {
            for (key, value) in MappingSettings.streamDefaults where extra[key] == nil { extra[key] = value }
        }
        let size = batchSize ?? (isSQS ? 10 : 100)
        let fifo = isSQS && eventSourceArn.hasSuffix(".fifo")
        if fifo, size > 10 {
            throw LambdaError.invalidParameter("Batch size for FIFO queues must be between 1 and 10.")
        }
        if isSQS, size > 10, (window ?? 0) < 1 {
            throw LambdaError.invalidParameter(
                "Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10")
        }
        if tags.count > 50 { throw LambdaError.invalidParameter("Number of tags exceeds resource tag limit.") }
        let functionArn = try await mappingFunctionArn(functionName, caller: caller)
        let existing = try await mappings.listMappings(
            accountId: caller.accountId, region: caller.region, after: nil, limit: 100_000)
        if let duplicate = existing.first(where: { $0.eventSourceArn == eventSourceArn && $0.functionArn == functionArn }) {
            throw LambdaError.conflict(
                "An event source mapping with SQS arn (\" \(eventSourceArn) \") and function (\" \(functionArn.split(separator: ":").dropFirst(6).joined(separator: ":")) \") already exists. Please update or delete the existing mapping with UUID \(duplicate.uuid)"
            )
        }
        let mapping = EventSourceMappingRecord(
            uuid: RandomID.uuid(), accountId: caller.accountId, region: caller.region,
            functionArn: functionArn, eventSourceArn: eventSourceArn, batchSize: size,
            maximumBatchingWindowInSeconds: window ?? 0, enabled: enabled, functionResponseTypes: responseTypes,
            filterCriteria: filter, scalingConfig: scaling, extra: extra, tags: tags, lastModified: now())
        try await mappings.updateMapping(uuid: mapping.uuid) { record in record = mapping }
        return Self.render(mapping, state: enabled ? "Creating" : "Disabled")
    }

    /// GetEventSourceMapping.
    public func getEventSourceMapping(_ uuid: String, caller: Caller) async throws -> JSONValue {
        let mapping = try await ownedMapping(uuid, caller: caller)
        return Self.render(mapping, state: mapping.enabled ? "Enabled" : "Disabled")
    }

    /// UpdateEventSourceMapping (202).
    public func updateEventSourceMapping(_ uuid: String, _ bytes: [UInt8], caller: Caller) async throws -> JSONValue {
        var body = try RequestReader.parse(bytes)
        let functionName = try body.string("FunctionName")
        let enabled = try body.bool("Enabled")
        let batchSize = try body.int("BatchSize")
        let window = try body.int("MaximumBatchingWindowInSeconds")
        let responseTypes = try body.strings("FunctionResponseTypes")
        let filter = try body.raw("FilterCriteria")
        if let filter { try Self.validateFilter(filter) }
        let scaling = try body.raw("ScalingConfig")
        let extra = try MappingSettings.read(&body, create: false)
        try body.finish()
        try MappingSettings.validate(scaling: scaling, responseTypes: responseTypes)
        let changes = extra
        var errors = ValidationErrors()
        errors.range(batchSize, at: "batchSize", min: 1, max: 10000)
        errors.range(window, at: "maximumBatchingWindowInSeconds", min: 0, max: 300)
        try errors.throwIfAny()
        _ = try await ownedMapping(uuid, caller: caller)
        let functionArn = try await functionName.asyncMap { try await mappingFunctionArn($0, caller: caller) }
        let now = self.now()
        return try await mappings.updateMapping(uuid: uuid) { record in
            guard var mapping = record else { throw LambdaError.resourceDoesNotExist }
            let isSQS = mapping.eventSourceArn.contains(":sqs:")
            if isSQS, changes["DestinationConfig"] != nil {
                throw LambdaError.invalidParameter(
                    "Unsupported DestinationConfig parameter for given event source mapping type.")
            }
            let size = batchSize ?? mapping.batchSize
            let newWindow = window ?? mapping.maximumBatchingWindowInSeconds
            if isSQS, size > 10, newWindow < 1 {
                throw LambdaError.invalidParameter(
                    "Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10")
            }
            let wasEnabled = mapping.enabled
            if let functionArn { mapping.functionArn = functionArn }
            if let enabled { mapping.enabled = enabled }
            mapping.batchSize = size
            mapping.maximumBatchingWindowInSeconds = newWindow
            if let responseTypes { mapping.functionResponseTypes = responseTypes }
            if let filter { mapping.filterCriteria = filter }
            if let scaling { mapping.scalingConfig = scaling }
            for (key, value) in changes { mapping.extra[key] = value }
            mapping.lastModified = now
            record = mapping
            let state =
                wasEnabled == mapping.enabled ? "Updating" : (mapping.enabled ? "Enabling" : "Disabling")
            return Self.render(mapping, state: state)
        }
    }

    /// DeleteEventSourceMapping (202, `Deleting`).
    public func deleteEventSourceMapping(_ uuid: String, caller: Caller) async throws -> JSONValue {
        let mapping = try await ownedMapping(uuid, caller: caller)
        try await mappings.updateMapping(uuid: uuid) { record in record = nil }
        return Self.render(mapping, state: "Deleting")
    }

    /// ListEventSourceMappings, optionally filtered by source and function.
    public func listEventSourceMappings(
        eventSourceArn: String?, functionName: String?, marker: String?, maxItems: String?, caller: Caller
    ) async throws -> JSONValue {
        let size = try Marker.pageSize(maxItems, modelMax: 10000, pageMax: 100)
        var all = try await mappings.listMappings(
            accountId: caller.accountId, region: caller.region, after: nil, limit: 1_000_000)
        if let eventSourceArn { all = all.filter { $0.eventSourceArn == eventSourceArn } }
        if let functionName {
            let ref = try FunctionReference.parse(functionName)
            all = all.filter { mapping in
                let parts = mapping.functionArn.split(separator: ":", omittingEmptySubsequences: false)
                return parts.count >= 7 && parts[6] == ref.name[...]
                    && (ref.qualifier == nil || (parts.count > 7 && String(parts[7]) == ref.qualifier))
            }
        }
        let (page, next) = try Marker.page(all, after: marker, size: size) { $0.uuid }
        var o = JSONObjectBuilder()
        o.set("EventSourceMappings", .array(page.map { Self.render($0, state: $0.enabled ? "Enabled" : "Disabled") }))
        o.set("NextMarker", next)
        return o.value
    }

    /// Every filter pattern must be a JSON object.
    static func validateFilter(_ filter: JSONValue) throws(LambdaError) {
        var reader = try RequestReader(filter, path: "FilterCriteria.")
        let filters = reader.any("Filters")
        try reader.finish()
        guard case .array(let items)? = filters else { return }
        for item in items {
            guard let text = item["Pattern"]?.stringValue,
                case .object = try? JSONValue.parse(Array(text.utf8))
            else { throw LambdaError.invalidParameter("Invalid filter pattern definition.") }
        }
    }

    func ownedMapping(_ uuid: String, caller: Caller) async throws -> EventSourceMappingRecord {
        guard let mapping = try await mappings.mapping(uuid: uuid), mapping.accountId == caller.accountId,
            mapping.region == caller.region
        else { throw LambdaError.resourceDoesNotExist }
        return mapping
    }

    /// The function ARN a mapping stores: unqualified for a plain name, with the qualifier when one was given.
    func mappingFunctionArn(_ name: String, caller: Caller) async throws -> String {
        let target = try await resolve(
            name, caller: caller, action: "lambda:CreateEventSourceMapping", qualifierPattern: nil)
        guard let record = try await functions.function(target.key) else {
            throw LambdaError.invalidParameter("Function does not exist")
        }
        if let qualifier = target.qualifier {
            guard qualifier == "$LATEST" || record.version(qualifier) != nil || record.aliases[qualifier] != nil else {
                throw LambdaError.invalidParameter("Function does not exist")
            }
            return record.arn(qualifier)
        }
        return record.arn
    }

    /// The mapping in the model's member order.
    static func render(_ mapping: EventSourceMappingRecord, state: String) -> JSONValue {
        let stream = mapping.extra["StartingPosition"] != nil
        var o = JSONObjectBuilder()
        func extra(_ names: [String]) { for name in names { o.set(name, mapping.extra[name]) } }
        o.set("UUID", mapping.uuid)
        extra(["StartingPosition", "StartingPositionTimestamp"])
        o.set("BatchSize", mapping.batchSize)
        o.set("MaximumBatchingWindowInSeconds", mapping.maximumBatchingWindowInSeconds)
        extra(["ParallelizationFactor"])
        o.set("EventSourceArn", mapping.eventSourceArn)
        o.set("FilterCriteria", mapping.filterCriteria)
        o.set("FunctionArn", mapping.functionArn)
        o.set("LastModified", Timestamps.epoch(mapping.lastModified))
        if stream { o.set("LastProcessingResult", "No records processed") }
        o.set("State", state)
        o.set("StateTransitionReason", stream ? "User action" : "USER_INITIATED")
        extra([
            "DestinationConfig", "Topics", "Queues", "SourceAccessConfigurations", "SelfManagedEventSource",
            "MaximumRecordAgeInSeconds", "BisectBatchOnFunctionError", "MaximumRetryAttempts",
            "TumblingWindowInSeconds",
        ])
        o.set("FunctionResponseTypes", .array(mapping.functionResponseTypes.map { .string($0) }))
        extra(["AmazonManagedKafkaEventSourceConfig", "SelfManagedKafkaEventSourceConfig"])
        o.set("ScalingConfig", mapping.scalingConfig)
        extra(["DocumentDBEventSourceConfig", "KMSKeyArn"])
        o.set("EventSourceMappingArn", mapping.arn)
        extra(["MetricsConfig", "LoggingConfig", "ProvisionedPollerConfig"])
        return o.value
    }
}

extension Optional {
    func asyncMap<U>(_ transform: (Wrapped) async throws -> U) async rethrows -> U? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}
