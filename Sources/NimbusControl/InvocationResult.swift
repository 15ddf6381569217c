import NimbusModel

/// What Invoke answers once a function ran (or could not): never a 5xx after the function ran.
public struct InvocationResult: Sendable {
    /// The body: the function's result, or the error document.
    public var body: [UInt8]
    /// `X-Amz-Function-Error` (`Unhandled`) when the function failed.
    public var functionError: String?
    /// `X-Amz-Executed-Version`.
    public var executedVersion: String
    /// The invocation's log (START, function output, END, REPORT).
    public var log: [UInt8] = []

    /// Creates a result.
    public init(body: [UInt8], functionError: String?, executedVersion: String) {
        self.body = body
        self.functionError = functionError
        self.executedVersion = executedVersion
    }

    /// A platform-generated error document, `errorType` first as Lambda writes it.
    public static func platformError(_ type: String, _ message: String, version: String) -> InvocationResult {
        InvocationResult(
            body: JSONValue.object([("errorType", .string(type)), ("errorMessage", .string(message))]).jsonBytes,
            functionError: "Unhandled", executedVersion: version)
    }
}

/// Runs invocations (implemented by the warm pool; the HTTP layer only knows this protocol).
public protocol InvocationHandler: Sendable {
    /// Runs `payload` on the target version and returns what Invoke answers. Throws `LambdaError` only
    /// before anything ran (throttles, unsupported runtimes).
    /// With a `patience`, it may wait that long for a busy sandbox of the version before starting another
    /// (`Event` invocations); nil runs at once (synchronous invocations scale out immediately, as on Lambda).
    func invoke(
        _ target: InvocationTarget, payload: [UInt8], requestId: String, clientContext: String?, patience: Duration?
    ) async throws -> InvocationResult
}

extension InvocationHandler {
    /// Runs at once, scaling out when every sandbox of the version is busy.
    public func invoke(_ target: InvocationTarget, payload: [UInt8], requestId: String, clientContext: String?)
        async throws -> InvocationResult
    {
        try await invoke(target, payload: payload, requestId: requestId, clientContext: clientContext, patience: nil)
    }
}
