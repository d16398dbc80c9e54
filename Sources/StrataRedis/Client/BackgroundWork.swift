import StrataSync

/// The background work of one client: its health-check loop, connections being opened for
/// waiting callers, client tracking's pings and reconnects.
///
/// While ``RedisClient/run()`` runs, every job is a child task of its task group, so cancelling
/// `run()` cancels them all (structured concurrency, the shape swift-service-lifecycle expects).
/// Without `run()`, jobs run in tasks of their own that this object keeps track of, and
/// ``cancelAll()`` (from `shutdown()`, or when the client is dropped) cancels them. Jobs hold the
/// client's parts weakly, so a dropped client is freed.
final class BackgroundWork: Sendable {
    typealias Job = @Sendable () async -> Void

    private enum Mode {
        /// No `run()`: jobs get tasks of their own.
        case detached
        /// `run()` is running: jobs go to its task group.
        case attached(AsyncStream<Job>.Continuation)
        /// Shut down: nothing starts any more.
        case finished
    }

    private struct State {
        var mode = Mode.detached
        var tasks: [UInt64: Task<Void, Never>] = [:]
        var nextID: UInt64 = 0
        /// The task of the client's own loop while it runs detached.
        var loopTask: Task<Void, Never>?
    }

    private let state = StrataMutex(State())
    /// The client's own long-lived loop (health checks), run by `run()` or detached.
    private let loop: Job

    init(loop: @escaping Job) {
        self.loop = loop
    }

    /// Starts the client's loop in a task of its own, unless `run()` runs it (or started already).
    func startLoopIfDetached() {
        state.withLock { s in
            guard case .detached = s.mode, s.loopTask == nil else { return }
            // Cancelled by `run()` (which runs the loop itself), `cancelAll()` or the client's deinit.
            s.loopTask = Task { await self.loop() }
        }
    }

    /// Starts `job`: in `run()`'s task group when `run()` is running, else in a task of its own.
    func spawn(_ job: @escaping Job) {
        state.withLock { s in
            switch s.mode {
            case .finished:
                return
            case .attached(let continuation):
                // `run()`'s task was cancelled and its stream ended before `run()` returned: the job
                // runs detached instead of being lost.
                if case .terminated = continuation.yield(job) { startDetached(job, in: &s) }
            case .detached:
                startDetached(job, in: &s)
            }
        }
    }

    private func startDetached(_ job: @escaping Job, in s: inout State) {
        s.nextID += 1
        let id = s.nextID
        // Created under the lock, so its own removal (which takes the lock) comes after its
        // insertion. Cancelled by `cancelAll()`.
        s.tasks[id] = Task {
            await job()
            self.state.withLock { _ = $0.tasks.removeValue(forKey: id) }
        }
    }

    /// Runs the client's loop and every job spawned from now on, until the calling task is
    /// cancelled. Returns `false` at once if `run()` already runs or the client is shut down.
    func run() async -> Bool {
        let (stream, continuation) = AsyncStream<Job>.makeStream()
        let loopTask = state.withLock { s -> Task<Void, Never>?? in
            guard case .detached = s.mode else { return nil }
            s.mode = .attached(continuation)
            defer { s.loopTask = nil }
            return .some(s.loopTask)
        }
        guard let loopTask else { return false }
        loopTask?.cancel()
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.loop() }
            // Ends when the task running `run()` is cancelled (or `cancelAll()` finishes the stream).
            for await job in stream {
                group.addTask { await job() }
            }
            group.cancelAll()
        }
        state.withLock { s in
            if case .attached = s.mode { s.mode = .detached }
        }
        return true
    }

    /// Cancels every job and stops accepting new ones.
    func cancelAll() {
        let (tasks, continuation) = state.withLock { s -> ([Task<Void, Never>], AsyncStream<Job>.Continuation?) in
            var continuation: AsyncStream<Job>.Continuation?
            if case .attached(let attached) = s.mode { continuation = attached }
            s.mode = .finished
            defer {
                s.tasks = [:]
                s.loopTask = nil
            }
            return (Array(s.tasks.values) + [s.loopTask].compactMap { $0 }, continuation)
        }
        for task in tasks { task.cancel() }
        continuation?.finish()
    }
}
