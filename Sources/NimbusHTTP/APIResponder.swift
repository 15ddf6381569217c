import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NimbusAuth
import NimbusControl
import NimbusModel
import NimbusQueue
import NimbusStore

/// The public HTTP front end: health, pre-signed code downloads, and the authenticated Lambda API.
/// Every response carries `x-amzn-RequestId`; every failure is rendered in the AWS error shape.
public struct APIResponder: HTTPResponder {
    public typealias Context = BasicRequestContext

    let api: LambdaAPI
    let control: ControlPlane
    let authenticator: Authenticator
    let codeSigner: CodeLocationSigner
    let sqs: SQSAPI?

    /// Creates the responder; without an invoker, Invoke answers 503.
    public init(
        control: ControlPlane, authenticator: Authenticator, codeSigner: CodeLocationSigner,
        invoker: (any InvocationHandler)? = nil, submitEvent: (@Sendable (AsyncEvent) async throws -> Void)? = nil,
        queues: QueueService? = nil
    ) {
        self.sqs = queues.map(SQSAPI.init)
        self.api = LambdaAPI(control: control, invoker: invoker, submitEvent: submitEvent)
        self.control = control
        self.authenticator = authenticator
        self.codeSigner = codeSigner
    }

    public func respond(to request: Request, context: Context) async throws -> Response {
        let requestId = RandomID.uuid()
        var logger = context.logger
        logger[metadataKey: "nimbus.request_id"] = .string(requestId)
        let started = ContinuousClock.now
        let rawTarget = request.head.path ?? "/"
        let (rawPath, rawQuery) = Self.split(rawTarget)
        let method = request.method.rawValue
        var request = request
        let response: Response
        do {
            response = try await route(&request, method: method, rawPath: rawPath, rawQuery: rawQuery, requestId: requestId, logger: logger)
        } catch let error as LambdaError {
            response = Rendering.error(error, requestId: requestId)
        } catch let failure as SigV4Failure {
            response = Rendering.error(failure, requestId: requestId)
        } catch {
            logger.error("unhandled error", metadata: ["nimbus.error": .string(String(describing: error))])
            response = Rendering.error(.service(), requestId: requestId)
        }
        let elapsed = ContinuousClock.now - started
        logger.info(
            "request",
            metadata: [
                "nimbus.method": .string(method), "nimbus.path": .string(rawPath),
                "nimbus.status": .stringConvertible(response.status.code),
                "nimbus.duration_us": .stringConvertible(elapsed.components.attoseconds / 1_000_000_000_000),
            ])
        return response
    }

    private func route(
        _ request: inout Request, method: String, rawPath: String, rawQuery: String, requestId: String,
        logger: Logger
    ) async throws -> Response {
        if rawPath == "/health" {
            return Rendering.json(200, .object([("status", .string("ok"))]), requestId: requestId)
        }
        let query = Self.parseQuery(rawQuery)
        if rawPath.hasPrefix(CodeLocationSigner.prefix) {
            return try await downloadCode(rawPath: rawPath, query: query, requestId: requestId)
        }
        if method == "POST", let sqs, let target = request.headers[SQSResponder.targetHeader],
            target.hasPrefix(SQSResponder.targetPrefix)
        {
            return await SQSResponder(api: sqs, authenticator: authenticator).respond(
                &request, operation: String(target.dropFirst(SQSResponder.targetPrefix.count)), rawPath: rawPath,
                rawQuery: rawQuery, requestId: requestId, logger: logger)
        }
        guard let (operation, parameters) = Routes.match(method: method, rawPath: rawPath) else {
            throw LambdaError.unknownOperation(method: method, path: rawPath)
        }
        let limit = operation.bodyLimit
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit {
            throw Self.tooLarge(operation, limit)
        }
        let body: [UInt8]
        do {
            body = try await Self.collect(&request, upTo: limit)
        } catch is NIOTooManyBytesError {
            throw Self.tooLarge(operation, limit)
        }
        let headers = Self.signedHeaders(request)
        let signed = SigV4Request(method: method, rawPath: rawPath, rawQuery: rawQuery, headers: headers, body: body)
        let caller = try await authenticator.authenticate(signed, service: "lambda")
        let result = try await api.handle(
            APIRequest(
                operation: operation, parameters: parameters, query: query, body: body, caller: caller,
                requestId: requestId, headers: headers.map { ($0.name.lowercased(), $0.value) }))
        if let raw = result.raw {
            return Rendering.raw(result.status, raw, headers: result.headers, requestId: requestId)
        }
        return Rendering.json(result.status, result.body, requestId: requestId)
    }

    private func downloadCode(rawPath: String, query: [(String, String)], requestId: String) async throws -> Response {
        guard let (key, qualifier) = codeSigner.verify(rawPath: rawPath, query: query),
            let data = try await control.codeBytes(key, qualifier: qualifier)
        else { throw LambdaError.accessDenied("Access Denied") }
        var headers = HTTPFields()
        headers[Rendering.requestIdHeader] = requestId
        headers[.contentType] = "application/zip"
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func tooLarge(_ operation: Operation, _ limit: Int) -> LambdaError {
        let name = operation == .invoke ? "InvokeFunction" : operation.rawValue
        return .requestTooLarge("Request must be smaller than \(limit) bytes for the \(name) operation")
    }

    static func collect(_ request: inout Request, upTo limit: Int) async throws -> [UInt8] {
        Array(buffer: try await request.body.collect(upTo: limit))
    }

    /// The request's headers as SigV4 reads them; HTTPTypes carries Host as the `:authority` pseudo-header.
    static func signedHeaders(_ request: Request) -> [(name: String, value: String)] {
        var headers = request.headers.map { (name: $0.name.rawName, value: $0.value) }
        if let authority = request.head.authority { headers.append((name: "host", value: authority)) }
        return headers
    }

    static func split(_ target: String) -> (String, String) {
        guard let index = target.firstIndex(of: "?") else { return (target, "") }
        return (String(target[..<index]), String(target[target.index(after: index)...]))
    }

    /// Decodes `a=1&b=2` into ordered pairs (percent-decoded; `+` is kept literally as botocore encodes spaces).
    static func parseQuery(_ raw: String) -> [(String, String)] {
        raw.split(separator: "&").map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = String(parts[0]).removingPercentEncoding ?? String(parts[0])
            let value = parts.count > 1 ? (String(parts[1]).removingPercentEncoding ?? String(parts[1])) : ""
            return (key, value)
        }
    }
}
