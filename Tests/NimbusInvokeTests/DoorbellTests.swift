import Testing

@testable import NimbusInvoke

struct DoorbellTests {
    @Test("A wait ended by a ring leaves the bell quiet, so the next wait blocks (no spinning loop)")
    func ringThenQuiet() async {
        let bell = Doorbell()
        bell.ring()
        #expect(bell.isRung)
        await bell.wait(timeout: .seconds(30))  // returns at once: the ring came before the wait
        #expect(!bell.isRung)
        let waiter = Task { await bell.wait(timeout: .seconds(30)) }
        try? await Task.sleep(for: .milliseconds(20))
        bell.ring()  // wakes the waiter; its cancelled timer must not ring again
        await waiter.value
        #expect(!bell.isRung)
    }

    @Test("Timeouts hold whether or not an earlier wait's timer is still pending", .timeLimit(.minutes(1)))
    func sharedTimers() async {
        let bell = Doorbell()
        let clock = ContinuousClock()
        // A long wait ended by a ring leaves its timer pending; a short wait after it still times out on time.
        let long = Task { await bell.wait(timeout: .seconds(3600)) }
        try? await Task.sleep(for: .milliseconds(20))
        bell.ring()
        await long.value
        let short = await clock.measure { await bell.wait(timeout: .milliseconds(30)) }
        #expect(short >= .milliseconds(30) && short < .seconds(30))
        // A wait that ends after the pending timer fires is carried over to a new one.
        let first = Task { await bell.wait(timeout: .milliseconds(50)) }
        try? await Task.sleep(for: .milliseconds(5))
        bell.ring()
        await first.value
        let later = await clock.measure { await bell.wait(timeout: .milliseconds(150)) }
        #expect(later >= .milliseconds(150) && later < .seconds(30))
        #expect(!bell.isRung)
    }

    @Test("A wait that times out returns and leaves nothing pending")
    func timeout() async {
        let bell = Doorbell()
        await bell.wait(timeout: .milliseconds(10))
        #expect(!bell.isRung)
    }
}

struct DoorbellCancellationTests {
    @Test("Cancelling the waiting task ends the wait (services stop on shutdown)", .timeLimit(.minutes(1)))
    func cancelled() async {
        let bell = Doorbell()
        let waiter = Task { await bell.wait(timeout: .seconds(3600)) }
        try? await Task.sleep(for: .milliseconds(20))
        waiter.cancel()
        await waiter.value
        #expect(!bell.isRung)
        let early = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            await bell.wait(timeout: .seconds(3600))  // already cancelled: returns at once
        }
        await early.value
    }
}
