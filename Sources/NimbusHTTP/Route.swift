import Foundation

/// The Lambda operations Nimbus routes, named as in the service model.
public enum Operation: String, Sendable, CaseIterable {
    case createFunction = "CreateFunction", getFunction = "GetFunction"
    case getFunctionConfiguration = "GetFunctionConfiguration", listFunctions = "ListFunctions"
    case updateFunctionCode = "UpdateFunctionCode", updateFunctionConfiguration = "UpdateFunctionConfiguration"
    case deleteFunction = "DeleteFunction", publishVersion = "PublishVersion"
    case listVersionsByFunction = "ListVersionsByFunction"
    case createAlias = "CreateAlias", getAlias = "GetAlias", updateAlias = "UpdateAlias"
    case deleteAlias = "DeleteAlias", listAliases = "ListAliases"
    case addPermission = "AddPermission", removePermission = "RemovePermission", getPolicy = "GetPolicy"
    case putFunctionConcurrency = "PutFunctionConcurrency", getFunctionConcurrency = "GetFunctionConcurrency"
    case deleteFunctionConcurrency = "DeleteFunctionConcurrency"
    case putProvisionedConcurrencyConfig = "PutProvisionedConcurrencyConfig"
    case getProvisionedConcurrencyConfig = "GetProvisionedConcurrencyConfig"
    case deleteProvisionedConcurrencyConfig = "DeleteProvisionedConcurrencyConfig"
    case listProvisionedConcurrencyConfigs = "ListProvisionedConcurrencyConfigs"
    case putFunctionEventInvokeConfig = "PutFunctionEventInvokeConfig"
    case updateFunctionEventInvokeConfig = "UpdateFunctionEventInvokeConfig"
    case getFunctionEventInvokeConfig = "GetFunctionEventInvokeConfig"
    case deleteFunctionEventInvokeConfig = "DeleteFunctionEventInvokeConfig"
    case listFunctionEventInvokeConfigs = "ListFunctionEventInvokeConfigs"
    case createEventSourceMapping = "CreateEventSourceMapping", getEventSourceMapping = "GetEventSourceMapping"
    case updateEventSourceMapping = "UpdateEventSourceMapping", deleteEventSourceMapping = "DeleteEventSourceMapping"
    case listEventSourceMappings = "ListEventSourceMappings"
    case createFunctionUrlConfig = "CreateFunctionUrlConfig", getFunctionUrlConfig = "GetFunctionUrlConfig"
    case updateFunctionUrlConfig = "UpdateFunctionUrlConfig", deleteFunctionUrlConfig = "DeleteFunctionUrlConfig"
    case listFunctionUrlConfigs = "ListFunctionUrlConfigs"
    case getAccountSettings = "GetAccountSettings"
    case tagResource = "TagResource", untagResource = "UntagResource", listTags = "ListTags"
    case invoke = "Invoke", invokeAsync = "InvokeAsync"

    /// The largest request body the operation takes.
    var bodyLimit: Int {
        switch self {
        case .createFunction, .updateFunctionCode: return 70_167_211
        case .invoke: return 6_291_456
        default: return 1_048_576
        }
    }
}

/// One row of the route table: method and path template (`{Name}` segments are parameters).
struct Route: Sendable {
    let method: String
    let segments: [String]
    let operation: Operation

    init(_ method: String, _ template: String, _ operation: Operation) {
        self.method = method
        self.segments = template.split(separator: "/").map(String.init)
        self.operation = operation
    }

    /// The decoded parameters when `path` (already split and percent-decoded) matches.
    func match(method: String, path: [String]) -> [String]? {
        guard method == self.method, path.count == segments.count else { return nil }
        var parameters: [String] = []
        for (template, actual) in zip(segments, path) {
            if template.hasPrefix("{") {
                guard !actual.isEmpty else { return nil }
                parameters.append(actual)
            } else if template != actual {
                return nil
            }
        }
        return parameters
    }
}

/// The route table of lambda-api.md §1.3: (method, full path template) → operation.
enum Routes {
    static let all: [Route] = [
        Route("POST", "/2015-03-31/functions", .createFunction),
        Route("GET", "/2015-03-31/functions", .listFunctions),
        Route("GET", "/2015-03-31/functions/{FunctionName}", .getFunction),
        Route("DELETE", "/2015-03-31/functions/{FunctionName}", .deleteFunction),
        Route("GET", "/2015-03-31/functions/{FunctionName}/configuration", .getFunctionConfiguration),
        Route("PUT", "/2015-03-31/functions/{FunctionName}/configuration", .updateFunctionConfiguration),
        Route("PUT", "/2015-03-31/functions/{FunctionName}/code", .updateFunctionCode),
        Route("POST", "/2015-03-31/functions/{FunctionName}/versions", .publishVersion),
        Route("GET", "/2015-03-31/functions/{FunctionName}/versions", .listVersionsByFunction),
        Route("POST", "/2015-03-31/functions/{FunctionName}/aliases", .createAlias),
        Route("GET", "/2015-03-31/functions/{FunctionName}/aliases", .listAliases),
        Route("GET", "/2015-03-31/functions/{FunctionName}/aliases/{Name}", .getAlias),
        Route("PUT", "/2015-03-31/functions/{FunctionName}/aliases/{Name}", .updateAlias),
        Route("DELETE", "/2015-03-31/functions/{FunctionName}/aliases/{Name}", .deleteAlias),
        Route("POST", "/2015-03-31/functions/{FunctionName}/policy", .addPermission),
        Route("GET", "/2015-03-31/functions/{FunctionName}/policy", .getPolicy),
        Route("DELETE", "/2015-03-31/functions/{FunctionName}/policy/{StatementId}", .removePermission),
        Route("PUT", "/2017-10-31/functions/{FunctionName}/concurrency", .putFunctionConcurrency),
        Route("GET", "/2019-09-30/functions/{FunctionName}/concurrency", .getFunctionConcurrency),
        Route("DELETE", "/2017-10-31/functions/{FunctionName}/concurrency", .deleteFunctionConcurrency),
        Route("PUT", "/2019-09-30/functions/{FunctionName}/provisioned-concurrency", .putProvisionedConcurrencyConfig),
        Route("GET", "/2019-09-30/functions/{FunctionName}/provisioned-concurrency", .getProvisionedConcurrencyConfig),
        Route(
            "DELETE", "/2019-09-30/functions/{FunctionName}/provisioned-concurrency",
            .deleteProvisionedConcurrencyConfig),
        Route("PUT", "/2019-09-25/functions/{FunctionName}/event-invoke-config", .putFunctionEventInvokeConfig),
        Route("POST", "/2019-09-25/functions/{FunctionName}/event-invoke-config", .updateFunctionEventInvokeConfig),
        Route("GET", "/2019-09-25/functions/{FunctionName}/event-invoke-config", .getFunctionEventInvokeConfig),
        Route("DELETE", "/2019-09-25/functions/{FunctionName}/event-invoke-config", .deleteFunctionEventInvokeConfig),
        Route("GET", "/2019-09-25/functions/{FunctionName}/event-invoke-config/list", .listFunctionEventInvokeConfigs),
        Route("POST", "/2015-03-31/event-source-mappings", .createEventSourceMapping),
        Route("GET", "/2015-03-31/event-source-mappings", .listEventSourceMappings),
        Route("GET", "/2015-03-31/event-source-mappings/{UUID}", .getEventSourceMapping),
        Route("PUT", "/2015-03-31/event-source-mappings/{UUID}", .updateEventSourceMapping),
        Route("DELETE", "/2015-03-31/event-source-mappings/{UUID}", .deleteEventSourceMapping),
        Route("POST", "/2021-10-31/functions/{FunctionName}/url", .createFunctionUrlConfig),
        Route("GET", "/2021-10-31/functions/{FunctionName}/url", .getFunctionUrlConfig),
        Route("PUT", "/2021-10-31/functions/{FunctionName}/url", .updateFunctionUrlConfig),
        Route("DELETE", "/2021-10-31/functions/{FunctionName}/url", .deleteFunctionUrlConfig),
        Route("GET", "/2021-10-31/functions/{FunctionName}/urls", .listFunctionUrlConfigs),
        Route("GET", "/2016-08-19/account-settings", .getAccountSettings),
        Route("POST", "/2017-03-31/tags/{Resource}", .tagResource),
        Route("DELETE", "/2017-03-31/tags/{Resource}", .untagResource),
        Route("GET", "/2017-03-31/tags/{Resource}", .listTags),
        Route("POST", "/2015-03-31/functions/{FunctionName}/invocations", .invoke),
        Route("POST", "/2014-11-13/functions/{FunctionName}/invoke-async", .invokeAsync),
    ]

    /// Finds the operation for a method and raw (percent-encoded) path.
    static func match(method: String, rawPath: String) -> (Operation, [String])? {
        var segments = rawPath.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map { segment in
            segment.utf8.contains(UInt8(ascii: "%")) ? (String(segment).removingPercentEncoding ?? String(segment)) : String(segment)
        }
        if segments.last == "", segments.count > 1 { segments.removeLast() }
        for route in all {
            if let parameters = route.match(method: method, path: segments) { return (route.operation, parameters) }
        }
        return nil
    }
}
