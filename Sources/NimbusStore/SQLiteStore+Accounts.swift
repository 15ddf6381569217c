import Foundation
import GRDB
import NimbusModel

extension SQLiteStore: AccountStore, SettingsStore {
    public func createAccount(name: String, accountId: String?) async throws -> (Account, AccessKey) {
        if let accountId, !Pattern.accountId.matches(accountId) {
            throw StoreError(kind: .invalidAccountId, message: "account id must be 12 digits: \(accountId)")
        }
        return try await writer.write { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM account WHERE name = ?", arguments: [name]) == true {
                throw StoreError(kind: .duplicateAccountName, message: "an account named \(name) already exists")
            }
            var id = accountId ?? Self.randomAccountId()
            while try Bool.fetchOne(db, sql: "SELECT 1 FROM account WHERE account_id = ?", arguments: [id]) == true {
                if accountId != nil {
                    throw StoreError(kind: .duplicateAccountId, message: "account \(id) already exists")
                }
                id = Self.randomAccountId()
            }
            let now = Date()
            let account = Account(accountId: id, name: name, createdAt: now)
            let key = AccessKey(
                accessKeyId: Self.randomAccessKeyId(), secretAccessKey: Self.randomSecret(), accountId: id)
            try db.execute(
                sql: "INSERT INTO account (account_id, name, created_at) VALUES (?, ?, ?)",
                arguments: [id, name, now.timeIntervalSince1970])
            try db.execute(
                sql: "INSERT INTO access_key (access_key_id, secret_access_key, account_id, created_at) VALUES (?, ?, ?, ?)",
                arguments: [key.accessKeyId, key.secretAccessKey, id, now.timeIntervalSince1970])
            return (account, key)
        }
    }

    public func accounts() async throws -> [Account] {
        try await writer.read { db in
            try Row.fetchAll(db, sql: "SELECT account_id, name, created_at FROM account ORDER BY created_at, name")
                .map { row in
                    Account(
                        accountId: row["account_id"], name: row["name"],
                        createdAt: Date(timeIntervalSince1970: row["created_at"]))
                }
        }
    }

    public func accessKey(id: String) async throws -> AccessKey? {
        try await writer.read { db in
            try Row.fetchOne(
                db.cachedStatement(sql: "SELECT secret_access_key, account_id FROM access_key WHERE access_key_id = ?"),
                arguments: [id]
            ).map { AccessKey(accessKeyId: id, secretAccessKey: $0["secret_access_key"], accountId: $0["account_id"]) }
        }
    }

    public func setting(_ key: String, orInsert make: @Sendable () -> [UInt8]) async throws -> [UInt8] {
        try await writer.write { db in
            if let data = try Data.fetchOne(db, sql: "SELECT value FROM setting WHERE key = ?", arguments: [key]) {
                return [UInt8](data)
            }
            let value = make()
            try db.execute(sql: "INSERT INTO setting (key, value) VALUES (?, ?)", arguments: [key, Data(value)])
            return value
        }
    }

    static func randomAccountId() -> String {
        String(Int.random(in: 100_000_000_000...999_999_999_999))
    }

    static func randomAccessKeyId() -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
        return "AKIA" + String((0..<16).map { _ in alphabet.randomElement()! })
    }

    static func randomSecret() -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
        var generator = SystemRandomNumberGenerator()
        return String((0..<40).map { _ in alphabet.randomElement(using: &generator)! })
    }
}
