import Foundation
import NimbusControl
import NimbusModel
import NimbusStore

extension LambdaAPI {
    /// Invoke: validates the payload and invocation type, resolves the version (alias weights applied) and
    /// runs it. Function errors are a 200 with `X-Amz-Function-Error`; nothing after the run is a 5xx.
    /// `invocationType` overrides `X-Amz-Invocation-Type` (InvokeAsync).
    func invoke(_ r: APIRequest, invocationType: String? = nil) async throws -> APIResult {
        let type = invocationType ?? r.header("x-amz-invocation-type") ?? "RequestResponse"
        guard ["RequestResponse", "Event", "DryRun"].contains(type) else {
            throw LambdaError.validation(
                "1 validation error detected: Value '\(type)' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]"
            )
        }
        let payload = r.body.isEmpty ? Array("{}".utf8) : r.body
        do {
            _ = try JSONValue.parse(payload)
        } catch {
            throw LambdaError(
                code: "InvalidRequestContentException", status: 400,
                message: "Could not parse request body into json: Could not parse payload into json: \(error.message)")
        }
        let clientContext = try r.header("x-amz-client-context").map(Self.decodeClientContext)
        if type == "Event", payload.count > Self.asyncPayloadLimit {
            throw LambdaError.requestTooLarge(
                "Request must be smaller than \(Self.asyncPayloadLimit) bytes for the InvokeFunction operation")
        }
        let target = try await control.resolveInvocation(r.name, qualifier: r.query("Qualifier"), caller: r.caller)
        if type == "DryRun" { return .noContent }
        if type == "Event" {
            guard let submitEvent else {
                throw LambdaError(
                    code: "ServiceException", status: 503, message: "This Nimbus server runs no sandboxes.",
                    messageKey: .upper, type: "Service")
            }
            // Stored durably before the 202: an accepted event survives a crash and runs at least once.
            try await submitEvent(
                AsyncEvent(
                    requestId: r.requestId, accountId: target.function.accountId, region: target.function.region,
                    functionName: target.function.name, qualifier: r.query("Qualifier") ?? FunctionReference
                        .parse(r.name).qualifier, payload: payload))
            return APIResult(status: 202, body: nil, raw: [], headers: [])
        }
        guard let invoker else {
            throw LambdaError(
                code: "ServiceException", status: 503, message: "This Nimbus server runs no sandboxes.",
                messageKey: .upper, type: "Service")
        }
        let result = try await invoker.invoke(
            target, payload: payload, requestId: r.requestId, clientContext: clientContext)
        var headers = [("X-Amz-Executed-Version", result.executedVersion)]
        if let error = result.functionError { headers.append(("X-Amz-Function-Error", error)) }
        if r.header("x-amz-log-type") == "Tail" {
            headers.append(("X-Amz-Log-Result", Data(result.log.suffix(4096)).base64EncodedString()))
        }
        return APIResult(status: 200, body: nil, raw: result.body, headers: headers)
    }

    /// Largest Event payload (Lambda's asynchronous limit of 256 KB).
    static let asyncPayloadLimit = 262_144

    /// `X-Amz-Client-Context` is base64 of a JSON object (≤ 3583 bytes); the runtime gets the JSON text.
    static func decodeClientContext(_ value: String) throws -> String {
        guard value.utf8.count <= 3583, let data = Data(base64Encoded: value),
            case .object = try? JSONValue.parse(Array(data))
        else {
            throw LambdaError(
                code: "InvalidRequestContentException", status: 400,
                message: "Client context must be a valid Base64-encoded JSON object.")
        }
        return String(decoding: data, as: UTF8.self)
    }
}
