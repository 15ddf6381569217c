import Foundation
import GRDB

extension SQLiteStore: QueueStore {
    public func queue(accountId: String, region: String, name: String) async throws -> QueueRecord? {
        try await writer.read { db in
            try db.row(
                "SELECT * FROM sqs_queue WHERE account_id = ? AND region = ? AND name = ?", [accountId, region, name]
            ).map(queueRecord)
        }
    }

    public func queue(id: Int64) async throws -> QueueRecord? {
        try await writer.read { db in
            try db.row("SELECT * FROM sqs_queue WHERE queue_id = ?", [id]).map(queueRecord)
        }
    }

    public func insertQueue(
        accountId: String, region: String, name: String, attributes: [String: String], tags: [String: String],
        now: Int64
    ) async throws -> (record: QueueRecord, created: Bool) {
        let attributesText = try jsonText(attributes)
        let tagsText = try jsonText(tags)
        return try await writer.write { db in
            let existing = try db.row(
                "SELECT * FROM sqs_queue WHERE account_id = ? AND region = ? AND name = ?", [accountId, region, name])
            if let existing { return (try queueRecord(existing), false) }
            try db.run(
                """
                INSERT INTO sqs_queue (account_id, region, name, attributes, tags, created_at, modified_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """, [accountId, region, name, attributesText, tagsText, now, now])
            let record = QueueRecord(
                id: db.lastInsertedRowID, accountId: accountId, region: region, name: name, attributes: attributes,
                tags: tags, createdAt: now, modifiedAt: now)
            return (record, true)
        }
    }

    public func updateQueue(_ record: QueueRecord) async throws {
        let attributesText = try jsonText(record.attributes)
        let tagsText = try jsonText(record.tags)
        try await writer.write { db in
            try db.run(
                "UPDATE sqs_queue SET attributes = ?, tags = ?, modified_at = ? WHERE queue_id = ?",
                [attributesText, tagsText, record.modifiedAt, record.id])
        }
    }

    public func deleteQueue(id: Int64) async throws {
        try await writer.write { db in
            try db.run("DELETE FROM sqs_message WHERE queue_id = ?", [id])
            try db.run("DELETE FROM sqs_queue WHERE queue_id = ?", [id])
        }
    }

    public func queues(accountId: String, region: String, prefix: String, after: String?, limit: Int) async throws
        -> [QueueRecord]
    {
        try await writer.read { db in
            try db.rows(
                """
                SELECT * FROM sqs_queue WHERE account_id = ? AND region = ? AND substr(name, 1, ?) = ? AND name > ?
                ORDER BY name LIMIT ?
                """, [accountId, region, prefix.count, prefix, after ?? "", limit]
            ).map(queueRecord)
        }
    }

    @discardableResult
    public func appendMessages(queueId: Int64, _ messages: [StoredMessage], deduplicationKeys: [String?], now: Int64)
        async throws -> [(messageId: String, seq: Int64)]
    {
        if messages.count == 1, !deduplicationKeys.contains(where: { $0 != nil }) {
            // One INSERT, atomic on its own (`writeNow`).
            let seq = try writeNow { db in
                try Self.insert(messages[0], queueId: queueId, db)
                return db.lastInsertedRowID
            }
            return [(messages[0].messageId, seq)]
        }
        return try await writer.write { db in
            var results: [(messageId: String, seq: Int64)] = []
            if deduplicationKeys.contains(where: { $0 != nil }) {
                try db.run("DELETE FROM sqs_deduplication WHERE queue_id = ? AND expires_at <= ?", [queueId, now])
            }
            for (index, message) in messages.enumerated() {
                let key = index < deduplicationKeys.count ? deduplicationKeys[index] : nil
                if let key,
                    let first = try db.row(
                        "SELECT message_id, seq FROM sqs_deduplication WHERE queue_id = ? AND key = ?", [queueId, key])
                {
                    results.append((first["message_id"], first["seq"]))
                    continue
                }
                try Self.insert(message, queueId: queueId, db)
                let seq = db.lastInsertedRowID
                if let key {
                    try db.run(
                        "INSERT INTO sqs_deduplication (queue_id, key, message_id, seq, expires_at) VALUES (?, ?, ?, ?, ?)",
                        [queueId, key, message.messageId, seq, now + 300_000])
                }
                results.append((message.messageId, seq))
            }
            return results
        }
    }

    public func receiveMessages(
        queueId: Int64, now: Int64, limit: Int, visibleUntil: Int64, retainedSince: Int64, route: DeadLetterRoute?,
        fifo: Bool
    ) async throws -> (received: [StoredMessage], movedToDeadLetter: Int) {
        try await writer.write { db in
            try db.run("DELETE FROM sqs_message WHERE queue_id = ? AND sent_at < ?", [queueId, retainedSince])
            var received: [StoredMessage] = []
            var moved = 0
            while received.count < limit {
                let rows = try db.rows(
                    fifo ? Self.fifoCandidates : Self.candidates, [queueId, now, limit - received.count])
                if rows.isEmpty { break }
                for row in rows {
                    var message = Self.message(row)
                    if let route, message.receiveCount >= route.maxReceiveCount {
                        // Moved as a new message of the dead-letter queue, keeping id, body and sent time.
                        message.receiveCount = 0
                        message.firstReceiveAt = nil
                        message.receipt = nil
                        message.visibleAt = now
                        message.deadLetterSourceArn = route.sourceArn
                        try db.run("DELETE FROM sqs_message WHERE seq = ?", [message.seq])
                        try Self.insert(message, queueId: route.queueId, db)
                        moved += 1
                        continue
                    }
                    message.receiveCount += 1
                    message.firstReceiveAt = message.firstReceiveAt ?? now
                    message.receipt = Self.randomToken()
                    message.visibleAt = visibleUntil
                    try db.run(
                        """
                        UPDATE sqs_message SET receive_count = ?, first_receive_at = ?, receipt = ?, visible_at = ?
                        WHERE seq = ?
                        """,
                        [
                            message.receiveCount, message.firstReceiveAt, message.receipt, message.visibleAt,
                            message.seq,
                        ])
                    received.append(message)
                }
            }
            return (received, moved)
        }
    }

    public func deleteMessage(queueId: Int64, seq: Int64, receipt: String) async throws -> Bool {
        try await writer.write { db in
            try db.run(
                "DELETE FROM sqs_message WHERE seq = ? AND queue_id = ? AND receipt = ?", [seq, queueId, receipt])
            return db.changesCount > 0
        }
    }

    public func changeVisibility(queueId: Int64, seq: Int64, receipt: String, visibleAt: Int64, now: Int64)
        async throws -> Bool
    {
        try await writer.write { db in
            try db.run(
                """
                UPDATE sqs_message SET visible_at = ?
                WHERE seq = ? AND queue_id = ? AND receipt = ? AND visible_at > ?
                """, [visibleAt, seq, queueId, receipt, now])
            return db.changesCount > 0
        }
    }

    public func purgeMessages(queueId: Int64) async throws {
        try await writer.write { db in
            try db.run("DELETE FROM sqs_message WHERE queue_id = ?", [queueId])
        }
    }

    public func allQueues() async throws -> [QueueRecord] {
        try await writer.read { db in
            try db.rows("SELECT * FROM sqs_queue ORDER BY queue_id").map(queueRecord)
        }
    }

    public func expireMessages(queueId: Int64, sentBefore: Int64, now: Int64) async throws -> Int {
        try await writer.write { db in
            try db.run("DELETE FROM sqs_message WHERE queue_id = ? AND sent_at < ?", [queueId, sentBefore])
            let expired = db.changesCount
            try db.run("DELETE FROM sqs_deduplication WHERE queue_id = ? AND expires_at <= ?", [queueId, now])
            return expired
        }
    }

    public func counts(queueId: Int64, now: Int64) async throws -> QueueCounts {
        try await writer.read { db in
            let row = try db.row(
                """
                SELECT
                    COALESCE(SUM(visible_at <= ?1), 0) AS visible,
                    COALESCE(SUM(visible_at > ?1 AND receive_count > 0), 0) AS in_flight,
                    COALESCE(SUM(visible_at > ?1 AND receive_count = 0), 0) AS delayed
                FROM sqs_message WHERE queue_id = ?2
                """, [now, queueId])
            return QueueCounts(
                visible: row?["visible"] ?? 0, inFlight: row?["in_flight"] ?? 0, delayed: row?["delayed"] ?? 0)
        }
    }

    public func nextVisibleAt(queueId: Int64, after now: Int64) async throws -> Int64? {
        try await writer.read { db in
            try Int64.fetchOne(
                db, sql: "SELECT MIN(visible_at) FROM sqs_message WHERE queue_id = ? AND visible_at > ?",
                arguments: [queueId, now])
        }
    }

    public func moveMessages(
        from queueId: Int64, limit: Int, now: Int64, destination: @Sendable (StoredMessage) -> Int64?
    ) async throws -> Int {
        try await writer.write { db in
            let rows = try db.rows(
                "SELECT * FROM sqs_message WHERE queue_id = ? ORDER BY seq LIMIT ?", [queueId, limit])
            var moved = 0
            for row in rows {
                var message = Self.message(row)
                guard let target = destination(message) else { continue }
                message.receiveCount = 0
                message.firstReceiveAt = nil
                message.receipt = nil
                message.visibleAt = now
                message.deadLetterSourceArn = nil
                try db.run("DELETE FROM sqs_message WHERE seq = ?", [message.seq])
                try Self.insert(message, queueId: target, db)
                moved += 1
            }
            return moved
        }
    }

    // MARK: rows

    /// Standard queues: the messages visible longest first.
    static let candidates = """
        SELECT * FROM sqs_message WHERE queue_id = ?1 AND visible_at <= ?2 ORDER BY visible_at, seq LIMIT ?3
        """

    /// FIFO queues: oldest first, skipping every group that has a message in flight.
    static let fifoCandidates = """
        SELECT * FROM sqs_message AS m WHERE m.queue_id = ?1 AND m.visible_at <= ?2
            AND NOT EXISTS (
                SELECT 1 FROM sqs_message AS f
                WHERE f.queue_id = ?1 AND f.group_id = m.group_id AND f.receive_count > 0 AND f.visible_at > ?2)
        ORDER BY m.seq LIMIT ?3
        """

    private static func insert(_ message: StoredMessage, queueId: Int64, _ db: Database) throws {
        try db.run(
            """
            INSERT INTO sqs_message (queue_id, message_id, body, attributes, trace_header, md5_body, md5_attributes,
                sender_id, sent_at, visible_at, receive_count, first_receive_at, receipt, dead_letter_source_arn,
                group_id, deduplication_id)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                queueId, message.messageId, message.body, message.attributes, message.traceHeader, message.md5OfBody,
                message.md5OfAttributes, message.senderId, message.sentAt, message.visibleAt, message.receiveCount,
                message.firstReceiveAt, message.receipt, message.deadLetterSourceArn, message.groupId,
                message.deduplicationId,
            ])
    }

    private static func message(_ row: Row) -> StoredMessage {
        StoredMessage(
            seq: row["seq"], messageId: row["message_id"], body: row["body"], attributes: row["attributes"],
            traceHeader: row["trace_header"], md5OfBody: row["md5_body"], md5OfAttributes: row["md5_attributes"],
            senderId: row["sender_id"], sentAt: row["sent_at"], visibleAt: row["visible_at"],
            receiveCount: row["receive_count"], firstReceiveAt: row["first_receive_at"], receipt: row["receipt"],
            deadLetterSourceArn: row["dead_letter_source_arn"], groupId: row["group_id"],
            deduplicationId: row["deduplication_id"])
    }

    private func queueRecord(_ row: Row) throws -> QueueRecord {
        QueueRecord(
            id: row["queue_id"], accountId: row["account_id"], region: row["region"], name: row["name"],
            attributes: try decode([String: String].self, Data((row["attributes"] as String).utf8)),
            tags: try decode([String: String].self, Data((row["tags"] as String).utf8)),
            createdAt: row["created_at"], modifiedAt: row["modified_at"])
    }

    private func jsonText(_ map: [String: String]) throws -> String {
        String(decoding: try encode(map), as: UTF8.self)
    }

    private static func randomToken() -> String {
        (0..<2).map { _ in String(UInt64.random(in: .min ... .max), radix: 16) }.joined(separator: "-")
    }
}
