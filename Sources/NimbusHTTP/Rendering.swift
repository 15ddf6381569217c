import Foundation
import HTTPTypes
import Hummingbird
import NimbusAuth
import NimbusModel

/// Turns results and errors into HTTP responses in the shape botocore parses.
enum Rendering {
    static let requestIdHeader = HTTPField.Name("x-amzn-RequestId")!
    static let errorTypeHeader = HTTPField.Name("x-amzn-ErrorType")!

    static func json(_ status: Int, _ body: JSONValue?, requestId: String) -> Response {
        var headers = HTTPFields()
        headers[requestIdHeader] = requestId
        guard let body else {
            return Response(status: .init(code: status), headers: headers)
        }
        headers[.contentType] = "application/json"
        return Response(
            status: .init(code: status), headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body.jsonBytes)))
    }

    /// Raw bytes (an invocation result) as `application/json`, with extra headers.
    static func raw(_ status: Int, _ body: [UInt8], headers extra: [(String, String)], requestId: String) -> Response {
        var headers = HTTPFields()
        headers[requestIdHeader] = requestId
        headers[.contentType] = "application/json"
        for (name, value) in extra {
            if let field = HTTPField.Name(name) { headers[field] = value }
        }
        return Response(
            status: .init(code: status), headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }

    static func error(_ error: LambdaError, requestId: String) -> Response {
        var o = JSONObjectBuilder()
        if let type = error.type { o.set("Type", type) }
        o.set(error.messageKey.rawValue, error.message)
        for (key, value) in error.extra { o.set(key, value) }
        var response = json(error.status, o.value, requestId: requestId)
        response.headers[errorTypeHeader] = error.code
        return response
    }

    static func error(_ failure: SigV4Failure, requestId: String) -> Response {
        error(
            LambdaError(code: failure.code, status: failure.status, message: failure.message, messageKey: .lower, type: nil),
            requestId: requestId)
    }
}
