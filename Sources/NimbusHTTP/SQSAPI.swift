import NimbusModel
import NimbusQueue

/// The SQS JSON 1.0 protocol (`X-Amz-Target: AmazonSQS.<Operation>`) over the queue service.
struct SQSAPI: Sendable {
    let queues: QueueService

    /// Runs the operation and returns the JSON result.
    func handle(operation: String, body: [UInt8], caller: QueueCaller) async throws -> JSONValue {
        let request = try SQSRequest(body)
        let url = { () throws(QueueError) -> String in try request.required("QueueUrl") }
        var o = JSONObjectBuilder()
        switch operation {
        case "CreateQueue":
            o.set("QueueUrl", try await queues.createQueue(
                name: try request.required("QueueName"), attributes: try request.map("Attributes"),
                tags: try request.map("tags"), caller: caller))
        case "GetQueueUrl":
            o.set("QueueUrl", try await queues.queueUrl(
                name: try request.required("QueueName"), owner: try request.string("QueueOwnerAWSAccountId"),
                caller: caller))
        case "ListQueues":
            let (urls, token) = try await queues.listQueues(
                prefix: try request.string("QueueNamePrefix"), maxResults: try request.int("MaxResults"),
                nextToken: try request.string("NextToken"), caller: caller)
            if !urls.isEmpty { o.set("QueueUrls", .array(urls.map(JSONValue.string))) }
            o.set("NextToken", token)
        case "DeleteQueue":
            try await queues.deleteQueue(url: try url(), caller: caller)
        case "GetQueueAttributes":
            let attributes = try await queues.attributes(
                url: try url(), names: try request.strings("AttributeNames"), caller: caller)
            if !attributes.isEmpty { o.set("Attributes", .object(attributes.map { ($0.0, .string($0.1)) })) }
        case "SetQueueAttributes":
            try await queues.setAttributes(url: try url(), attributes: try request.map("Attributes"), caller: caller)
        case "PurgeQueue":
            try await queues.purge(url: try url(), caller: caller)
        case "TagQueue":
            try await queues.tag(url: try url(), tags: try request.map("Tags"), caller: caller)
        case "UntagQueue":
            try await queues.untag(url: try url(), keys: try request.strings("TagKeys"), caller: caller)
        case "ListQueueTags":
            let tags = try await queues.tags(url: try url(), caller: caller)
            if !tags.isEmpty { o.set("Tags", .object(tags.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })) }
        case "ListDeadLetterSourceQueues":
            o.set("queueUrls", .array(try await queues.deadLetterSources(url: try url(), caller: caller).map(JSONValue.string)))
        case "SendMessage":
            let sent = try await queues.send(url: try url(), try request.outgoing(), caller: caller)
            o.set("MD5OfMessageBody", sent.md5OfBody)
            o.set("MD5OfMessageAttributes", sent.md5OfAttributes)
            o.set("MessageId", sent.messageId)
            o.set("SequenceNumber", sent.sequenceNumber)
        case "SendMessageBatch":
            var entries: [(id: String, message: OutgoingMessage)] = []
            for entry in try request.entries("Entries") { entries.append((try entry.required("Id"), try entry.outgoing())) }
            let outcomes = try await queues.sendBatch(url: try url(), entries, caller: caller)
            batch(outcomes, into: &o) { id, sent in
                var e = JSONObjectBuilder()
                e.set("Id", id)
                e.set("MessageId", sent.messageId)
                e.set("MD5OfMessageBody", sent.md5OfBody)
                e.set("MD5OfMessageAttributes", sent.md5OfAttributes)
                e.set("SequenceNumber", sent.sequenceNumber)
                return e.value
            }
        case "ReceiveMessage":
            var options = ReceiveOptions()
            options.maxMessages = try request.int("MaxNumberOfMessages") ?? 1
            options.visibilityTimeout = try request.int("VisibilityTimeout")
            options.waitSeconds = try request.int("WaitTimeSeconds")
            options.systemAttributeNames = try request.strings("AttributeNames") + request.strings("MessageSystemAttributeNames")
            options.messageAttributeNames = try request.strings("MessageAttributeNames")
            let messages = try await queues.receive(url: try url(), options, caller: caller)
            if !messages.isEmpty { o.set("Messages", .array(messages.map(Self.json))) }
        case "DeleteMessage":
            try await queues.delete(url: try url(), receiptHandle: try request.required("ReceiptHandle"), caller: caller)
        case "DeleteMessageBatch":
            var entries: [(id: String, receiptHandle: String)] = []
            for entry in try request.entries("Entries") {
                entries.append((try entry.required("Id"), try entry.required("ReceiptHandle")))
            }
            batch(try await queues.deleteBatch(url: try url(), entries, caller: caller), into: &o) { id, _ in
                .object([("Id", .string(id))])
            }
        case "ChangeMessageVisibility":
            guard let timeout = try request.int("VisibilityTimeout") else { throw QueueError.missingParameter("VisibilityTimeout") }
            try await queues.changeVisibility(
                url: try url(), receiptHandle: try request.required("ReceiptHandle"), timeout: timeout, caller: caller)
        case "ChangeMessageVisibilityBatch":
            var entries: [(id: String, receiptHandle: String, timeout: Int)] = []
            for entry in try request.entries("Entries") {
                entries.append((try entry.required("Id"), try entry.required("ReceiptHandle"), try entry.int("VisibilityTimeout") ?? 0))
            }
            batch(try await queues.changeVisibilityBatch(url: try url(), entries, caller: caller), into: &o) { id, _ in
                .object([("Id", .string(id))])
            }
        case "StartMessageMoveTask":
            o.set("TaskHandle", try await queues.startMoveTask(
                sourceArn: try request.required("SourceArn"), destinationArn: try request.string("DestinationArn"),
                maxPerSecond: try request.int("MaxNumberOfMessagesPerSecond"), caller: caller))
        case "ListMessageMoveTasks":
            let tasks = try await queues.moveTasks(
                sourceArn: try request.required("SourceArn"), maxResults: try request.int("MaxResults"), caller: caller)
            o.set("Results", .array(tasks.map(Self.json)))
        case "CancelMessageMoveTask":
            o.set("ApproximateNumberOfMessagesMoved", try await queues.cancelMoveTask(
                handle: try request.required("TaskHandle"), caller: caller))
        case "AddPermission", "RemovePermission":
            throw QueueError.unsupported("\(operation) is not supported by Nimbus yet; use the queue's Policy attribute.")
        default:
            throw QueueError.unknownOperation("AmazonSQS.\(operation)")
        }
        return o.value
    }

    private func batch<T>(
        _ outcomes: [BatchOutcome<T>], into o: inout JSONObjectBuilder, success: (String, T) -> JSONValue
    ) {
        var ok: [JSONValue] = []
        var failed: [JSONValue] = []
        for outcome in outcomes {
            switch outcome {
            case .success(let id, let value): ok.append(success(id, value))
            case .failure(let id, let error):
                failed.append(.object([
                    ("Id", .string(id)), ("SenderFault", .bool(error.senderFault)), ("Code", .string(error.batchCode)),
                    ("Message", .string(error.message)),
                ]))
            }
        }
        o.set("Successful", .array(ok))
        o.set("Failed", .array(failed))
    }

    static func json(_ message: ReceivedMessage) -> JSONValue {
        var o = JSONObjectBuilder()
        o.set("MessageId", message.messageId)
        o.set("ReceiptHandle", message.receiptHandle)
        o.set("MD5OfBody", message.md5OfBody)
        o.set("Body", message.body)
        if !message.attributes.isEmpty { o.set("Attributes", .object(message.attributes.map { ($0.0, .string($0.1)) })) }
        o.set("MD5OfMessageAttributes", message.md5OfMessageAttributes)
        if !message.messageAttributes.isEmpty {
            o.set("MessageAttributes", MessageAttributes.json(message.messageAttributes))
        }
        return o.value
    }

    static func json(_ task: MessageMoveTask) -> JSONValue {
        var o = JSONObjectBuilder()
        if task.status == "RUNNING" { o.set("TaskHandle", task.handle) }
        o.set("Status", task.status)
        o.set("SourceArn", task.sourceArn)
        o.set("DestinationArn", task.destinationArn)
        o.set("MaxNumberOfMessagesPerSecond", task.maxPerSecond)
        o.set("ApproximateNumberOfMessagesMoved", task.moved)
        o.set("ApproximateNumberOfMessagesToMove", task.toMove)
        o.set("FailureReason", task.failureReason)
        o.set("StartedTimestamp", Int(task.startedAt))
        return o.value
    }
}
