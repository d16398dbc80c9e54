import StrataSync

/// Several ``FakeRedisServer``s in cluster mode in one process: a Redis Cluster of primaries on
/// free loopback ports, with the 16,384 hash slots split evenly (as `redis-cli --cluster create`
/// splits them), that a test reshapes deterministically.
///
/// ```swift
/// let cluster = try FakeRedisCluster(primaries: 3)
/// defer { cluster.shutdown() }
/// // connect a cluster client to cluster.urls
/// let slot = FakeRedisCluster.slot(forKey: "user:42")
/// cluster.beginMigration(slot: slot, to: 2)  // the owner answers ASK for keys it no longer has
/// cluster.moveKeys(slot: slot)               // its keys move to node 2, as MIGRATE moves them
/// cluster.finishMigration(slot: slot)        // every node now names node 2: the old owner says MOVED
/// cluster.moveSlot(slot, to: 0)              // all of the above in one step
/// cluster.servers[1].inject(.tryAgain(keyedCommands: 3))  // the next 3 keyed commands: TRYAGAIN
/// print(cluster.statistics().map(\.keyedCommandsServed))  // per-node traffic
/// ```
///
/// Every node answers `CLUSTER SHARDS`, `SLOTS`, `NODES`, `INFO`, `MYID`, `KEYSLOT`,
/// `COUNTKEYSINSLOT` and `GETKEYSINSLOT` in Redis 7.0's shapes, and routes keyed commands as
/// Redis does (getNodeByQuery): `-MOVED` for a slot another node owns, `-ASK` from a migrating
/// slot's owner for a key it no longer has, `ASKING` then the command at the importing node,
/// `-CROSSSLOT` for keys of several slots, `-TRYAGAIN` for several keys of a migrating slot of
/// which some are missing, `-CLUSTERDOWN Hash slot not served` for a slot no node owns.
/// Transactions are checked when each command is queued and again at `EXEC`. Only database 0
/// exists for SELECT, as in a cluster.
///
/// Not modelled: replicas (`READONLY` is accepted and changes nothing), failover, the cluster
/// bus, epochs (reported, never change), and `CLUSTER SETSLOT`/`MIGRATE` on the wire: reshape
/// through this type instead. Reshaping calls are serialized; commands keep flowing meanwhile,
/// and each node's view changes on its own loop (between two commands), in the order Redis
/// reshards: the target, then the source, then the other nodes.
public final class FakeRedisCluster: Sendable {
    /// The nodes, each a primary; node `i` is `servers[i]`.
    public let servers: [FakeRedisServer]
    /// The node IDs (`CLUSTER MYID`), 40 hexadecimal characters each, by node.
    public let nodeIDs: [String]

    private struct Layout {
        /// The owner of each slot (a node index).
        var owners: [Int16]
        /// Open migrations: slot to (source, target).
        var migrations: [Int: (from: Int, to: Int)] = [:]
    }

    /// Held for the whole of each reshaping call, so they never interleave.
    private let layout: StrataMutex<Layout>

    /// Starts `primaries` servers on `configuration.host` and gives each an even share of the
    /// slots. With `configuration.port` 0 (the default) each takes a free port; otherwise node `i`
    /// listens on `port + i`.
    ///
    /// - Throws: ``FakeRedisServerError`` when a server cannot start, or `primaries` is not in
    ///   1...16384; servers already started are stopped.
    public init(
        primaries: Int = 3, configuration: FakeRedisServer.Configuration = FakeRedisServer.Configuration()
    ) throws(FakeRedisServerError) {
        guard (1...ClusterSlots.count).contains(primaries) else {
            throw FakeRedisServerError(.invalidConfiguration, "a cluster needs 1...16384 primaries, not \(primaries)")
        }
        let basePort = configuration.port
        guard basePort == 0 || basePort + primaries - 1 <= 65535 else {
            throw FakeRedisServerError(
                .invalidConfiguration, "ports \(basePort)...\(basePort + primaries - 1) pass 65535")
        }
        var servers: [FakeRedisServer] = []
        for index in 0..<primaries {
            var node = configuration
            node.port = basePort == 0 ? 0 : basePort + index
            do {
                servers.append(try FakeRedisServer(configuration: node))
            } catch {
                for server in servers { server.stop() }
                throw error
            }
        }
        var rng = SystemRandomNumberGenerator()
        let ids = (0..<primaries).map { _ in
            String((0..<40).map { _ in "0123456789abcdef".randomElement(using: &rng)! })
        }
        let owners = Self.evenSplit(primaries)
        let nodes = zip(servers, ids).map { ClusterNode(id: $1, host: $0.host, port: $0.port) }
        for (index, server) in servers.enumerated() {
            server.installCluster(nodes: nodes, me: index, owners: owners)
        }
        self.servers = servers
        self.nodeIDs = ids
        self.layout = StrataMutex(Layout(owners: owners))
    }

    /// The owner of each slot when `count` primaries split them as `redis-cli --cluster create`
    /// does (16,384 / count each, rounded; 3 nodes: 0-5460, 5461-10922, 10923-16383).
    static func evenSplit(_ count: Int) -> [Int16] {
        var owners = [Int16](repeating: 0, count: ClusterSlots.count)
        let share = Double(ClusterSlots.count) / Double(count)
        var first = 0
        var cursor = 0.0
        for node in 0..<count {
            var last = Int((cursor + share - 1).rounded())
            if last > ClusterSlots.count - 1 || node == count - 1 { last = ClusterSlots.count - 1 }
            if last < first { last = first }
            for slot in first...last { owners[slot] = Int16(node) }
            first = last + 1
            cursor += share
        }
        return owners
    }

    deinit {
        shutdown()
    }

    /// Stops every node (see ``FakeRedisServer/stop()``). Safe to call more than once.
    public func shutdown() {
        for server in servers { server.stop() }
    }

    /// `redis://host:port` of every node, by node.
    public var urls: [String] { servers.map { "redis://\($0.host):\($0.port)" } }

    /// The hash slot of `key`: CRC16 of the key, or of its `{hash tag}`, modulo 16,384.
    public static func slot(forKey key: String) -> Int {
        ClusterSlots.slot(of: key.utf8)
    }

    /// The hash slot of `key`; see ``slot(forKey:)-swift.type.method``.
    public static func slot(forKey key: [UInt8]) -> Int {
        ClusterSlots.slot(of: key)
    }

    /// The node that owns `slot` (during a migration, still the source).
    public func owner(ofSlot slot: Int) -> Int {
        precondition(slot >= 0 && slot < ClusterSlots.count, "slot \(slot) is not in 0...16383")
        return layout.withLock { Int($0.owners[slot]) }
    }

    /// The slot ranges node `node` owns, ascending.
    public func slots(ofNode node: Int) -> [ClosedRange<Int>] {
        let owners = layout.withLock { $0.owners }
        var ranges: [ClosedRange<Int>] = []
        var start = -1
        for slot in 0...ClusterSlots.count {
            let owned = slot < ClusterSlots.count && Int(owners[slot]) == node
            if owned && start < 0 { start = slot }
            if !owned && start >= 0 {
                ranges.append(start...(slot - 1))
                start = -1
            }
        }
        return ranges
    }

    // MARK: Reshaping

    /// Starts moving `slot` to node `target`, as `CLUSTER SETSLOT slot IMPORTING` on the target
    /// and then `MIGRATING` on the owner do: the owner still serves the keys it has and answers
    /// `-ASK` for the others; the target serves them after `ASKING`, and answers `-MOVED` to the
    /// owner otherwise. The other nodes still name the owner.
    ///
    /// - Precondition: `slot` is not being migrated and `target` is another node.
    public func beginMigration(slot: Int, to target: Int) {
        layout.withLock { layout in
            precondition(slot >= 0 && slot < ClusterSlots.count, "slot \(slot) is not in 0...16383")
            precondition(servers.indices.contains(target), "no node \(target)")
            precondition(layout.migrations[slot] == nil, "slot \(slot) is already being migrated")
            let source = Int(layout.owners[slot])
            precondition(source != target, "node \(target) already owns slot \(slot)")
            layout.migrations[slot] = (source, target)
            servers[target].updateCluster { $0.importing[slot] = source }
            servers[source].updateCluster { $0.migrating[slot] = target }
        }
    }

    /// Moves up to `limit` keys of a slot being migrated from its owner to the target, as
    /// `MIGRATE` does (each key is in exactly one place at every moment a client can see).
    /// Returns how many moved.
    ///
    /// - Precondition: ``beginMigration(slot:to:)`` started a migration of `slot`.
    @discardableResult
    public func moveKeys(slot: Int, limit: Int = .max) -> Int {
        layout.withLock { layout in
            guard let migration = layout.migrations[slot] else {
                preconditionFailure("slot \(slot) is not being migrated; call beginMigration(slot:to:) first")
            }
            return servers[migration.from].migrateKeys(slot: slot, to: servers[migration.to], limit: limit)
        }
    }

    /// Ends a migration: moves the keys still at the owner, then gives the slot to the target,
    /// as `CLUSTER SETSLOT slot NODE target` on the target, the owner and the other nodes, in
    /// that order. From then on the old owner answers `-MOVED` for the slot; clients blocked there
    /// on the slot's keys are answered `-MOVED`, and its subscribers to the slot's shard channels
    /// get a `sunsubscribe` message, as in Redis 7.0.
    ///
    /// - Precondition: ``beginMigration(slot:to:)`` started a migration of `slot`.
    public func finishMigration(slot: Int) {
        layout.withLock { layout in
            guard let migration = layout.migrations[slot] else {
                preconditionFailure("slot \(slot) is not being migrated; call beginMigration(slot:to:) first")
            }
            let (source, target) = migration
            _ = servers[source].migrateKeys(slot: slot, to: servers[target], limit: .max)
            layout.migrations[slot] = nil
            layout.owners[slot] = Int16(target)
            servers[target].assignSlot(slot, to: target)
            servers[source].assignSlot(slot, to: target)
            for (index, server) in servers.enumerated() where index != source && index != target {
                server.assignSlot(slot, to: target)
            }
        }
    }

    /// Moves `slot` and its keys to node `target` in one step (begin, move the keys, finish);
    /// nothing happens when `target` owns it already.
    ///
    /// - Precondition: `slot` is not being migrated.
    public func moveSlot(_ slot: Int, to target: Int) {
        guard owner(ofSlot: slot) != target else { return }
        beginMigration(slot: slot, to: target)
        finishMigration(slot: slot)
    }

    // MARK: Traffic

    /// What one node has served.
    public struct NodeStatistics: Sendable, Hashable {
        /// Commands with keys run on this node (not redirected or refused).
        public var keyedCommandsServed: Int
        /// `-MOVED` replies sent (injected ones not counted).
        public var movedReplies: Int
        /// `-ASK` replies sent.
        public var askReplies: Int
        /// Every command run, with keys or without (see ``FakeRedisServer/Statistics``).
        public var commandsProcessed: Int
    }

    /// Each node's counters, by node: the cluster's per-node traffic.
    public func statistics() -> [NodeStatistics] {
        servers.map { server in
            let counters = server.clusterCounters()
            return NodeStatistics(
                keyedCommandsServed: counters.keyedCommandsServed, movedReplies: counters.movedReplies,
                askReplies: counters.askReplies, commandsProcessed: counters.commandsProcessed)
        }
    }
}
