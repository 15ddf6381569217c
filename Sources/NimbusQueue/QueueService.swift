import Crypto
import Foundation
import NimbusModel
import NimbusStore
import Synchronization

/// The SQS-compatible queue service: queues, messages, visibility, redrive and message move tasks,
/// on a durable `QueueStore`. Sends are committed before they are acknowledged.
public final class QueueService: Sendable {
    let store: any QueueStore
    let receiptSecret: [UInt8]
    /// The clock, epoch milliseconds.
    let now: @Sendable () -> Int64
    let waiters = QueueWaiters()
    /// Recently deleted queue names and recent purges (epoch ms), which SQS rate-limits.
    let recent = Mutex<(deleted: [String: Int64], purged: [Int64: Int64])>(([:], [:]))
    let moveTasks = Mutex<[String: MessageMoveTask]>([:])
    /// Queue records by `account/region/name`, and a generation bumped by every change, so a lookup that
    /// raced with a change never caches what it read.
    let records = Mutex<(byName: [String: QueueRecord], generation: UInt64)>(([:], 0))

    /// Creates the service; `receiptSecret` seals receipt handles (keep it across restarts).
    public init(
        store: any QueueStore, receiptSecret: [UInt8],
        now: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1000) }
    ) {
        self.store = store
        self.receiptSecret = receiptSecret
        self.now = now
    }

    /// The key that seals receipt handles.
    var receiptKey: SymmetricKey { SymmetricKey(data: receiptSecret) }

    // MARK: queues

    /// CreateQueue: the URL of a new queue, or of the existing one when its attributes match.
    public func createQueue(
        name: String, attributes: [String: String], tags: [String: String], caller: QueueCaller
    ) async throws -> String {
        guard QueueName.isValid(name), name.hasSuffix(".fifo") == QueueAttributes.isFifo(attributes) else {
            throw QueueError.invalidParameter(
                name.hasSuffix(".fifo") || QueueAttributes.isFifo(attributes)
                    ? "The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, "
                        + "must end with .fifo suffix and be 1 to 80 in length."
                    : "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length")
        }
        try QueueAttributes.validate(attributes, fifo: QueueAttributes.isFifo(attributes))
        try Self.checkTags(tags, adding: 0)
        let arn = QueueARN(region: caller.region, accountId: caller.accountId, name: name)
        try await checkRedrive(attributes["RedrivePolicy"], source: arn, caller: caller)
        let key = "\(caller.accountId)/\(caller.region)/\(name)"
        let clock = now()
        if let deleted = recent.withLock({ $0.deleted[key] }), clock - deleted < 60_000 {
            throw QueueError.modeled(
                "QueueDeletedRecently", "AWS.SimpleQueueService.QueueDeletedRecently",
                "You must wait 60 seconds after deleting a queue before you can create another with the same name.")
        }
        let (record, created) = try await store.insertQueue(
            accountId: caller.accountId, region: caller.region, name: name, attributes: attributes, tags: tags,
            now: clock / 1000)
        if !created {
            for attribute in attributes.keys.sorted()
            where Self.value(attribute, in: record.attributes) != Self.value(attribute, in: attributes) {
                throw QueueError.modeled(
                    "QueueNameExists", "QueueAlreadyExists",
                    "A queue already exists with the same name and a different value for attribute \(attribute)")
            }
        }
        return url(record, caller)
    }

    /// GetQueueUrl.
    public func queueUrl(name: String, owner: String?, caller: QueueCaller) async throws -> String {
        if let owner, owner != caller.accountId { throw QueueError.queueDoesNotExist }
        guard let record = try await queue(accountId: caller.accountId, region: caller.region, name: name) else {
            throw QueueError.queueDoesNotExist
        }
        return url(record, caller)
    }

    /// ListQueues: URLs by name, paged when `maxResults` is given.
    public func listQueues(prefix: String?, maxResults: Int?, nextToken: String?, caller: QueueCaller) async throws
        -> (urls: [String], nextToken: String?)
    {
        if let maxResults, !(1...1_000).contains(maxResults) {
            throw QueueError.invalidValue(
                String(maxResults), for: "MaxResults", reason: "MaxResults must be an integer between 1 and 1000.")
        }
        var after: String?
        if let nextToken {
            guard let data = Data(base64Encoded: nextToken), let name = String(data: data, encoding: .utf8) else {
                throw QueueError.invalidParameter("Invalid NextToken value.")
            }
            after = name
        }
        let limit = maxResults ?? 1_000
        let records = try await store.queues(
            accountId: caller.accountId, region: caller.region, prefix: prefix ?? "", after: after, limit: limit + 1)
        let page = records.prefix(limit)
        let token = maxResults != nil && records.count > limit
            ? page.last.map { Data($0.name.utf8).base64EncodedString() } : nil
        return (page.map { url($0, caller) }, token)
    }

    /// DeleteQueue: the queue and its messages.
    public func deleteQueue(url: String, caller: QueueCaller) async throws {
        let record = try await resolve(url, caller)
        try await store.deleteQueue(id: record.id)
        changed(record, to: nil)
        let clock = now()
        recent.withLock { state in
            // Only the last minute matters (QueueDeletedRecently): older names are dropped as new ones come.
            state.deleted = state.deleted.filter { clock - $0.value < 60_000 }
            state.deleted["\(record.accountId)/\(record.region)/\(record.name)"] = clock
        }
        waiters.wake(record.id)
    }

    /// GetQueueAttributes: the named attributes (`All` for every one) as strings.
    public func attributes(url: String, names: [String], caller: QueueCaller) async throws -> [(String, String)] {
        let record = try await resolve(url, caller)
        for name in names where name != "All" && !QueueAttributes.readable.contains(name) {
            throw QueueError.invalidAttributeName(name)
        }
        let wanted = names.contains("All") ? QueueAttributes.readable : Set(names)
        if wanted.isEmpty { return [] }
        let counts = try await store.counts(queueId: record.id, now: now())
        var result: [(String, String)] = []
        for name in wanted.sorted() {
            switch name {
            case "ApproximateNumberOfMessages": result.append((name, String(counts.visible)))
            case "ApproximateNumberOfMessagesNotVisible": result.append((name, String(counts.inFlight)))
            case "ApproximateNumberOfMessagesDelayed": result.append((name, String(counts.delayed)))
            case "CreatedTimestamp": result.append((name, String(record.createdAt)))
            case "LastModifiedTimestamp": result.append((name, String(record.modifiedAt)))
            case "QueueArn": result.append((name, arn(record).description))
            case "SqsManagedSseEnabled": result.append((name, record.attributes[name] ?? "true"))
            case _ where QueueAttributes.fifoDefaults[name] != nil:
                if QueueAttributes.isFifo(record.attributes) {
                    result.append((name, record.attributes[name] ?? QueueAttributes.fifoDefaults[name]!))
                }
            default:
                if QueueAttributes.integers[name] != nil {
                    result.append((name, String(QueueAttributes.integer(name, in: record.attributes))))
                } else if let value = record.attributes[name], !value.isEmpty {
                    result.append((name, value))
                }
            }
        }
        return result
    }

    /// SetQueueAttributes (an empty RedrivePolicy or Policy removes it).
    public func setAttributes(url: String, attributes: [String: String], caller: QueueCaller) async throws {
        var record = try await resolve(url, caller)
        guard !attributes.isEmpty else { throw QueueError.missingParameter("Attribute.Name") }
        if attributes["FifoQueue"] != nil { throw QueueError.invalidAttributeName("FifoQueue") }
        try QueueAttributes.validate(attributes, fifo: QueueAttributes.isFifo(record.attributes))
        try await checkRedrive(attributes["RedrivePolicy"], source: arn(record), caller: caller)
        for (name, value) in attributes { record.attributes[name] = value.isEmpty ? nil : value }
        record.modifiedAt = now() / 1000
        try await save(record)
    }

    /// PurgeQueue: deletes every message; once per 60 seconds per queue.
    public func purge(url: String, caller: QueueCaller) async throws {
        let record = try await resolve(url, caller)
        let clock = now()
        let allowed = recent.withLock { state -> Bool in
            if let last = state.purged[record.id], clock - last < 60_000 { return false }
            state.purged[record.id] = clock
            return true
        }
        guard allowed else {
            throw QueueError.modeled(
                "PurgeQueueInProgress", "AWS.SimpleQueueService.PurgeQueueInProgress",
                "Only one PurgeQueue operation on \(record.name) is allowed every 60 seconds.")
        }
        try await store.purgeMessages(queueId: record.id)
    }

    /// TagQueue.
    public func tag(url: String, tags: [String: String], caller: QueueCaller) async throws {
        var record = try await resolve(url, caller)
        let added = tags.keys.filter { record.tags[$0] == nil }.count
        try Self.checkTags(tags, adding: record.tags.count + added - tags.count)
        record.tags.merge(tags) { _, new in new }
        try await save(record)
    }

    /// UntagQueue.
    public func untag(url: String, keys: [String], caller: QueueCaller) async throws {
        var record = try await resolve(url, caller)
        for key in keys { record.tags[key] = nil }
        try await save(record)
    }

    /// ListQueueTags.
    public func tags(url: String, caller: QueueCaller) async throws -> [String: String] {
        try await resolve(url, caller).tags
    }

    /// ListDeadLetterSourceQueues: the queues whose redrive policy targets this one.
    public func deadLetterSources(url: String, caller: QueueCaller) async throws -> [String] {
        let record = try await resolve(url, caller)
        return try await sources(of: record).map { self.url($0, caller) }
    }

    // MARK: helpers

    /// The queue named `name`, from memory when it was read before.
    func queue(accountId: String, region: String, name: String) async throws -> QueueRecord? {
        let key = "\(accountId)/\(region)/\(name)"
        let (cached, generation) = records.withLock { ($0.byName[key], $0.generation) }
        if let cached { return cached }
        guard let record = try await store.queue(accountId: accountId, region: region, name: name) else { return nil }
        records.withLock { state in
            if state.generation == generation { state.byName[key] = record }
        }
        return record
    }

    /// Stores a changed queue record.
    func save(_ record: QueueRecord) async throws {
        try await store.updateQueue(record)
        changed(record, to: record)
    }

    private func changed(_ record: QueueRecord, to new: QueueRecord?) {
        records.withLock { state in
            state.generation &+= 1
            state.byName["\(record.accountId)/\(record.region)/\(record.name)"] = new
        }
    }

    func sources(of record: QueueRecord) async throws -> [QueueRecord] {
        let target = arn(record).description
        return try await store.queues(
            accountId: record.accountId, region: record.region, prefix: "", after: nil, limit: Int.max
        ).filter { queue in
            queue.attributes["RedrivePolicy"].flatMap { try? RedrivePolicy.parse($0) }?.deadLetterTargetArn == target
        }
    }

    /// The queue a URL names, which must be the caller's.
    func resolve(_ url: String, _ caller: QueueCaller) async throws -> QueueRecord {
        var path = Substring(url)
        if let scheme = path.range(of: "://") {
            path = path[scheme.upperBound...]
            path = path.firstIndex(of: "/").map { path[$0...] } ?? ""
        }
        let parts = path.split(separator: "/")
        guard parts.count == 2, parts[0].count == 12, parts[0].allSatisfy(\.isNumber) else {
            throw QueueError.invalidAddress(url)
        }
        guard String(parts[0]) == caller.accountId,
            let record = try await queue(accountId: caller.accountId, region: caller.region, name: String(parts[1]))
        else { throw QueueError.queueDoesNotExist }
        return record
    }

    func url(_ record: QueueRecord, _ caller: QueueCaller) -> String {
        "\(caller.endpoint)/\(record.accountId)/\(record.name)"
    }

    func arn(_ record: QueueRecord) -> QueueARN {
        QueueARN(region: record.region, accountId: record.accountId, name: record.name)
    }

    /// A redrive policy's target must be an existing queue of the account that allows this source.
    private func checkRedrive(_ text: String?, source: QueueARN, caller: QueueCaller) async throws {
        guard let text, !text.isEmpty else { return }
        let policy = try RedrivePolicy.parse(text)
        guard let target = QueueARN(policy.deadLetterTargetArn), target.accountId == caller.accountId,
            target.region == caller.region,
            let queue = try await queue(accountId: target.accountId, region: target.region, name: target.name)
        else { throw QueueError.invalidValue(text, for: "RedrivePolicy", reason: "Dead letter target does not exist.") }
        guard target != source else {
            throw QueueError.invalidValue(text, for: "RedrivePolicy", reason: "A queue can't be its own dead-letter queue.")
        }
        guard queue.name.hasSuffix(".fifo") == source.name.hasSuffix(".fifo") else {
            throw QueueError.invalidValue(
                text, for: "RedrivePolicy",
                reason: "The dead-letter queue of a FIFO queue must also be a FIFO queue, and of a standard queue a standard one.")
        }
        if let allow = queue.attributes["RedriveAllowPolicy"].flatMap({ try? RedriveAllowPolicy.parse($0) }),
            !allow.allows(source.description)
        {
            throw QueueError.invalidValue(
                text, for: "RedrivePolicy",
                reason: "Dead letter target's redrive allow policy does not allow this queue as a source.")
        }
    }

    private static func value(_ name: String, in attributes: [String: String]) -> String? {
        QueueAttributes.integers[name] != nil
            ? String(QueueAttributes.integer(name, in: attributes)) : attributes[name].flatMap { $0.isEmpty ? nil : $0 }
    }

    private static func checkTags(_ tags: [String: String], adding existing: Int) throws(QueueError) {
        if tags.count + existing > 50 { throw .invalidParameter("Too many tags added for queue. A queue can have at most 50 tags.") }
        for (key, value) in tags where key.isEmpty || key.count > 128 || value.count > 256 {
            throw .invalidParameter("Tag keys must be 1 to 128 characters and values at most 256 characters: \(key)")
        }
    }
}
