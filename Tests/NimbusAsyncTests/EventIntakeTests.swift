import NimbusStore
import Synchronization
import Testing

@testable import NimbusAsync
@testable import NimbusInvoke

/// An in-memory stand-in for the store, recording how each event was stored.
final class RecordingEventStore: AsyncEventStore {
    struct Stored: Equatable {
        var requestId: String
        var claimed: Bool
    }

    let stored = Mutex<[Stored]>([])
    let failing = Mutex(false)

    func enqueue(_ event: AsyncEvent, claimed: Bool) async throws -> AsyncEvent {
        struct Refused: Error {}
        if failing.withLock({ $0 }) { throw Refused() }
        var copy = event
        copy.seq = stored.withLock { rows in
            rows.append(Stored(requestId: event.requestId, claimed: claimed))
            return Int64(rows.count)
        }
        return copy
    }

    func claimEvents(limit: Int, now: Double) async throws -> EventClaim { EventClaim(events: [], nextDue: nil) }
    func nextEventDue() async throws -> Double? { nil }
    func completeEvent(_ event: AsyncEvent) async throws {}
    func releaseClaims() async throws {}
    func rescheduleEvent(_ event: AsyncEvent) async throws {}
}

@Suite struct EventIntakeTests {
    static func event(_ id: String) -> AsyncEvent {
        AsyncEvent(
            requestId: id, accountId: "123456789012", region: "us-east-1", functionName: "f", qualifier: nil,
            payload: Array("{}".utf8))
    }

    @Test func eventsAreHandedOverWhileThereIsRoomAndLeftToTheStoreWhenFull() async throws {
        let store = RecordingEventStore()
        let intake = EventIntake(store: store, capacity: 2)
        #expect(intake.take().storeChanged)  // a new runner looks at the store once
        try await intake.submit(Self.event("a"))
        try await intake.submit(Self.event("b"))
        try await intake.submit(Self.event("c"))  // both places taken
        #expect(
            store.stored.withLock { $0 } == [
                .init(requestId: "a", claimed: true), .init(requestId: "b", claimed: true),
                .init(requestId: "c", claimed: false),
            ])
        let taken = intake.take()
        #expect(taken.events.map(\.requestId) == ["a", "b"])
        #expect(taken.events.map(\.seq) == [1, 2])  // handed over as stored, with their keys
        #expect(taken.storeChanged)  // "c" waits in the store
        #expect(intake.take().events.isEmpty && !intake.take().storeChanged)
        #expect(intake.reserve(upTo: 32) == 0)

        intake.finished()  // room frees while full: the runner is rung to claim "c"
        #expect(intake.doorbell.isRung)
        #expect(intake.take().storeChanged)
        #expect(intake.reserve(upTo: 32) == 1)
        intake.release(1)
        intake.finished()  // not full: nobody waits for this one
        #expect(!intake.take().storeChanged)
        #expect(intake.reserve(upTo: 32) == 2)
    }

    @Test func aFailedStoreGivesItsPlaceBack() async throws {
        let store = RecordingEventStore()
        let intake = EventIntake(store: store, capacity: 1)
        store.failing.withLock { $0 = true }
        await #expect(throws: (any Error).self) { try await intake.submit(Self.event("lost")) }
        #expect(intake.take().events.isEmpty)
        #expect(intake.reserve(upTo: 1) == 1)  // the place the failed submit took is free again
    }

    @Test func aRescheduleMakesTheRunnerLookAtTheStore() {
        let intake = EventIntake(store: RecordingEventStore(), capacity: 4)
        _ = intake.take()
        intake.storeChanged()
        #expect(intake.doorbell.isRung)
        #expect(intake.take().storeChanged)
    }
}
