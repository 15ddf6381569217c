import Foundation
import NimbusModel
import NimbusStore

/// One provisioned concurrency config as the allocator sees it: the version to keep initialised and how many.
public struct ProvisionedAllocation: Sendable {
    /// The function.
    public var key: FunctionKey
    /// The version or alias the config is on.
    public var qualifier: String
    /// Identifies this setting of the config (a later Put replaces it).
    public var lastModified: Date
    /// How many initialised execution environments to keep.
    public var requested: Int
    /// Whether it is already reported `READY` (or `FAILED`).
    public var settled: Bool
    /// Why it failed, when it is reported `FAILED` (not retried until the config is set again).
    public var failure: String?
    /// The version to run (an alias's primary version), as Invoke would resolve it.
    public var target: InvocationTarget
}

extension ControlPlane {
    /// Every provisioned concurrency config of every account, resolved to the version it keeps warm.
    public func provisionedAllocations() async throws -> [ProvisionedAllocation] {
        try await functions.provisionedFunctions().flatMap { record -> [ProvisionedAllocation] in
            let key = FunctionKey(accountId: record.accountId, region: record.region, name: record.name)
            return record.provisioned.sorted { $0.key < $1.key }.compactMap { qualifier, config in
                let versionName = record.aliases[qualifier]?.functionVersion ?? qualifier
                guard let version = record.version(versionName) else { return nil }
                let target = InvocationTarget(
                    function: record, version: version, invokedArn: record.arn(qualifier),
                    executedVersion: version.version, unreservedLimit: limits.concurrentExecutions)
                return ProvisionedAllocation(
                    key: key, qualifier: qualifier, lastModified: config.lastModified, requested: config.requested,
                    settled: config.ready || config.failure != nil, failure: config.failure, target: target)
            }
        }
    }

    /// Records the outcome of an allocation (`failure` nil: `READY`), unless the config changed meanwhile.
    public func provisionedAllocationSettled(_ allocation: ProvisionedAllocation, failure: String?) async throws {
        try await mutate(allocation.key) { function, _ in
            guard var config = function.provisioned[allocation.qualifier],
                config.lastModified == allocation.lastModified
            else { return }
            config.ready = failure == nil
            config.failure = failure
            function.provisioned[allocation.qualifier] = config
        }
    }
}
