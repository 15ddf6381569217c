import Foundation
import NimbusCode
import NimbusModel
import NimbusStore

/// Everything the invoke path needs to know about the version it will run.
public struct InvocationTarget: Sendable {
    /// The function.
    public var function: FunctionRecord
    /// The version that runs (alias routing already applied).
    public var version: VersionRecord
    /// The ARN as the caller addressed it (unqualified, `:$LATEST`, `:N` or the alias ARN).
    public var invokedArn: String
    /// `X-Amz-Executed-Version`.
    public var executedVersion: String
    /// The account's unreserved concurrency pool (concurrent executions minus reservations and
    /// provisioned executions outside reservations), shared by functions without a reservation.
    public var unreservedLimit: Int
}

extension ControlPlane {
    /// Resolves `FunctionName` + `Qualifier` for Invoke: `$LATEST`, a version, or an alias whose weighted
    /// routing picks the version (`random` in 0..<1 decides, so tests can pin it).
    public func resolveInvocation(
        _ name: String, qualifier: String?, caller: Caller, random: Double = Double.random(in: 0..<1)
    ) async throws -> InvocationTarget {
        let target = try await resolve(
            name, qualifier: qualifier, caller: caller, action: "lambda:InvokeFunction",
            qualifierPattern: .namespacedQualifier)
        guard let record = try await functions.function(target.key) else {
            throw LambdaError.resourceNotFound("Function not found: \(target.key.arn(target.qualifier ?? "$LATEST"))")
        }
        let invokedArn = target.qualifier.map { record.arn($0) } ?? record.arn
        var versionName = target.qualifier ?? "$LATEST"
        if let alias = record.aliases[versionName] {
            versionName = alias.functionVersion
            var threshold = 0.0
            for (extra, weight) in alias.additionalVersionWeights.sorted(by: { $0.key < $1.key }) {
                threshold += weight
                if random < threshold {
                    versionName = extra
                    break
                }
            }
        }
        let version: VersionRecord
        if versionName == "$LATEST" {
            version = record.latest
        } else if let published = record.version(versionName) {
            version = published
        } else {
            throw LambdaError.resourceNotFound("Function not found: \(record.arn(versionName))")
        }
        if version.state == "Pending" {
            throw LambdaError.conflict(
                "The operation cannot be performed at this time. The function is currently in the following state: Pending"
            )
        }
        let usage = try await functions.accountUsage(accountId: target.key.accountId, region: target.key.region)
        return InvocationTarget(
            function: record, version: version, invokedArn: invokedArn, executedVersion: version.version,
            unreservedLimit: limits.concurrentExecutions - usage.reservedConcurrency - usage.provisionedConcurrency)
    }

    /// The extracted code directory of a version (content-addressed, read-only).
    public func taskDirectory(for version: VersionRecord) -> String {
        code.taskDirectory(sha256Hex: version.code.sha256Hex)
    }
}
