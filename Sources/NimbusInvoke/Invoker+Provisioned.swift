import NimbusControl
import NimbusModel
import NimbusPool
import NimbusSandbox

/// Provisioned concurrency: sandboxes initialised (the function's init code run) before any request and
/// kept, neither reaped when idle nor evicted for others. A provisioned sandbox that dies is replaced at the
/// next reconciliation; one no longer wanted becomes an ordinary idle sandbox.
extension Invoker {
    /// The result of keeping one version's provisioned sandboxes.
    public enum Provisioning: Sendable, Equatable {
        /// All requested sandboxes are initialised.
        case ready
        /// They could not be made (the reason is reported as `StatusReason`).
        case failed(String)
    }

    /// Brings the provisioned sandboxes in line with `allocations`; one outcome per allocation, in order.
    public func provision(_ allocations: [ProvisionedAllocation]) async -> [Provisioning] {
        var wanted: [Key: Int] = [:]
        for allocation in allocations where allocation.failure == nil {
            wanted[Self.key(allocation.target), default: 0] += allocation.requested
        }
        // Release what is no longer wanted (extras become ordinary idle sandboxes).
        var have: [Key: Int] = [:]
        for (id, key) in provisioned.sorted(by: { $0.value.function < $1.value.function }) {
            if have[key, default: 0] < wanted[key, default: 0] {
                have[key, default: 0] += 1
            } else {
                provisioned[id] = nil
            }
        }
        var outcomes: [Provisioning] = []
        for allocation in allocations {
            let key = Self.key(allocation.target)
            var failure = allocation.failure
            while have[key, default: 0] < wanted[key, default: 0], failure == nil, !Task.isCancelled {
                if let reason = await startProvisioned(key, allocation.target) {
                    failure = reason
                } else {
                    have[key, default: 0] += 1
                }
            }
            outcomes.append(failure.map { .failed($0) } ?? .ready)
        }
        return outcomes
    }

    static func key(_ target: InvocationTarget) -> Key {
        Key(
            account: target.function.accountId, region: target.function.region, function: target.function.name,
            version: target.version.version, revision: target.version.revisionId)
    }

    /// Starts one sandbox, runs the function's initialisation and parks it idle. Returns why it failed, if it did.
    private func startProvisioned(_ key: Key, _ target: InvocationTarget) async -> String? {
        let memory = target.version.memorySize
        guard let evicting = PoolScheduler.evictions(
            toFit: memory, memoryInUse: memoryInUse, memoryBudget: configuration.memoryBudgetMB,
            candidates: evictable(except: nil))
        else {
            return "The memory budget of this Nimbus server cannot hold the provisioned execution environments."
        }
        for id in evicting { evictWarm(id) }
        memoryInUse += memory
        let warm: Warm
        do {
            warm = try await start(key, target, initialization: "provisioned-concurrency")
        } catch {
            memoryInUse -= memory
            return "\(error)"
        }
        await warm.session.waitUntilReady(deadline: .now + SandboxSession.initLimit)
        guard warm.session.isReady else {
            memoryInUse -= memory
            await warm.stop()
            return "FUNCTION_ERROR_INIT_FAILURE"
        }
        _ = warm.session.takeInitDuration()  // Lambda reports no Init Duration on provisioned environments
        tick += 1
        idle[key, default: []].append((warm, tick, .now))
        provisioned[ObjectIdentifier(warm)] = key
        wakeOne()
        return nil
    }
}
