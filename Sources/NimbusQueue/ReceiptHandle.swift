import Crypto
import Foundation

/// A receipt handle: names one receive of one message (queue id, message sequence, receive token),
/// sealed with an HMAC so a forged or altered handle is told apart from a stale one.
public struct ReceiptHandle: Sendable, Equatable {
    /// The queue's store id.
    public var queueId: Int64
    /// The message's sequence number.
    public var seq: Int64
    /// The token of the receive.
    public var token: String

    /// Creates a handle.
    public init(queueId: Int64, seq: Int64, token: String) {
        self.queueId = queueId
        self.seq = seq
        self.token = token
    }

    /// The opaque text handed to the caller.
    public func seal(with key: SymmetricKey) -> String {
        let payload = Array("\(queueId):\(seq):\(token)".utf8)
        let mac = Array(HMAC<SHA256>.authenticationCode(for: payload, using: key)).prefix(16)
        return Data(payload).base64EncodedString() + "." + Data(mac).base64EncodedString()
    }

    /// Opens a handle sealed with `key`; nil when it was not.
    public static func open(_ text: String, with key: SymmetricKey) -> ReceiptHandle? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let payload = Data(base64Encoded: String(parts[0])),
            let mac = Data(base64Encoded: String(parts[1])), mac.count == 16
        else { return nil }
        let expected = Array(HMAC<SHA256>.authenticationCode(for: payload, using: key)).prefix(16)
        var diff: UInt8 = 0
        for (a, b) in zip(expected, mac) { diff |= a ^ b }
        guard diff == 0 else { return nil }
        let fields = String(decoding: payload, as: UTF8.self).split(separator: ":", maxSplits: 2).map(String.init)
        guard fields.count == 3, let queueId = Int64(fields[0]), let seq = Int64(fields[1]) else { return nil }
        return ReceiptHandle(queueId: queueId, seq: seq, token: fields[2])
    }
}
