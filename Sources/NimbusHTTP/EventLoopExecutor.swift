import NIOCore

/// Runs a task's jobs on one NIO event loop, so a request is answered on the loop that read it, with no
/// hand-off to the concurrency pool and back. Only for work that blocks briefly, if at all: the loop also
/// serves other connections.
final class EventLoopExecutor: TaskExecutor {
    let loop: any EventLoop

    init(_ loop: any EventLoop) { self.loop = loop }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        loop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
