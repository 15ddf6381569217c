import Foundation
import NimbusModel
import NimbusStore

extension ControlPlane {
    /// What a taggable ARN names.
    enum TagTarget {
        case function(Target)
        case mapping(String)
    }

    func tagTarget(_ resource: String, caller: Caller, action: String) async throws -> TagTarget {
        var errors = ValidationErrors()
        errors.length(resource, at: "resource", min: 1, max: 256)
        errors.pattern(resource, at: "resource", .taggableResource)
        try errors.throwIfAny()
        let parts = resource.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        if parts[5] == "event-source-mapping" {
            guard parts[4] == caller.accountId, parts[3] == caller.region,
                (try? await ownedMapping(parts[6].lowercased(), caller: caller)) != nil
            else {
                if parts[4] != caller.accountId { throw LambdaError.accessDenied() }
                throw LambdaError.resourceNotFound("Event source mapping not found: \(resource)")
            }
            return .mapping(parts[6].lowercased())
        }
        guard parts[5] == "function" else {
            throw LambdaError.invalidParameter("Tagging this resource type is not supported by Nimbus.")
        }
        if parts.count > 7 {
            throw LambdaError.invalidParameter(
                "Tags on function aliases and versions are not supported. Please specify a function ARN.")
        }
        let target = try await resolve(resource, caller: caller, action: action, qualifierPattern: nil)
        _ = try await load(target)
        return .function(target)
    }

    /// TagResource: merges tags.
    public func tagResource(_ resource: String, _ bytes: [UInt8], caller: Caller) async throws {
        var body = try RequestReader.parse(bytes)
        let tags = try body.stringMap("Tags")
        try body.finish()
        guard let tags else { throw LambdaError.invalidContent("Missing required member Tags") }
        let target = try await tagTarget(resource, caller: caller, action: "lambda:TagResource")
        if tags.isEmpty { throw LambdaError.invalidParameter("An error occurred and the request cannot be processed.") }
        let limit = LambdaError.invalidParameter("Number of tags exceeds resource tag limit.")
        switch target {
        case .function(let target):
            try await mutate(target.key) { function, _ in
                function.tags.merge(tags) { $1 }
                if function.tags.count > 50 { throw limit }
            }
        case .mapping(let uuid):
            try await mappings.updateMapping(uuid: uuid) { record in
                record?.tags.merge(tags) { $1 }
                if (record?.tags.count ?? 0) > 50 { throw limit }
            }
        }
    }

    /// UntagResource: unknown keys are ignored.
    public func untagResource(_ resource: String, tagKeys: [String], caller: Caller) async throws {
        let target = try await tagTarget(resource, caller: caller, action: "lambda:UntagResource")
        if tagKeys.isEmpty {
            throw LambdaError.validation(
                "1 validation error detected: Value null at 'tagKeys' failed to satisfy constraint: Member must not be null"
            )
        }
        switch target {
        case .function(let target):
            try await mutate(target.key) { function, _ in for key in tagKeys { function.tags[key] = nil } }
        case .mapping(let uuid):
            try await mappings.updateMapping(uuid: uuid) { record in for key in tagKeys { record?.tags[key] = nil } }
        }
    }

    /// ListTags.
    public func listTags(_ resource: String, caller: Caller) async throws -> JSONValue {
        let target = try await tagTarget(resource, caller: caller, action: "lambda:ListTags")
        switch target {
        case .function(let target):
            return .object([("Tags", tagsJSON(try await load(target).tags))])
        case .mapping(let uuid):
            return .object([("Tags", tagsJSON(try await mappings.mapping(uuid: uuid)?.tags ?? [:]))])
        }
    }
}
