import NimbusModel
import Synchronization

/// Decoded function documents keyed by function and the row's write stamp. A reader that sees the same
/// stamp in the database reuses the decoded value instead of decoding the JSON again; any write (from this
/// process or another) renews the stamp, so a stale entry is never returned. Bounded; cleared when full.
final class RecordCache: Sendable {
    private let entries = Mutex<[FunctionKey: (stamp: Int64, record: FunctionRecord)]>([:])
    private let capacity: Int

    init(capacity: Int = 4096) { self.capacity = capacity }

    /// The record cached for exactly this stamp.
    func record(_ key: FunctionKey, stamp: Int64) -> FunctionRecord? {
        entries.withLock { entries in
            guard let entry = entries[key], entry.stamp == stamp else { return nil }
            return entry.record
        }
    }

    /// Remembers a decoded record.
    func store(_ record: FunctionRecord, key: FunctionKey, stamp: Int64) {
        entries.withLock { entries in
            if entries.count >= capacity, entries[key] == nil { entries.removeAll(keepingCapacity: true) }
            entries[key] = (stamp, record)
        }
    }
}
