import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1
import NIOPosix
import ServiceLifecycle
import Synchronization

/// The public HTTP listener, written on NIO directly: each request is read whole on its event loop, answered
/// by `APIResponder` in one task, and written back in one flush. Hummingbird's server (a request stream per
/// connection, the body as an async sequence, the response through an async writer) cost ≈ 0.1 ms of CPU and
/// two thread hand-offs per request more than this (docs/benchmarks.md); its `Request` and `Response` types
/// are still what the responder speaks.
public struct APIServer: Service {
    let responder: APIResponder
    let host: String
    let port: Int
    let logger: Logger
    let onRunning: @Sendable (Int) async -> Void

    /// Creates the listener; `onRunning` receives the bound port (0 asks for a free one).
    public init(
        responder: APIResponder, host: String, port: Int, logger: Logger,
        onRunning: @escaping @Sendable (Int) async -> Void
    ) {
        self.responder = responder
        self.host = host
        self.port = port
        self.logger = logger
        self.onRunning = onRunning
    }

    /// Serves until graceful shutdown (or cancellation), then stops accepting and lets requests already
    /// being answered finish (for at most `drainTimeout`).
    public func run() async throws {
        let inFlight = InFlight()
        let responder = self.responder
        let logger = self.logger
        let listener = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    try pipeline.configureHTTPServerPipeline(withErrorHandling: true)
                    try pipeline.addHandler(HTTP1ToHTTPServerCodec(secure: false))
                    try pipeline.addHandler(
                        APIChannelHandler(responder: responder, logger: logger, inFlight: inFlight))
                }
            }
            .bind(host: host, port: port).get()
        await onRunning(listener.localAddress?.port ?? 0)
        try? await gracefulShutdown()
        try? await listener.close()
        await inFlight.drain(timeout: Self.drainTimeout)
    }

    /// How long shutdown waits for requests being answered.
    static let drainTimeout: Duration = .seconds(5)
}

/// Counts requests being answered, so shutdown can wait for them.
final class InFlight: Sendable {
    private let count = Atomic<Int>(0)

    func enter() { count.add(1, ordering: .relaxed) }
    func leave() { count.subtract(1, ordering: .relaxed) }

    func drain(timeout: Duration) async {
        let deadline = ContinuousClock.now + timeout
        while count.load(ordering: .relaxed) > 0, ContinuousClock.now < deadline, !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(10))
        }
    }
}

/// One connection: the request's head and body are gathered on the event loop, then answered in one task.
/// `HTTPServerPipelineHandler` before it holds pipelined requests back until each response has ended.
final class APIChannelHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPRequestPart
    typealias OutboundOut = HTTPResponsePart

    /// How much of a request's body is kept, one byte more than its operation takes at most, so that the
    /// responder still sees that a longer body is too large: 70 MB for code uploads (CreateFunction,
    /// UpdateFunctionCode), SQS's 8 MB for everything else (Invoke takes 6 MB, the rest 1 MB). Told from
    /// the request line alone, without the route table, since it runs on every request.
    static func bodyCap(method: HTTPRequest.Method, path: String) -> Int {
        var path = path.prefix { $0 != "?" }
        if path.hasSuffix("/") { path = path.dropLast() }
        let upload = (method == .post && path.hasSuffix("/functions")) || (method == .put && path.hasSuffix("/code"))
        return (upload ? Operation.createFunction.bodyLimit : SQSResponder.bodyLimit) + 1
    }

    let responder: APIResponder
    let logger: Logger
    let inFlight: InFlight
    // Touched on the channel's event loop only.
    private var head: HTTPRequest?
    private var body: ByteBuffer?
    private var cap = 0
    private var executor: EventLoopExecutor?

    init(responder: APIResponder, logger: Logger, inFlight: InFlight) {
        self.responder = responder
        self.logger = logger
        self.inFlight = inFlight
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body = nil
            cap = Self.bodyCap(method: head.method, path: head.path ?? "/")
        case .body(var chunk):
            let kept = body?.readableBytes ?? 0
            guard kept < cap else { return }
            chunk.moveWriterIndex(to: chunk.readerIndex + min(chunk.readableBytes, cap - kept))
            if body == nil { body = chunk } else { body!.writeBuffer(&chunk) }
        case .end:
            guard let head else { return }
            self.head = nil
            let request = Request(head: head, body: RequestBody(buffer: body.take() ?? ByteBuffer()))
            answer(request, keepAlive: head.headerFields[.connection]?.lowercased() != "close", context: context)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    /// Invoke is answered on the event loop that read it (`EventLoopExecutor`): a warm invocation then
    /// crosses threads twice fewer (5 context switches per warm invoke instead of 8, ≈ 15 % less CPU).
    /// Its blocking parts are short (the Event row's insert, the function log's append); starting and
    /// tearing down a sandbox run on the global pool (`Invoker.offLoop`). Everything else, code uploads
    /// above all, runs on the pool.
    static func answersOnLoop(method: HTTPRequest.Method, path: String) -> Bool {
        method == .post && path.prefix { $0 != "?" }.hasSuffix("/invocations")
    }

    private func loopExecutor(_ loop: any EventLoop) -> EventLoopExecutor {
        if let executor { return executor }
        let made = EventLoopExecutor(loop)
        executor = made
        return made
    }

    private func answer(_ request: Request, keepAlive: Bool, context: ChannelHandlerContext) {
        let channel = context.channel
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        let (responder, logger, inFlight) = (self.responder, self.logger, self.inFlight)
        inFlight.enter()
        let onLoop = Self.answersOnLoop(method: request.method, path: request.uri.path)
        Task(executorPreference: onLoop ? loopExecutor(context.eventLoop) : nil) {
            defer { inFlight.leave() }
            let (head, buffers) = await Self.respond(to: request, responder, channel: channel, logger: logger)
            channel.eventLoop.execute {
                let context = bound.value
                context.write(NIOAny(HTTPResponsePart.head(head)), promise: nil)
                for buffer in buffers { context.write(NIOAny(HTTPResponsePart.body(buffer)), promise: nil) }
                let done = context.eventLoop.makePromise(of: Void.self)
                context.writeAndFlush(NIOAny(HTTPResponsePart.end(nil)), promise: done)
                if !keepAlive { done.futureResult.whenComplete { _ in channel.close(promise: nil) } }
            }
        }
    }

    /// The responder's answer with its body gathered, `Date`, `Server` and `Content-Length` set.
    private static func respond(
        to request: Request, _ responder: APIResponder, channel: any Channel, logger: Logger
    ) async -> (HTTPResponse, [ByteBuffer]) {
        var response: Response
        do {
            response = try await responder.respond(
                to: request, context: BasicRequestContext(source: .init(channel: channel, logger: logger)))
        } catch {
            response = Response(status: .internalServerError)
        }
        let collector = BodyCollector()
        do {
            try await response.body.write(CollectingWriter(collector: collector))
        } catch {
            logger.error("response body failed", metadata: ["nimbus.error": .string(String(describing: error))])
            collector.buffers = []
        }
        var head = response.head
        head.headerFields[.date] = HTTPDate.now()
        head.headerFields[.server] = "nimbus"
        if head.status != .noContent, head.status != .notModified {
            head.headerFields[.contentLength] = String(collector.buffers.reduce(0) { $0 + $1.readableBytes })
        }
        return (head, collector.buffers)
    }
}

/// Where a response body's buffers are gathered (one task writes them).
final class BodyCollector: @unchecked Sendable {
    var buffers: [ByteBuffer] = []
}

/// A `ResponseBodyWriter` that keeps the buffers instead of writing them to a channel.
struct CollectingWriter: ResponseBodyWriter {
    let collector: BodyCollector

    mutating func write(_ buffer: ByteBuffer) async throws { collector.buffers.append(buffer) }

    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {}
}

/// The `Date` header's text (RFC 9110 IMF-fixdate), formatted at most once a second.
enum HTTPDate {
    private static let cache = Mutex<(second: Int, text: String)>((-1, ""))
    private static let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    static func now() -> String {
        var seconds = time(nil)
        return cache.withLock { cache in
            if cache.second == seconds { return cache.text }
            cache = (seconds, format(&seconds))
            return cache.text
        }
    }

    static func format(_ seconds: inout time_t) -> String {
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(parts.tm_year + 1900) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT"
    }
}
