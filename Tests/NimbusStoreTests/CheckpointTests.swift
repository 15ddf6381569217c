import Foundation
import NimbusStore
import Testing

@Suite struct CheckpointTests {
    @Test("With automatic checkpoints off the WAL keeps growing past 1,000 pages; checkpoint() copies all of it")
    func checkpointsOnTheirOwnConnection() async throws {
        let scratch = try ScratchDirectory("wal")
        defer { scratch.remove() }
        let store = try SQLiteStore(path: scratch.path("nimbus.db"))
        try await store.setAutomaticCheckpoints(false)
        for index in 0..<700 {
            let event = AsyncEvent(
                requestId: "r\(index)", accountId: "111122223333", region: "us-east-1", functionName: "f",
                qualifier: nil, payload: Array(#"{"n":1}"#.utf8))
            try await store.enqueue(event, claimed: false)
        }
        let first = try await store.checkpoint()
        #expect(first.walPages > 1_000)  // no write checkpointed by itself
        #expect(first.copied == first.walPages)
        // Nothing new was written: the next checkpoint finds the WAL fully copied.
        let second = try await store.checkpoint()
        #expect(second.copied == second.walPages)

        try await store.setAutomaticCheckpoints(true)
        try await store.enqueue(
            AsyncEvent(
                requestId: "after", accountId: "111122223333", region: "us-east-1", functionName: "f",
                qualifier: nil, payload: Array("{}".utf8)), claimed: false)
        #expect(try await store.checkpoint().walPages < first.walPages)  // the WAL restarted from its beginning
        #expect(try await store.claimEvents(limit: 1_000, now: Date().timeIntervalSince1970).events.count == 701)
    }
}
