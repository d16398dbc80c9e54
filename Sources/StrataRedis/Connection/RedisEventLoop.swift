import Glibc
import StrataSync
import Synchronization

/// What the event loop calls when a registered socket is ready, and on every tick.
protocol RedisEventHandler: AnyObject, Sendable {
    /// The socket has bytes to read, or was closed by the peer.
    func readable()
    /// The socket can take more bytes after a write would have blocked.
    func writable()
    /// Fails whatever has waited past its deadline (`now` in `CoarseClock` milliseconds).
    func checkDeadlines(now: Int64)
}

/// One I/O thread running `poll(2)` over many connections: it reads and parses replies, resumes
/// the callers waiting for them, finishes writes that would have blocked, and enforces timeouts.
///
/// Callers write on their own threads (no hop to send) and are resumed from here (one hop to
/// receive), so a command costs at most one thread hop. The loop is also a `TaskExecutor`: a task
/// that prefers it (`withTaskExecutorPreference(client.executor)`) is resumed right here, on the
/// I/O thread, with no hop at all, and the commands it sends next are flushed together when the
/// ready tasks have run.
///
/// `poll` rather than `epoll`: the Glibc module does not expose epoll, the loop serves a handful of
/// sockets, and it keeps Strata free of C shims.
final class RedisEventLoop: TaskExecutor, @unchecked Sendable {
    /// The loop shared by every client in the process; its thread lives as long as the process.
    static let shared = RedisEventLoop()

    /// How often the loop wakes to check deadlines when nothing else wakes it.
    static let tick: Duration = .milliseconds(5)

    /// How many jobs run between two looks at the sockets, so tasks cannot starve I/O.
    static let jobsPerRound = 512
    /// Within a round, queued writes go out after this many jobs.
    static let jobsPerEarlyFlush = 16

    private struct Registration {
        var handler: any RedisEventHandler
        var wantsWrite: Bool
    }

    private struct Registry {
        var entries: [Int32: Registration] = [:]
        var version = 0
    }

    private struct Inbox {
        var jobs: [UnownedJob] = []
        var blocks: [@Sendable () -> Void] = []
    }

    /// State only the loop thread touches. Its accesses never overlap (the loop copies `flushes`
    /// before flushing, as a flush may queue another), so they skip the runtime's exclusivity
    /// bookkeeping, which cost more than the loop's own work per job.
    private final class Local {
        @exclusivity(unchecked) var jobs = RingBuffer<UnownedJob>(capacity: 1024)
        @exclusivity(unchecked) var flushes: [RedisConnection] = []
    }

    private let wakeRead: Int32
    private let wakeWrite: Int32
    private let wakePending = Atomic<Bool>(false)
    private let loopThread = Atomic<UInt>(0)
    private let registry = StrataMutex(Registry())
    private let inbox = StrataMutex(Inbox())
    private let local = Local()

    private init() {
        var fds: [Int32] = [0, 0]
        let created = pipe(&fds)
        precondition(created == 0, "cannot create the event loop's wake pipe: \(String(cString: strerror(errno)))")
        for fd in fds {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        wakeRead = fds[0]
        wakeWrite = fds[1]
        let box = Unmanaged.passRetained(self).toOpaque()
        var thread = pthread_t()
        let started = pthread_create(
            &thread, nil,
            { raw in
                let loop = Unmanaged<RedisEventLoop>.fromOpaque(raw!).takeRetainedValue()
                loop.run()
                return nil
            }, box)
        precondition(started == 0, "cannot start the event loop thread")
        pthread_detach(thread)
    }

    /// Whether the caller runs on the loop's thread.
    var inLoopThread: Bool { loopThread.load(ordering: .relaxed) == UInt(pthread_self()) }

    // MARK: TaskExecutor

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        if inLoopThread {
            local.jobs.append(job)
        } else {
            inbox.withLock { $0.jobs.append(job) }
            wake()
        }
    }

    // MARK: Sockets

    /// Starts watching `fd` for reads (and peer hang-ups).
    func register(_ fd: Int32, handler: any RedisEventHandler) {
        registry.withLock {
            $0.entries[fd] = Registration(handler: handler, wantsWrite: false)
            $0.version += 1
        }
        if !inLoopThread { wake() }
    }

    /// Also watches `fd` for writability (while a write is blocked), or stops doing so.
    func watchWritable(_ fd: Int32, _ watch: Bool) {
        let changed = registry.withLock { r -> Bool in
            guard r.entries[fd] != nil, r.entries[fd]!.wantsWrite != watch else { return false }
            r.entries[fd]!.wantsWrite = watch
            r.version += 1
            return true
        }
        if changed && watch && !inLoopThread { wake() }
    }

    /// Stops watching `fd` and closes it, on the loop thread so no `poll` or read races the close.
    func deregisterAndClose(_ fd: Int32) {
        post { [self] in
            registry.withLock {
                $0.entries.removeValue(forKey: fd)
                $0.version += 1
            }
            SystemCall.close(fd)
        }
    }

    /// Runs `block` on the loop thread soon.
    func post(_ block: @escaping @Sendable () -> Void) {
        inbox.withLock { $0.blocks.append(block) }
        wake()
    }

    /// Writes the connections whose flush was deferred to this point (loop thread only).
    private func flushQueued() {
        guard !local.flushes.isEmpty else { return }
        let flushes = local.flushes
        local.flushes.removeAll(keepingCapacity: true)
        for connection in flushes { connection.flush() }
    }

    /// Flushes `connection` once the tasks ready on this loop have run (loop thread only).
    func flushSoon(_ connection: RedisConnection) {
        local.flushes.append(connection)
    }

    private func wake() {
        guard !wakePending.exchange(true, ordering: .acquiringAndReleasing) else { return }
        var byte: UInt8 = 1
        _ = write(wakeWrite, &byte, 1)
    }

    // MARK: The loop

    private func run() {
        loopThread.store(UInt(pthread_self()), ordering: .relaxed)
        let executor = asUnownedTaskExecutor()
        var descriptors: [pollfd] = []
        var handlers: [(any RedisEventHandler)?] = []
        var seenVersion = -1
        var lastCheck = CoarseClock.milliseconds
        let tickMilliseconds = Int64(Self.tick.seconds * 1000)
        var drain = [UInt8](repeating: 0, count: 256)
        while true {
            // Work handed in from other threads.
            if wakePending.load(ordering: .acquiring) {
                while read(wakeRead, &drain, drain.count) > 0 {}
                wakePending.store(false, ordering: .releasing)
                let inbound = inbox.withLock { inbox in
                    defer { inbox = Inbox() }
                    return inbox
                }
                for job in inbound.jobs { local.jobs.append(job) }
                for block in inbound.blocks { block() }
            }
            // Tasks that prefer this executor, then the writes they queued.
            var ran = 0
            while ran < Self.jobsPerRound, let job = local.jobs.popFirst() {
                job.runSynchronously(on: executor)
                ran += 1
                // Part of a long round goes out early, so the server works on it while the rest
                // of the round runs here.
                if ran % Self.jobsPerEarlyFlush == 0 { flushQueued() }
            }
            flushQueued()

            let snapshot = registry.withLock { r -> [(Int32, Registration)]? in
                guard r.version != seenVersion else { return nil }
                seenVersion = r.version
                return r.entries.map { ($0.key, $0.value) }
            }
            if let snapshot {
                descriptors = [pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)]
                handlers = [nil]
                for (fd, registration) in snapshot {
                    let events = Int16(POLLIN) | (registration.wantsWrite ? Int16(POLLOUT) : 0)
                    descriptors.append(pollfd(fd: fd, events: events, revents: 0))
                    handlers.append(registration.handler)
                }
            }
            let busy = !local.jobs.isEmpty || !local.flushes.isEmpty
            let ready = poll(&descriptors, nfds_t(descriptors.count), busy ? 0 : Int32(tickMilliseconds))
            if ready < 0 && errno != EINTR { fatalError("poll: \(String(cString: strerror(errno)))") }
            if ready > 0 {
                for i in descriptors.indices where descriptors[i].revents != 0 {
                    let revents = descriptors[i].revents
                    descriptors[i].revents = 0
                    guard let handler = handlers[i] else { continue }  // the wake pipe: handled above
                    if revents & (Int16(POLLIN) | Int16(POLLHUP) | Int16(POLLERR)) != 0 {
                        handler.readable()
                    }
                    if revents & Int16(POLLOUT) != 0 {
                        handler.writable()
                    }
                }
            }
            let now = CoarseClock.milliseconds
            if now - lastCheck >= tickMilliseconds {
                lastCheck = now
                for case let handler? in handlers {
                    handler.checkDeadlines(now: now)
                }
            }
        }
    }
}
