/// An error of the SQS-compatible API: the modeled shape name (`__type`), the query-protocol code
/// botocore reports (from `x-amzn-query-error`), and the message.
public struct QueueError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The `__type` value, e.g. `com.amazonaws.sqs#QueueDoesNotExist`.
    public var type: String
    /// The query-compatible code, e.g. `AWS.SimpleQueueService.NonExistentQueue`.
    public var queryCode: String
    /// Human-readable message.
    public var message: String
    /// HTTP status.
    public var status: Int
    /// Whether the caller is at fault (`Sender`) or the service (`Receiver`).
    public var senderFault: Bool

    /// Creates an error.
    public init(type: String, queryCode: String, message: String, status: Int = 400, senderFault: Bool = true) {
        self.type = type
        self.queryCode = queryCode
        self.message = message
        self.status = status
        self.senderFault = senderFault
    }

    public var description: String { "\(queryCode): \(message)" }

    /// The short code a batch result entry carries.
    public var batchCode: String { queryCode.split(separator: ".").last.map(String.init) ?? queryCode }

    static func modeled(_ shape: String, _ queryCode: String, _ message: String) -> QueueError {
        QueueError(type: "com.amazonaws.sqs#" + shape, queryCode: queryCode, message: message)
    }

    /// The queue named in the request does not exist.
    public static let queueDoesNotExist = modeled(
        "QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue", "The specified queue does not exist.")

    /// A parameter value is out of range or malformed.
    public static func invalidParameter(_ message: String) -> QueueError {
        QueueError(
            type: "com.amazon.coral.service#InvalidParameterValueException", queryCode: "InvalidParameterValue",
            message: message)
    }

    /// `Value <value> for parameter <name> is invalid. Reason: <reason>`.
    public static func invalidValue(_ value: String, for name: String, reason: String) -> QueueError {
        invalidParameter("Value \(value) for parameter \(name) is invalid. Reason: \(reason)")
    }

    /// A required parameter is missing.
    public static func missingParameter(_ name: String) -> QueueError {
        QueueError(
            type: "com.amazon.coral.service#MissingRequiredParameterException", queryCode: "MissingParameter",
            message: "The request must contain the parameter \(name).")
    }

    /// An attribute name is not one of the queue's.
    public static func invalidAttributeName(_ name: String) -> QueueError {
        modeled("InvalidAttributeName", "InvalidAttributeName", "Unknown Attribute \(name).")
    }

    /// An attribute value is not acceptable.
    public static func invalidAttributeValue(_ message: String) -> QueueError {
        modeled("InvalidAttributeValue", "InvalidAttributeValue", message)
    }

    /// A receipt handle that this service did not issue (or that names another queue).
    public static func receiptHandleIsInvalid(_ handle: String) -> QueueError {
        modeled(
            "ReceiptHandleIsInvalid", "ReceiptHandleIsInvalid",
            "The input receipt handle \"\(handle)\" is not a valid receipt handle.")
    }

    /// The queue URL does not name a queue of this endpoint.
    public static func invalidAddress(_ url: String) -> QueueError {
        modeled("InvalidAddress", "InvalidAddress", "The address \(url) is not valid for this endpoint.")
    }

    /// The message body has characters SQS does not accept.
    public static let invalidMessageContents = modeled(
        "InvalidMessageContents", "InvalidMessageContents",
        "Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD "
            + "| #x10000 to #x10FFFF")

    /// The operation exists in SQS but this service does not offer it.
    public static func unsupported(_ message: String) -> QueueError {
        modeled("UnsupportedOperation", "AWS.SimpleQueueService.UnsupportedOperation", message)
    }

    /// A message move task or other resource that does not exist.
    public static func resourceNotFound(_ message: String) -> QueueError {
        modeled("ResourceNotFoundException", "ResourceNotFoundException", message)
    }

    /// The request body is not the JSON the operation expects.
    public static func serialization(_ message: String) -> QueueError {
        QueueError(type: "com.amazon.coral.service#SerializationException", queryCode: "SerializationException",
                   message: message)
    }

    /// The `X-Amz-Target` names no SQS operation.
    public static func unknownOperation(_ target: String) -> QueueError {
        QueueError(type: "com.amazon.coral.service#UnknownOperationException", queryCode: "UnknownOperation",
                   message: "The action or operation requested (\(target)) is invalid. Verify that the action is typed correctly.")
    }

    /// The service failed; nothing the caller did.
    public static let internalFailure = QueueError(
        type: "com.amazon.coral.service#InternalFailure", queryCode: "InternalFailure",
        message: "The request processing has failed because of an unknown error, exception or failure.", status: 500,
        senderFault: false)
}
