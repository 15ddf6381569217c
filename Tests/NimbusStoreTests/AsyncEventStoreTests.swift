import Foundation
import GRDB
@testable import NimbusStore
import Testing

@Suite struct AsyncEventStoreTests {
    static func event(_ id: String, notBefore: Double = 0) -> AsyncEvent {
        AsyncEvent(
            requestId: id, accountId: "111122223333", region: "us-east-1", functionName: "f", qualifier: nil,
            payload: Array(#"{"id":"\#(id)"}"#.utf8), createdAt: 1_000, notBefore: notBefore)
    }

    @Test("Due events are claimed once, oldest first; released claims and reschedules make them due again")
    func claimsAreExclusiveAndOrdered() async throws {
        let scratch = try ScratchDirectory("events")
        defer { scratch.remove() }
        let store = try SQLiteStore(path: scratch.path("nimbus.db"))
        for id in ["a", "b", "c"] { try await store.enqueue(Self.event(id), claimed: false) }
        try await store.enqueue(Self.event("later", notBefore: 5_000), claimed: false)

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
        try await store.completeEvent(first[0])
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

    @Test("Events stored before the v8 migration keep their order, attempts and payload, and stay claimable")
    func migrationKeepsEvents() async throws {
        let scratch = try ScratchDirectory("events")
        defer { scratch.remove() }
        let path = scratch.path("nimbus.db")
        do {
            let old = try DatabaseQueue(path: path)
            try SQLiteStore.migrator.migrate(old, upTo: "v7-fifo-queues")
            try await old.write { db in
                for (seq, id) in [(7, "x"), (9, "y")] {
                    try db.execute(
                        sql: """
                            INSERT INTO async_event (seq, request_id, account_id, region, function_name, payload, created_at,
                                failed_attempts) VALUES (?, ?, '111122223333', 'us-east-1', 'f', ?, 1000, 1)
                            """, arguments: [seq, id, Data("{}".utf8)])
                }
            }
        }
        let store = try SQLiteStore(path: path)
        let claim = try await store.claimEvents(limit: 10, now: 2_000)
        #expect(claim.events.map(\.requestId) == ["x", "y"])
        #expect(claim.events.map(\.seq) == [7, 9])
        #expect(claim.events.allSatisfy { $0.failedAttempts == 1 && $0.payload == Array("{}".utf8) })
        let next = try await store.enqueue(Self.event("z"), claimed: false)
        #expect(next.seq == 10)
    }

    @Test("An event stored claimed (handed to the runner in memory) is not claimed again until claims are released")
    func eventsStoredClaimed() async throws {
        let scratch = try ScratchDirectory("events")
        defer { scratch.remove() }
        let store = try SQLiteStore(path: scratch.path("nimbus.db"))
        var fresh = Self.event("handed")
        fresh.createdAt = 0
        let handed = try await store.enqueue(fresh, claimed: true)
        let queued = try await store.enqueue(Self.event("queued"), claimed: false)
        #expect(handed.seq > 0 && queued.seq > handed.seq)
        #expect(handed.createdAt > 1_000)  // set to now when the caller left it 0

        let claim = try await store.claimEvents(limit: 10, now: 2_000)
        #expect(claim.events.map(\.requestId) == ["queued"])
        #expect(claim.events[0] == queued)

        // A killed process's handed-over event becomes claimable at the next start; a completed one is gone.
        try await store.completeEvent(queued)
        try await store.releaseClaims()
        let again = try await store.claimEvents(limit: 10, now: Date().timeIntervalSince1970)
        #expect(again.events == [handed])
    }
}
