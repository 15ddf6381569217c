import Foundation
import NimbusModel

/// The JSON record Lambda sends to a destination after an asynchronous invocation.
public enum DestinationRecord {
    /// Builds the record. `response` is nil when the function never ran (expired events, zero concurrency).
    public static func make(
        requestId: String, functionArn: String, condition: String, invokeCount: Int, payload: [UInt8],
        response: (body: [UInt8], functionError: String?, executedVersion: String)?, at time: Date
    ) -> JSONValue {
        var context = JSONObjectBuilder()
        context.set("requestId", requestId)
        context.set("functionArn", functionArn)
        context.set("condition", condition)
        context.set("approximateInvokeCount", invokeCount)
        var o = JSONObjectBuilder()
        o.set("version", "1.0")
        o.set("timestamp", String(Timestamps.iso(time).dropLast(5)) + "Z")
        o.set("requestContext", context.value)
        o.set("requestPayload", embed(payload))
        if let response {
            var r = JSONObjectBuilder()
            r.set("statusCode", 200)
            r.set("executedVersion", response.executedVersion)
            r.set("functionError", response.functionError)
            o.set("responseContext", r.value)
            o.set("responsePayload", embed(response.body))
        }
        return o.value
    }

    /// JSON as itself; anything else as a string.
    static func embed(_ bytes: [UInt8]) -> JSONValue {
        if bytes.isEmpty { return .null }
        return (try? JSONValue.parse(bytes)) ?? .string(String(decoding: bytes, as: UTF8.self))
    }

    /// The `errorMessage` of a function error document, for the dead-letter message's attributes.
    public static func errorMessage(_ body: [UInt8]) -> String {
        guard let value = try? JSONValue.parse(body), let message = value["errorMessage"]?.stringValue else {
            return String(decoding: body.prefix(1024), as: UTF8.self)
        }
        return String(message.prefix(1024))
    }
}
