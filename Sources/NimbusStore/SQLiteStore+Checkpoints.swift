import GRDB

extension SQLiteStore {
    /// SQLite's default page count at which the writing connection checkpoints by itself.
    static let automaticCheckpointPages = 1_000

    /// Whether the writer copies the WAL back into the database file itself, inside whichever write makes
    /// the WAL pass 1,000 pages (SQLite's default). That write then takes 13–18 ms on this machine's disk,
    /// fsyncs included. A server turns it off and calls `checkpoint()` from a service instead.
    public func setAutomaticCheckpoints(_ on: Bool) async throws {
        let pages = on ? Self.automaticCheckpointPages : 0
        try await writer.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_autocheckpoint = \(pages)") }
    }

    /// Copies the committed WAL pages back into the database file on a connection of its own, in SQLite's
    /// PASSIVE mode: it never waits for a writer or a reader, and runs on GRDB's queue for that connection,
    /// not on the caller's thread. Returns the WAL's size in pages and how many of them the database file
    /// now holds. The next write restarts the WAL from its beginning once all of it was copied.
    @discardableResult
    public func checkpoint() async throws -> (walPages: Int, copied: Int) {
        guard let checkpointer else { return (0, 0) }
        let (frames, copied) = try await checkpointer.writeWithoutTransaction { db in
            let result = try db.checkpoint(.passive)
            return (result.walFrameCount, result.checkpointedFrameCount)
        }
        return (frames, copied)
    }
}
