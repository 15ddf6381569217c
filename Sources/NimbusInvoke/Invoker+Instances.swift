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

    /// Waits until a free instance is taken or `timeout` passes.
    func waitForTake(timeout: Duration) async { await freeTaken.wait(timeout: timeout) }
}
