import NimbusControl
import NimbusModel
import NimbusSandbox

/// The pre-initialised pool: instances started before any request, per configured runtime, taken by the
/// first invocation of a function that finds no warm sandbox of its own, and topped up in the background.
extension Invoker {
    /// The shapes to keep waiting and how many of each.
    var freeTargets: [(InstanceShape, RuntimeRegistry.Launch, Int)] {
        configuration.preinitialised.sorted { $0.key < $1.key }.compactMap { runtime, count in
            guard count > 0, let launch = registry.launch(for: runtime) else { return nil }
            return (InstanceShape(runtime: launch.name, zygote: launch.zygote, ephemeralStorageMB: 512), launch, count)
        }
    }

    /// A waiting instance of `shape` whose runtime is still alive, if any.
    func takeFree(_ shape: InstanceShape) -> Instance? {
        while let instance = free[shape]?.popLast() {
            freeTaken.ring()
            if instance.sandbox.exitStatus() == nil { return instance }
            Task { await instance.stop() }
        }
        return nil
    }

    /// Starts instances until every configured shape has its count waiting (one at a time, off the request
    /// path). Returns how many were started.
    @discardableResult
    public func refill() async -> Int {
        guard !refilling else { return 0 }
        refilling = true
        defer { refilling = false }
        var started = 0
        for (shape, launch, count) in freeTargets {
            while (free[shape]?.count ?? 0) < count, !Task.isCancelled {
                guard let instance = try? await factory.start(shape, launch: launch, uid: nextSandboxUID(), ahead: true) else {
                    break
                }
                free[shape, default: []].append(instance)
                started += 1
            }
        }
        return started
    }

    /// What a version runs on: the installed runtime and the shape of instance it needs.
    struct Plan {
        var runtime: String
        var launch: RuntimeRegistry.Launch
        var shape: InstanceShape
    }

    func plan(_ target: InvocationTarget) throws -> Plan {
        let version = target.version
        guard let runtime = version.runtime, let launch = registry.launch(for: runtime) else {
            throw LambdaError(
                code: "InvalidRuntimeException", status: 502,
                message: "The runtime parameter of \(version.runtime ?? "none") is not supported by this Nimbus server.",
                messageKey: .upper)
        }
        let zygote = launch.zygote.acceptsInProcess(version.environment ?? [:]) ? launch.zygote : .exec
        let shape = InstanceShape(runtime: launch.name, zygote: zygote, ephemeralStorageMB: version.ephemeralStorage)
        return Plan(runtime: runtime, launch: launch, shape: shape)
    }

    /// Code packages up to this size (zip bytes; at most ≈ 200 entries, typically a handful) are linked into
    /// a waiting instance on the invocation's own executor, an event loop: a pool hit then skips two thread
    /// hops (≈ 0.3 ms) at the price of a few system calls per file (≈ 2 ms at worst). Larger packages, and
    /// every spawn, run on the global pool.
    static let inPlaceAssignmentLimit = 16_384

    /// Starts `key`'s sandbox for an invocation: in place when a free instance waits and the code is small,
    /// on the global pool otherwise (`offLoop`).
    func startForInvocation(_ key: Key, _ target: InvocationTarget) async throws -> Warm {
        if target.version.code.codeSize <= Self.inPlaceAssignmentLimit, let plan = try? plan(target),
            let instance = takeFree(plan.shape)
        {
            return try await place(key, target, plan, on: instance, initialization: "on-demand")
        }
        return try await offLoop { try await self.start(key, target) }
    }

    /// Hands `target`'s version to `instance` (stopped, off the event loop, if that fails).
    func place(_ key: Key, _ target: InvocationTarget, _ plan: Plan, on instance: Instance, initialization: String)
        async throws -> Warm
    {
        do {
            try factory.assign(
                instance, target: target, launch: plan.launch, runtime: plan.runtime,
                code: taskDirectory(target.version), initialization: initialization)
        } catch {
            await offLoop { await instance.stop() }
            throw Self.startFailure(error)
        }
        let warm = Warm(key: key, instance: instance, memory: target.version.memorySize)
        warm.session.onExitWhileIdle { [weak self, weak warm] in
            guard let self, let warm else { return }
            Task { await self.idleSandboxExited(warm) }
        }
        return warm
    }

    static func startFailure(_ error: any Error) -> LambdaError {
        LambdaError(
            code: "ServiceException", status: 500, message: "The sandbox could not be started: \(error)",
            messageKey: .upper, type: "Service")
    }

    /// Waits until a free instance is taken or `timeout` passes.
    func waitForTake(timeout: Duration) async { await freeTaken.wait(timeout: timeout) }
}
