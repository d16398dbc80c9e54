import StrataSync

/// Client tracking across a cluster: a tracking session on every node the client talks to, their
/// invalidations merged into one stream.
///
/// The merged stream is as strict as its weakest link. Any node's loss is reported as a loss, and
/// ``RedisInvalidation/trackingResumed`` comes only when every node tracks again. A node that
/// joins (a promoted replica, a node named by a redirection) is reported lost until tracking is
/// on there, because reads through it would not be tracked. A slot whose owner changes is
/// reported as ``RedisInvalidation/slots(_:)``.
final class ClusterTracking: Sendable {
    typealias Listener = @Sendable (RedisInvalidation) -> Void

    struct Options: Sendable {
        var mode: RedisTrackingMode
        var noLoop: Bool
        var healthCheckInterval: Duration
    }

    private struct State {
        /// Registered nodes: endpoint to registration number (a node that leaves and comes back
        /// is a new registration; reports of the old one are ignored).
        var registered: [String: UInt64] = [:]
        var sessions: [String: RedisTracking] = [:]
        var establishing: [String: Task<Void, Never>] = [:]
        /// Nodes whose tracking is not on yet, or whose link is lost.
        var down: Set<String> = []
        var reportedLost = false
        var stopped = false
        var nextRegistration: UInt64 = 0
    }

    let options: Options
    private let listener: Listener
    private let backoff: RedisConfiguration.Backoff
    private let state = StrataMutex(State())

    init(options: Options, backoff: RedisConfiguration.Backoff, listener: @escaping Listener) {
        self.options = options
        self.backoff = backoff
        self.listener = listener
    }

    /// Whether every registered node tracks now.
    var isActive: Bool { state.withLock { !$0.stopped && $0.down.isEmpty } }

    /// Starts tracking on `nodes` and waits until every one is on.
    ///
    /// - Throws: the first node's failure; nothing is left running then.
    func start(_ nodes: [(String, RedisClient)]) async throws {
        let registrations = state.withLock { s in
            nodes.map { key, client in (key, client, register(&s, key)) }
        }
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (key, client, registration) in registrations {
                    group.addTask { try await self.establish(key, client: client, registration: registration) }
                }
                try await group.waitForAll()
            }
        } catch {
            await stop()
            throw error
        }
    }

    /// A node's client appeared while tracking is on: reported lost until its tracking is on,
    /// which is retried with backoff in the background.
    func add(_ key: String, client: RedisClient) {
        state.withLock { s in
            guard !s.stopped, s.registered[key] == nil else { return }
            let registration = register(&s, key)
            report(
                &s,
                .trackingLost(
                    RedisClientError(.connectionClosed, "cluster node \(key) joined; its reads are not tracked yet")))
            s.establishing[key] = Task { [weak self] in
                var failures = 0
                while let self, !Task.isCancelled, self.isRegistered(key, registration) {
                    do {
                        try await self.establish(key, client: client, registration: registration)
                        return
                    } catch {
                        failures += 1
                        try? await Task.sleep(
                            for: self.backoff.delay(afterFailures: failures, random: Double.random(in: 0...1)))
                    }
                }
            }
        }
    }

    /// A node left the topology: its session stops, and its reports no longer count.
    func remove(_ key: String) {
        let session = state.withLock { s -> RedisTracking? in
            guard s.registered.removeValue(forKey: key) != nil else { return nil }
            s.establishing.removeValue(forKey: key)?.cancel()
            s.down.remove(key)
            resumeIfWhole(&s)
            return s.sessions.removeValue(forKey: key)
        }
        if let session { Task { await session.stop() } }
    }

    /// Slots changed owner: their keys' local copies must go.
    func slotsMoved(_ slots: [RedisClusterSlot]) {
        guard !slots.isEmpty else { return }
        state.withLock { s in
            guard !s.stopped else { return }
            listener(.slots(slots))
        }
    }

    /// Stops every node's session.
    func stop() async {
        let (sessions, tasks) = state.withLock { s -> ([RedisTracking], [Task<Void, Never>]) in
            s.stopped = true
            s.registered = [:]
            s.down = []
            defer {
                s.sessions = [:]
                s.establishing = [:]
            }
            return (Array(s.sessions.values), Array(s.establishing.values))
        }
        for task in tasks { task.cancel() }
        for session in sessions { await session.stop() }
    }

    // MARK: Internals

    private func register(_ s: inout State, _ key: String) -> UInt64 {
        s.nextRegistration += 1
        s.registered[key] = s.nextRegistration
        s.down.insert(key)
        return s.nextRegistration
    }

    private func isRegistered(_ key: String, _ registration: UInt64) -> Bool {
        state.withLock { !$0.stopped && $0.registered[key] == registration }
    }

    /// Turns tracking on at one node and records the session (or stops it, if the node left
    /// meanwhile).
    private func establish(_ key: String, client: RedisClient, registration: UInt64) async throws {
        let session = try await client.startTracking(
            mode: options.mode, noLoop: options.noLoop, healthCheckInterval: options.healthCheckInterval
        ) { [weak self] event in
            self?.nodeReported(event, from: key, registration: registration)
        }
        let kept = state.withLock { s -> Bool in
            guard !s.stopped, s.registered[key] == registration else { return false }
            s.sessions[key] = session
            s.establishing[key] = nil
            if session.isActive { s.down.remove(key) }
            resumeIfWhole(&s)
            return true
        }
        if !kept { await session.stop() }
    }

    /// One node's event, passed on under the lock so the merged stream keeps every node's order.
    private func nodeReported(_ event: RedisInvalidation, from key: String, registration: UInt64) {
        state.withLock { s in
            guard !s.stopped, s.registered[key] == registration else { return }
            switch event {
            case .keys, .all, .slots:
                listener(event)
            case .trackingLost(let reason):
                s.down.insert(key)
                report(&s, .trackingLost(RedisClientError(reason.code, "cluster node \(key): \(reason.message)")))
            case .trackingResumed:
                // The first report of a session being established comes before it is recorded.
                guard s.sessions[key] != nil else { return }
                s.down.remove(key)
                resumeIfWhole(&s)
            }
        }
    }

    private func report(_ s: inout State, _ lost: RedisInvalidation) {
        guard !s.reportedLost else { return }
        s.reportedLost = true
        listener(lost)
    }

    private func resumeIfWhole(_ s: inout State) {
        guard s.reportedLost, s.down.isEmpty, !s.stopped else { return }
        s.reportedLost = false
        listener(.trackingResumed)
    }
}

extension RedisClusterClient {
    /// Turns on client-side caching on every node and calls `handler` with the invalidations of
    /// all of them, on the nodes' I/O thread (keep it short). Nodes that join later (a promoted
    /// replica, a node named by a redirection) are tracked as they appear; until they are, and
    /// whenever any node's link is lost, the stream reports ``RedisInvalidation/trackingLost(_:)``,
    /// then ``RedisInvalidation/trackingResumed`` once every node tracks again. A slot that changes
    /// owner is reported as ``RedisInvalidation/slots(_:)``: drop the local copies of its keys.
    ///
    /// - Throws: ``RedisClientError`` with code `unsupported` when tracking is already on, or when
    ///   ``RedisClusterConfiguration/readFromReplicas`` is set (reads from replicas are not tracked
    ///   here); otherwise the first node's failure to start.
    public func startTracking(
        mode: RedisTrackingMode = .default,
        noLoop: Bool = false,
        healthCheckInterval: Duration = .seconds(1),
        handler: @escaping @Sendable (RedisInvalidation) -> Void
    ) async throws -> RedisTracking {
        guard !configuration.readFromReplicas else {
            throw RedisClientError(
                .unsupported,
                "client tracking on a cluster client needs readFromReplicas off (replica reads are not tracked)")
        }
        _ = try await primaries()  // every primary has a client before the first snapshot
        let tracking = ClusterTracking(
            options: .init(mode: mode, noLoop: noLoop, healthCheckInterval: healthCheckInterval),
            backoff: configuration.node.reconnectBackoff, listener: handler)
        // Installed first, so a node client created from here on is registered as it appears.
        let nodes = try state.withLock { s throws(RedisClientError) -> [(String, RedisClient)] in
            guard !s.shutDown else { throw RedisClientError(.shutdown, "the cluster client was shut down") }
            guard s.tracking == nil else {
                throw RedisClientError(
                    .unsupported, "client tracking is already on for this cluster client; stop it first")
            }
            s.tracking = tracking
            return s.nodes.map { ($0.key, $0.value) }
        }
        do {
            try await tracking.start(nodes)
        } catch {
            state.withLock { s in if s.tracking === tracking { s.tracking = nil } }
            await tracking.stop()
            throw error
        }
        // Nodes created while the first ones started were registered by `nodeClient`.
        return RedisTracking(
            active: { tracking.isActive },
            stop: { [weak self] in
                self?.state.withLock { s in if s.tracking === tracking { s.tracking = nil } }
                await tracking.stop()
            })
    }

    /// Records a `MOVED` answer in the slot map, and reports the slot as moved when tracking is on.
    func recordMove(slot: Int, to target: RedisClusterTopology.Node, counted: Bool) {
        let tracking = state.withLock { s -> ClusterTracking? in
            let before = s.map?.primary(for: slot)
            s.map?.recordMove(slot: slot, to: target)
            if counted { s.moved += 1 }
            return before == target ? nil : s.tracking
        }
        if let tracking, let moved = RedisClusterSlot(slot) { tracking.slotsMoved([moved]) }
    }

    /// The slots whose primary differs between two maps.
    static func movedSlots(from old: RedisClusterSlotMap?, to new: RedisClusterSlotMap) -> [RedisClusterSlot] {
        guard let old else { return [] }
        var moved: [RedisClusterSlot] = []
        for slot in 0..<RedisClusterSlot.count where old.primary(for: slot) != new.primary(for: slot) {
            if let value = RedisClusterSlot(slot) { moved.append(value) }
        }
        return moved
    }
}
