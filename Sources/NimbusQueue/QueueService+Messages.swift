import Foundation
import NimbusModel
import NimbusStore

extension QueueService {
    /// The most a batch may carry in all, in bytes.
    static let batchPayloadLimit = 1_048_576

    /// SendMessage: stored durably, then acknowledged.
    public func send(url: String, _ message: OutgoingMessage, caller: QueueCaller) async throws -> SentMessage {
        let record = try await resolve(url, caller)
        return try await store(try prepare(message, for: record, caller: caller), in: record)
    }

    /// Sends to the queue an ARN names, for Nimbus itself (destinations, dead letters): the queue's
    /// owner is the ARN's account.
    public func send(arn text: String, _ message: OutgoingMessage, senderId: String) async throws -> SentMessage {
        guard let arn = QueueARN(text),
            let record = try await queue(accountId: arn.accountId, region: arn.region, name: arn.name)
        else { throw QueueError.queueDoesNotExist }
        let caller = QueueCaller(accountId: arn.accountId, region: arn.region, senderId: senderId, endpoint: "")
        return try await store(try prepare(message, for: record, caller: caller), in: record)
    }

    /// SendMessageBatch: every valid entry is stored (in one transaction), invalid ones fail alone.
    public func sendBatch(url: String, _ entries: [(id: String, message: OutgoingMessage)], caller: QueueCaller)
        async throws -> [BatchOutcome<SentMessage>]
    {
        let record = try await resolve(url, caller)
        try Self.checkBatch(entries.map(\.id), entry: "SendMessageBatchRequestEntry")
        let total = entries.reduce(0) { $0 + $1.message.body.utf8.count + MessageAttributes.size($1.message.attributes) }
        if total > Self.batchPayloadLimit {
            throw QueueError.modeled(
                "BatchRequestTooLong", "AWS.SimpleQueueService.BatchRequestTooLong",
                "Batch requests cannot be longer than \(Self.batchPayloadLimit) bytes. You have sent \(total) bytes.")
        }
        var failures: [String: QueueError] = [:]
        var valid: [(id: String, message: Prepared)] = []
        for (id, message) in entries {
            do {
                valid.append((id, try prepare(message, for: record, caller: caller)))
            } catch {
                failures[id] = error
            }
        }
        let sent = try await store(valid.map(\.message), in: record)
        let successes = Dictionary(uniqueKeysWithValues: zip(valid.map(\.id), sent))
        // In the order of the entries.
        return entries.map { entry in
            if let error = failures[entry.id] { return .failure(id: entry.id, error) }
            return .success(id: entry.id, successes[entry.id]!)
        }
    }

    /// A message ready to store, and the key that deduplicates it (FIFO queues).
    struct Prepared {
        var message: StoredMessage
        var deduplicationKey: String?
    }

    private func store(_ prepared: Prepared, in record: QueueRecord) async throws -> SentMessage {
        try await store([prepared], in: record)[0]
    }

    private func store(_ prepared: [Prepared], in record: QueueRecord) async throws -> [SentMessage] {
        guard !prepared.isEmpty else { return [] }
        let stored = try await store.appendMessages(
            queueId: record.id, prepared.map(\.message), deduplicationKeys: prepared.map(\.deduplicationKey), now: now())
        waiters.wake(record.id)
        let fifo = QueueAttributes.isFifo(record.attributes)
        return zip(prepared, stored).map { item, result in
            SentMessage(
                messageId: result.messageId, md5OfBody: item.message.md5OfBody,
                md5OfAttributes: item.message.md5OfAttributes, sequenceNumber: fifo ? Self.sequenceNumber(result.seq) : nil)
        }
    }

    /// SQS writes sequence numbers as long decimal strings; ours are the store's sequence, zero-padded.
    static func sequenceNumber(_ seq: Int64) -> String {
        let digits = String(seq)
        return String(repeating: "0", count: max(0, 20 - digits.count)) + digits
    }

    /// ReceiveMessage, long-polling up to the wait time when nothing is visible.
    public func receive(url: String, _ options: ReceiveOptions, caller: QueueCaller) async throws -> [ReceivedMessage] {
        let record = try await resolve(url, caller)
        guard (1...10).contains(options.maxMessages) else {
            throw QueueError.invalidValue(
                String(options.maxMessages), for: "MaxNumberOfMessages", reason: "Must be between 1 and 10, if provided.")
        }
        if let wait = options.waitSeconds, !(0...20).contains(wait) {
            throw QueueError.invalidValue(
                String(wait), for: "WaitTimeSeconds", reason: "Must be >= 0 and <= 20, if provided.")
        }
        if let visibility = options.visibilityTimeout, !(0...43_200).contains(visibility) {
            throw QueueError.invalidValue(
                String(visibility), for: "VisibilityTimeout", reason: "Must be >= 0 and <= 43200, if provided.")
        }
        let wait = options.waitSeconds ?? QueueAttributes.integer("ReceiveMessageWaitTimeSeconds", in: record.attributes)
        let visibility = options.visibilityTimeout ?? QueueAttributes.integer("VisibilityTimeout", in: record.attributes)
        let retention = QueueAttributes.integer("MessageRetentionPeriod", in: record.attributes)
        let route = try await deadLetterRoute(record)
        let deadline = now() + Int64(wait) * 1000
        while true {
            let generation = waiters.generation(record.id)
            let clock = now()
            let (received, moved) = try await store.receiveMessages(
                queueId: record.id, now: clock, limit: options.maxMessages, visibleUntil: clock + Int64(visibility) * 1000,
                retainedSince: clock - Int64(retention) * 1000, route: route,
                fifo: QueueAttributes.isFifo(record.attributes))
            if moved > 0, let route { waiters.wake(route.queueId) }
            if !received.isEmpty { return received.map { render($0, record, options) } }
            if clock >= deadline || Task.isCancelled { return [] }
            let next = try await store.nextVisibleAt(queueId: record.id, after: clock) ?? deadline
            await waiters.wait(record.id, generation: generation, timeout: .milliseconds(min(deadline, next) - clock))
        }
    }

    /// DeleteMessage. A stale handle (the message was received again, or is gone) deletes nothing, as in SQS.
    public func delete(url: String, receiptHandle: String, caller: QueueCaller) async throws {
        let record = try await resolve(url, caller)
        let handle = try open(receiptHandle, record)
        _ = try await store.deleteMessage(queueId: record.id, seq: handle.seq, receipt: handle.token)
    }

    /// DeleteMessageBatch.
    public func deleteBatch(url: String, _ entries: [(id: String, receiptHandle: String)], caller: QueueCaller)
        async throws -> [BatchOutcome<Void>]
    {
        let record = try await resolve(url, caller)
        try Self.checkBatch(entries.map(\.id), entry: "DeleteMessageBatchRequestEntry")
        var outcomes: [BatchOutcome<Void>] = []
        for (id, text) in entries {
            do {
                let handle = try open(text, record)
                _ = try await store.deleteMessage(queueId: record.id, seq: handle.seq, receipt: handle.token)
                outcomes.append(.success(id: id, ()))
            } catch let error as QueueError {
                outcomes.append(.failure(id: id, error))
            }
        }
        return outcomes
    }

    /// ChangeMessageVisibility of a message in flight.
    public func changeVisibility(url: String, receiptHandle: String, timeout: Int, caller: QueueCaller) async throws {
        let record = try await resolve(url, caller)
        try await changeVisibility(record, receiptHandle, timeout)
    }

    /// ChangeMessageVisibilityBatch.
    public func changeVisibilityBatch(
        url: String, _ entries: [(id: String, receiptHandle: String, timeout: Int)], caller: QueueCaller
    ) async throws -> [BatchOutcome<Void>] {
        let record = try await resolve(url, caller)
        try Self.checkBatch(entries.map(\.id), entry: "ChangeMessageVisibilityBatchRequestEntry")
        var outcomes: [BatchOutcome<Void>] = []
        for entry in entries {
            do {
                try await changeVisibility(record, entry.receiptHandle, entry.timeout)
                outcomes.append(.success(id: entry.id, ()))
            } catch let error as QueueError {
                outcomes.append(.failure(id: entry.id, error))
            }
        }
        return outcomes
    }

    // MARK: helpers

    private func changeVisibility(_ record: QueueRecord, _ text: String, _ timeout: Int) async throws {
        guard (0...43_200).contains(timeout) else {
            throw QueueError.invalidValue(
                String(timeout), for: "VisibilityTimeout", reason: "Must be >= 0 and <= 43200, if provided.")
        }
        let handle = try open(text, record)
        let clock = now()
        guard try await store.changeVisibility(
            queueId: record.id, seq: handle.seq, receipt: handle.token, visibleAt: clock + Int64(timeout) * 1000,
            now: clock)
        else {
            throw QueueError.invalidValue(
                text, for: "ReceiptHandle",
                reason: "Message does not exist or is not available for visibility timeout change.")
        }
        if timeout == 0 { waiters.wake(record.id) }
    }

    private func open(_ text: String, _ record: QueueRecord) throws(QueueError) -> ReceiptHandle {
        guard let handle = ReceiptHandle.open(text, with: receiptKey), handle.queueId == record.id else {
            throw .receiptHandleIsInvalid(text)
        }
        return handle
    }

    func prepare(_ message: OutgoingMessage, for record: QueueRecord, caller: QueueCaller) throws(QueueError)
        -> Prepared
    {
        guard !message.body.isEmpty else { throw .missingParameter("MessageBody") }
        guard MessageBody.isValid(message.body) else { throw .invalidMessageContents }
        let limit = QueueAttributes.integer("MaximumMessageSize", in: record.attributes)
        if message.body.utf8.count + MessageAttributes.size(message.attributes) > limit {
            throw .invalidParameter("One or more parameters are invalid. Reason: Message must be shorter than \(limit) bytes.")
        }
        if let delay = message.delaySeconds, !(0...900).contains(delay) {
            throw .invalidValue(String(delay), for: "DelaySeconds", reason: "DelaySeconds must be >= 0 and <= 900.")
        }
        let fifo = try FifoRules.check(message, attributes: record.attributes)
        let delay = message.delaySeconds ?? QueueAttributes.integer("DelaySeconds", in: record.attributes)
        let clock = now()
        let stored = StoredMessage(
            messageId: RandomID.uuid(), body: message.body,
            attributes: MessageAttributes.document(message.attributes), traceHeader: message.traceHeader,
            md5OfBody: MessageBody.md5(Array(message.body.utf8)), md5OfAttributes: MessageAttributes.md5(message.attributes),
            senderId: caller.senderId, sentAt: clock, visibleAt: clock + Int64(delay) * 1000,
            groupId: message.groupId, deduplicationId: fifo?.deduplicationId)
        return Prepared(message: stored, deduplicationKey: fifo?.key)
    }

    private func render(_ message: StoredMessage, _ record: QueueRecord, _ options: ReceiveOptions) -> ReceivedMessage {
        let names = options.systemAttributeNames
        let all = names.contains("All")
        var system: [(String, String)] = []
        func add(_ name: String, _ value: String?) {
            if let value, all || names.contains(name) { system.append((name, value)) }
        }
        add("SenderId", message.senderId)
        add("SentTimestamp", String(message.sentAt))
        add("ApproximateReceiveCount", String(message.receiveCount))
        add("ApproximateFirstReceiveTimestamp", message.firstReceiveAt.map { String($0) })
        add("AWSTraceHeader", message.traceHeader)
        add("DeadLetterQueueSourceArn", message.deadLetterSourceArn)
        add("MessageGroupId", message.groupId)
        add("MessageDeduplicationId", message.deduplicationId)
        if QueueAttributes.isFifo(record.attributes) { add("SequenceNumber", Self.sequenceNumber(message.seq)) }
        let attributes = MessageAttributes.fromDocument(message.attributes)
        return ReceivedMessage(
            messageId: message.messageId,
            receiptHandle: ReceiptHandle(queueId: record.id, seq: message.seq, token: message.receipt ?? "")
                .seal(with: receiptKey),
            md5OfBody: message.md5OfBody, body: message.body, attributes: system,
            md5OfMessageAttributes: message.md5OfAttributes,
            messageAttributes: MessageAttributes.selected(attributes, names: options.messageAttributeNames))
    }

    /// Where messages received too often go, when the queue has a redrive policy whose target exists.
    func deadLetterRoute(_ record: QueueRecord) async throws -> DeadLetterRoute? {
        guard let text = record.attributes["RedrivePolicy"], let policy = try? RedrivePolicy.parse(text),
            let target = QueueARN(policy.deadLetterTargetArn),
            let queue = try await queue(accountId: target.accountId, region: target.region, name: target.name),
            queue.id != record.id
        else { return nil }
        return DeadLetterRoute(queueId: queue.id, maxReceiveCount: policy.maxReceiveCount, sourceArn: arn(record).description)
    }

    /// 1–10 entries with distinct, well-formed ids.
    static func checkBatch(_ ids: [String], entry: String) throws(QueueError) {
        if ids.isEmpty {
            throw .modeled(
                "EmptyBatchRequest", "AWS.SimpleQueueService.EmptyBatchRequest",
                "There should be at least one \(entry) in the request.")
        }
        if ids.count > 10 {
            throw .modeled(
                "TooManyEntriesInBatchRequest", "AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
                "Maximum number of entries per request are 10. You have sent \(ids.count).")
        }
        var seen = Set<String>()
        for id in ids {
            guard ASCIIWord.matches(id, maxLength: 80) else {
                throw .modeled(
                    "InvalidBatchEntryId", "AWS.SimpleQueueService.InvalidBatchEntryId",
                    "A batch entry id can only contain alphanumeric characters, hyphens and underscores. "
                        + "It can be at most 80 letters long.")
            }
            guard seen.insert(id).inserted else {
                throw .modeled(
                    "BatchEntryIdsNotDistinct", "AWS.SimpleQueueService.BatchEntryIdsNotDistinct", "Id \(id) repeated.")
            }
        }
    }
}
