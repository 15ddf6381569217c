import Glibc
import NIOCore
import NIOHTTP1

/// Serves the Lambda Runtime API (`/2018-06-01/runtime/…`) of one sandbox on one connection,
/// backed by that sandbox's `RuntimeEndpoint`. Written straight on NIO: it is on every invocation's path.
final class RuntimeAPIHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let endpoint: RuntimeEndpoint
    private var head: HTTPRequestHead?
    private var body: ByteBuffer?
    private var tooLarge = false

    init(endpoint: RuntimeEndpoint) { self.endpoint = endpoint }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            self.body = nil
            self.tooLarge = false
        case .body(var chunk):
            if tooLarge { return }
            if (body?.readableBytes ?? 0) + chunk.readableBytes > RuntimeEndpoint.responseLimit {
                tooLarge = true
                body = nil
                return
            }
            if body == nil { body = chunk } else { body!.writeBuffer(&chunk) }
        case .end:
            guard let head else { return }
            self.head = nil
            route(context: context, head: head, body: body.map { Array($0.readableBytesView) } ?? [])
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        endpoint.nextCancelled()
        context.fireChannelInactive()
    }

    private static let prefix = "/2018-06-01/runtime/"

    private func route(context: ChannelHandlerContext, head: HTTPRequestHead, body: [UInt8]) {
        // Byte-wise splitting: this runs twice per invocation.
        let uri = head.uri.utf8
        let path = Substring(uri[..<(uri.firstIndex(of: UInt8(ascii: "?")) ?? uri.endIndex)])
        guard path.hasPrefix(Self.prefix) else {
            return reply(context, .notFound, error: "InvalidRequest", "Unknown path \(path)")
        }
        let rest = path.utf8.dropFirst(Self.prefix.utf8.count).split(separator: UInt8(ascii: "/"))
            .map { String(Substring($0)) }
        switch (head.method, rest.count, rest.first, rest.last) {
        case (.GET, 2, "invocation", "next"):
            let loop = context.eventLoop
            let bound = NIOLoopBound((self, context), eventLoop: loop)
            let accepted = endpoint.next { invocation in
                // On this loop (a pending invocation, or one handed over from a task on this loop) it is
                // written at once; from elsewhere it hops onto the loop.
                let write: @Sendable () -> Void = {
                    let (handler, context) = bound.value
                    handler.deliver(context, invocation)
                }
                if loop.inEventLoop { write() } else { loop.execute(write) }
            }
            if !accepted {
                reply(context, .forbidden, error: "InvalidStateTransition", "State transition from Ready to Invoking failed")
            }
        case (.POST, 3, "invocation", "response"):
            let outcome: RuntimeOutcome = tooLarge ? .responseTooLarge : .response(body)
            guard endpoint.finish(rest[1], outcome) else {
                return reply(context, .badRequest, error: "InvalidRequestID", "Invalid request ID")
            }
            if tooLarge {
                return reply(
                    context, .payloadTooLarge, error: "RequestEntityTooLarge",
                    "Exceeded maximum allowed payload size (\(RuntimeEndpoint.responseLimit) bytes).")
            }
            accepted(context)
        case (.POST, 3, "invocation", "error"):
            let type = head.headers.first(name: "Lambda-Runtime-Function-Error-Type")
            guard endpoint.finish(rest[1], .functionError(body, errorType: type ?? Self.errorType(in: body))) else {
                return reply(context, .badRequest, error: "InvalidRequestID", "Invalid request ID")
            }
            accepted(context)
        case (.POST, 2, "init", "error"):
            endpoint.initError(body, errorType: head.headers.first(name: "Lambda-Runtime-Function-Error-Type"))
            accepted(context)
        default:
            reply(context, .notFound, error: "InvalidRequest", "Unknown path \(path)")
        }
    }

    /// Wall-clock time as Unix milliseconds (the deadline header's unit).
    static func unixMilliseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
    }

    private func deliver(_ context: ChannelHandlerContext, _ invocation: RuntimeInvocation) {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "Lambda-Runtime-Aws-Request-Id", value: invocation.requestId)
        headers.add(name: "Lambda-Runtime-Deadline-Ms", value: String(Self.unixMilliseconds() + invocation.timeoutMs))
        headers.add(name: "Lambda-Runtime-Invoked-Function-Arn", value: invocation.invokedFunctionArn)
        if let trace = invocation.traceId, !trace.isEmpty { headers.add(name: "Lambda-Runtime-Trace-Id", value: trace) }
        if let ctx = invocation.clientContext, !ctx.isEmpty {
            headers.add(name: "Lambda-Runtime-Client-Context", value: ctx)
        }
        if let identity = invocation.cognitoIdentity, !identity.isEmpty {
            headers.add(name: "Lambda-Runtime-Cognito-Identity", value: identity)
        }
        write(context, .ok, headers: headers, body: invocation.payload)
    }

    private func accepted(_ context: ChannelHandlerContext) {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json")
        write(context, .accepted, headers: headers, body: Array(#"{"status":"OK"}"#.utf8))
    }

    private func reply(_ context: ChannelHandlerContext, _ status: HTTPResponseStatus, error type: String, _ message: String) {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json")
        let text = #"{"errorMessage":"\#(message.filter { $0 != "\"" && $0 != "\\" })","errorType":"\#(type)"}"#
        write(context, status, headers: headers, body: Array(text.utf8))
    }

    /// One write per response: head, body and end, flushed once.
    private func write(_ context: ChannelHandlerContext, _ status: HTTPResponseStatus, headers: HTTPHeaders, body: [UInt8]) {
        var headers = headers
        headers.add(name: "Content-Length", value: String(body.count))
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        if !body.isEmpty {
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))), promise: nil)
        }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }

    /// The `errorType` member of an error document, when the runtime sent no header (awslambdaric).
    static func errorType(in body: [UInt8]) -> String? {
        let key = Array(#""errorType""#.utf8)
        guard body.count > key.count,
            let start = (0...(body.count - key.count)).first(where: { body[$0..<$0 + key.count].elementsEqual(key) })
        else { return nil }
        var index = start + key.count
        while index < body.count, body[index] == UInt8(ascii: " ") || body[index] == UInt8(ascii: ":") { index += 1 }
        guard index < body.count, body[index] == UInt8(ascii: "\"") else { return nil }
        let value = body[(index + 1)...].prefix { $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }
        return value.isEmpty ? nil : String(decoding: value, as: UTF8.self)
    }
}
