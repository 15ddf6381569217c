import Foundation
import NIOCore
import NIOPosix
import Testing

@testable import NimbusSandbox

/// The relay on a plain listening socket, leading to an echo server: bytes go both ways unchanged.
@Suite struct APIRelayTests {
    final class Echo: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            context.writeAndFlush(data, promise: nil)
        }
    }

    static func listeningSocket() throws -> (fd: Int32, port: Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        #expect(bound == 0)
        #expect(listen(fd, 8) == 0)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return (fd, Int(UInt16(bigEndian: address.sin_port)))
    }

    /// An echo server and a relay leading to it; the relay's port.
    static func relayToEcho() async throws -> (echo: any Channel, relay: APIRelay, port: Int) {
        let echo = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { $0.pipeline.addHandler(Echo()) }
            .bind(host: "127.0.0.1", port: 0).get()
        let target = echo.localAddress!
        let (fd, port) = try Self.listeningSocket()
        return (echo, try await APIRelay.adopt(listeningSocket: fd, target: { target }), port)
    }

    @Test func relaysBothWays() async throws {
        let (echo, relay, port) = try await Self.relayToEcho()
        let client = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        let payload = String(repeating: "nimbus relay ", count: 20_000)
        let received = try await client.executeThenClose { inbound, outbound in
            try await outbound.write(ByteBuffer(string: payload))
            var text = ""
            for try await var chunk in inbound {
                text += chunk.readString(length: chunk.readableBytes) ?? ""
                if text.utf8.count >= payload.utf8.count { break }
            }
            return text
        }
        #expect(received == payload)
        await relay.close()
        try await echo.close()
    }

    /// Which connections the relay has closed, once `expected` of them are, or when 10 s have passed.
    static func closedByRelay(_ clients: [any Channel], expected: Int) async throws -> [Int] {
        let deadline = ContinuousClock.now + .seconds(10)
        var closed: [Int] = []
        repeat {
            closed = clients.indices.filter { !clients[$0].isActive }
            if closed.count >= expected { break }
            try await Task.sleep(for: .milliseconds(20))
        } while ContinuousClock.now < deadline
        return closed
    }

    @Test func connectionsPastTheLimitAreClosed() async throws {
        let (echo, relay, port) = try await Self.relayToEcho()
        // One more than the limit. Which one the relay refuses depends on the order it accepts them in,
        // not on the order they connected: the kernel can finish a handshake late when its accept queue
        // was full, so the test does not assume the last one is refused.
        var clients: [any Channel] = []
        for _ in 0...APIRelay.connectionLimit {
            clients.append(try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connect(host: "127.0.0.1", port: port).get())
        }
        let refused = try await Self.closedByRelay(clients, expected: 1)
        #expect(refused.count == 1)
        // Closing one frees a place.
        if let open = clients.indices.first(where: { !refused.contains($0) }) {
            try await clients[open].close()
        }
        try await Task.sleep(for: .milliseconds(100))
        let again = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port).get()
        try await Task.sleep(for: .milliseconds(100))
        #expect(again.isActive)
        try await again.close()
        for client in clients where client.isActive { try await client.close() }
        await relay.close()
        try await echo.close()
    }
}
