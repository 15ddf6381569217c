import Foundation
import GRDB
import NimbusModel
import Synchronization

extension SQLiteStore: FunctionStore {
    public func function(_ key: FunctionKey) async throws -> FunctionRecord? {
        let cache = self.cache
        if let current = cache.latest(key) { return current }
        let generation = cache.generation
        let row = try await writer.read { db -> (Int64, Data?)? in
            let arguments: StatementArguments = [key.accountId, key.region, key.name]
            guard let stamp = try Int64.fetchOne(
                db.cachedStatement(sql: "SELECT stamp FROM function WHERE account_id = ? AND region = ? AND name = ?"),
                arguments: arguments)
            else { return nil }
            if cache.record(key, stamp: stamp) != nil { return (stamp, nil) }
            let data = try Data.fetchOne(
                db.cachedStatement(sql: "SELECT document FROM function WHERE account_id = ? AND region = ? AND name = ?"),
                arguments: arguments)
            return (stamp, data)
        }
        guard let (stamp, data) = row else { return nil }
        let record = try resolve(key, stamp: stamp, data: data)
        if let record { cache.observed(key, record: record, generation: generation) }
        return record
    }

    /// The cached record for a stamp, or the document decoded (and cached).
    func resolve(_ key: FunctionKey, stamp: Int64, data: Data?) throws -> FunctionRecord? {
        if let cached = cache.record(key, stamp: stamp) { return cached }
        guard let data else { return nil }
        let record = try decode(FunctionRecord.self, data)
        cache.store(record, key: key, stamp: stamp)
        return record
    }

    public func updateFunction<T: Sendable>(
        _ key: FunctionKey, withUsage: Bool,
        _ body: @Sendable (inout FunctionRecord?, AccountUsage?) throws -> T
    ) async throws -> T {
        // Totals change with the write: drop the cached ones once it has committed (or failed).
        defer { usageCache.withLock { _ = $0.removeValue(forKey: "\(key.accountId)/\(key.region)") } }
        let cache = self.cache
        do {
            return try await write(key, withUsage: withUsage, body)
        } catch {
            // Nothing committed (or the commit failed): forget what is known rather than guess.
            cache.written(key, record: nil, committed: false)
            throw error
        }
    }

    /// The write transaction. The current-record cache is updated inside it, where writes are serialized,
    /// so two writes can never leave their values in the cache out of order.
    private func write<T: Sendable>(
        _ key: FunctionKey, withUsage: Bool,
        _ body: @Sendable (inout FunctionRecord?, AccountUsage?) throws -> T
    ) async throws -> T {
        let cache = self.cache
        return try await writer.write { db in
            let data = try Data.fetchOne(
                db, sql: "SELECT document FROM function WHERE account_id = ? AND region = ? AND name = ?",
                arguments: [key.accountId, key.region, key.name])
            let before = try data.map { try self.decode(FunctionRecord.self, $0) }
            var record = before
            let usage = withUsage ? try Self.usage(db, key.accountId, key.region, excluding: key.name) : nil
            let result = try body(&record, usage)
            if let record {
                try db.execute(
                    sql: """
                        INSERT INTO function (account_id, region, name, document, total_code_size,
                            reserved_concurrency, provisioned_concurrency, provisioned_total, stamp)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                        ON CONFLICT (account_id, region, name) DO UPDATE SET document = excluded.document,
                            total_code_size = excluded.total_code_size,
                            reserved_concurrency = excluded.reserved_concurrency,
                            provisioned_concurrency = excluded.provisioned_concurrency,
                            provisioned_total = excluded.provisioned_total,
                            stamp = excluded.stamp
                        """,
                    arguments: [
                        key.accountId, key.region, key.name, try self.encode(record), record.totalCodeSize,
                        record.reservedConcurrency, record.provisionedOutsideReservation, record.provisionedTotal,
                        Int64.random(in: 1...Int64.max),
                    ])
            } else if before != nil {
                try db.execute(
                    sql: "DELETE FROM function WHERE account_id = ? AND region = ? AND name = ?",
                    arguments: [key.accountId, key.region, key.name])
            }
            cache.written(key, record: record, committed: true)
            return result
        }
    }

    public func provisionedFunctions() async throws -> [FunctionRecord] {
        let rows = try await writer.read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT account_id, region, name, stamp, document FROM function WHERE provisioned_total > 0 ORDER BY account_id, region, name"
            ).map { row -> (FunctionKey, Int64, Data) in
                (FunctionKey(accountId: row["account_id"], region: row["region"], name: row["name"]), row["stamp"],
                 row["document"])
            }
        }
        return try rows.compactMap { key, stamp, data in try resolve(key, stamp: stamp, data: data) }
    }

    public func listFunctions(accountId: String, region: String, after marker: String?, limit: Int) async throws
        -> [FunctionRecord]
    {
        let rows = try await writer.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT name, stamp, document FROM function WHERE account_id = ? AND region = ? AND name > ?
                    ORDER BY name LIMIT ?
                    """,
                arguments: [accountId, region, marker ?? "", limit]
            ).map { row -> (String, Int64, Data) in (row["name"], row["stamp"], row["document"]) }
        }
        return try rows.compactMap { name, stamp, data in
            try resolve(FunctionKey(accountId: accountId, region: region, name: name), stamp: stamp, data: data)
        }
    }

    public func accountUsage(accountId: String, region: String) async throws -> AccountUsage {
        let key = "\(accountId)/\(region)"
        if let cached = usageCache.withLock({ $0[key] }) { return cached }
        let usage = try await writer.read { db in try Self.usage(db, accountId, region, excluding: nil) }
        usageCache.withLock { $0[key] = usage }
        return usage
    }

    static func usage(_ db: Database, _ accountId: String, _ region: String, excluding name: String?) throws
        -> AccountUsage
    {
        let row = try Row.fetchOne(
            db,
            sql: """
                SELECT COUNT(*) AS n, COALESCE(SUM(total_code_size), 0) AS code,
                    COALESCE(SUM(reserved_concurrency), 0) AS reserved,
                    COALESCE(SUM(provisioned_concurrency), 0) AS provisioned
                FROM function WHERE account_id = ? AND region = ? AND name IS NOT ?
                """,
            arguments: [accountId, region, name])!
        return AccountUsage(
            functionCount: row["n"], totalCodeSize: row["code"], reservedConcurrency: row["reserved"],
            provisionedConcurrency: row["provisioned"])
    }
}

extension SQLiteStore: EventSourceMappingStore {
    public func mapping(uuid: String) async throws -> EventSourceMappingRecord? {
        let data = try await writer.read { db in
            try Data.fetchOne(db, sql: "SELECT document FROM event_source_mapping WHERE uuid = ?", arguments: [uuid])
        }
        return try data.map { try decode(EventSourceMappingRecord.self, $0) }
    }

    public func updateMapping<T: Sendable>(
        uuid: String, _ body: @Sendable (inout EventSourceMappingRecord?) throws -> T
    ) async throws -> T {
        try await writer.write { db in
            let data = try Data.fetchOne(
                db, sql: "SELECT document FROM event_source_mapping WHERE uuid = ?", arguments: [uuid])
            var record = try data.map { try self.decode(EventSourceMappingRecord.self, $0) }
            let result = try body(&record)
            if let record {
                try db.execute(
                    sql: """
                        INSERT INTO event_source_mapping (uuid, account_id, region, document) VALUES (?, ?, ?, ?)
                        ON CONFLICT (uuid) DO UPDATE SET document = excluded.document
                        """,
                    arguments: [uuid, record.accountId, record.region, try self.encode(record)])
            } else if data != nil {
                try db.execute(sql: "DELETE FROM event_source_mapping WHERE uuid = ?", arguments: [uuid])
            }
            return result
        }
    }

    public func listMappings(accountId: String, region: String, after marker: String?, limit: Int) async throws
        -> [EventSourceMappingRecord]
    {
        let rows = try await writer.read { db in
            try Data.fetchAll(
                db,
                sql: """
                    SELECT document FROM event_source_mapping WHERE account_id = ? AND region = ? AND uuid > ?
                    ORDER BY uuid LIMIT ?
                    """,
                arguments: [accountId, region, marker ?? "", limit])
        }
        return try rows.map { try decode(EventSourceMappingRecord.self, $0) }
    }
}
