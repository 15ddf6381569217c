/// Who calls the queue service: the account and region of the signature, and the sender id recorded
/// on messages.
public struct QueueCaller: Sendable {
    /// Account id.
    public var accountId: String
    /// Region.
    public var region: String
    /// Recorded as `SenderId`.
    public var senderId: String
    /// `scheme://host[:port]` of the request, the base of queue URLs.
    public var endpoint: String

    /// Creates a caller.
    public init(accountId: String, region: String, senderId: String? = nil, endpoint: String) {
        self.accountId = accountId
        self.region = region
        self.senderId = senderId ?? accountId
        self.endpoint = endpoint
    }
}

/// One message to send.
public struct OutgoingMessage: Sendable {
    /// The body.
    public var body: String
    /// Per-message delay; nil takes the queue's `DelaySeconds`.
    public var delaySeconds: Int?
    /// Message attributes.
    public var attributes: [String: MessageAttribute]
    /// `AWSTraceHeader` system attribute.
    public var traceHeader: String?
    /// `MessageGroupId` (required by FIFO queues).
    public var groupId: String?
    /// `MessageDeduplicationId` (FIFO queues).
    public var deduplicationId: String?

    /// Creates a message.
    public init(
        body: String, delaySeconds: Int? = nil, attributes: [String: MessageAttribute] = [:], traceHeader: String? = nil,
        groupId: String? = nil, deduplicationId: String? = nil
    ) {
        self.body = body
        self.delaySeconds = delaySeconds
        self.attributes = attributes
        self.traceHeader = traceHeader
        self.groupId = groupId
        self.deduplicationId = deduplicationId
    }
}

/// What a send answers.
public struct SentMessage: Sendable {
    /// The new message id.
    public var messageId: String
    /// Hex MD5 of the body.
    public var md5OfBody: String
    /// Hex MD5 of the attributes, when any.
    public var md5OfAttributes: String?
    /// FIFO queues: the message's sequence number.
    public var sequenceNumber: String?
}

/// A receive's options.
public struct ReceiveOptions: Sendable {
    /// 1–10.
    public var maxMessages: Int = 1
    /// Visibility timeout for these receives; nil takes the queue's.
    public var visibilityTimeout: Int?
    /// Long-poll wait; nil takes the queue's `ReceiveMessageWaitTimeSeconds`.
    public var waitSeconds: Int?
    /// System attribute names asked for (`All` for every one).
    public var systemAttributeNames: [String] = []
    /// Message attribute names asked for (`All`, `.*`, names, `prefix.*`).
    public var messageAttributeNames: [String] = []

    /// Creates options.
    public init() {}
}

/// A received message.
public struct ReceivedMessage: Sendable {
    /// Message id.
    public var messageId: String
    /// The handle that deletes it or changes its visibility.
    public var receiptHandle: String
    /// Hex MD5 of the body.
    public var md5OfBody: String
    /// The body.
    public var body: String
    /// The system attributes asked for.
    public var attributes: [(String, String)]
    /// Hex MD5 of all the message's attributes, when it has any.
    public var md5OfMessageAttributes: String?
    /// The message attributes asked for.
    public var messageAttributes: [String: MessageAttribute]
}

/// The outcome of one entry of a batch call.
public enum BatchOutcome<Success: Sendable>: Sendable {
    case success(id: String, Success)
    case failure(id: String, QueueError)
}

/// A message move task as ListMessageMoveTasks reports it.
public struct MessageMoveTask: Sendable {
    /// Handle (only while running).
    public var handle: String
    /// `RUNNING`, `COMPLETED`, `CANCELLING`, `CANCELLED` or `FAILED`.
    public var status: String
    /// The dead-letter queue the messages come from.
    public var sourceArn: String
    /// Where they go; nil means back to each message's source queue.
    public var destinationArn: String?
    /// Rate limit, if set.
    public var maxPerSecond: Int?
    /// Moved so far.
    public var moved: Int
    /// Messages in the source when the task started.
    public var toMove: Int
    /// Why it failed.
    public var failureReason: String?
    /// Start time, epoch milliseconds.
    public var startedAt: Int64
}
