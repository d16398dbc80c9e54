import Glibc
import StrataRESP
import StrataSync
import Synchronization

/// One socket to one server, shared by many concurrent callers.
///
/// Callers encode their command into the shared output buffer under a short lock; the first one
/// that finds no write under way writes everything buffered, in a loop, while later callers keep
/// appending: commands that arrive during a write leave together in the next one (automatic
/// pipelining). Replies are read by the event loop in 64 KiB reads, many parsed per read, and
/// matched to callers in order.
///
/// A caller whose command times out or is cancelled gives up its place without closing anything:
/// it fails at once, its reply is read and dropped when it arrives, and the other callers keep
/// theirs. The connection closes only when its reply stream can no longer be trusted (invalid
/// RESP, a reply nobody asked for), when the server has sent nothing for ``Limits/stallTimeout``
/// while replies are owed, or when more than ``Limits/maximumAbandonedReplies`` replies are owed
/// to callers that gave up.
package final class RedisConnection: RedisEventHandler, Sendable {
    /// A caller waiting for a reply, in send order. `waiter` is `nil` once the caller gave up.
    struct Slot: Sendable {
        var id: UInt64
        var waiter: Waiter?
        /// `CoarseClock` milliseconds; `Int64.max` for none (a plain integer keeps the slot small).
        var deadline: Int64
        /// From when (`CoarseClock` milliseconds) the server's silence counts as a stall: when the
        /// command was sent, plus how long a blocking command may legitimately wait.
        var quietUntil: Int64
    }

    /// When the connection gives up on its server.
    struct Limits: Sendable {
        /// Close when the server has sent nothing for this long while replies are owed
        /// (milliseconds; `nil`: never).
        var stallTimeout: Int64?
        /// Close when more replies than this are owed to callers that gave up.
        var maximumAbandonedReplies: Int

        static let `default` = Limits(stallTimeout: 10_000, maximumAbandonedReplies: 4096)

        init(stallTimeout: Int64?, maximumAbandonedReplies: Int) {
            self.stallTimeout = stallTimeout
            self.maximumAbandonedReplies = maximumAbandonedReplies
        }

        init(_ configuration: RedisConfiguration) {
            stallTimeout = configuration.stallTimeout.map { CoarseClock.milliseconds($0) }
            maximumAbandonedReplies = configuration.maximumAbandonedReplies
        }
    }

    private enum Writer {
        case idle
        /// A thread is inside `send(2)`.
        case active
        /// A write would have blocked; the event loop finishes it when the socket is writable.
        case blocked
    }

    private struct State: Sendable {
        var output = RESPEncoder(reservingCapacity: 16 * 1024)
        var spare: [UInt8] = []
        var unsent: [UInt8] = []
        var writer = Writer.idle
        var pending = RingBuffer<Slot>(capacity: 64)
        var closeError: RedisClientError?
        var fdClosed = false
        var nextDeadline: Int64?
        /// `CoarseClock` milliseconds.
        var lastActivity = CoarseClock.milliseconds
        /// When the server last sent anything (`CoarseClock` milliseconds).
        var lastReceived = CoarseClock.milliseconds
        /// Pending slots whose caller gave up.
        var abandoned = 0
    }

    /// State touched only by the event loop thread, one access at a time (so without the
    /// runtime's exclusivity bookkeeping, which cost more per reply than parsing a small one).
    private final class ReaderState: @unchecked Sendable {
        @exclusivity(unchecked) var parser: RESPParser
        let buffer: UnsafeMutableRawBufferPointer
        @exclusivity(unchecked) var replies: [RESPValue] = []
        @exclusivity(unchecked) var resumptions: [(Waiter, RESPValue)] = []

        init(limits: RESPParser.Limits) {
            parser = RESPParser(mode: .values, limits: limits)
            buffer = .allocate(byteCount: 64 * 1024, alignment: 16)
        }

        deinit { buffer.deallocate() }
    }

    private static let ids = Atomic<UInt64>(0)
    private static let connectionIDs = Atomic<Int>(0)

    /// A number for logs and tests.
    let id: Int
    let fd: Int32
    let endpoint: RedisConfiguration.Endpoint
    let loop: RedisEventLoop
    let limits: Limits
    /// When set, every value read is handed here (subscriber connections in RESP2 and RESP3).
    private let messageHandler = StrataMutex<(@Sendable (RESPValue) -> Void)?>(nil)
    /// Where RESP3 push messages go on an ordinary connection.
    let pushHandler: (@Sendable (RESPValue) -> Void)?
    /// Called once, after the connection closed for any reason.
    let closeHandler: (@Sendable (RedisClientError) -> Void)?
    /// Hears that the connection opened and closed.
    let observer: (any StrataObserver)?
    /// 0: not reported open yet; 1: reported open; 2: closed (reported closed if it was reported
    /// open). Only a connection reported open is reported closed, exactly once.
    private let announced = Atomic<Int>(0)
    private let state = StrataMutex(State())
    private let reader: ReaderState
    private let protocolVersionStorage = Atomic<Int>(2)
    private let commandsSent = Atomic<Int>(0)
    private let inFlightCount = Atomic<Int>(0)
    /// Set when the connection closes, before any waiter hears of it, so the pool stops handing
    /// it out without taking the state lock.
    private let closedFlag = Atomic<Bool>(false)
    private let writeCalls = Atomic<Int>(0)
    /// The version of the pool's setup this connection ran (client tracking); set when the pool
    /// admits it, read when a lease comes back.
    let poolSetupVersion = Atomic<Int>(-1)

    /// The protocol negotiated by the handshake.
    var protocolVersion: RESPVersion {
        get { protocolVersionStorage.load(ordering: .relaxed) == 3 ? .resp3 : .resp2 }
        set { protocolVersionStorage.store(newValue.rawValue, ordering: .relaxed) }
    }

    init(
        fd: Int32,
        endpoint: RedisConfiguration.Endpoint,
        loop: RedisEventLoop = .shared,
        limits: Limits = .default,
        parserLimits: RESPParser.Limits = .default,
        pushHandler: (@Sendable (RESPValue) -> Void)? = nil,
        closeHandler: (@Sendable (RedisClientError) -> Void)? = nil,
        observer: (any StrataObserver)? = nil
    ) {
        self.observer = observer
        self.id = Self.connectionIDs.add(1, ordering: .relaxed).newValue
        self.fd = fd
        self.endpoint = endpoint
        self.loop = loop
        self.limits = limits
        self.pushHandler = pushHandler
        self.closeHandler = closeHandler
        self.reader = ReaderState(limits: parserLimits)
        loop.register(fd, handler: self)
    }

    /// From now on, every value read goes to `handler` instead of waiting callers. For subscriber
    /// connections, switched on after the handshake while nothing is in flight.
    func enterMessageMode(_ handler: @escaping @Sendable (RESPValue) -> Void) {
        messageHandler.withLock { $0 = handler }
    }

    /// Whether the connection has closed (it is then never reused).
    var isClosed: Bool { closedFlag.load(ordering: .acquiring) }

    /// Commands waiting for their reply (abandoned ones included: their replies are still owed).
    var inFlight: Int { inFlightCount.load(ordering: .relaxed) }

    /// Replies owed to callers that gave up.
    var abandonedReplies: Int { state.withLock { $0.abandoned } }

    /// How long ago a command was last sent or a reply last received.
    var idleTime: Duration { .milliseconds(CoarseClock.milliseconds - state.withLock { $0.lastActivity }) }

    /// Commands sent and `send(2)` calls made, for tests that observe pipelining.
    var counters: (commands: Int, writes: Int) {
        (commandsSent.load(ordering: .relaxed), writeCalls.load(ordering: .relaxed))
    }

    // MARK: Sending

    /// Sends one command and waits for its reply.
    ///
    /// - Parameters:
    ///   - timeout: how long to wait for the reply; `nil` waits until the connection closes.
    ///   - blocking: how long the server may legitimately stay silent before answering (a blocking
    ///     command's own timeout), during which the connection does not count as stalled.
    ///   - encode: writes the command into the connection's buffer.
    func send(
        timeout: Duration?,
        blocking: Duration? = nil,
        _ encode: (inout RESPEncoder) -> Void
    ) async throws -> RESPValue {
        let id = Self.ids.add(1, ordering: .relaxed).newValue
        return try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<RESPValue, any Error>) in
                let now = CoarseClock.milliseconds
                enqueue(
                    Slot(
                        id: id, waiter: .single(continuation),
                        deadline: timeout.map { now + CoarseClock.milliseconds($0) } ?? .max,
                        quietUntil: blocking.map { now + CoarseClock.milliseconds($0) } ?? now), encode)
                if Task.isCancelled {
                    abandon(id, with: RedisClientError(.cancelled, "the task was cancelled"))
                }
            }
        } onCancel: {
            abandon(id, with: RedisClientError(.cancelled, "the task was cancelled"))
        }
    }

    /// Sends several commands in one write and waits for all their replies, in order.
    /// Each element of the result is the reply or the error for that command.
    func sendBatch(
        count: Int,
        timeout: Duration?,
        blocking: Duration? = nil,
        _ encode: (inout RESPEncoder) -> Void
    ) async throws -> [RESPValue] {
        guard count > 0 else { return [] }
        // All commands go into the buffer under one lock, so they leave together and stay adjacent.
        let batch = BatchCollector(count: count)
        let id = Self.ids.add(UInt64(count), ordering: .relaxed).newValue - UInt64(count) + 1
        return try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<[RESPValue], any Error>) in
                batch.install(continuation)
                let now = CoarseClock.milliseconds
                enqueueBatch(
                    firstID: id, count: count,
                    deadline: timeout.map { now + CoarseClock.milliseconds($0) } ?? .max,
                    quietUntil: blocking.map { now + CoarseClock.milliseconds($0) } ?? now, collector: batch,
                    encode)
                if Task.isCancelled { abandonBatch() }
            }
        } onCancel: {
            abandonBatch()
        }
        @Sendable func abandonBatch() {
            _ = abandon(id..<(id + UInt64(count)))
            batch.fail(RedisClientError(.cancelled, "the task was cancelled"))
        }
    }

    /// Sends a command that has no in-band reply (subscriber connections: confirmations arrive as messages).
    func sendWithoutReply(_ encode: (inout RESPEncoder) -> Void) throws(RedisClientError) {
        let shouldWrite = try state.withLock { s throws(RedisClientError) -> Bool in
            if let error = s.closeError { throw error.notSent }
            encode(&s.output)
            s.lastActivity = CoarseClock.milliseconds
            guard case .idle = s.writer else { return false }
            s.writer = .active
            return true
        }
        commandsSent.add(1, ordering: .relaxed)
        if shouldWrite { flush() }
    }

    private func enqueue(_ slot: Slot, _ encode: (inout RESPEncoder) -> Void) {
        let decision = state.withLock { s -> Result<WriteTiming, RedisClientError> in
            if let error = s.closeError { return .failure(error) }
            encode(&s.output)
            s.pending.append(slot)
            inFlightCount.add(1, ordering: .relaxed)
            s.lastActivity = CoarseClock.milliseconds
            if slot.deadline != .max, s.nextDeadline.map({ slot.deadline < $0 }) ?? true {
                s.nextDeadline = slot.deadline
            }
            guard case .idle = s.writer else { return .success(.none) }
            s.writer = .active
            // Alone on the connection: write now, for the lowest latency. With other commands in
            // flight, their callers are about to send more: write a moment later, together.
            return .success(s.pending.count > 1 ? .later : .now)
        }
        switch decision {
        case .failure(let error):
            slot.waiter?.fail(error.notSent)
        case .success(let write):
            commandsSent.add(1, ordering: .relaxed)
            switch write {
            case .now: flush()
            case .later:
                if loop.inLoopThread { loop.flushSoon(self) } else { Task { self.flush() } }
            case .none: break
            }
        }
    }

    /// When the caller that enqueued a command writes it.
    private enum WriteTiming {
        /// Another caller is writing and will take this command along.
        case none
        case now
        /// After the tasks that are ready to run have had their turn to enqueue.
        case later
    }

    private func enqueueBatch(
        firstID: UInt64,
        count: Int,
        deadline: Int64,
        quietUntil: Int64,
        collector: BatchCollector,
        _ encode: (inout RESPEncoder) -> Void
    ) {
        let decision = state.withLock { s -> Result<Bool, RedisClientError> in
            if let error = s.closeError { return .failure(error) }
            encode(&s.output)
            inFlightCount.add(count, ordering: .relaxed)
            for offset in 0..<count {
                s.pending.append(
                    Slot(
                        id: firstID + UInt64(offset), waiter: .batch(collector, offset), deadline: deadline,
                        quietUntil: quietUntil))
            }
            s.lastActivity = CoarseClock.milliseconds
            if deadline != .max, s.nextDeadline.map({ deadline < $0 }) ?? true { s.nextDeadline = deadline }
            guard case .idle = s.writer else { return .success(false) }
            s.writer = .active
            return .success(true)
        }
        switch decision {
        case .failure(let error):
            collector.fail(error.notSent)
        case .success(let shouldWrite):
            commandsSent.add(count, ordering: .relaxed)
            if shouldWrite { flush() }
        }
    }

    /// Writes everything buffered, looping while callers keep appending. Called by the caller that
    /// took the writer role, or by the event loop once a blocked socket is writable.
    func flush() {
        var chunk: [UInt8] = []
        while true {
            let next = state.withLock { s -> [UInt8]? in
                if !chunk.isEmpty || chunk.capacity > s.spare.capacity {
                    chunk.removeAll(keepingCapacity: true)
                    s.spare = chunk
                }
                if s.closeError != nil {
                    s.writer = .idle
                    return nil
                }
                if !s.unsent.isEmpty {
                    defer { s.unsent = [] }
                    return s.unsent
                }
                guard !s.output.buffer.isEmpty else {
                    s.writer = .idle
                    return nil
                }
                var taken = s.spare
                s.spare = []
                swap(&taken, &s.output.buffer)
                return taken
            }
            guard let bytes = next else {
                closeSocketIfDone()
                return
            }
            chunk = bytes
            switch writeAll(chunk) {
            case .done:
                continue
            case .blocked(let written):
                let blocked = state.withLock { s -> Bool in
                    guard s.closeError == nil else {
                        s.writer = .idle
                        return false
                    }
                    s.unsent = Array(chunk[written...])
                    s.writer = .blocked
                    return true
                }
                if blocked { loop.watchWritable(fd, true) } else { closeSocketIfDone() }
                return
            case .failed(let error):
                state.withLock { $0.writer = .idle }
                close(RedisClientError(.connectionClosed, "writing to \(endpoint) failed: \(error)"))
                return
            }
        }
    }

    private enum WriteOutcome {
        case done
        case blocked(written: Int)
        case failed(SystemCall.Failure)
    }

    private func writeAll(_ bytes: [UInt8]) -> WriteOutcome {
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                writeCalls.add(1, ordering: .relaxed)
                do throws(SystemCall.Failure) {
                    guard
                        let n = try SystemCall.run(
                            "send",
                            {
                                Glibc.send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                            })
                    else { return .blocked(written: offset) }
                    offset += n
                } catch {
                    return .failed(error)
                }
            }
            return .done
        }
    }

    func writable() {
        loop.watchWritable(fd, false)
        let resume = state.withLock { s -> Bool in
            guard case .blocked = s.writer else { return false }
            s.writer = .active
            return true
        }
        if resume { flush() }
    }

    // MARK: Receiving (event loop thread)

    func readable() {
        var closedBy: RedisClientError?
        var heardFromServer = false
        let handler = messageHandler.withLock { $0 }
        reading: while true {
            let n: Int
            do throws(SystemCall.Failure) {
                guard
                    let count = try SystemCall.run(
                        "recv", { recv(fd, reader.buffer.baseAddress!, reader.buffer.count, 0) })
                else { break reading }
                n = count
            } catch {
                closedBy = RedisClientError(.connectionClosed, "reading from \(endpoint) failed: \(error)")
                break
            }
            if n == 0 {
                closedBy = RedisClientError(.connectionClosed, "the server closed the connection (\(endpoint))")
                break
            }
            heardFromServer = true
            reader.parser.append(UnsafeRawBufferPointer(rebasing: reader.buffer[0..<n]))
            do throws(RESPProtocolError) {
                while let value = try reader.parser.next() {
                    if let handler {
                        handler(value)
                    } else if case .push = value, let pushHandler {
                        pushHandler(value)
                    } else {
                        reader.replies.append(value)
                    }
                }
            } catch {
                closedBy = .protocolViolation(error)
                break
            }
            if n < reader.buffer.count { break }
        }
        if heardFromServer && reader.replies.isEmpty {
            state.withLock { $0.lastReceived = CoarseClock.milliseconds }
        }
        deliverReplies()
        if let closedBy { close(closedBy) }
    }

    /// Matches parsed replies with the oldest waiting callers and resumes them outside the lock.
    private func deliverReplies() {
        guard !reader.replies.isEmpty else { return }
        let unmatched = state.withLock { s -> Int in
            s.lastActivity = CoarseClock.milliseconds
            s.lastReceived = s.lastActivity
            var unmatched = 0
            for reply in reader.replies {
                guard let slot = s.pending.popFirst() else {
                    unmatched += 1
                    continue
                }
                inFlightCount.subtract(1, ordering: .relaxed)
                if let waiter = slot.waiter {
                    reader.resumptions.append((waiter, reply))
                } else {
                    s.abandoned -= 1
                }
            }
            return unmatched
        }
        reader.replies.removeAll(keepingCapacity: true)
        // Consecutive replies for one batch are handed over under one lock.
        var index = 0
        let resumptions = reader.resumptions
        while index < resumptions.count {
            guard case .batch(let collector, _) = resumptions[index].0 else {
                resumptions[index].0.succeed(resumptions[index].1)
                index += 1
                continue
            }
            var end = index + 1
            while end < resumptions.count, case .batch(let next, _) = resumptions[end].0, next === collector {
                end += 1
            }
            collector.deliver(resumptions[index..<end])
            index = end
        }
        reader.resumptions.removeAll(keepingCapacity: true)
        if unmatched > 0 {
            close(
                RedisClientError(
                    .protocolError, "the server sent \(unmatched) replies nobody asked for; the connection was closed"))
        }
    }

    // MARK: Giving up

    /// Fails one waiting caller without closing the connection; its reply is dropped when it
    /// arrives.
    func abandon(_ id: UInt64, with error: RedisClientError) {
        abandon(id..<(id + 1)).first?.fail(error)
    }

    /// Gives up the slots with these IDs (a caller's batch) without closing the connection: their
    /// replies are dropped when they arrive. Returns the waiters that were still waiting.
    private func abandon(_ ids: Range<UInt64>) -> [Waiter] {
        let (waiters, overLimit) = state.withLock { s -> ([Waiter], Bool) in
            var waiters: [Waiter] = []
            // Slots are not in ID order (IDs are taken before the lock), so look at each.
            for i in 0..<s.pending.count where ids.contains(s.pending[i].id) {
                guard let waiter = s.pending[i].waiter else { continue }
                waiters.append(waiter)
                s.pending[i].waiter = nil
                s.abandoned += 1
            }
            return (waiters, s.abandoned > limits.maximumAbandonedReplies)
        }
        if overLimit { closeForTooManyAbandoned() }
        return waiters
    }

    private func closeForTooManyAbandoned() {
        close(
            RedisClientError(
                .connectionClosed,
                "more than \(limits.maximumAbandonedReplies) replies from \(endpoint) were owed to callers that "
                    + "gave up; the connection was closed"))
    }

    /// Fails the callers whose deadline passed (their replies will be dropped on arrival), and
    /// closes the connection if the server stalled or too many replies are owed to nobody.
    func checkDeadlines(now: Int64) {
        var expired: [Waiter] = []
        enum Verdict {
            case fine
            case stalled(Int64, Int)
            case tooManyAbandoned
        }
        let verdict = state.withLock { s -> Verdict in
            guard s.closeError == nil, let head = s.pending.first else { return .fine }
            if let next = s.nextDeadline, next <= now {
                var soonest: Int64?
                for i in 0..<s.pending.count {
                    let deadline = s.pending[i].deadline
                    guard s.pending[i].waiter != nil, deadline != .max else { continue }
                    if deadline <= now {
                        expired.append(s.pending[i].waiter!)
                        s.pending[i].waiter = nil
                        s.abandoned += 1
                    } else {
                        soonest = soonest.map { min($0, deadline) } ?? deadline
                    }
                }
                s.nextDeadline = soonest
            }
            if let stallTimeout = limits.stallTimeout {
                let silentFor = now - max(s.lastReceived, head.quietUntil)
                if silentFor >= stallTimeout { return .stalled(silentFor, s.pending.count) }
            }
            return s.abandoned > limits.maximumAbandonedReplies ? .tooManyAbandoned : .fine
        }
        for waiter in expired {
            waiter.fail(RedisClientError(.timeout, "no reply within the command timeout"))
        }
        switch verdict {
        case .fine:
            break
        case .stalled(let silentFor, let owed):
            close(
                RedisClientError(
                    .timeout,
                    "\(endpoint) sent nothing for \(silentFor) ms while \(owed) replies were owed; "
                        + "the connection was closed"))
        case .tooManyAbandoned:
            closeForTooManyAbandoned()
        }
    }

    /// Closes the connection: every waiting caller fails with `error`. Idempotent.
    func close(_ error: RedisClientError) {
        let (slots, firstClose) = state.withLock { s -> ([Slot], Bool) in
            guard s.closeError == nil else { return ([], false) }
            s.closeError = error
            closedFlag.store(true, ordering: .releasing)
            inFlightCount.store(0, ordering: .relaxed)
            return (s.pending.removeAll(), true)
        }
        guard firstClose else { return }
        for slot in slots {
            slot.waiter?.fail(error)
        }
        closeSocketIfDone()
        closeHandler?(error)
        if let observer, announced.exchange(2, ordering: .acquiringAndReleasing) == 1 {
            observer.observe(.connectionClosed(id: id, endpoint: endpoint, reason: error))
        }
    }

    /// Reports the connection open (once its handshake succeeded), unless it closed already.
    func announceOpened() {
        guard let observer,
            announced.compareExchange(expected: 0, desired: 1, ordering: .acquiringAndReleasing).exchanged
        else { return }
        observer.observe(.connectionOpened(id: id, endpoint: endpoint))
    }

    /// Closes the socket once the connection is closed and no thread is inside `send(2)`.
    private func closeSocketIfDone() {
        let shouldClose = state.withLock { s -> Bool in
            guard s.closeError != nil, !s.fdClosed else { return false }
            if case .active = s.writer { return false }
            s.fdClosed = true
            return true
        }
        if shouldClose {
            let fd = self.fd
            let loop = self.loop
            loop.deregisterAndClose(fd)
        }
    }
}

/// Who is waiting for a reply: one caller, or one command of a caller's batch.
enum Waiter: Sendable {
    case single(UnsafeContinuation<RESPValue, any Error>)
    case batch(BatchCollector, Int)

    func succeed(_ reply: RESPValue) {
        switch self {
        case .single(let continuation): continuation.resume(returning: reply)
        case .batch(let collector, let index): collector.deliver(reply, at: index)
        }
    }

    func fail(_ error: RedisClientError) {
        switch self {
        case .single(let continuation): continuation.resume(throwing: error)
        case .batch(let collector, _): collector.fail(error)
        }
    }
}

/// Collects the replies of a batch of commands for the one caller waiting for all of them.
/// Any failure fails the whole batch at once; later replies are dropped.
final class BatchCollector: Sendable {
    private struct State {
        var replies: [RESPValue]
        var remaining: Int
        var continuation: UnsafeContinuation<[RESPValue], any Error>?
    }
    private let state: StrataMutex<State>

    init(count: Int) {
        state = StrataMutex(State(replies: Array(repeating: .null, count: count), remaining: count))
    }

    func install(_ continuation: UnsafeContinuation<[RESPValue], any Error>) {
        state.withLock { $0.continuation = continuation }
    }

    func deliver(_ reply: RESPValue, at index: Int) {
        let done = state.withLock { s -> (UnsafeContinuation<[RESPValue], any Error>, [RESPValue])? in
            guard s.continuation != nil else { return nil }
            s.replies[index] = reply
            s.remaining -= 1
            guard s.remaining == 0 else { return nil }
            defer { s.continuation = nil }
            return (s.continuation!, s.replies)
        }
        if let (continuation, replies) = done { continuation.resume(returning: replies) }
    }

    /// Delivers a run of replies for this batch under one lock.
    func deliver(_ run: ArraySlice<(Waiter, RESPValue)>) {
        let done = state.withLock { s -> (UnsafeContinuation<[RESPValue], any Error>, [RESPValue])? in
            guard s.continuation != nil else { return nil }
            for (waiter, reply) in run {
                if case .batch(_, let index) = waiter { s.replies[index] = reply }
            }
            s.remaining -= run.count
            guard s.remaining == 0 else { return nil }
            defer { s.continuation = nil }
            return (s.continuation!, s.replies)
        }
        if let (continuation, replies) = done { continuation.resume(returning: replies) }
    }

    func fail(_ error: any Error) {
        let continuation = state.withLock { s -> UnsafeContinuation<[RESPValue], any Error>? in
            defer { s.continuation = nil }
            return s.continuation
        }
        continuation?.resume(throwing: error)
    }
}
