import Foundation
import NimbusAuth
import NimbusControl
import NimbusModel
import Synchronization

/// Verifies SigV4 signatures and maps the access key to its account. Known keys are cached
/// (keys are never deleted); unknown keys are looked up each time, so keys created by
/// `nimbus accounts create` while the server runs work at once.
public final class Authenticator: Sendable {
    /// Looks up an access key: (secret, account id).
    public typealias Lookup = @Sendable (String) async throws -> (secret: String, accountId: String)?

    let verifier: SigV4Verifier
    let lookup: Lookup
    let temporary: TemporaryCredentials?
    let cache = Mutex<[String: (secret: String, accountId: String)]>([:])

    /// Creates an authenticator.
    public init(
        verifier: SigV4Verifier = SigV4Verifier(), temporary: TemporaryCredentials? = nil, lookup: @escaping Lookup
    ) {
        self.verifier = verifier
        self.temporary = temporary
        self.lookup = lookup
    }

    /// Authenticates a request for `service`, returning the caller or throwing the AWS error to send.
    func authenticate(_ request: SigV4Request, service: String) async throws -> Caller {
        let signature = try verifier.parse(request)
        guard signature.service == service else {
            throw SigV4Failure.invalidSignature("Credential should be scoped to correct service: '\(service)'. ")
        }
        let key: (secret: String, accountId: String)
        if let temporary, let entry = temporary.entry(signature.accessKeyId) {
            key = try temporary.check(entry, sessionToken: signature.securityToken)
        } else if let cached = cache.withLock({ $0[signature.accessKeyId] }) {
            key = cached
        } else if let found = try await lookup(signature.accessKeyId) {
            cache.withLock { $0[signature.accessKeyId] = found }
            key = found
        } else {
            throw SigV4Failure.unrecognizedClient
        }
        try verifier.verify(signature, secretAccessKey: key.secret, request: request)
        return Caller(accountId: key.accountId, region: signature.region)
    }
}
