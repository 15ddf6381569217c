import Foundation
import NimbusModel
import NimbusStore
import Testing

@Suite struct SQLiteStoreTests {
    static func record(_ name: String, account: String = "111122223333", codeSize: Int = 10) -> FunctionRecord {
        let version = VersionRecord(
            version: "$LATEST", runtime: "python3.12", role: "arn:aws:iam::111122223333:role/r", handler: "a.h",
            description: "", timeout: 3, memorySize: 128, environment: nil, architectures: ["x86_64"],
            ephemeralStorage: 512, tracingMode: "PassThrough", deadLetterTargetArn: nil, kmsKeyArn: nil, layers: nil,
            vpcConfig: nil, fileSystemConfigs: nil, loggingConfig: ["LogFormat": "Text"], snapStartApplyOn: "None",
            packageType: "Zip", code: CodeReference(sha256Hex: "ab", codeSha256: "q=", codeSize: codeSize),
            lastModified: Date(timeIntervalSince1970: 1_700_000_000.123), revisionId: "r1", state: "Active",
            lastUpdateStatus: "Successful")
        return FunctionRecord(accountId: account, region: "us-east-1", name: name, latest: version, tags: ["k": "v"])
    }

    @Test("A function written in one transaction reads back identically, and nil deletes it")
    func roundTrip() async throws {
        let store = try SQLiteStore.inMemory()
        let key = FunctionKey(accountId: "111122223333", region: "us-east-1", name: "f")
        try await store.updateFunction(key, withUsage: false) { record, _ in record = Self.record("f") }
        let read = try #require(try await store.function(key))
        #expect(read.latest.revisionId == "r1")
        #expect(read.tags == ["k": "v"])
        #expect(read.latest.lastModified == Date(timeIntervalSince1970: 1_700_000_000.123))
        try await store.updateFunction(key, withUsage: false) { record, _ in record = nil }
        #expect(try await store.function(key) == nil)
    }

    @Test("A throwing body leaves the stored function untouched")
    func rollback() async throws {
        struct Boom: Error {}
        let store = try SQLiteStore.inMemory()
        let key = FunctionKey(accountId: "111122223333", region: "us-east-1", name: "f")
        try await store.updateFunction(key, withUsage: false) { record, _ in record = Self.record("f") }
        await #expect(throws: Boom.self) {
            try await store.updateFunction(key, withUsage: false) { record, _ in
                record?.latest.revisionId = "changed"
                throw Boom()
            }
        }
        #expect(try await store.function(key)?.latest.revisionId == "r1")
    }

    @Test("Listing is by name, strictly after the marker, per account; usage sums code and concurrency")
    func listAndUsage() async throws {
        let store = try SQLiteStore.inMemory()
        for name in ["c", "a", "b"] {
            let key = FunctionKey(accountId: "111122223333", region: "us-east-1", name: name)
            try await store.updateFunction(key, withUsage: false) { record, _ in
                var function = Self.record(name, codeSize: 100)
                function.reservedConcurrency = name == "b" ? 7 : nil
                record = function
            }
        }
        let other = FunctionKey(accountId: "999988887777", region: "us-east-1", name: "z")
        try await store.updateFunction(other, withUsage: false) { record, _ in
            record = Self.record("z", account: "999988887777")
        }
        let page = try await store.listFunctions(accountId: "111122223333", region: "us-east-1", after: "a", limit: 10)
        #expect(page.map(\.name) == ["b", "c"])
        let usage = try await store.accountUsage(accountId: "111122223333", region: "us-east-1")
        #expect(usage == AccountUsage(functionCount: 3, totalCodeSize: 300, reservedConcurrency: 7, provisionedConcurrency: 0))
        let excluding = try await store.updateFunction(
            FunctionKey(accountId: "111122223333", region: "us-east-1", name: "b"), withUsage: true
        ) { _, usage in usage }
        #expect(excluding?.reservedConcurrency == 0)
    }

    @Test("Account totals are cached between writes and refreshed by every write")
    func usageCache() async throws {
        let store = try SQLiteStore.inMemory()
        let key = FunctionKey(accountId: "111122223333", region: "us-east-1", name: "f")
        try await store.updateFunction(key, withUsage: false) { record, _ in record = Self.record("f", codeSize: 10) }
        #expect(try await store.accountUsage(accountId: "111122223333", region: "us-east-1").totalCodeSize == 10)
        try await store.updateFunction(key, withUsage: false) { record, _ in record?.reservedConcurrency = 5 }
        #expect(try await store.accountUsage(accountId: "111122223333", region: "us-east-1").reservedConcurrency == 5)
        try await store.updateFunction(key, withUsage: false) { record, _ in record = nil }
        #expect(try await store.accountUsage(accountId: "111122223333", region: "us-east-1").functionCount == 0)
    }

    @Test("Accounts get unique names and ids, and their keys resolve")
    func accounts() async throws {
        let store = try SQLiteStore.inMemory()
        let (account, key) = try await store.createAccount(name: "alice", accountId: "123456789012")
        #expect(account.accountId == "123456789012")
        #expect(key.accessKeyId.hasPrefix("AKIA") && key.accessKeyId.count == 20)
        #expect(key.secretAccessKey.count == 40)
        #expect(try await store.accessKey(id: key.accessKeyId) == key)
        #expect(try await store.accessKey(id: "AKIANOPE") == nil)
        await #expect(throws: StoreError.self) { try await store.createAccount(name: "alice", accountId: nil) }
        await #expect(throws: StoreError.self) { try await store.createAccount(name: "bob", accountId: "123456789012") }
        await #expect(throws: StoreError.self) { try await store.createAccount(name: "carol", accountId: "12") }
        #expect(try await store.accounts().map(\.name) == ["alice"])
    }

    @Test("A file database keeps everything across reopening")
    func persistence() async throws {
        let scratch = try ScratchDirectory("nimbus-store")
        defer { scratch.remove() }
        let path = scratch.path("db.sqlite")
        let key = FunctionKey(accountId: "111122223333", region: "us-east-1", name: "f")
        do {
            let store = try SQLiteStore(path: path)
            _ = try await store.createAccount(name: "alice", accountId: nil)
            try await store.updateFunction(key, withUsage: false) { record, _ in record = Self.record("f") }
        }
        let reopened = try SQLiteStore(path: path)
        #expect(try await reopened.accounts().count == 1)
        #expect(try await reopened.function(key)?.name == "f")
    }
}
