/// An error in the shape AWS Lambda returns: an error code (sent in `x-amzn-ErrorType`), an HTTP status,
/// and a JSON body whose message key is `message` or `Message` depending on the modeled shape.
public struct LambdaError: Error, Sendable, Equatable, CustomStringConvertible {
    /// How the message member is spelled in the body (botocore merges modeled members by exact name).
    public enum MessageKey: String, Sendable { case lower = "message", upper = "Message" }

    /// The AWS error code, e.g. `ResourceNotFoundException`.
    public var code: String
    /// The HTTP status code.
    public var status: Int
    /// The human-readable message.
    public var message: String
    /// The body key the message goes under.
    public var messageKey: MessageKey
    /// `User` for caller faults, `Service` for platform faults; omitted for unmodeled errors.
    public var type: String?
    /// Extra body members (e.g. `Reason` for throttling), in order.
    public var extra: [(String, String)]

    /// Creates an error.
    public init(
        code: String, status: Int, message: String, messageKey: MessageKey = .lower, type: String? = "User",
        extra: [(String, String)] = []
    ) {
        self.code = code
        self.status = status
        self.message = message
        self.messageKey = messageKey
        self.type = type
        self.extra = extra
    }

    public var description: String { "\(code) (\(status)): \(message)" }

    public static func == (lhs: LambdaError, rhs: LambdaError) -> Bool {
        lhs.code == rhs.code && lhs.status == rhs.status && lhs.message == rhs.message
            && lhs.messageKey == rhs.messageKey && lhs.type == rhs.type
            && lhs.extra.map { "\($0.0)=\($0.1)" } == rhs.extra.map { "\($0.0)=\($0.1)" }
    }
}

extension LambdaError {
    /// 404 `ResourceNotFoundException` (capital `Message`).
    public static func resourceNotFound(_ message: String) -> LambdaError {
        LambdaError(code: "ResourceNotFoundException", status: 404, message: message, messageKey: .upper)
    }
    /// 400 `InvalidParameterValueException`.
    public static func invalidParameter(_ message: String) -> LambdaError {
        LambdaError(code: "InvalidParameterValueException", status: 400, message: message)
    }
    /// 409 `ResourceConflictException`.
    public static func conflict(_ message: String) -> LambdaError {
        LambdaError(code: "ResourceConflictException", status: 409, message: message)
    }
    /// 412 `PreconditionFailedException`.
    public static func preconditionFailed(_ message: String) -> LambdaError {
        LambdaError(code: "PreconditionFailedException", status: 412, message: message)
    }
    /// 400 `ValidationException` (unmodeled; no `Type`).
    public static func validation(_ message: String) -> LambdaError {
        LambdaError(code: "ValidationException", status: 400, message: message, type: nil)
    }
    /// 403 `AccessDeniedException` that reveals nothing about the resource.
    public static func accessDenied(_ message: String = "User is not authorized to perform this action on the resource.")
        -> LambdaError
    {
        LambdaError(code: "AccessDeniedException", status: 403, message: message, messageKey: .upper, type: nil)
    }
    /// 413 `RequestEntityTooLargeException` (the wire name for oversized requests).
    public static func requestTooLarge(_ message: String) -> LambdaError {
        LambdaError(code: "RequestEntityTooLargeException", status: 413, message: message, messageKey: .upper)
    }
    /// 400 `InvalidRequestContentException` for bodies that are not the JSON the operation takes.
    public static func invalidContent(_ detail: String) -> LambdaError {
        LambdaError(
            code: "InvalidRequestContentException", status: 400,
            message: "Could not parse request body into json: \(detail)")
    }
    /// 404 `UnknownOperationException` for routes that name no operation.
    public static func unknownOperation(method: String, path: String) -> LambdaError {
        LambdaError(
            code: "UnknownOperationException", status: 404, message: "No operation matches \(method) \(path)",
            type: nil)
    }
    /// 404 `ProvisionedConcurrencyConfigNotFoundException`.
    public static func provisionedConfigNotFound() -> LambdaError {
        LambdaError(
            code: "ProvisionedConcurrencyConfigNotFoundException", status: 404,
            message: "No Provisioned Concurrency Config found for this function")
    }
    /// 500 `ServiceException` for platform faults.
    public static func service(_ message: String = "An internal error occurred.") -> LambdaError {
        LambdaError(code: "ServiceException", status: 500, message: message, messageKey: .upper, type: "Service")
    }
    /// 412 for a function revision mismatch.
    public static let functionRevisionMismatch = preconditionFailed(
        "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id"
    )
    /// 412 for a policy revision mismatch.
    public static let policyRevisionMismatch = preconditionFailed(
        "The Revision Id provided does not match the latest Revision Id. Call the GetPolicy API to retrieve the latest Revision Id"
    )
    /// 404 `The resource you requested does not exist.`
    public static let resourceDoesNotExist = resourceNotFound("The resource you requested does not exist.")
}
