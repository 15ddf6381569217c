import Foundation
import GRDB
import NimbusModel
import Synchronization

/// The SQLite store: one database file under the data directory, WAL mode, named migrations.
/// Every protocol of this module is implemented here.
public final class SQLiteStore: Sendable {
    let writer: any DatabaseWriter
    /// A connection of its own for WAL checkpoints (`checkpoint()`), so they never run inside a request's write.
    let checkpointer: DatabaseQueue?
    let cache = RecordCache()
    /// Account totals by (account, region), dropped whenever one of the account's functions is written.
    let usageCache = Mutex<[String: AccountUsage]>([:])
    let encoder: JSONEncoder
    let decoder: JSONDecoder

    /// Opens (creating and migrating) the database at `path`.
    public convenience init(path: String) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        let pool = try DatabasePool(path: path, configuration: configuration)
        var side = Configuration()
        side.busyMode = .timeout(10)
        try self.init(writer: pool, checkpointer: DatabaseQueue(path: path, configuration: side))
    }

    /// An in-memory database, for tests.
    public static func inMemory() throws -> SQLiteStore {
        try SQLiteStore(writer: DatabaseQueue())
    }

    init(writer: any DatabaseWriter, checkpointer: DatabaseQueue? = nil) throws {
        self.writer = writer
        self.checkpointer = checkpointer
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .millisecondsSince1970
        self.encoder = encoder
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .millisecondsSince1970
        self.decoder = decoder
        try Self.migrator.migrate(writer)
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-accounts") { db in
            try db.execute(
                sql: """
                    CREATE TABLE account (
                        account_id TEXT PRIMARY KEY NOT NULL,
                        name TEXT NOT NULL UNIQUE,
                        created_at DOUBLE NOT NULL
                    );
                    CREATE TABLE access_key (
                        access_key_id TEXT PRIMARY KEY NOT NULL,
                        secret_access_key TEXT NOT NULL,
                        account_id TEXT NOT NULL REFERENCES account(account_id),
                        created_at DOUBLE NOT NULL
                    );
                    CREATE TABLE setting (key TEXT PRIMARY KEY NOT NULL, value BLOB NOT NULL);
                    """)
        }
        migrator.registerMigration("v1-functions") { db in
            try db.execute(
                sql: """
                    CREATE TABLE function (
                        account_id TEXT NOT NULL,
                        region TEXT NOT NULL,
                        name TEXT NOT NULL,
                        document BLOB NOT NULL,
                        total_code_size INTEGER NOT NULL,
                        reserved_concurrency INTEGER,
                        provisioned_concurrency INTEGER NOT NULL,
                        PRIMARY KEY (account_id, region, name)
                    ) WITHOUT ROWID;
                    CREATE TABLE event_source_mapping (
                        uuid TEXT PRIMARY KEY NOT NULL,
                        account_id TEXT NOT NULL,
                        region TEXT NOT NULL,
                        document BLOB NOT NULL
                    );
                    CREATE INDEX event_source_mapping_by_account ON event_source_mapping(account_id, region, uuid);
                    """)
        }
        migrator.registerMigration("v2-function-stamp") { db in
            // A random stamp renewed on every write lets readers reuse a decoded document (RecordCache).
            try db.execute(sql: "ALTER TABLE function ADD COLUMN stamp INTEGER NOT NULL DEFAULT 0")
        }
        migrator.registerMigration("v3-async-events") { db in
            try db.execute(
                sql: """
                    CREATE TABLE async_event (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT,
                        request_id TEXT NOT NULL UNIQUE,
                        account_id TEXT NOT NULL,
                        region TEXT NOT NULL,
                        function_name TEXT NOT NULL,
                        qualifier TEXT,
                        payload BLOB NOT NULL,
                        created_at DOUBLE NOT NULL,
                        claimed INTEGER NOT NULL DEFAULT 0
                    );
                    """)
        }
        migrator.registerMigration("v4-provisioned-total") { db in
            // Which functions have provisioned concurrency configs, for the warmer's scan across accounts.
            try db.execute(sql: "ALTER TABLE function ADD COLUMN provisioned_total INTEGER NOT NULL DEFAULT 0")
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .millisecondsSince1970
            let rows = try Row.fetchAll(db, sql: "SELECT account_id, region, name, document FROM function")
            for row in rows {
                let record = try decoder.decode(FunctionRecord.self, from: row["document"] as Data)
                guard record.provisionedTotal > 0 else { continue }
                try db.execute(
                    sql: "UPDATE function SET provisioned_total = ? WHERE account_id = ? AND region = ? AND name = ?",
                    arguments: [
                        record.provisionedTotal, row["account_id"] as String, row["region"] as String, row["name"] as String,
                    ])
            }
        }
        migrator.registerMigration("v5-queues") { db in
            try db.execute(
                sql: """
                    CREATE TABLE sqs_queue (
                        queue_id INTEGER PRIMARY KEY AUTOINCREMENT,
                        account_id TEXT NOT NULL,
                        region TEXT NOT NULL,
                        name TEXT NOT NULL,
                        attributes TEXT NOT NULL,
                        tags TEXT NOT NULL,
                        created_at INTEGER NOT NULL,
                        modified_at INTEGER NOT NULL,
                        UNIQUE (account_id, region, name)
                    );
                    CREATE TABLE sqs_message (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT,
                        queue_id INTEGER NOT NULL,
                        message_id TEXT NOT NULL,
                        body TEXT NOT NULL,
                        attributes TEXT,
                        trace_header TEXT,
                        md5_body TEXT NOT NULL,
                        md5_attributes TEXT,
                        sender_id TEXT NOT NULL,
                        sent_at INTEGER NOT NULL,
                        visible_at INTEGER NOT NULL,
                        receive_count INTEGER NOT NULL DEFAULT 0,
                        first_receive_at INTEGER,
                        receipt TEXT,
                        dead_letter_source_arn TEXT
                    );
                    CREATE INDEX sqs_message_by_visibility ON sqs_message(queue_id, visible_at, seq);
                    CREATE INDEX sqs_message_by_age ON sqs_message(queue_id, sent_at);
                    """)
        }
        migrator.registerMigration("v6-async-retries") { db in
            try db.execute(
                sql: """
                    ALTER TABLE async_event ADD COLUMN failed_attempts INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE async_event ADD COLUMN deferred_attempts INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE async_event ADD COLUMN not_before DOUBLE NOT NULL DEFAULT 0;
                    CREATE INDEX async_event_due ON async_event(claimed, not_before);
                    """)
        }
        migrator.registerMigration("v7-fifo-queues") { db in
            try db.execute(
                sql: """
                    ALTER TABLE sqs_message ADD COLUMN group_id TEXT;
                    ALTER TABLE sqs_message ADD COLUMN deduplication_id TEXT;
                    CREATE INDEX sqs_message_by_group ON sqs_message(queue_id, group_id, seq) WHERE group_id IS NOT NULL;
                    CREATE TABLE sqs_deduplication (
                        queue_id INTEGER NOT NULL,
                        key TEXT NOT NULL,
                        message_id TEXT NOT NULL,
                        seq INTEGER NOT NULL,
                        expires_at INTEGER NOT NULL,
                        PRIMARY KEY (queue_id, key)
                    ) WITHOUT ROWID;
                    """)
        }
        migrator.registerMigration("v8-async-event-key") { db in
            // Events are found by `seq` alone: no UNIQUE index on the request id and no AUTOINCREMENT table,
            // two B-tree pages fewer written by each Event acknowledgement. `seq` may be reused only after
            // the newest row was removed, and rows are only ever addressed while they exist.
            try db.execute(
                sql: """
                    CREATE TABLE async_event_v8 (
                        seq INTEGER PRIMARY KEY,
                        request_id TEXT NOT NULL,
                        account_id TEXT NOT NULL,
                        region TEXT NOT NULL,
                        function_name TEXT NOT NULL,
                        qualifier TEXT,
                        payload BLOB NOT NULL,
                        created_at DOUBLE NOT NULL,
                        claimed INTEGER NOT NULL DEFAULT 0,
                        failed_attempts INTEGER NOT NULL DEFAULT 0,
                        deferred_attempts INTEGER NOT NULL DEFAULT 0,
                        not_before DOUBLE NOT NULL DEFAULT 0
                    );
                    INSERT INTO async_event_v8 SELECT seq, request_id, account_id, region, function_name, qualifier,
                        payload, created_at, claimed, failed_attempts, deferred_attempts, not_before FROM async_event;
                    DROP TABLE async_event;
                    ALTER TABLE async_event_v8 RENAME TO async_event;
                    CREATE INDEX async_event_due ON async_event(claimed, not_before);
                    DELETE FROM sqlite_sequence WHERE name = 'async_event';
                    """)
        }
        return migrator
    }

    /// A short write on the calling thread, in SQLite's autocommit mode: no hop to GRDB's writer queue and
    /// back (an async write's two thread hand-offs), and a single statement is atomic without BEGIN/COMMIT.
    /// Not async on purpose, so that GRDB's synchronous write is the one called. For single statements on
    /// request paths (an Event row, a SendMessage, an event's completion).
    func writeNow<T>(_ body: (Database) throws -> T) throws -> T {
        try writer.writeWithoutTransaction(body)
    }

    func encode(_ value: some Encodable) throws -> Data { try encoder.encode(value) }
    func decode<T: Decodable>(_ type: T.Type, _ data: Data) throws -> T { try decoder.decode(type, from: data) }
}
