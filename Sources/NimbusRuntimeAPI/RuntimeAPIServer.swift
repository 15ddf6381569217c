import NIOCore
import NIOHTTP1
import NIOPosix

/// A Runtime API listener for one sandbox. In production it serves a socket Nimbus created inside the
/// sandbox's network namespace; tests bind it to 127.0.0.1 on a free port.
public final class RuntimeAPIServer: Sendable {
    private let channel: any Channel
    /// The endpoint behind it.
    public let endpoint: RuntimeEndpoint

    private init(channel: any Channel, endpoint: RuntimeEndpoint) {
        self.channel = channel
        self.endpoint = endpoint
    }

    /// The bound port.
    public var port: Int { channel.localAddress?.port ?? 0 }

    /// Binds `host:port` (0 picks a free port) and serves `endpoint`.
    public static func bind(
        host: String = "127.0.0.1", port: Int = 0, endpoint: RuntimeEndpoint,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> RuntimeAPIServer {
        let channel = try await bootstrap(group: group, endpoint: endpoint).bind(host: host, port: port).get()
        return RuntimeAPIServer(channel: channel, endpoint: endpoint)
    }

    /// Serves `endpoint` on an already listening socket (e.g. one created inside a sandbox's netns).
    public static func adopt(
        listeningSocket: NIOBSDSocket.Handle, endpoint: RuntimeEndpoint,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> RuntimeAPIServer {
        let channel = try await bootstrap(group: group, endpoint: endpoint).withBoundSocket(listeningSocket).get()
        return RuntimeAPIServer(channel: channel, endpoint: endpoint)
    }

    private static func bootstrap(group: any EventLoopGroup, endpoint: RuntimeEndpoint) -> ServerBootstrap {
        ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 8)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(RuntimeAPIHandler(endpoint: endpoint))
                }
            }
    }

    /// Stops listening and closes the listener.
    public func close() async {
        try? await channel.close()
    }
}
