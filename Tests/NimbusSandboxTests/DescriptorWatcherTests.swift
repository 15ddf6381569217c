import Foundation
import Synchronization
import Testing

@testable import NimbusSandbox

/// The watcher that replaced libdispatch read sources, and the sandbox output built on it.
@Suite struct DescriptorWatcherTests {
    /// A pipe as (read end, write end).
    static func makePipe() -> (Int32, Int32) {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        return (fds[0], fds[1])
    }

    /// Polls `condition` for up to two seconds.
    static func eventually(_ condition: () -> Bool) -> Bool {
        for _ in 0..<2000 where !condition() { usleep(1000) }
        return condition()
    }

    @Test func aHandlerRunsWhenItsDescriptorTurnsReadableAndNotAfterUnwatch() throws {
        let (reader, writer) = Self.makePipe()
        defer { close(writer) }
        let calls = Mutex(0)
        let token = try #require(DescriptorWatcher.shared.watch(reader) {
            var byte: UInt8 = 0
            _ = read(reader, &byte, 1)
            calls.withLock { $0 += 1 }
            return true
        })
        var one: UInt8 = 1
        _ = write(writer, &one, 1)
        #expect(Self.eventually { calls.withLock { $0 } == 1 })
        DescriptorWatcher.shared.unwatch(token)
        _ = write(writer, &one, 1)  // readable again, but no longer watched
        usleep(20_000)
        #expect(calls.withLock { $0 } == 1)
        close(reader)
    }

    @Test func onceMeansOneCallAndAFalseAnswerEndsTheRegistration() throws {
        let (reader, writer) = Self.makePipe()
        defer { close(reader); close(writer) }
        let onceCalls = Mutex(0)
        let before = DescriptorWatcher.shared.count
        _ = try #require(DescriptorWatcher.shared.watch(reader, once: true) {
            onceCalls.withLock { $0 += 1 }
            return true
        })
        var bytes: [UInt8] = [1, 2, 3]
        _ = write(writer, &bytes, 3)  // stays readable: level-triggered, yet reported once
        #expect(Self.eventually { onceCalls.withLock { $0 } == 1 })
        #expect(Self.eventually { DescriptorWatcher.shared.count <= before })
        usleep(20_000)
        #expect(onceCalls.withLock { $0 } == 1)

        let declined = Mutex(0)
        _ = try #require(DescriptorWatcher.shared.watch(reader) {
            declined.withLock { $0 += 1 }
            return false
        })
        #expect(Self.eventually { declined.withLock { $0 } == 1 })
        usleep(20_000)
        #expect(declined.withLock { $0 } == 1)
    }

    /// The churn that crashes libdispatch's read sources on Linux (a standalone loop of read sources doing
    /// this died within 160,000 rounds on these machines): many threads at once watch fresh pipes, and each
    /// registration ends after its event, or after its writer hung up, or at once, racing the event, while
    /// descriptor numbers are reused. `NIMBUS_WATCH_ROUNDS` sets the rounds per thread.
    @Test func concurrentWatchAndTeardownOfReusedDescriptorsIsSafe() async {
        let rounds = ProcessInfo.processInfo.environment["NIMBUS_WATCH_ROUNDS"].flatMap(Int.init) ?? 400
        let (woken, waited) = await withTaskGroup(of: (Int, Int).self) { group in
            for _ in 0..<8 {
                group.addTask {
                    var (woken, waited) = (0, 0)
                    for round in 0..<rounds {
                        let (reader, writer) = Self.makePipe()
                        let seen = Flag()
                        let token = DescriptorWatcher.shared.watch(reader) {
                            seen.set()
                            return false
                        }
                        var byte: UInt8 = 7
                        _ = write(writer, &byte, 1)
                        switch round % 3 {
                        case 0:
                            waited += 1
                            if Self.eventually({ seen.isSet }) { woken += 1 }
                        case 1: close(writer)  // hung up before the registration ends
                        default: break  // ends at once, racing the event
                        }
                        if let token { DescriptorWatcher.shared.unwatch(token) }
                        close(reader)
                        if round % 3 != 1 { close(writer) }
                    }
                    return (woken, waited)
                }
            }
            return await group.reduce((0, 0)) { ($0.0 + $1.0, $0.1 + $1.1) }
        }
        #expect(woken == waited && waited > 0)
    }

    final class Flag: Sendable {
        private let value = Mutex(false)
        func set() { value.withLock { $0 = true } }
        var isSet: Bool { value.withLock { $0 } }
    }

    @Test func outputIsCollectedAndAClosedOutputNeverReadsAReusedDescriptor() throws {
        let (reader, writer) = Self.makePipe()
        let output = SandboxOutput(fd: reader)
        let line = Array("hello from the runtime\n".utf8)
        _ = line.withUnsafeBytes { write(writer, $0.baseAddress, $0.count) }
        var collected: [UInt8] = []
        #expect(Self.eventually {
            collected += output.take()
            return collected == line
        })
        output.close()
        close(writer)
        // The closed read end's number is free, and the next pipe is likely to get it.
        let (next, nextWriter) = Self.makePipe()
        defer { close(next); close(nextWriter) }
        var marker: [UInt8] = [42]
        _ = write(nextWriter, &marker, 1)
        #expect(output.take() == [])
        var got: UInt8 = 0
        #expect(read(next, &got, 1) == 1 && got == 42, "the new pipe's byte is still there")
    }
}
