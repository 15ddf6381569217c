import Dispatch
import HTTPTypes
import NIOCore
import NIOPosix
import Testing

@testable import NimbusHTTP

@Suite struct EventLoopExecutorTests {
    @Test("A task that prefers a loop's executor runs on that loop, also after being resumed from another thread")
    func jobsRunOnTheLoop() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let executor = EventLoopExecutor(loop)
        let seen = await Task(executorPreference: executor) { () async -> [Bool] in
            var seen = [loop.inEventLoop]
            await withCheckedContinuation { continuation in
                DispatchQueue.global().async { continuation.resume() }
            }
            seen.append(loop.inEventLoop)
            return seen
        }.value
        let elsewhere = await Task { loop.inEventLoop }.value
        #expect(seen == [true, true])
        #expect(!elsewhere)
        try await group.shutdownGracefully()
    }

    @Test("Only Invoke is answered on the event loop; code uploads and the rest run on the pool")
    func onlyInvokeRunsOnTheLoop() {
        #expect(APIChannelHandler.answersOnLoop(method: .post, path: "/2015-03-31/functions/f/invocations"))
        #expect(APIChannelHandler.answersOnLoop(method: .post, path: "/2015-03-31/functions/f/invocations?Qualifier=1"))
        #expect(!APIChannelHandler.answersOnLoop(method: .post, path: "/2015-03-31/functions"))
        #expect(!APIChannelHandler.answersOnLoop(method: .put, path: "/2015-03-31/functions/f/code"))
        #expect(!APIChannelHandler.answersOnLoop(method: .get, path: "/2015-03-31/functions/f/configuration"))
        #expect(!APIChannelHandler.answersOnLoop(method: .post, path: "/"))
    }
}
