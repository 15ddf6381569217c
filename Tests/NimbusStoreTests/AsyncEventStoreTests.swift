import Foundation
import NimbusStore
import Testing

@Suite struct AsyncEventStoreTests {
    static func event(_ id: String, notBefore: Double = 0) -> AsyncEvent {
        AsyncEvent(
            requestId: id, accountId: "111122223333", region: "us-east-1", functionName: "f", qualifier: nil,
            payload: Array(#"{"id":"\#(id)"}"#.utf8), createdAt: 1_000, notBefore: notBefore)
    }

    @Test("Due events are claimed once, oldest first; released claims and reschedules make them due again")
    func claimsAreExclusiveAndOrdered() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("events-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try SQLiteStore(path: directory.appendingPathComponent("nimbus.db").path)
        for id in ["a", "b", "c"] { try await store.enqueue(Self.event(id)) }
        try await store.enqueue(Self.event("later", notBefore: 5_000))

        let first = try await store.claimEvents(limit: 2, now: 2_000).events
        #expect(first.map(\.requestId) == ["a", "b"])
        #expect(first[0].payload == Array(#"{"id":"a"}"#.utf8))
        let second = try await store.claimEvents(limit: 10, now: 2_000)
        #expect(second.events.map(\.requestId) == ["c"])
        #expect(second.nextDue == 5_000)  // fewer than asked for: the claim says when the next one is due
        let none = try await store.claimEvents(limit: 10, now: 2_000)
        #expect(none.events.isEmpty && none.nextDue == 5_000)
        #expect(try await store.nextEventDue() == 5_000)

        var retry = first[1]
        retry.failedAttempts = 1
        retry.notBefore = 3_000
        try await store.rescheduleEvent(retry)
        try await store.completeEvent(requestId: "a")
        #expect(try await store.nextEventDue() == 3_000)
        let due = try await store.claimEvents(limit: 10, now: 6_000)
        #expect(due.events.map(\.requestId) == ["b", "later"])
        #expect(due.events[0].failedAttempts == 1)
        #expect(due.nextDue == nil)  // nothing unclaimed is left

        try await store.releaseClaims()
        let all = try await store.claimEvents(limit: 3, now: 6_000)
        #expect(all.events.map(\.requestId) == ["b", "c", "later"])
        #expect(all.nextDue == nil)  // as many as asked for: the next due time is not looked up
    }
}
