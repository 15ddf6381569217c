import NimbusModel
import NimbusQueue

/// The JSON body of an SQS request, read member by member with SQS's errors.
struct SQSRequest {
    let body: JSONValue

    init(_ bytes: [UInt8]) throws(QueueError) {
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
            body = .object([])
            return
        }
        guard let value = try? JSONValue.parse(bytes), case .object = value else {
            throw .serialization("The request body is not a JSON object.")
        }
        body = value
    }

    func string(_ key: String) throws(QueueError) -> String? {
        switch body[key] {
        case nil, .null?: return nil
        case .string(let s)?: return s
        default: throw .serialization("\(key) must be a string")
        }
    }

    func required(_ key: String) throws(QueueError) -> String {
        guard let value = try string(key) else { throw .missingParameter(key) }
        return value
    }

    func int(_ key: String) throws(QueueError) -> Int? { try Self.int(body[key], key) }

    static func int(_ value: JSONValue?, _ key: String) throws(QueueError) -> Int? {
        switch value {
        case nil, .null?: return nil
        case .int(let n)?: return n
        case .double(let d)? where d == d.rounded() && abs(d) < 1e15: return Int(d)
        default: throw .serialization("\(key) must be an integer")
        }
    }

    func strings(_ key: String) throws(QueueError) -> [String] {
        switch body[key] {
        case nil, .null?: return []
        case .array(let items)?:
            var result: [String] = []
            for item in items {
                guard let s = item.stringValue else { throw .serialization("\(key) must be a list of strings") }
                result.append(s)
            }
            return result
        default: throw .serialization("\(key) must be a list")
        }
    }

    func map(_ key: String) throws(QueueError) -> [String: String] {
        switch body[key] {
        case nil, .null?: return [:]
        case .object(let members)?:
            var result: [String: String] = [:]
            for (name, value) in members {
                guard let s = value.stringValue else { throw .serialization("\(key).\(name) must be a string") }
                result[name] = s
            }
            return result
        default: throw .serialization("\(key) must be a map")
        }
    }

    /// The entries of a batch: each an object.
    func entries(_ key: String) throws(QueueError) -> [SQSRequest] {
        switch body[key] {
        case nil, .null?: return []
        case .array(let items)?:
            var result: [SQSRequest] = []
            for item in items {
                guard case .object = item else { throw .serialization("\(key) entries must be objects") }
                result.append(SQSRequest(value: item))
            }
            return result
        default: throw .serialization("\(key) must be a list")
        }
    }

    private init(value: JSONValue) { body = value }

    /// The message a SendMessage or batch entry describes.
    func outgoing() throws(QueueError) -> OutgoingMessage {
        let trace = body["MessageSystemAttributes"]?["AWSTraceHeader"]?["StringValue"]?.stringValue
        return OutgoingMessage(
            body: try required("MessageBody"), delaySeconds: try int("DelaySeconds"),
            attributes: try MessageAttributes.parse(body["MessageAttributes"]), traceHeader: trace,
            groupId: try string("MessageGroupId"), deduplicationId: try string("MessageDeduplicationId"))
    }
}
