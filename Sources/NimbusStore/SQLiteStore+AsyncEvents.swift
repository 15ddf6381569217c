import Foundation
import GRDB
import NimbusModel

extension SQLiteStore: AsyncEventStore {
    public func enqueue(_ event: AsyncEvent) async throws {
        try await writer.write { db in
            try db.execute(
                sql: """
                    INSERT INTO async_event (request_id, account_id, region, function_name, qualifier, payload, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    event.requestId, event.accountId, event.region, event.functionName, event.qualifier,
                    Data(event.payload), Date().timeIntervalSince1970,
                ])
        }
    }

    public func claimEvents(limit: Int) async throws -> [AsyncEvent] {
        try await writer.write { db in
            let rows = try Row.fetchAll(
                db, sql: "SELECT * FROM async_event WHERE claimed = 0 ORDER BY seq LIMIT ?", arguments: [limit])
            for row in rows {
                try db.execute(sql: "UPDATE async_event SET claimed = 1 WHERE seq = ?", arguments: [row["seq"] as Int64])
            }
            return rows.map { row in
                AsyncEvent(
                    requestId: row["request_id"], accountId: row["account_id"], region: row["region"],
                    functionName: row["function_name"], qualifier: row["qualifier"],
                    payload: [UInt8](row["payload"] as Data))
            }
        }
    }

    public func completeEvent(requestId: String) async throws {
        try await writer.write { db in
            try db.execute(sql: "DELETE FROM async_event WHERE request_id = ?", arguments: [requestId])
        }
    }

    public func releaseEvent(requestId: String) async throws {
        try await writer.write { db in
            try db.execute(sql: "UPDATE async_event SET claimed = 0 WHERE request_id = ?", arguments: [requestId])
        }
    }

    public func releaseClaims() async throws {
        try await writer.write { db in try db.execute(sql: "UPDATE async_event SET claimed = 0 WHERE claimed = 1") }
    }
}
