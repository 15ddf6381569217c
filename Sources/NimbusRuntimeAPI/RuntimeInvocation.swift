/// One invocation as the Runtime API hands it to a runtime on `/next`.
public struct RuntimeInvocation: Sendable, Equatable {
    /// `Lambda-Runtime-Aws-Request-Id`.
    public var requestId: String
    /// The event bytes.
    public var payload: [UInt8]
    /// The function's timeout in milliseconds. `Lambda-Runtime-Deadline-Ms` is this long after `/next` hands
    /// the invocation over: Lambda's timeout starts once the runtime asks for work, so a cold start's
    /// initialisation is not in it.
    public var timeoutMs: Int64
    /// `Lambda-Runtime-Invoked-Function-Arn`: the ARN exactly as the caller addressed it.
    public var invokedFunctionArn: String
    /// `Lambda-Runtime-Trace-Id`.
    public var traceId: String?
    /// `Lambda-Runtime-Client-Context`: decoded JSON text.
    public var clientContext: String?
    /// `Lambda-Runtime-Cognito-Identity`: JSON text.
    public var cognitoIdentity: String?

    /// Creates an invocation.
    public init(
        requestId: String, payload: [UInt8], timeoutMs: Int64, invokedFunctionArn: String,
        traceId: String? = nil, clientContext: String? = nil, cognitoIdentity: String? = nil
    ) {
        self.requestId = requestId
        self.payload = payload
        self.timeoutMs = timeoutMs
        self.invokedFunctionArn = invokedFunctionArn
        self.traceId = traceId
        self.clientContext = clientContext
        self.cognitoIdentity = cognitoIdentity
    }
}

/// How the runtime finished an invocation. Function errors are results, not thrown errors.
public enum RuntimeOutcome: Sendable, Equatable {
    /// `/response`: the result bytes.
    case response([UInt8])
    /// `/error`: the error document the runtime posted, and its type (header, else the body's `errorType`).
    case functionError([UInt8], errorType: String?)
    /// The result was larger than the limit; the runtime was told 413.
    case responseTooLarge
    /// The invocation was abandoned (deadline, sandbox gone) before the runtime answered.
    case abandoned
}

/// What the runtime did that the pool must know about.
public enum RuntimeEvent: Sendable, Equatable {
    /// The first `/next`: initialisation finished.
    case ready
    /// `/init/error` with its document and type.
    case initError([UInt8], errorType: String?)
}
