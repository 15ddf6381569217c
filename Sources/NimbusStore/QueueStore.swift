/// A queue of the SQS-compatible service as stored: its settable attributes exactly as set, and tags.
public struct QueueRecord: Sendable, Equatable {
    /// Store id (messages refer to it; never reused).
    public var id: Int64
    /// Owning account.
    public var accountId: String
    /// Region.
    public var region: String
    /// Queue name.
    public var name: String
    /// Attributes set by CreateQueue/SetQueueAttributes (name → string value), defaults not filled in.
    public var attributes: [String: String]
    /// Tags.
    public var tags: [String: String]
    /// Creation time, epoch seconds.
    public var createdAt: Int64
    /// Last attribute change, epoch seconds.
    public var modifiedAt: Int64

    /// Creates a record.
    public init(
        id: Int64, accountId: String, region: String, name: String, attributes: [String: String],
        tags: [String: String], createdAt: Int64, modifiedAt: Int64
    ) {
        self.id = id
        self.accountId = accountId
        self.region = region
        self.name = name
        self.attributes = attributes
        self.tags = tags
        self.createdAt = createdAt
        self.modifiedAt = modifiedAt
    }
}

/// A message as stored. Times are epoch milliseconds.
public struct StoredMessage: Sendable, Equatable {
    /// Store sequence number (order of arrival in this queue).
    public var seq: Int64
    /// The SQS message id.
    public var messageId: String
    /// The body.
    public var body: String
    /// Message attributes as their JSON document (the SQS wire shape), nil when none.
    public var attributes: String?
    /// `AWSTraceHeader`, when sent.
    public var traceHeader: String?
    /// Hex MD5 of the body.
    public var md5OfBody: String
    /// Hex MD5 of the message attributes, when there are any.
    public var md5OfAttributes: String?
    /// Who sent it (account id).
    public var senderId: String
    /// When it was sent.
    public var sentAt: Int64
    /// When it becomes (or became) receivable.
    public var visibleAt: Int64
    /// How many times it has been received.
    public var receiveCount: Int
    /// When it was first received.
    public var firstReceiveAt: Int64?
    /// The token of its latest receive (a receipt handle names it).
    public var receipt: String?
    /// The queue it came from, when a redrive policy moved it to this dead-letter queue.
    public var deadLetterSourceArn: String?
    /// FIFO queues: the message group.
    public var groupId: String?
    /// FIFO queues: the deduplication id (given, or the body's SHA-256).
    public var deduplicationId: String?

    /// Creates a message.
    public init(
        seq: Int64 = 0, messageId: String, body: String, attributes: String?, traceHeader: String?,
        md5OfBody: String, md5OfAttributes: String?, senderId: String, sentAt: Int64, visibleAt: Int64,
        receiveCount: Int = 0, firstReceiveAt: Int64? = nil, receipt: String? = nil,
        deadLetterSourceArn: String? = nil, groupId: String? = nil, deduplicationId: String? = nil
    ) {
        self.groupId = groupId
        self.deduplicationId = deduplicationId
        self.seq = seq
        self.messageId = messageId
        self.body = body
        self.attributes = attributes
        self.traceHeader = traceHeader
        self.md5OfBody = md5OfBody
        self.md5OfAttributes = md5OfAttributes
        self.senderId = senderId
        self.sentAt = sentAt
        self.visibleAt = visibleAt
        self.receiveCount = receiveCount
        self.firstReceiveAt = firstReceiveAt
        self.receipt = receipt
        self.deadLetterSourceArn = deadLetterSourceArn
    }
}

/// How a receive treats messages that were received too often: they move to `queueId` instead.
public struct DeadLetterRoute: Sendable {
    /// The dead-letter queue's store id.
    public var queueId: Int64
    /// Receives allowed before the move.
    public var maxReceiveCount: Int
    /// The source queue's ARN, recorded on moved messages.
    public var sourceArn: String

    /// Creates a route.
    public init(queueId: Int64, maxReceiveCount: Int, sourceArn: String) {
        self.queueId = queueId
        self.maxReceiveCount = maxReceiveCount
        self.sourceArn = sourceArn
    }
}

/// Message counts of one queue at a moment.
public struct QueueCounts: Sendable, Equatable {
    /// Receivable now.
    public var visible: Int
    /// Received and not yet visible again.
    public var inFlight: Int
    /// Sent with a delay that has not passed.
    public var delayed: Int

    /// Creates counts.
    public init(visible: Int, inFlight: Int, delayed: Int) {
        self.visible = visible
        self.inFlight = inFlight
        self.delayed = delayed
    }
}

/// Durable queues and messages. Every acknowledged send is committed before the call returns.
public protocol QueueStore: Sendable {
    /// The queue named `name` of the account in `region`.
    func queue(accountId: String, region: String, name: String) async throws -> QueueRecord?
    /// The queue with store id `id`.
    func queue(id: Int64) async throws -> QueueRecord?
    /// Inserts a queue, or returns the one that already has the name (`created` false).
    func insertQueue(
        accountId: String, region: String, name: String, attributes: [String: String], tags: [String: String],
        now: Int64
    ) async throws -> (record: QueueRecord, created: Bool)
    /// Replaces a queue's attributes and tags.
    func updateQueue(_ record: QueueRecord) async throws
    /// Deletes a queue and its messages.
    func deleteQueue(id: Int64) async throws
    /// Queues of an account in a region whose names start with `prefix`, by name, after `after`.
    func queues(accountId: String, region: String, prefix: String, after: String?, limit: Int) async throws
        -> [QueueRecord]
    /// Stores messages (all or none). A message with a deduplication key already seen in this queue
    /// within the last five minutes is not stored again; the answer is then the first one's id and
    /// sequence number. Returns (message id, sequence number) per message.
    @discardableResult
    func appendMessages(queueId: Int64, _ messages: [StoredMessage], deduplicationKeys: [String?], now: Int64)
        async throws -> [(messageId: String, seq: Int64)]
    /// Receives up to `limit` messages visible at `now`: each gets a new receipt token, one more
    /// receive and `visibleUntil`. Messages sent before `retainedSince` are dropped; messages already
    /// received `route.maxReceiveCount` times move to the dead-letter queue instead. `fifo`: oldest
    /// first, and none of a message group that has a message in flight.
    func receiveMessages(
        queueId: Int64, now: Int64, limit: Int, visibleUntil: Int64, retainedSince: Int64, route: DeadLetterRoute?,
        fifo: Bool
    ) async throws -> (received: [StoredMessage], movedToDeadLetter: Int)
    /// Deletes the message if `receipt` is its latest receipt token; false when it is not (or is gone).
    func deleteMessage(queueId: Int64, seq: Int64, receipt: String) async throws -> Bool
    /// Sets when a received message becomes visible again, if `receipt` is its latest token and it is
    /// still in flight at `now`.
    func changeVisibility(queueId: Int64, seq: Int64, receipt: String, visibleAt: Int64, now: Int64) async throws
        -> Bool
    /// Deletes every message of a queue.
    func purgeMessages(queueId: Int64) async throws
    /// Every queue of every account (for the retention sweep).
    func allQueues() async throws -> [QueueRecord]
    /// Deletes a queue's messages sent before `sentBefore`, and deduplication entries expired at `now`.
    /// Returns how many messages went.
    func expireMessages(queueId: Int64, sentBefore: Int64, now: Int64) async throws -> Int
    /// Counts at `now`.
    func counts(queueId: Int64, now: Int64) async throws -> QueueCounts
    /// The earliest time after `now` at which a message becomes visible.
    func nextVisibleAt(queueId: Int64, after now: Int64) async throws -> Int64?
    /// Moves up to `limit` of the oldest messages to the queue `destination` picks for each (by the
    /// message's dead-letter source ARN); the moved messages are new in their queue.
    func moveMessages(
        from queueId: Int64, limit: Int, now: Int64, destination: @Sendable (StoredMessage) -> Int64?
    ) async throws -> Int
}
