import Foundation
import NimbusModel
import NimbusStore
import Synchronization

extension QueueService {
    /// StartMessageMoveTask: moves the messages of a dead-letter queue to `destinationArn`, or back to
    /// each message's source queue, in the background. One running task per source queue.
    public func startMoveTask(sourceArn: String, destinationArn: String?, maxPerSecond: Int?, caller: QueueCaller)
        async throws -> String
    {
        guard let sourceARN = QueueARN(sourceArn), sourceARN.accountId == caller.accountId,
            let source = try await queue(accountId: sourceARN.accountId, region: sourceARN.region, name: sourceARN.name)
        else { throw QueueError.resourceNotFound("The resource that you specified for the SourceArn parameter doesn't exist.") }
        guard try await !sources(of: source).isEmpty else {
            throw QueueError.invalidParameter("Source queue must be configured as a Dead Letter Queue.")
        }
        var destination: QueueRecord?
        if let destinationArn {
            guard let arn = QueueARN(destinationArn), arn.accountId == caller.accountId,
                let queue = try await queue(accountId: arn.accountId, region: arn.region, name: arn.name)
            else {
                throw QueueError.resourceNotFound("The resource that you specified for the DestinationArn parameter doesn't exist.")
            }
            destination = queue
        }
        if let maxPerSecond, !(1...500).contains(maxPerSecond) {
            throw QueueError.invalidValue(
                String(maxPerSecond), for: "MaxNumberOfMessagesPerSecond", reason: "Must be between 1 and 500.")
        }
        let counts = try await store.counts(queueId: source.id, now: now())
        let handle = Data("\(RandomID.uuid())|\(sourceArn)".utf8).base64EncodedString()
        let task = MessageMoveTask(
            handle: handle, status: "RUNNING", sourceArn: sourceArn, destinationArn: destinationArn,
            maxPerSecond: maxPerSecond, moved: 0, toMove: counts.visible + counts.inFlight + counts.delayed,
            failureReason: nil, startedAt: now())
        let started = moveTasks.withLock { tasks -> Bool in
            if tasks.values.contains(where: { $0.sourceArn == sourceArn && $0.status == "RUNNING" }) { return false }
            tasks[handle] = task
            return true
        }
        guard started else {
            throw QueueError.unsupported(
                "There is already a task running. Only one active task is allowed for a source queue arn at a given time.")
        }
        Task { await self.runMoveTask(handle, source: source, destination: destination) }
        return handle
    }

    /// ListMessageMoveTasks: the tasks of a source queue, newest first.
    public func moveTasks(sourceArn: String, maxResults: Int?, caller: QueueCaller) async throws -> [MessageMoveTask] {
        guard let arn = QueueARN(sourceArn), arn.accountId == caller.accountId,
            try await queue(accountId: arn.accountId, region: arn.region, name: arn.name) != nil
        else { throw QueueError.resourceNotFound("The resource that you specified for the SourceArn parameter doesn't exist.") }
        let limit = maxResults ?? 1
        guard (1...10).contains(limit) else {
            throw QueueError.invalidValue(String(limit), for: "MaxResults", reason: "Must be between 1 and 10.")
        }
        let tasks = moveTasks.withLock { Array($0.values) }.filter { $0.sourceArn == sourceArn }
        return Array(tasks.sorted { $0.startedAt > $1.startedAt }.prefix(limit))
    }

    /// CancelMessageMoveTask: stops a running task, returning how many messages it moved.
    public func cancelMoveTask(handle: String, caller: QueueCaller) async throws -> Int {
        let moved = moveTasks.withLock { tasks -> Int? in
            guard var task = tasks[handle], task.status == "RUNNING",
                QueueARN(task.sourceArn)?.accountId == caller.accountId
            else { return nil }
            task.status = "CANCELLING"
            tasks[handle] = task
            return task.moved
        }
        guard let moved else { throw QueueError.resourceNotFound("Task does not exist.") }
        return moved
    }

    private func runMoveTask(_ handle: String, source: QueueRecord, destination: QueueRecord?) async {
        let batch = 10
        do {
            while true {
                let status = moveTasks.withLock { $0[handle]?.status }
                if status == "CANCELLING" {
                    update(handle) { $0.status = "CANCELLED" }
                    return
                }
                var targets: [String: Int64] = [:]
                if destination == nil {
                    // Back to each message's source queue, looked up by ARN among the account's queues.
                    let queues = try await store.queues(
                        accountId: source.accountId, region: source.region, prefix: "", after: nil, limit: Int.max)
                    for queue in queues where queue.id != source.id { targets[arn(queue).description] = queue.id }
                }
                let resolved = targets
                let moved = try await store.moveMessages(from: source.id, limit: batch, now: now()) { message in
                    destination?.id ?? message.deadLetterSourceArn.flatMap { resolved[$0] }
                }
                if moved == 0 {
                    update(handle) { $0.status = "COMPLETED" }
                    return
                }
                update(handle) { $0.moved += moved }
                if let destination { waiters.wake(destination.id) } else { resolved.values.forEach(waiters.wake) }
                if let rate = moveTasks.withLock({ $0[handle]?.maxPerSecond }) {
                    try await Task.sleep(for: .milliseconds(1000 * moved / rate))
                }
            }
        } catch {
            update(handle) {
                $0.status = "FAILED"
                $0.failureReason = "\(error)"
            }
        }
    }

    private func update(_ handle: String, _ change: (inout MessageMoveTask) -> Void) {
        moveTasks.withLock { tasks in
            if var task = tasks[handle] {
                change(&task)
                tasks[handle] = task
            }
        }
    }
}
