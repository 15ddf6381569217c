import Foundation
import Logging
import NimbusModel
import NimbusQueue
import NimbusStore

/// Sends outcome records and dead letters to their targets: a Nimbus queue (SQS ARN) or a function
/// (Lambda ARN, as an `Event` invocation). Other services (SNS, EventBridge, S3) do not exist here.
public struct AsyncDelivery: Sendable {
    /// Sends a message to the queue named by an SQS ARN.
    public var sendToQueue: @Sendable (_ arn: String, _ message: OutgoingMessage, _ senderId: String) async throws -> Void
    /// Accepts an `Event` invocation.
    public var submitEvent: @Sendable (AsyncEvent) async throws -> Void

    /// Creates a delivery.
    public init(
        sendToQueue: @escaping @Sendable (String, OutgoingMessage, String) async throws -> Void,
        submitEvent: @escaping @Sendable (AsyncEvent) async throws -> Void
    ) {
        self.sendToQueue = sendToQueue
        self.submitEvent = submitEvent
    }

    /// Delivers `record` to a destination ARN; throws when the target does not exist or cannot be used.
    /// Targets must belong to `owner` (the function's account): there are no queue policies or
    /// cross-account grants for Nimbus to check, so another account's queue or function is refused.
    func deliver(_ record: JSONValue, to destination: String, owner: String) async throws {
        let parts = try Self.ownTarget(destination, owner: owner)
        let service = parts[2]
        switch service {
        case "sqs":
            try await sendToQueue(destination, OutgoingMessage(body: record.jsonString), owner)
        case "lambda" where parts.count >= 7 && parts[5] == "function":
            try await submitEvent(
                AsyncEvent(
                    requestId: RandomID.uuid(), accountId: parts[4], region: parts[3],
                    functionName: parts[6], qualifier: parts.count > 7 ? parts[7] : nil, payload: record.jsonBytes))
        default:
            throw LambdaError.invalidParameter("Destination \(destination) is not a Nimbus queue or function.")
        }
    }

    /// Sends the original event to a dead-letter queue with Lambda's message attributes.
    func deadLetter(_ event: AsyncEvent, errorMessage: String, to target: String) async throws {
        guard try Self.ownTarget(target, owner: event.accountId)[2] == "sqs" else {
            throw LambdaError.invalidParameter("Dead-letter target \(target) is not a Nimbus queue.")
        }
        let message = OutgoingMessage(
            body: String(decoding: event.payload, as: UTF8.self),
            attributes: [
                "RequestID": MessageAttribute(dataType: "String", stringValue: event.requestId),
                "ErrorCode": MessageAttribute(dataType: "Number", stringValue: "200"),
                "ErrorMessage": MessageAttribute(dataType: "String", stringValue: errorMessage.isEmpty ? "-" : errorMessage),
            ])
        try await sendToQueue(target, message, event.accountId)
    }

    /// The ARN's parts, when it names something of `owner`'s account.
    static func ownTarget(_ arn: String, owner: String) throws -> [String] {
        let parts = arn.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 6, parts[0] == "arn", parts[4] == owner else {
            throw LambdaError.accessDenied("\(arn) does not belong to account \(owner)")
        }
        return parts
    }
}
