import NIOCore
import NIOPosix
import Synchronization

/// Inside a sandbox's network namespace, a listener whose connections are relayed byte for byte to the
/// Nimbus API on the host: the one host service a function may reach (`AWS_ENDPOINT_URL`), and only
/// with the credentials it was given. Reads follow the other side's writability, so a client that
/// sends faster than the server takes cannot make the relay buffer without bound.
public final class APIRelay: Sendable {
    private let channel: any Channel

    private init(channel: any Channel) { self.channel = channel }

    /// Open connections one sandbox may hold through its relay; more are closed at once.
    public static let connectionLimit = 64

    /// Relays connections accepted on `listeningSocket` to `target()` (nil: refuse the connection).
    public static func adopt(
        listeningSocket: NIOBSDSocket.Handle, target: @escaping @Sendable () -> SocketAddress?,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> APIRelay {
        let open = ConnectionCount()
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 16)
            .childChannelOption(.autoRead, value: false)
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { inbound in
                inbound.eventLoop.makeCompletedFuture {
                    guard open.enter(limit: connectionLimit) else { throw ChannelError.inappropriateOperationForState }
                    inbound.closeFuture.whenComplete { _ in open.leave() }
                    try inbound.pipeline.syncOperations.addHandler(RelayHandler(target: target))
                }
            }
            .withBoundSocket(listeningSocket).get()
        return APIRelay(channel: channel)
    }

    /// Stops listening (open connections end with their sandbox).
    public func close() async {
        try? await channel.close()
    }
}

/// One side of a relayed connection: what it reads, its partner writes. Both sides share an event loop.
final class RelayHandler: ChannelDuplexHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var partner: RelayHandler?
    private var context: ChannelHandlerContext?
    private var wantsRead = false
    /// On the sandbox side: where to connect once the connection is up. Nil on the server side.
    private let target: (@Sendable () -> SocketAddress?)?

    init(target: (@Sendable () -> SocketAddress?)? = nil) { self.target = target }

    /// The sandbox side connected: connect to the API, then start relaying both ways.
    func channelActive(context: ChannelHandlerContext) {
        guard let target else { return }
        let channel = context.channel
        guard let address = target() else {
            channel.close(promise: nil)
            return
        }
        ClientBootstrap(group: context.eventLoop)
            .channelOption(.autoRead, value: false)
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .channelInitializer { outbound in
                let far = RelayHandler()
                self.pair(with: far)
                return outbound.pipeline.addHandler(far)
            }
            .connect(to: address)
            .whenComplete { result in
                switch result {
                case .success: self.start()
                case .failure: channel.close(promise: nil)
                }
            }
    }

    func pair(with other: RelayHandler) {
        partner = other
        other.partner = self
    }

    /// Both sides are connected: start reading on both.
    func start() {
        read()
        partner?.read()
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        partner = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        partner?.write(unwrapInboundIn(data))
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        partner?.flush()
        // Keep reading while the other side can take more; otherwise wait for its writability.
        if partner?.isWritable ?? false { context.read() } else { wantsRead = true }
    }

    func channelInactive(context: ChannelHandlerContext) {
        partner?.close()
        partner = nil
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { partner?.resumeReading() }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    private var isWritable: Bool { context?.channel.isWritable ?? false }
    private func write(_ buffer: ByteBuffer) { context?.write(wrapOutboundOut(buffer), promise: nil) }
    private func flush() { context?.flush() }
    private func close() { context?.close(promise: nil) }
    private func read() { context?.read() }

    private func resumeReading() {
        if wantsRead {
            wantsRead = false
            read()
        }
    }
}

/// Connections open through one relay.
final class ConnectionCount: Sendable {
    private let count = Mutex(0)

    /// Counts a new connection, unless `limit` are open already.
    func enter(limit: Int) -> Bool {
        count.withLock { count in
            guard count < limit else { return false }
            count += 1
            return true
        }
    }

    func leave() { count.withLock { $0 -= 1 } }
}
