import NimbusStore
import Synchronization
import Testing

@testable import NimbusQueue

/// The service over a real (in-memory) SQLite store and a clock the test moves.
@Suite struct QueueServiceTests {
    final class Clock: Sendable {
        let ms = Mutex<Int64>(1_800_000_000_000)
        func advance(seconds: Int64) { ms.withLock { $0 += seconds * 1000 } }
        var now: Int64 { ms.withLock { $0 } }
    }

    let clock = Clock()
    let service: QueueService
    let caller = QueueCaller(accountId: "123456789012", region: "us-east-1", endpoint: "http://127.0.0.1:9000")

    init() throws {
        let clock = self.clock
        service = QueueService(
            store: try SQLiteStore.inMemory(), receiptSecret: [UInt8](repeating: 1, count: 32), now: { clock.now })
    }

    func receive(_ url: String, max: Int = 10, visibility: Int? = nil) async throws -> [ReceivedMessage] {
        var options = ReceiveOptions()
        options.maxMessages = max
        options.visibilityTimeout = visibility
        options.waitSeconds = 0
        options.systemAttributeNames = ["All"]
        return try await service.receive(url: url, options, caller: caller)
    }

    @Test func sendReceiveVisibilityAndDelete() async throws {
        let url = try await service.createQueue(name: "q", attributes: ["VisibilityTimeout": "10"], tags: [:], caller: caller)
        #expect(url == "http://127.0.0.1:9000/123456789012/q")
        // Same attributes: the same queue; different: QueueNameExists.
        #expect(try await service.createQueue(name: "q", attributes: ["VisibilityTimeout": "10"], tags: [:], caller: caller) == url)
        await #expect(throws: QueueError.self) {
            try await service.createQueue(name: "q", attributes: ["VisibilityTimeout": "11"], tags: [:], caller: caller)
        }
        let sent = try await service.send(url: url, OutgoingMessage(body: "hello"), caller: caller)
        #expect(sent.md5OfBody == "5d41402abc4b2a76b9719d911017c592")
        let first = try await receive(url)
        #expect(first.map(\.body) == ["hello"])
        #expect(first[0].attributes.first { $0.0 == "ApproximateReceiveCount" }?.1 == "1")
        #expect(try await receive(url).isEmpty)  // in flight
        clock.advance(seconds: 11)
        let second = try await receive(url)
        #expect(second.map(\.messageId) == [sent.messageId])
        #expect(second[0].attributes.first { $0.0 == "ApproximateReceiveCount" }?.1 == "2")
        // The first receipt is stale: deleting with it is accepted and deletes nothing.
        try await service.delete(url: url, receiptHandle: first[0].receiptHandle, caller: caller)
        await #expect(throws: QueueError.self) {
            try await service.changeVisibility(url: url, receiptHandle: first[0].receiptHandle, timeout: 0, caller: caller)
        }
        try await service.changeVisibility(url: url, receiptHandle: second[0].receiptHandle, timeout: 0, caller: caller)
        let third = try await receive(url)
        try await service.delete(url: url, receiptHandle: third[0].receiptHandle, caller: caller)
        clock.advance(seconds: 60)
        #expect(try await receive(url).isEmpty)
        await #expect(throws: QueueError.self) {
            try await service.delete(url: url, receiptHandle: "not-a-handle", caller: caller)
        }
    }

    @Test func delaysAndCounts() async throws {
        let url = try await service.createQueue(name: "d", attributes: ["DelaySeconds": "5"], tags: [:], caller: caller)
        _ = try await service.send(url: url, OutgoingMessage(body: "later"), caller: caller)
        _ = try await service.send(url: url, OutgoingMessage(body: "now", delaySeconds: 0), caller: caller)
        let attributes = Dictionary(uniqueKeysWithValues: try await service.attributes(url: url, names: ["All"], caller: caller))
        #expect(attributes["ApproximateNumberOfMessages"] == "1")
        #expect(attributes["ApproximateNumberOfMessagesDelayed"] == "1")
        #expect(attributes["QueueArn"] == "arn:aws:sqs:us-east-1:123456789012:d")
        #expect(try await receive(url).map(\.body) == ["now"])
        clock.advance(seconds: 5)
        #expect(try await receive(url).map(\.body) == ["later"])
    }

    @Test func redriveMovesToTheDeadLetterQueueAndBack() async throws {
        let dlq = try await service.createQueue(name: "dlq", attributes: [:], tags: [:], caller: caller)
        let policy = #"{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:123456789012:dlq","maxReceiveCount":2}"#
        let src = try await service.createQueue(
            name: "src", attributes: ["RedrivePolicy": policy, "VisibilityTimeout": "1"], tags: [:], caller: caller)
        #expect(try await service.deadLetterSources(url: dlq, caller: caller) == [src])
        _ = try await service.send(url: src, OutgoingMessage(body: "poison"), caller: caller)
        for _ in 0..<2 {
            #expect(try await receive(src).count == 1)
            clock.advance(seconds: 2)
        }
        #expect(try await receive(src).isEmpty)  // third receive moves it instead
        let dead = try await receive(dlq)
        #expect(dead.map(\.body) == ["poison"])
        #expect(dead[0].attributes.first { $0.0 == "DeadLetterQueueSourceArn" }?.1 == "arn:aws:sqs:us-east-1:123456789012:src")
        clock.advance(seconds: 31)
        let handle = try await service.startMoveTask(
            sourceArn: "arn:aws:sqs:us-east-1:123456789012:dlq", destinationArn: nil, maxPerSecond: nil, caller: caller)
        var status = ""
        for _ in 0..<200 where status != "COMPLETED" {
            try await Task.sleep(for: .milliseconds(10))
            status = try await service.moveTasks(sourceArn: "arn:aws:sqs:us-east-1:123456789012:dlq", maxResults: 1, caller: caller)
                .first?.status ?? ""
        }
        #expect(status == "COMPLETED")
        #expect(!handle.isEmpty)
        let back = try await receive(src)
        #expect(back.map(\.body) == ["poison"])
        #expect(back[0].attributes.first { $0.0 == "ApproximateReceiveCount" }?.1 == "1")
        await #expect(throws: QueueError.self) {
            try await service.startMoveTask(sourceArn: "arn:aws:sqs:us-east-1:123456789012:src", destinationArn: nil, maxPerSecond: nil, caller: caller)
        }
    }

    @Test func longPollWakesOnSend() async throws {
        let url = try await service.createQueue(name: "lp", attributes: [:], tags: [:], caller: caller)
        var options = ReceiveOptions()
        options.waitSeconds = 20
        let service = self.service
        let caller = self.caller
        async let received = service.receive(url: url, options, caller: caller)
        try await Task.sleep(for: .milliseconds(50))
        _ = try await service.send(url: url, OutgoingMessage(body: "wake"), caller: caller)
        #expect(try await received.map(\.body) == ["wake"])
    }

    @Test func batchesReportEntriesAlone() async throws {
        let url = try await service.createQueue(name: "b", attributes: ["MaximumMessageSize": "1024"], tags: [:], caller: caller)
        let outcomes = try await service.sendBatch(
            url: url,
            [("ok", OutgoingMessage(body: "x")), ("big", OutgoingMessage(body: String(repeating: "y", count: 2000)))],
            caller: caller)
        #expect(outcomes.count == 2)
        if case .failure(let id, let error) = outcomes[1] {
            #expect(id == "big")
            #expect(error.queryCode == "InvalidParameterValue")
        } else {
            Issue.record("the oversized entry should fail")
        }
        #expect(try await receive(url).map(\.body) == ["x"])
    }

    @Test func unknownQueuesAndAddresses() async throws {
        await #expect(throws: QueueError.queueDoesNotExist) {
            try await service.send(url: "http://h/123456789012/none", OutgoingMessage(body: "x"), caller: caller)
        }
        await #expect(throws: QueueError.invalidAddress("nonsense")) {
            try await service.send(url: "nonsense", OutgoingMessage(body: "x"), caller: caller)
        }
        await #expect(throws: QueueError.queueDoesNotExist) {
            try await service.queueUrl(name: "none", owner: nil, caller: caller)
        }
    }
}

/// FIFO queues over the same real store: order per group, a group waits while it has a message in
/// flight, deduplication within five minutes, sequence numbers.
@Suite struct FifoQueueTests {
    let clock = QueueServiceTests.Clock()
    let service: QueueService
    let caller = QueueCaller(accountId: "123456789012", region: "us-east-1", endpoint: "http://127.0.0.1:9000")

    init() throws {
        let clock = self.clock
        service = QueueService(
            store: try SQLiteStore.inMemory(), receiptSecret: [UInt8](repeating: 2, count: 32), now: { clock.now })
    }

    func receive(_ url: String, max: Int = 10) async throws -> [ReceivedMessage] {
        var options = ReceiveOptions()
        options.maxMessages = max
        options.waitSeconds = 0
        options.systemAttributeNames = ["All"]
        return try await service.receive(url: url, options, caller: caller)
    }

    func send(_ url: String, _ body: String, group: String, id: String? = nil) async throws -> SentMessage {
        try await service.send(
            url: url, OutgoingMessage(body: body, groupId: group, deduplicationId: id ?? body), caller: caller)
    }

    @Test func groupsKeepOrderAndWaitWhileInFlight() async throws {
        let url = try await service.createQueue(
            name: "orders.fifo", attributes: ["FifoQueue": "true", "VisibilityTimeout": "10"], tags: [:], caller: caller)
        let a1 = try await send(url, "a1", group: "a")
        let a2 = try await send(url, "a2", group: "a")
        _ = try await send(url, "b1", group: "b")
        #expect(a1.sequenceNumber! < a2.sequenceNumber!)
        let first = try await receive(url, max: 1)
        #expect(first.map(\.body) == ["a1"])
        // Group a has a1 in flight: only b's message is available.
        let second = try await receive(url)
        #expect(second.map(\.body) == ["b1"])
        #expect(second[0].attributes.first { $0.0 == "MessageGroupId" }?.1 == "b")
        try await service.delete(url: url, receiptHandle: first[0].receiptHandle, caller: caller)
        #expect(try await receive(url).map(\.body) == ["a2"])
    }

    @Test func duplicatesWithinFiveMinutesAreDropped() async throws {
        let url = try await service.createQueue(
            name: "dedup.fifo", attributes: ["FifoQueue": "true", "ContentBasedDeduplication": "true"], tags: [:],
            caller: caller)
        let once = try await service.send(url: url, OutgoingMessage(body: "same", groupId: "g"), caller: caller)
        let again = try await service.send(url: url, OutgoingMessage(body: "same", groupId: "g"), caller: caller)
        #expect(again.messageId == once.messageId && again.sequenceNumber == once.sequenceNumber)
        #expect(try await receive(url).map(\.body) == ["same"])
        clock.advance(seconds: 301)
        let later = try await service.send(url: url, OutgoingMessage(body: "same", groupId: "g"), caller: caller)
        #expect(later.messageId != once.messageId)
    }

    @Test func fifoRulesAreEnforced() async throws {
        await #expect(throws: QueueError.self) {
            try await service.createQueue(name: "nofifo.fifo", attributes: [:], tags: [:], caller: caller)
        }
        await #expect(throws: QueueError.self) {
            try await service.createQueue(name: "plain", attributes: ["FifoQueue": "true"], tags: [:], caller: caller)
        }
        await #expect(throws: QueueError.invalidAttributeName("ContentBasedDeduplication")) {
            try await service.createQueue(
                name: "std", attributes: ["ContentBasedDeduplication": "true"], tags: [:], caller: caller)
        }
        let url = try await service.createQueue(name: "rules.fifo", attributes: ["FifoQueue": "true"], tags: [:], caller: caller)
        await #expect(throws: QueueError.missingParameter("MessageGroupId")) {
            try await service.send(url: url, OutgoingMessage(body: "x", deduplicationId: "d"), caller: caller)
        }
        await #expect(throws: QueueError.self) {  // no deduplication id and no content-based deduplication
            try await service.send(url: url, OutgoingMessage(body: "x", groupId: "g"), caller: caller)
        }
        await #expect(throws: QueueError.self) {  // per-message delays are not for FIFO queues
            try await service.send(
                url: url, OutgoingMessage(body: "x", delaySeconds: 1, groupId: "g", deduplicationId: "d"), caller: caller)
        }
        let standard = try await service.createQueue(name: "standard", attributes: [:], tags: [:], caller: caller)
        await #expect(throws: QueueError.self) {
            try await service.send(url: standard, OutgoingMessage(body: "x", deduplicationId: "d"), caller: caller)
        }
        let all = Dictionary(uniqueKeysWithValues: try await service.attributes(url: url, names: ["All"], caller: caller))
        #expect(all["FifoQueue"] == "true" && all["ContentBasedDeduplication"] == "false")
        #expect(all["DeduplicationScope"] == "queue" && all["FifoThroughputLimit"] == "perQueue")
    }
}

@Suite struct RetentionTests {
    @Test func expiredMessagesGoWithoutAReceive() async throws {
        let clock = QueueServiceTests.Clock()
        let service = QueueService(
            store: try SQLiteStore.inMemory(), receiptSecret: [UInt8](repeating: 3, count: 32), now: { clock.now })
        let caller = QueueCaller(accountId: "123456789012", region: "us-east-1", endpoint: "http://h")
        let short = try await service.createQueue(
            name: "short", attributes: ["MessageRetentionPeriod": "60"], tags: [:], caller: caller)
        let long = try await service.createQueue(name: "long", attributes: [:], tags: [:], caller: caller)
        _ = try await service.send(url: short, OutgoingMessage(body: "old"), caller: caller)
        _ = try await service.send(url: long, OutgoingMessage(body: "kept"), caller: caller)
        clock.advance(seconds: 61)
        #expect(try await service.expireMessages() == 1)
        func visible(_ url: String) async throws -> String? {
            Dictionary(uniqueKeysWithValues: try await service.attributes(
                url: url, names: ["ApproximateNumberOfMessages"], caller: caller))["ApproximateNumberOfMessages"]
        }
        #expect(try await visible(short) == "0")
        #expect(try await visible(long) == "1")
    }
}
