import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NimbusAuth
import NimbusControl
import NimbusModel
import NimbusQueue

/// Answers one SQS request: body, SigV4 (service `sqs`), the operation, and SQS's JSON error shape
/// (`__type`, `message`, and the `x-amzn-query-error` header botocore maps to query-protocol codes).
struct SQSResponder {
    static let targetHeader = HTTPField.Name("X-Amz-Target")!
    static let targetPrefix = "AmazonSQS."
    static let queryErrorHeader = HTTPField.Name("x-amzn-query-error")!
    /// Largest request body: a batch of ten messages of the largest size, JSON-escaped, fits.
    static let bodyLimit = 8 * 1_048_576

    let api: SQSAPI
    let authenticator: Authenticator

    func respond(
        _ request: inout Request, operation: String, rawPath: String, rawQuery: String, requestId: String, logger: Logger
    ) async -> Response {
        do {
            let body: [UInt8]
            do {
                body = try await APIResponder.collect(&request, upTo: Self.bodyLimit)
            } catch is NIOTooManyBytesError {
                throw QueueError.invalidParameter("Request body must be smaller than \(Self.bodyLimit) bytes.")
            }
            let signed = SigV4Request(
                method: "POST", rawPath: rawPath, rawQuery: rawQuery, headers: APIResponder.signedHeaders(request),
                body: body)
            let caller = try await authenticator.authenticate(signed, service: "sqs")
            let endpoint = "http://" + (request.head.authority ?? "127.0.0.1")
            let result = try await api.handle(
                operation: operation, body: body,
                caller: QueueCaller(accountId: caller.accountId, region: caller.region, endpoint: endpoint))
            return Self.render(200, result, requestId: requestId)
        } catch let error as QueueError {
            return Self.render(error, requestId: requestId)
        } catch let failure as SigV4Failure {
            return Self.render(
                QueueError(type: "com.amazon.coral.service#" + failure.code, queryCode: failure.code.replacingOccurrences(of: "Exception", with: ""),
                           message: failure.message, status: failure.status),
                requestId: requestId)
        } catch let error as LambdaError {
            return Self.render(QueueError.invalidParameter(error.message), requestId: requestId)
        } catch {
            logger.error("unhandled SQS error", metadata: ["nimbus.error": .string(String(describing: error))])
            return Self.render(QueueError.internalFailure, requestId: requestId)
        }
    }

    static func render(_ status: Int, _ body: JSONValue, requestId: String) -> Response {
        var headers = HTTPFields()
        headers[Rendering.requestIdHeader] = requestId
        headers[.contentType] = "application/x-amz-json-1.0"
        return Response(
            status: .init(code: status), headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body.jsonBytes)))
    }

    static func render(_ error: QueueError, requestId: String) -> Response {
        var response = render(
            error.status, .object([("__type", .string(error.type)), ("message", .string(error.message))]),
            requestId: requestId)
        response.headers[queryErrorHeader] = "\(error.queryCode);\(error.senderFault ? "Sender" : "Receiver")"
        return response
    }
}
