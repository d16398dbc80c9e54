import Glibc
import Synchronization

/// What the event loop calls when a registered socket is ready, and on every tick.
protocol RedisEventHandler: AnyObject, Sendable {
    /// The socket has bytes to read, or was closed by the peer.
    func readable()
    /// The socket can take more bytes after a write would have blocked.
    func writable()
    /// Fails whatever has waited past its deadline.
    func checkDeadlines(now: ContinuousClock.Instant)
}

/// One I/O thread running `poll(2)` over many connections: it reads and parses replies, resumes
/// the callers waiting for them, finishes writes that would have blocked, and enforces timeouts.
///
/// Callers write on their own threads (no hop to send) and are resumed from here (one hop to
/// receive), so a command costs at most one thread hop. `poll` rather than `epoll`: the Glibc
/// module does not expose epoll, the loop serves a handful of sockets, and it keeps Strata free of
/// C shims.
final class RedisEventLoop: Sendable {
    /// The loop shared by every client in the process; its thread lives as long as the process.
    static let shared = RedisEventLoop()

    /// How often the loop wakes to check deadlines when nothing else wakes it.
    static let tick: Duration = .milliseconds(5)

    private struct Registration {
        var handler: any RedisEventHandler
        var wantsWrite: Bool
    }

    private struct Registry {
        var entries: [Int32: Registration] = [:]
        var version = 0
    }

    private let wakeRead: Int32
    private let wakeWrite: Int32
    private let registry = Mutex(Registry())
    private let posted = Mutex<[@Sendable () -> Void]>([])

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

    /// Starts watching `fd` for reads (and peer hang-ups).
    func register(_ fd: Int32, handler: any RedisEventHandler) {
        registry.withLock {
            $0.entries[fd] = Registration(handler: handler, wantsWrite: false)
            $0.version += 1
        }
        wake()
    }

    /// Also watches `fd` for writability (while a write is blocked), or stops doing so.
    func watchWritable(_ fd: Int32, _ watch: Bool) {
        let changed = registry.withLock { r -> Bool in
            guard r.entries[fd] != nil, r.entries[fd]!.wantsWrite != watch else { return false }
            r.entries[fd]!.wantsWrite = watch
            r.version += 1
            return true
        }
        if changed && watch { wake() }
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
        posted.withLock { $0.append(block) }
        wake()
    }

    private func wake() {
        var byte: UInt8 = 1
        _ = write(wakeWrite, &byte, 1)
    }

    private func run() {
        var descriptors: [pollfd] = []
        var handlers: [(any RedisEventHandler)?] = []
        var seenVersion = -1
        var lastCheck = ContinuousClock.now
        let tickMilliseconds = Int32(Self.tick.seconds * 1000)
        var drain = [UInt8](repeating: 0, count: 256)
        while true {
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
            let ready = poll(&descriptors, nfds_t(descriptors.count), tickMilliseconds)
            if ready < 0 && errno != EINTR { fatalError("poll: \(String(cString: strerror(errno)))") }
            if ready > 0 {
                for i in descriptors.indices where descriptors[i].revents != 0 {
                    let revents = descriptors[i].revents
                    descriptors[i].revents = 0
                    guard let handler = handlers[i] else {
                        while read(wakeRead, &drain, drain.count) > 0 {}
                        let blocks = posted.withLock { blocks in
                            defer { blocks.removeAll(keepingCapacity: true) }
                            return blocks
                        }
                        for block in blocks { block() }
                        continue
                    }
                    if revents & (Int16(POLLIN) | Int16(POLLHUP) | Int16(POLLERR)) != 0 {
                        handler.readable()
                    }
                    if revents & Int16(POLLOUT) != 0 {
                        handler.writable()
                    }
                }
            }
            let now = ContinuousClock.now
            if now - lastCheck >= Self.tick {
                lastCheck = now
                for case let handler? in handlers {
                    handler.checkDeadlines(now: now)
                }
            }
        }
    }
}
