import Foundation
import GRDB
import NimbusModel

extension SQLiteStore: AsyncEventStore {
    @discardableResult
    public func enqueue(_ event: AsyncEvent, claimed: Bool) async throws -> AsyncEvent {
        var stored = event
        if stored.createdAt == 0 { stored.createdAt = Date().timeIntervalSince1970 }
        stored.seq = try writeNow { db in
            try db.run(
                """
                INSERT INTO async_event (request_id, account_id, region, function_name, qualifier, payload, created_at,
                    failed_attempts, deferred_attempts, not_before, claimed)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    stored.requestId, stored.accountId, stored.region, stored.functionName, stored.qualifier,
                    Data(stored.payload), stored.createdAt, stored.failedAttempts, stored.deferredAttempts,
                    stored.notBefore, claimed ? 1 : 0,
                ])
            return db.lastInsertedRowID
        }
        return stored
    }

    /// One `UPDATE … RETURNING` in autocommit mode: the claim and the read are a single atomic statement.
    public func claimEvents(limit: Int, now: Double) async throws -> EventClaim {
        try await writer.writeWithoutTransaction { db in
            let rows = try db.rows(
                """
                UPDATE async_event SET claimed = 1
                WHERE seq IN (SELECT seq FROM async_event WHERE claimed = 0 AND not_before <= ? ORDER BY seq LIMIT ?)
                RETURNING *
                """, [now, limit])
            let events = rows.sorted { ($0["seq"] as Int64) < ($1["seq"] as Int64) }.map { row in
                AsyncEvent(
                    requestId: row["request_id"], accountId: row["account_id"], region: row["region"],
                    functionName: row["function_name"], qualifier: row["qualifier"],
                    payload: [UInt8](row["payload"] as Data), createdAt: row["created_at"],
                    failedAttempts: row["failed_attempts"], deferredAttempts: row["deferred_attempts"],
                    notBefore: row["not_before"], seq: row["seq"])
            }
            return EventClaim(events: events, nextDue: events.count < limit ? try Self.nextEventDue(db) : nil)
        }
    }

    public func nextEventDue() async throws -> Double? {
        try await writer.read { db in try Self.nextEventDue(db) }
    }

    private static func nextEventDue(_ db: Database) throws -> Double? {
        try Double.fetchOne(db.cachedStatement(sql: "SELECT MIN(not_before) FROM async_event WHERE claimed = 0"))
    }

    public func completeEvent(_ event: AsyncEvent) async throws {
        try writeNow { try $0.run("DELETE FROM async_event WHERE seq = ?", [event.seq]) }
    }

    public func rescheduleEvent(_ event: AsyncEvent) async throws {
        try writeNow { db in
            try db.run(
                "UPDATE async_event SET claimed = 0, failed_attempts = ?, deferred_attempts = ?, not_before = ? WHERE seq = ?",
                [event.failedAttempts, event.deferredAttempts, event.notBefore, event.seq])
        }
    }

    public func releaseClaims() async throws {
        try await writer.write { db in try db.run("UPDATE async_event SET claimed = 0 WHERE claimed = 1") }
    }
}

extension SQLiteStore {
    /// Turns up to `limit` messages of a queue (a dead-letter queue) into `Event` invocations of a
    /// function, in one transaction: each message becomes a new event with the message body as payload
    /// and is deleted, so none is lost or doubled. Returns how many moved.
    public func redriveMessages(
        queueId: Int64, toFunction functionName: String, qualifier: String?, accountId: String, region: String,
        limit: Int
    ) async throws -> Int {
        try await writer.write { db in
            let rows = try db.rows(
                "SELECT seq, body FROM sqs_message WHERE queue_id = ? ORDER BY seq LIMIT ?", [queueId, limit])
            let now = Date().timeIntervalSince1970
            for row in rows {
                try db.run(
                    """
                    INSERT INTO async_event (request_id, account_id, region, function_name, qualifier, payload, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                    [
                        RandomID.uuid(), accountId, region, functionName, qualifier,
                        Data((row["body"] as String).utf8), now,
                    ])
                try db.run("DELETE FROM sqs_message WHERE seq = ?", [row["seq"] as Int64])
            }
            return rows.count
        }
    }
}
