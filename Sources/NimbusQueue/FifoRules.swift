import Crypto
import Foundation
import NimbusModel

/// What FIFO queues demand of a send, and how they deduplicate.
enum FifoRules {
    /// A FIFO send's deduplication id and key (the key includes the group when the queue deduplicates
    /// per message group). Nil for standard queues, which reject the FIFO-only parameters.
    static func check(_ message: OutgoingMessage, attributes: [String: String]) throws(QueueError)
        -> (deduplicationId: String, key: String)?
    {
        guard QueueAttributes.isFifo(attributes) else {
            if let id = message.deduplicationId {
                throw .invalidValue(
                    id, for: "MessageDeduplicationId",
                    reason: "The request includes a parameter that is not valid for this queue type.")
            }
            if let group = message.groupId { try checkToken(group, "MessageGroupId") }
            return nil
        }
        if let delay = message.delaySeconds {
            throw .invalidValue(
                String(delay), for: "DelaySeconds",
                reason: "The request include parameter that is not valid for this queue type.")
        }
        guard let group = message.groupId else { throw .missingParameter("MessageGroupId") }
        try checkToken(group, "MessageGroupId")
        let id: String
        if let given = message.deduplicationId {
            try checkToken(given, "MessageDeduplicationId")
            id = given
        } else if attributes["ContentBasedDeduplication"] == "true" {
            id = Hex.lowercase(SHA256.hash(data: Array(message.body.utf8)))
        } else {
            throw .invalidParameter(
                "The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly")
        }
        let perGroup = attributes["DeduplicationScope"] == "messageGroup"
        return (id, perGroup ? group + "\u{0}" + id : id)
    }

    /// Group and deduplication ids: 1 to 128 alphanumeric or punctuation characters.
    static func checkToken(_ value: String, _ name: String) throws(QueueError) {
        guard !value.isEmpty, value.utf8.count <= 128, value.utf8.allSatisfy({ $0 >= 0x21 && $0 <= 0x7E }) else {
            throw .invalidValue(
                value, for: name,
                reason: "\(name) can only include alphanumeric and punctuation characters. 1 to 128 in length.")
        }
    }
}
