import StrataRESP
import StrataSync

/// A Redis Cluster client: the same typed commands as ``RedisClient`` (both are
/// ``RedisCommandRunner``s), each routed to the node that owns its keys' hash slot.
///
/// ```swift
/// let cluster = try RedisClusterClient(urls: ["redis://127.0.0.1:7000", "redis://127.0.0.1:7001"])
/// try await cluster.set("{user:42}:name", "Ada")
/// let visits = try await cluster.incr("{user:42}:visits")  // same slot, same node
/// await cluster.shutdown()
/// ```
///
/// **Topology.** Read with `CLUSTER SHARDS` (`CLUSTER SLOTS` on servers before 7.0) from any node
/// that answers: the nodes it knows first, in random order, then the seeds. Read again after a
/// redirection, a node that cannot be reached, and
/// every ``RedisClusterConfiguration/periodicRefreshInterval``, but never more often than
/// ``RedisClusterConfiguration/minimumRefreshInterval``: a storm of `MOVED` replies causes one read.
/// Each node gets a ``RedisClient`` of its own (its pool, automatic pipelining, leases).
///
/// **Redirections and transient errors.** `MOVED` records the slot's new owner at once and the
/// command is sent there. `ASK` sends `ASKING` and the command together on one shared connection of
/// the node named (adjacent in its stream, so nothing interleaves) and leaves the slot map alone.
/// `TRYAGAIN`, `CLUSTERDOWN`, `MASTERDOWN` and an unreachable node are retried with backoff until the
/// command timeout. All of these are safe to repeat: the server did not run the command. A command
/// whose connection broke after it was written is not repeated (it may have run), unless it only
/// reads (`GET`, `HGETALL`, ...).
///
/// **Keys.** A command whose keys hash to more than one slot fails before anything is sent, with
/// ``RedisClientError/Code/crossSlot``; give related keys one hash tag (`{user:42}:...`). Pipelines
/// are split by node, sent to all nodes at once, and their replies put back in command order.
/// Transactions need every key in one slot and run on the node that owns it; `WATCH` runs inside
/// ``withConnection(forKey:_:)-(Key,_)``, a lease on that node.
///
/// **Replicas.** With ``RedisClusterConfiguration/readFromReplicas``, read-only commands go to a
/// replica of the slot's shard (connections there send `READONLY`). When a primary fails and its
/// replica is promoted, the next topology read shows it and commands follow.
public final class RedisClusterClient: RedisCommandRunner {
    /// The settings the client was created with.
    public let configuration: RedisClusterConfiguration

    struct State {
        var map: RedisClusterSlotMap?
        /// Clients of the nodes written to (primaries, and nodes named by redirections).
        var nodes: [String: RedisClient] = [:]
        /// Clients of replicas read from (their connections send `READONLY`).
        var readers: [String: Task<RedisClient, any Error>] = [:]
        /// The topology read in flight or scheduled, if any.
        var refresh: Task<Void, Never>?
        var lastRefresh: ContinuousClock.Instant?
        var refreshes = 0
        var moved = 0
        var asked = 0
        var retries = 0
        var lastRefreshError: (any Error)?
        var shutDown = false
        var roundRobin = 0
        /// The clients of the map's primaries, by shard index, as far as they exist: the per-command
        /// path finds its client here without building or hashing a name.
        var shardClients: [RedisClient?] = []
        /// Client tracking on every node, while it is on.
        var tracking: ClusterTracking?

        /// The client of the primary serving `slot`, when the map names it and it exists.
        func primaryClient(for slot: RedisClusterSlot) -> RedisClient? {
            guard let owner = map?.shardIndex(for: slot.value), owner < shardClients.count else { return nil }
            return shardClients[owner]
        }

        /// Rebuilds `shardClients` from `nodes` for the current map.
        mutating func indexShardClients() {
            shardClients = (map?.topology.shards ?? []).map { nodes[$0.primary.endpoint.description] }
        }

        /// Whether reads may go through node `key`'s client, so tracking must cover it: every
        /// node but those the map knows only as replicas (read for the topology, never for data).
        func servesReads(_ key: String) -> Bool {
            !(map?.isReplicaOnly(key) ?? false)
        }

        /// After the map changed: tracking covers every primary with a client (a promoted
        /// replica is reported lost until tracked there).
        func trackPrimaries() {
            guard let tracking, let map else { return }
            for key in map.primaryEndpoints {
                if let client = nodes[key] { tracking.add(key, client: client) }
            }
        }
    }

    let state = StrataMutex(State())
    private let periodic = StrataMutex<Task<Void, Never>?>(nil)

    /// Creates a client; nothing connects until the first command (or ``topology()``).
    ///
    /// - Throws: ``RedisClientError`` with code `invalidConfiguration` for impossible settings.
    public init(configuration: RedisClusterConfiguration) throws(RedisClientError) {
        self.configuration = try configuration.validated()
        if let interval = configuration.periodicRefreshInterval {
            // Cancelled by shutdown() or deinit; holds the client weakly so a dropped client ends it.
            let task = Task { [weak self] in
                while !Task.isCancelled {
                    try? await Task.sleep(for: interval)
                    guard !Task.isCancelled, let self else { return }
                    self.requestRefresh()
                }
            }
            periodic.withLock { $0 = task }
        }
    }

    /// Creates a client from seed URLs (`redis://[user:password@]host:port`).
    public convenience init(urls: [String]) throws(RedisClientError) {
        try self.init(configuration: RedisClusterConfiguration(urls: urls))
    }

    deinit {
        periodic.withLock { $0 }?.cancel()
        let (refresh, readers) = state.withLock { ($0.refresh, $0.readers) }
        refresh?.cancel()
        for reader in readers.values { reader.cancel() }
        // The node clients close their connections when released.
    }

    /// Shuts every node's client down (see ``RedisClient/shutdown(gracePeriod:)``); later commands
    /// fail with `shutdown`.
    public func shutdown(gracePeriod: Duration = .seconds(5)) async {
        periodic.withLock { $0 }?.cancel()
        let (nodes, readers, refresh, tracking) = state.withLock { s in
            s.shutDown = true
            defer {
                s.nodes = [:]
                s.readers = [:]
                s.shardClients = []
                s.tracking = nil
            }
            return (Array(s.nodes.values), Array(s.readers.values), s.refresh, s.tracking)
        }
        refresh?.cancel()
        await tracking?.stop()
        var clients = nodes
        for reader in readers { if let client = try? await reader.value { clients.append(client) } }
        await withTaskGroup(of: Void.self) { group in
            for client in clients { group.addTask { await client.shutdown(gracePeriod: gracePeriod) } }
        }
    }

    /// Runs until the calling task is cancelled, then shuts the client down gracefully: the shape
    /// swift-service-lifecycle expects. The node clients' background work runs in tasks they own.
    public func run() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(3600))
        }
        await Task { await self.shutdown() }.value
    }

    // MARK: Topology

    /// The topology as last read; reads it first when there is none yet.
    public func topology() async throws -> RedisClusterTopology {
        try await currentMap().topology
    }

    /// How many topology reads have been started or scheduled; for monitoring and tests.
    public var topologyRefreshes: Int { state.withLock { $0.refreshes } }

    /// What the client has done to follow the cluster.
    public struct Statistics: Sendable, Hashable {
        /// Topology reads (`CLUSTER SHARDS` or `CLUSTER SLOTS`) started or scheduled.
        public var topologyRefreshes: Int
        /// `MOVED` replies followed.
        public var movedReplies: Int
        /// `ASK` replies followed.
        public var askReplies: Int
        /// Retries after `TRYAGAIN`, `CLUSTERDOWN`, an unreachable node or a slot no node served.
        public var retries: Int
    }

    /// Counters of topology reads, redirections and retries since the client was created.
    public var statistics: Statistics {
        state.withLock {
            Statistics(
                topologyRefreshes: $0.refreshes, movedReplies: $0.moved, askReplies: $0.asked, retries: $0.retries)
        }
    }

    /// Reads the topology now (waiting for a read already in flight) and returns it.
    @discardableResult
    public func refreshTopology() async throws -> RedisClusterTopology {
        let task = state.withLock { s -> Task<Void, Never> in
            if let running = s.refresh { return running }
            return scheduleRefresh(&s, after: nil)
        }
        await task.value
        return try await currentMap().topology
    }

    /// The slot map, reading the topology first when there is none.
    func currentMap() async throws -> RedisClusterSlotMap {
        if let map = state.withLock({ $0.map }) { return map }
        for _ in 0..<2 {
            let task = state.withLock { s -> Task<Void, Never>? in
                if s.map != nil { return nil }
                if let running = s.refresh { return running }
                return scheduleRefresh(&s, after: nil)
            }
            await task?.value
            if let map = state.withLock({ $0.map }) { return map }
        }
        let error = state.withLock { $0.lastRefreshError }
        throw RedisClientError(
            .connectionFailed,
            "no cluster node answered CLUSTER SHARDS or CLUSTER SLOTS: \(error.map { "\($0)" } ?? "")")
    }

    /// Asks for a topology read, at once or as soon as the rate limit allows; returns at once. A
    /// request while one is in flight or scheduled joins it.
    func requestRefresh() {
        state.withLock { s in
            guard !s.shutDown, s.refresh == nil else { return }
            var delay: Duration?
            if let last = s.lastRefresh {
                let next = last + configuration.minimumRefreshInterval
                let now = ContinuousClock.now
                if next > now { delay = next - now }
            }
            _ = scheduleRefresh(&s, after: delay)
        }
    }

    /// Starts a task that reads the topology (after `delay`) and installs it, and counts it.
    /// Awaited by callers that need a map; cancelled by shutdown.
    private func scheduleRefresh(_ s: inout State, after delay: Duration?) -> Task<Void, Never> {
        s.refreshes += 1
        let task = makeRefreshTask(after: delay)
        s.refresh = task
        return task
    }

    private func makeRefreshTask(after delay: Duration?) -> Task<Void, Never> {
        Task { [weak self] in
            if let delay { try? await Task.sleep(for: delay) }
            guard let self, !Task.isCancelled else { return }
            await self.performRefresh()
        }
    }

    private func performRefresh() async {
        let known = state.withLock { s -> [RedisClusterTopology.Node] in
            s.lastRefresh = .now
            return s.map?.nodes ?? []
        }
        // Known nodes first (the seeds may be gone), then the seeds; a node that does not answer
        // is skipped. A view that covers every slot wins; otherwise the widest one.
        var candidates: [RedisClusterTopology.Node] = known.shuffled()
        for seed in configuration.seeds {
            guard case .tcp(let host, let port) = seed else { continue }
            let node = RedisClusterTopology.Node(host: host, port: port)
            if !candidates.contains(where: { $0.endpoint == node.endpoint }) { candidates.append(node) }
        }
        var best: RedisClusterTopology?
        var lastError: (any Error)?
        var asked = 0
        for node in candidates {
            if asked >= 3 && best != nil { break }
            do {
                let topology = try await readTopology(from: node)
                asked += 1
                if topology.coveredSlots > (best?.coveredSlots ?? -1) { best = topology }
                if topology.coveredSlots == RedisClusterSlot.count { break }
            } catch {
                lastError = error
            }
        }
        let (stale, tracking, moved) = state.withLock {
            s -> ([String: RedisClient], ClusterTracking?, [RedisClusterSlot]) in
            s.refresh = nil
            guard let best, !s.shutDown else {
                s.lastRefreshError = lastError
                return ([:], nil, [])
            }
            let map = RedisClusterSlotMap(best)
            let moved = s.tracking == nil ? [] : Self.movedSlots(from: s.map, to: map)
            s.map = map
            s.lastRefreshError = nil
            defer {
                s.indexShardClients()
                s.trackPrimaries()
            }
            // Nodes that left the topology: close their clients (their in-flight commands finish).
            let current = Set(best.shards.flatMap { [$0.primary] + $0.replicas }.map { $0.endpoint.description })
            var removed: [String: RedisClient] = [:]
            for (key, client) in s.nodes where !current.contains(key) {
                removed[key] = client
                s.nodes[key] = nil
            }
            for (key, reader) in s.readers where !current.contains(key) {
                reader.cancel()
                s.readers[key] = nil
            }
            return (removed, s.tracking, moved)
        }
        if let tracking {
            tracking.slotsMoved(moved)
            for key in stale.keys { tracking.remove(key) }
        }
        for client in stale.values { await client.shutdown(gracePeriod: .seconds(1)) }
    }

    /// Reads the topology from one node: `CLUSTER SHARDS`, or `CLUSTER SLOTS` on older servers.
    private func readTopology(from node: RedisClusterTopology.Node) async throws -> RedisClusterTopology {
        let client = try nodeClient(node)
        let timeout = min(configuration.node.commandTimeout ?? .seconds(5), configuration.node.connectTimeout)
        let shards = try await client.execute(idempotent: true, timeout: timeout) {
            $0.writeCommand("CLUSTER", "SHARDS")
        }
        if shards.errorMessage == nil {
            return try RedisClusterTopology.parseShards(shards, seedHost: node.host)
        }
        let slots = try await client.execute(idempotent: true, timeout: timeout) {
            $0.writeCommand("CLUSTER", "SLOTS")
        }
        if let message = slots.errorMessage { throw RedisServerError(message: message) }
        return try RedisClusterTopology.parseSlots(slots, seedHost: node.host)
    }

    // MARK: Node clients

    /// The client of `node`, created on first use.
    func nodeClient(_ node: RedisClusterTopology.Node) throws(RedisClientError) -> RedisClient {
        let key = node.endpoint.description
        if let client = state.withLock({ $0.nodes[key] }) { return client }
        let client = try RedisClient(configuration: configuration.configuration(for: node))
        let (chosen, shutDown) = state.withLock { s -> (RedisClient, Bool) in
            if let existing = s.nodes[key] { return (existing, s.shutDown) }
            if !s.shutDown {
                s.nodes[key] = client
                s.indexShardClients()
                // Before anyone can read through it: reads there are not tracked yet.
                if s.servesReads(key) { s.tracking?.add(key, client: client) }
            }
            return (client, s.shutDown)
        }
        if shutDown {
            throw RedisClientError(.shutdown, "the cluster client was shut down")
        }
        return chosen
    }

    /// The client reading from replica `node`: its connections send `READONLY` first.
    func readerClient(_ node: RedisClusterTopology.Node) async throws -> RedisClient {
        let key = node.endpoint.description
        let configuration = configuration.configuration(for: node)
        let task = state.withLock { s -> Task<RedisClient, any Error>? in
            if let existing = s.readers[key] { return existing }
            guard !s.shutDown else { return nil }
            let task = Task<RedisClient, any Error> {
                let client = try RedisClient(configuration: configuration)
                try await client.pool.installSetup(.init(commands: [["READONLY"]]), andRunNow: [])
                return client
            }
            s.readers[key] = task
            return task
        }
        guard let task else { throw RedisClientError(.shutdown, "the cluster client was shut down") }
        return try await task.value
    }

    /// The clients of every primary, for commands that must reach each of them (`FLUSHALL`,
    /// `SCAN`, `DBSIZE`).
    ///
    /// ```swift
    /// for primary in try await cluster.primaries() { try await primary.send("FLUSHALL") }
    /// ```
    public func primaries() async throws -> [RedisClient] {
        let topology = try await currentMap().topology
        var clients: [RedisClient] = []
        for shard in topology.shards { clients.append(try nodeClient(shard.primary)) }
        return clients
    }

    /// The primary of `slot`, or `nil` when no shard serves it (the cluster is failing over).
    func route(_ slot: RedisClusterSlot?, map: RedisClusterSlotMap) -> RedisClusterTopology.Node? {
        if let slot { return map.primary(for: slot.value) }
        let shards = map.topology.shards
        guard !shards.isEmpty else { return nil }
        let index = state.withLock { s -> Int in
            s.roundRobin &+= 1
            return s.roundRobin
        }
        return shards[abs(index) % shards.count].primary
    }

    /// The executor of the I/O thread every node's connections run on: a task that mostly awaits
    /// the cluster runs fastest there (see ``RedisClient/executor``).
    public var executor: any TaskExecutor { RedisEventLoop.shared }

    // MARK: Sending

    /// The timeout of a command sent now.
    var commandTimeout: Duration? { RedisClient.timeoutOverride ?? configuration.node.commandTimeout }

    /// Runs one command on the node that owns its keys.
    ///
    /// - Throws: ``RedisClientError`` with code `crossSlot` (before sending) when its keys span
    ///   slots; `unsupported` for a command that may not run on a shared connection;
    ///   ``RedisServerError`` for an error reply.
    public func execute<Command: RedisCommand>(_ command: Command) async throws -> Command.Response {
        guard let interceptor = configuration.node.interceptor else { return try await executeUnintercepted(command) }
        // Once around the command, redirections and retries included.
        return try await interceptor.intercept(.command(command.name)) { try await executeUnintercepted(command) }
    }

    /// ``execute(_:)`` without the interceptor.
    func executeUnintercepted<Command: RedisCommand>(_ command: Command) async throws -> Command.Response {
        var keys = command.keys
        if keys.isEmpty, let raw = command as? RedisRawCommand {
            keys = ClusterCommandKeys.keys(of: raw.bytes[...])
        }
        let slot = try RedisClusterSlot.of(keys: keys, command: command.name)
        let placement = command.placement
        guard placement.isShared else {
            guard placement.kind == .exclusive else { throw placement.refusal(command.name, onLease: false) }
            return try await onLease(slot: slot, retryOnMove: true) { try await $0.executeUnintercepted(command) }
        }
        if slot == nil, ClusterCommandKeys.wholeKeyspace.contains(command.name) {
            throw RedisClientError(
                .unsupported,
                "\(command.name) would reach one primary of the cluster only; run it on each of "
                    + "cluster.primaries() instead.")
        }
        // The common case: the map names the slot's primary and its client exists: one lock, no
        // lookup by name. Anything but a plain reply goes on in the full path.
        if !configuration.readFromReplicas, let slot, let client = state.withLock({ $0.primaryClient(for: slot) }) {
            let started = ContinuousClock.now
            let outcome: Result<RESPValue, RedisClientError>
            do {
                let reply = try await client.execute(idempotent: false, timeout: commandTimeout) {
                    command.encode(into: &$0)
                }
                if reply.errorMessage == nil { return try command.response(from: reply) }
                outcome = .success(reply)
            } catch let error as RedisClientError {
                outcome = .failure(error)
            }
            let reply = try await send(slot: slot, readOnly: isReadOnly(command), started: started, prior: outcome) {
                command.encode(into: &$0)
            }
            return try command.response(from: reply)
        }
        let readOnly = isReadOnly(command)
        let reply = try await send(slot: slot, readOnly: readOnly) { command.encode(into: &$0) }
        return try command.response(from: reply)
    }

    private func isReadOnly(_ command: some RedisCommand) -> Bool {
        ClusterCommandKeys.readOnly.contains(command.name)
    }

    /// What a cluster error reply asks of the client.
    enum Redirection {
        case moved(slot: Int, node: RedisClusterTopology.Node)
        case ask(node: RedisClusterTopology.Node)
        /// `TRYAGAIN`, `CLUSTERDOWN`, `MASTERDOWN`, `LOADING`: not run; retry later.
        case retryLater(refresh: Bool)

        init?(_ message: String) {
            let code = message.prefix { $0 != " " }
            switch code {
            case "MOVED", "ASK":
                let parts = message.split(separator: " ")
                guard parts.count >= 3, let slot = Int(parts[1]), let colon = parts[2].lastIndex(of: ":"),
                    let port = Int(parts[2][parts[2].index(after: colon)...])
                else { return nil }
                var host = String(parts[2][..<colon])
                if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
                let node = RedisClusterTopology.Node(host: host, port: port)
                self = code == "MOVED" ? .moved(slot: slot, node: node) : .ask(node: node)
            case "TRYAGAIN", "LOADING": self = .retryLater(refresh: false)
            case "CLUSTERDOWN", "MASTERDOWN": self = .retryLater(refresh: true)
            default: return nil
            }
        }
    }

    /// Sends one encoded command to the owner of `slot` (a replica when `readOnly` and reading from
    /// replicas is on), following redirections and retrying transient errors until the deadline.
    /// Returns the reply, error replies included.
    func send(
        slot: RedisClusterSlot?,
        readOnly: Bool,
        started: ContinuousClock.Instant = .now,
        prior: Result<RESPValue, RedisClientError>? = nil,
        _ encode: (inout RESPEncoder) -> Void
    ) async throws -> RESPValue {
        var attempt = Attempt(configuration: configuration, timeout: commandTimeout, started: started, counter: self)
        var askNode: RedisClusterTopology.Node?
        var useReplica = readOnly && configuration.readFromReplicas
        var prior = prior
        while true {
            // The outcome of an attempt the fast path made already, at the slot's primary.
            if let outcome = prior {
                prior = nil
                switch outcome {
                case .success(let reply):
                    guard let message = reply.errorMessage, let redirection = Redirection(message) else {
                        return reply
                    }
                    try await follow(redirection, message, askNode: &askNode, useReplica: &useReplica, &attempt)
                case .failure(let error):
                    if error.code == .connectionClosed && !error.isUnsent && readOnly {
                        requestRefresh()
                        continue  // a read may be sent again
                    }
                    try await retryUnreached(error, &attempt)
                }
                continue
            }
            let map = try await currentMap()
            let node: RedisClusterTopology.Node
            var viaReplica = false
            if let ask = askNode {
                node = ask
            } else if useReplica, let slot, let replica = map.replicas(for: slot.value).randomElement() {
                node = replica
                viaReplica = true
            } else if let owner = route(slot, map: map) {
                node = owner
            } else {
                requestRefresh()
                try await attempt.backOff(
                    after: RedisClientError(
                        .connectionFailed,
                        "no node serves \(slot.map { "\($0)" } ?? "any slot") (the cluster is failing over or incomplete)"
                    ))
                continue
            }
            let reply: RESPValue
            do {
                let client = viaReplica ? try await readerClient(node) : try nodeClient(node)
                if askNode != nil {
                    let connection = try await client.pool.sharedConnection()
                    let replies = try await connection.sendBatch(count: 2, timeout: attempt.remaining) {
                        $0.writeCommand("ASKING")
                        encode(&$0)
                    }
                    reply = replies[1]
                } else {
                    reply = try await client.execute(idempotent: readOnly, timeout: attempt.remaining, encode)
                }
            } catch let error as RedisClientError {
                askNode = nil
                if viaReplica { useReplica = false }
                try await retryUnreached(error, &attempt)
                continue
            }
            guard let message = reply.errorMessage, let redirection = Redirection(message) else { return reply }
            try await follow(redirection, message, askNode: &askNode, useReplica: &useReplica, &attempt)
        }
    }

    /// A command that never reached its node is retried (after a topology read and a backoff);
    /// one that may have run is not: its error is thrown.
    private func retryUnreached(_ error: RedisClientError, _ attempt: inout Attempt) async throws {
        guard error.isUnsent || error.code == .connectionFailed else {
            if error.code == .connectionClosed { requestRefresh() }
            throw error
        }
        requestRefresh()
        try await attempt.backOff(after: error)
    }

    /// Acts on a redirection or a transient refusal, before the next try.
    private func follow(
        _ redirection: Redirection,
        _ message: String,
        askNode: inout RedisClusterTopology.Node?,
        useReplica: inout Bool,
        _ attempt: inout Attempt
    ) async throws {
        switch redirection {
        case .moved(let movedSlot, let target):
            recordMove(slot: movedSlot, to: target, counted: true)
            requestRefresh()
            askNode = nil
            useReplica = false
            try await attempt.redirected(message)
        case .ask(let target):
            state.withLock { $0.asked += 1 }
            askNode = target
            try await attempt.redirected(message)
        case .retryLater(let refresh):
            if refresh { requestRefresh() }
            askNode = nil
            try await attempt.backOff(after: RedisServerError(message: message))
        }
    }

    /// The budget of one command: its deadline, redirections and retries.
    struct Attempt {
        let configuration: RedisClusterConfiguration
        let deadline: ContinuousClock.Instant?
        var redirections = 0
        var failures = 0

        /// Where retries are counted.
        let counter: RedisClusterClient

        init(
            configuration: RedisClusterConfiguration, timeout: Duration?, started: ContinuousClock.Instant = .now,
            counter: RedisClusterClient
        ) {
            self.configuration = configuration
            self.deadline = timeout.map { started + $0 }
            self.counter = counter
        }

        /// The time left, at least a millisecond; `nil` without a deadline.
        var remaining: Duration? {
            deadline.map { max(.milliseconds(1), $0 - .now) }
        }

        /// Counts a redirection. The first two are followed at once; later ones (nodes that
        /// disagree while a slot move spreads through the cluster) after a backoff, so a
        /// disagreement that lasts a moment does not exhaust the redirection budget.
        mutating func redirected(_ message: String) async throws {
            redirections += 1
            let error = RedisClientError(
                .unexpectedReply,
                "gave up after \(configuration.maximumRedirections) redirections; the last was \(message)")
            if redirections > configuration.maximumRedirections { throw error }
            if redirections > 2 { try await backOff(after: error) }
        }

        /// Waits before the next try, or throws `error` when the deadline comes first.
        mutating func backOff(after error: any Error) async throws {
            failures += 1
            counter.state.withLock { $0.retries += 1 }
            let delay = configuration.retryBackoff.delay(afterFailures: failures)
            if let deadline, ContinuousClock.now + delay >= deadline { throw error }
            try await Task.sleep(for: delay)
        }
    }

    // MARK: Leases

    /// Runs `body` with a connection leased on the primary that owns `key`'s slot: for `WATCH`,
    /// `MULTI`/`EXEC` built by hand, blocking commands, or anything that changes connection
    /// state (see ``RedisClient/withConnection(_:)``). Commands on it reach that node only, so keep
    /// their keys in the same slot (one hash tag).
    ///
    /// ```swift
    /// let done = try await cluster.withConnection(forKey: "{account:7}:balance") { connection in
    ///     try await connection.watch(["{account:7}:balance"])
    ///     let balance = Int(try await connection.getString("{account:7}:balance") ?? "0") ?? 0
    ///     var update = RedisPipeline()
    ///     update.set("{account:7}:balance", balance + 10)
    ///     update.incr("{account:7}:deposits")
    ///     return try await connection.transaction(update)
    /// }
    /// ```
    @discardableResult
    public func withConnection<Key: RESPCommandArgument, T>(
        forKey key: Key,
        _ body: (RedisLeasedConnection) async throws -> T
    ) async throws -> T {
        try await onLease(slot: RedisClusterSlot(key: key), retryOnMove: false, body)
    }

    /// Runs `body` on a lease at the owner of `slot`. A `MOVED` reply updates the slot map; with
    /// `retryOnMove` (a body of one command, which then did not run) `body` runs again at the new
    /// owner, otherwise the error is thrown (earlier commands of the body may have run).
    func onLease<T>(
        slot: RedisClusterSlot?,
        retryOnMove: Bool,
        _ body: (RedisLeasedConnection) async throws -> T
    ) async throws -> T {
        var attempt = Attempt(configuration: configuration, timeout: commandTimeout, counter: self)
        while true {
            let map = try await currentMap()
            guard let node = route(slot, map: map) else {
                requestRefresh()
                try await attempt.backOff(
                    after: RedisClientError(.connectionFailed, "no node serves \(slot.map { "\($0)" } ?? "any slot")"))
                continue
            }
            do {
                return try await nodeClient(node).withConnection(body)
            } catch let error as RedisServerError {
                guard case .moved(let movedSlot, let target)? = Redirection(error.message) else { throw error }
                recordMove(slot: movedSlot, to: target, counted: false)
                requestRefresh()
                guard retryOnMove else { throw error }
                try await attempt.redirected(error.message)
            } catch let error as RedisClientError where error.code == .connectionFailed {
                requestRefresh()
                try await attempt.backOff(after: error)
            }
        }
    }
}
