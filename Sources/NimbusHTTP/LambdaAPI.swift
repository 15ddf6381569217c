import NimbusControl
import NimbusModel
import NimbusStore

/// A routed, authenticated Lambda API request.
struct APIRequest: Sendable {
    let operation: Operation
    let parameters: [String]
    let query: [(String, String)]
    let body: [UInt8]
    let caller: Caller
    /// The id of this request (also the invocation's request id).
    let requestId: String
    /// Request headers, names lower-cased.
    let headers: [(String, String)]

    /// The first value of a header (lower-case name).
    func header(_ name: String) -> String? { headers.first { $0.0 == name }?.1 }

    /// The first value of a query parameter.
    func query(_ name: String) -> String? { query.first { $0.0 == name }?.1 }

    /// Every value of a repeated query parameter.
    func queryAll(_ name: String) -> [String] { query.filter { $0.0 == name }.map(\.1) }

    var name: String { parameters[0] }
}

/// The outcome of an operation: a status and a JSON body, or raw bytes with extra headers (Invoke).
struct APIResult: Sendable {
    let status: Int
    let body: JSONValue?
    var raw: [UInt8]? = nil
    var headers: [(String, String)] = []

    static func ok(_ body: JSONValue, _ status: Int = 200) -> APIResult { APIResult(status: status, body: body) }
    static let noContent = APIResult(status: 204, body: nil)
}

/// Maps each operation to its control-plane call and success status.
struct LambdaAPI: Sendable {
    let control: ControlPlane
    let invoker: (any InvocationHandler)?
    /// Stores an accepted Event invocation durably (and wakes its runner).
    let submitEvent: (@Sendable (AsyncEvent) async throws -> Void)?

    func handle(_ r: APIRequest) async throws -> APIResult {
        let c = r.caller
        switch r.operation {
        case .createFunction: return .ok(try await control.createFunction(r.body, caller: c), 201)
        case .getFunction: return .ok(try await control.getFunction(r.name, qualifier: r.query("Qualifier"), caller: c))
        case .getFunctionConfiguration:
            return .ok(try await control.getFunctionConfiguration(r.name, qualifier: r.query("Qualifier"), caller: c))
        case .listFunctions:
            return .ok(
                try await control.listFunctions(
                    functionVersion: r.query("FunctionVersion"), marker: r.query("Marker"),
                    maxItems: r.query("MaxItems"), caller: c))
        case .updateFunctionCode: return .ok(try await control.updateFunctionCode(r.name, r.body, caller: c))
        case .updateFunctionConfiguration:
            return .ok(try await control.updateFunctionConfiguration(r.name, r.body, caller: c))
        case .deleteFunction:
            try await control.deleteFunction(r.name, qualifier: r.query("Qualifier"), caller: c)
            return .noContent
        case .publishVersion: return .ok(try await control.publishVersion(r.name, r.body, caller: c), 201)
        case .listVersionsByFunction:
            return .ok(
                try await control.listVersions(r.name, marker: r.query("Marker"), maxItems: r.query("MaxItems"), caller: c))
        case .createAlias: return .ok(try await control.createAlias(r.name, r.body, caller: c), 201)
        case .getAlias: return .ok(try await control.getAlias(r.name, alias: r.parameters[1], caller: c))
        case .updateAlias: return .ok(try await control.updateAlias(r.name, alias: r.parameters[1], r.body, caller: c))
        case .deleteAlias:
            try await control.deleteAlias(r.name, alias: r.parameters[1], caller: c)
            return .noContent
        case .listAliases:
            return .ok(
                try await control.listAliases(
                    r.name, functionVersion: r.query("FunctionVersion"), marker: r.query("Marker"),
                    maxItems: r.query("MaxItems"), caller: c))
        case .addPermission:
            return .ok(try await control.addPermission(r.name, qualifier: r.query("Qualifier"), r.body, caller: c), 201)
        case .removePermission:
            try await control.removePermission(
                r.name, statementId: r.parameters[1], qualifier: r.query("Qualifier"),
                revisionId: r.query("RevisionId"), caller: c)
            return .noContent
        case .getPolicy: return .ok(try await control.getPolicy(r.name, qualifier: r.query("Qualifier"), caller: c))
        case .putFunctionConcurrency: return .ok(try await control.putFunctionConcurrency(r.name, r.body, caller: c))
        case .getFunctionConcurrency: return .ok(try await control.getFunctionConcurrency(r.name, caller: c))
        case .deleteFunctionConcurrency:
            try await control.deleteFunctionConcurrency(r.name, caller: c)
            return .noContent
        case .putProvisionedConcurrencyConfig:
            return .ok(
                try await control.putProvisionedConcurrency(r.name, qualifier: r.query("Qualifier"), r.body, caller: c),
                202)
        case .getProvisionedConcurrencyConfig:
            if r.query("List") != nil {
                return .ok(
                    try await control.listProvisionedConcurrency(
                        r.name, marker: r.query("Marker"), maxItems: r.query("MaxItems"), caller: c))
            }
            return .ok(try await control.getProvisionedConcurrency(r.name, qualifier: r.query("Qualifier"), caller: c))
        case .listProvisionedConcurrencyConfigs:
            return .ok(
                try await control.listProvisionedConcurrency(
                    r.name, marker: r.query("Marker"), maxItems: r.query("MaxItems"), caller: c))
        case .deleteProvisionedConcurrencyConfig:
            try await control.deleteProvisionedConcurrency(r.name, qualifier: r.query("Qualifier"), caller: c)
            return .noContent
        case .putFunctionEventInvokeConfig, .updateFunctionEventInvokeConfig:
            return .ok(
                try await control.putEventInvokeConfig(
                    r.name, qualifier: r.query("Qualifier"), r.body,
                    merge: r.operation == .updateFunctionEventInvokeConfig, caller: c))
        case .getFunctionEventInvokeConfig:
            return .ok(try await control.getEventInvokeConfig(r.name, qualifier: r.query("Qualifier"), caller: c))
        case .deleteFunctionEventInvokeConfig:
            try await control.deleteEventInvokeConfig(r.name, qualifier: r.query("Qualifier"), caller: c)
            return .noContent
        case .listFunctionEventInvokeConfigs:
            return .ok(
                try await control.listEventInvokeConfigs(
                    r.name, marker: r.query("Marker"), maxItems: r.query("MaxItems"), caller: c))
        case .createEventSourceMapping: return .ok(try await control.createEventSourceMapping(r.body, caller: c), 202)
        case .getEventSourceMapping: return .ok(try await control.getEventSourceMapping(r.name, caller: c))
        case .updateEventSourceMapping:
            return .ok(try await control.updateEventSourceMapping(r.name, r.body, caller: c), 202)
        case .deleteEventSourceMapping: return .ok(try await control.deleteEventSourceMapping(r.name, caller: c), 202)
        case .listEventSourceMappings:
            return .ok(
                try await control.listEventSourceMappings(
                    eventSourceArn: r.query("EventSourceArn"), functionName: r.query("FunctionName"),
                    marker: r.query("Marker"), maxItems: r.query("MaxItems"), caller: c))
        case .createFunctionUrlConfig, .updateFunctionUrlConfig:
            let create = r.operation == .createFunctionUrlConfig
            return .ok(
                try await control.putFunctionURL(
                    r.name, qualifier: r.query("Qualifier"), r.body, create: create, caller: c), create ? 201 : 200)
        case .getFunctionUrlConfig:
            return .ok(try await control.getFunctionURL(r.name, qualifier: r.query("Qualifier"), caller: c))
        case .deleteFunctionUrlConfig:
            try await control.deleteFunctionURL(r.name, qualifier: r.query("Qualifier"), caller: c)
            return .noContent
        case .listFunctionUrlConfigs:
            return .ok(
                try await control.listFunctionURLs(r.name, marker: r.query("Marker"), maxItems: r.query("MaxItems"), caller: c))
        case .getAccountSettings: return .ok(try await control.getAccountSettings(caller: c))
        case .tagResource:
            try await control.tagResource(r.name, r.body, caller: c)
            return .noContent
        case .untagResource:
            try await control.untagResource(r.name, tagKeys: r.queryAll("tagKeys"), caller: c)
            return .noContent
        case .listTags: return .ok(try await control.listTags(r.name, caller: c))
        case .invoke:
            return try await invoke(r)
        case .invokeAsync:
            // The deprecated form of an `Event` invoke (lambda-api.md §5.6): 202, no body.
            return try await invoke(r, invocationType: "Event")
        }
    }
}
