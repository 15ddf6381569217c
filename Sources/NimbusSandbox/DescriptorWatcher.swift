import CNimbusLinux
import Foundation
import Synchronization

/// Tells when descriptors turn readable: one epoll instance and one thread of its own for every sandbox's
/// output pipe and pidfd.
///
/// libdispatch's read sources are not used for this: on Linux its epoll bookkeeping can free a registration
/// that is still reachable when sources on many descriptors are created and cancelled concurrently, and its
/// manager thread then crashes in `_dispatch_event_loop_drain` (swift-corelibs-libdispatch #949). Starting
/// and tearing down sandboxes is exactly that churn: a ThreadSanitizer build of `nimbus serve` died that way.
///
/// Registrations are named by token, never by pointer, so an event for a registration removed a moment
/// before finds nothing. A handler may still run once after `unwatch` has returned (it was picked up just
/// before), so handlers check their own state before touching a descriptor.
final class DescriptorWatcher: Sendable {
    /// The watcher every sandbox uses.
    static let shared = DescriptorWatcher()

    private struct Registration {
        var fd: Int32
        var once: Bool
        var handler: @Sendable () -> Bool
    }

    private let epoll: Int32
    private let registrations = Mutex<(next: UInt64, byToken: [UInt64: Registration])>((1, [:]))

    private init() {
        epoll = nimbus_epoll_create()
        guard epoll >= 0 else { return }
        let thread = Thread { [self] in run() }
        thread.name = "nimbus-fd-watch"
        thread.start()
    }

    /// Calls `handler` on the watcher's thread whenever `fd` is readable or hung up, until it returns false
    /// or `unwatch` is called; with `once`, at most once. Returns the registration's token, or nil when `fd`
    /// cannot be watched. `fd` must stay open until `unwatch` returns or `handler` has returned false.
    func watch(_ fd: Int32, once: Bool = false, _ handler: @escaping @Sendable () -> Bool) -> UInt64? {
        guard epoll >= 0 else { return nil }
        return registrations.withLock { state in
            let token = state.next
            guard nimbus_epoll_add(epoll, fd, token, once ? 1 : 0) == 0 else { return nil }
            state.next += 1
            state.byToken[token] = Registration(fd: fd, once: once, handler: handler)
            return token
        }
    }

    /// Stops watching (a no-op for a registration already ended); the descriptor may be closed afterwards.
    func unwatch(_ token: UInt64) {
        registrations.withLock { state in
            guard let registration = state.byToken.removeValue(forKey: token) else { return }
            _ = nimbus_epoll_remove(epoll, registration.fd)
        }
    }

    /// How many registrations are live (for tests).
    var count: Int { registrations.withLock { $0.byToken.count } }

    private func run() {
        var tokens = [UInt64](repeating: 0, count: 64)
        while true {
            let ready = tokens.withUnsafeMutableBufferPointer { nimbus_epoll_wait(epoll, $0.baseAddress, 64) }
            guard ready > 0 else { continue }  // EINTR
            for token in tokens[0..<Int(ready)] {
                guard let registration = registrations.withLock({ $0.byToken[token] }) else { continue }
                if !registration.handler() || registration.once { unwatch(token) }
            }
        }
    }
}
