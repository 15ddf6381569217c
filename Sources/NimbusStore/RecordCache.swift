import NimbusModel
import Synchronization

/// Decoded function documents, two ways.
///
/// By write stamp: a reader that sees the same stamp in the database reuses the decoded value instead of
/// decoding the JSON again; any write renews the stamp, so a stale entry is never returned.
///
/// Current: the serving process is the only writer of functions (the account-usage cache already relies
/// on it), so the record a committed write leaves is the current one and reads are answered from memory
/// without a database round trip (the invoke path's hot read). A read fills this layer only if no write
/// happened while it ran (a generation counter), so it never re-inserts a value a write has replaced.
/// Both layers are bounded and cleared when full.
final class RecordCache: Sendable {
    private let entries = Mutex<[FunctionKey: (stamp: Int64, record: FunctionRecord)]>([:])
    private let current = Mutex<(generation: UInt64, records: [FunctionKey: FunctionRecord])>((0, [:]))
    private let capacity: Int

    init(capacity: Int = 4096) { self.capacity = capacity }

    /// The current record, when known without asking the database.
    func latest(_ key: FunctionKey) -> FunctionRecord? { current.withLock { $0.records[key] } }

    /// Taken before a database read whose result may fill the current layer.
    var generation: UInt64 { current.withLock { $0.generation } }

    /// A write committed (`record` nil: deleted) or failed (`committed` false: forget what is known).
    func written(_ key: FunctionKey, record: FunctionRecord?, committed: Bool) {
        current.withLock { state in
            state.generation &+= 1
            if committed, let record {
                if state.records.count >= capacity, state.records[key] == nil { state.records.removeAll(keepingCapacity: true) }
                state.records[key] = record
            } else {
                state.records[key] = nil
            }
        }
    }

    /// A read saw `record`; kept as current unless a write happened since `generation` was taken.
    func observed(_ key: FunctionKey, record: FunctionRecord, generation: UInt64) {
        current.withLock { state in
            guard state.generation == generation else { return }
            if state.records.count >= capacity, state.records[key] == nil { state.records.removeAll(keepingCapacity: true) }
            state.records[key] = record
        }
    }

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
