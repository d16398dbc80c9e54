import StrataRESP

/// What a Redis Cluster looks like from one node: its shards (a primary, its replicas, the slots
/// they serve), as `CLUSTER SHARDS` (Redis 7) or `CLUSTER SLOTS` (older servers) report it.
///
/// ```swift
/// let topology = try await cluster.topology()
/// for shard in topology.shards { print(shard.primary, shard.slots) }
/// ```
public struct RedisClusterTopology: Sendable, Hashable {
    /// A node of the cluster.
    public struct Node: Sendable, Hashable, CustomStringConvertible {
        /// The node's address.
        public var host: String
        /// The node's port.
        public var port: Int
        /// The node's ID (`CLUSTER MYID`), when the server reported it.
        public var id: String?

        /// Creates a node.
        public init(host: String, port: Int, id: String? = nil) {
            self.host = host
            self.port = port
            self.id = id
        }

        /// The address as an endpoint.
        public var endpoint: RedisConfiguration.Endpoint { .tcp(host: host, port: port) }

        public var description: String { endpoint.description }
    }

    /// A primary, its replicas and the slots they serve.
    public struct Shard: Sendable, Hashable {
        /// The slot ranges the shard serves.
        public var slots: [ClosedRange<Int>]
        /// The node that takes writes.
        public var primary: Node
        /// Its replicas that are online.
        public var replicas: [Node]

        /// Creates a shard.
        public init(slots: [ClosedRange<Int>], primary: Node, replicas: [Node] = []) {
            self.slots = slots
            self.primary = primary
            self.replicas = replicas
        }
    }

    /// The shards, in the order the server listed them.
    public var shards: [Shard]

    /// Creates a topology.
    public init(shards: [Shard]) {
        self.shards = shards
    }

    /// How many of the 16,384 slots some shard serves.
    public var coveredSlots: Int {
        shards.reduce(0) { total, shard in total + shard.slots.reduce(0) { $0 + $1.count } }
    }

    /// The shard serving `slot`, if any.
    public func shard(for slot: RedisClusterSlot) -> Shard? {
        shards.first { $0.slots.contains { $0.contains(slot.value) } }
    }

    // MARK: Parsing

    /// Reads a `CLUSTER SHARDS` reply (RESP3 maps or RESP2 flat arrays). Nodes whose health is not
    /// `online` are left out; a shard without an online primary is left out. `seedHost` stands in
    /// for a node that reports no usable address.
    static func parseShards(_ reply: RESPValue, seedHost: String) throws(RESPDecodingError) -> RedisClusterTopology {
        var shards: [Shard] = []
        for entry in try reply.asArray() {
            var ranges: [ClosedRange<Int>] = []
            var primary: Node?
            var replicas: [Node] = []
            for (key, value) in try entry.asMap() {
                switch try key.asString() {
                case "slots":
                    var bounds: [Int] = []
                    for bound in try value.asArray() { bounds.append(try bound.asInt()) }
                    var index = 0
                    while index + 1 < bounds.count {
                        if bounds[index] <= bounds[index + 1] { ranges.append(bounds[index]...bounds[index + 1]) }
                        index += 2
                    }
                case "nodes":
                    for nodeValue in try value.asArray() {
                        var fields: [String: RESPValue] = [:]
                        for (name, field) in try nodeValue.asMap() { fields[try name.asString()] = field }
                        let health = try fields["health"]?.asString()
                        guard health == nil || health == "online" else { continue }
                        var port = try fields["port"]?.asInt() ?? 0
                        if port == 0 { port = try fields["tls-port"]?.asInt() ?? 0 }
                        guard port > 0 else { continue }
                        let host = usableHost(
                            [try fields["endpoint"]?.asString(), try fields["ip"]?.asString()], seedHost: seedHost)
                        let node = Node(host: host, port: port, id: try fields["id"]?.asString())
                        if try fields["role"]?.asString() == "master" {
                            primary = node
                        } else {
                            replicas.append(node)
                        }
                    }
                default:
                    continue
                }
            }
            guard let primary, !ranges.isEmpty else { continue }
            shards.append(Shard(slots: ranges, primary: primary, replicas: replicas))
        }
        return RedisClusterTopology(shards: shards)
    }

    /// Reads a `CLUSTER SLOTS` reply: `[start, end, [host, port, id, ...], replicas...]` per
    /// range; ranges served by the same primary become one shard.
    static func parseSlots(_ reply: RESPValue, seedHost: String) throws(RESPDecodingError) -> RedisClusterTopology {
        var shards: [Shard] = []
        for entry in try reply.asArray() {
            let parts = try entry.asArray()
            guard parts.count >= 3 else {
                throw RESPDecodingError(expected: "[start, end, primary, ...]", actual: entry)
            }
            let start = try parts[0].asInt()
            let end = try parts[1].asInt()
            guard start <= end else { continue }
            var nodes: [Node] = []
            for nodeValue in parts[2...] {
                let fields = try nodeValue.asArray()
                guard fields.count >= 2 else { continue }
                let host = usableHost([try fields[0].asString()], seedHost: seedHost)
                let id = fields.count > 2 ? try fields[2].asString() : nil
                nodes.append(Node(host: host, port: try fields[1].asInt(), id: id))
            }
            guard let primary = nodes.first else { continue }
            if let index = shards.firstIndex(where: { $0.primary == primary }) {
                shards[index].slots.append(start...end)
            } else {
                shards.append(Shard(slots: [start...end], primary: primary, replicas: Array(nodes.dropFirst())))
            }
        }
        return RedisClusterTopology(shards: shards)
    }

    /// The first address that names a host (`?` and empty mean "the address you reached me at").
    private static func usableHost(_ candidates: [String?], seedHost: String) -> String {
        for case let host? in candidates where !host.isEmpty && host != "?" { return host }
        return seedHost
    }
}

/// Which node serves each slot: an index into a table of primaries per slot, for lookups without
/// searching (the per-command path).
struct RedisClusterSlotMap: Sendable {
    /// For each slot, the index of its shard in `topology.shards`, or -1 for a slot no shard serves.
    private var owners: [Int16]
    /// Slots that moved by MOVED since the topology was read: slot to its new primary.
    private var moved: [Int: RedisClusterTopology.Node] = [:]
    private(set) var topology: RedisClusterTopology

    init(_ topology: RedisClusterTopology) {
        self.topology = topology
        owners = [Int16](repeating: -1, count: RedisClusterSlot.count)
        for (index, shard) in topology.shards.enumerated() {
            for range in shard.slots {
                for slot in range where slot >= 0 && slot < RedisClusterSlot.count { owners[slot] = Int16(index) }
            }
        }
    }

    /// The primary serving `slot`, if known.
    func primary(for slot: Int) -> RedisClusterTopology.Node? {
        if !moved.isEmpty, let node = moved[slot] { return node }
        let owner = Int(owners[slot])
        return owner >= 0 ? topology.shards[owner].primary : nil
    }

    /// The index in `topology.shards` of the shard serving `slot`, unless the slot moved by
    /// `MOVED` since (or no shard serves it).
    func shardIndex(for slot: Int) -> Int? {
        if !moved.isEmpty, moved[slot] != nil { return nil }
        let owner = Int(owners[slot])
        return owner >= 0 ? owner : nil
    }

    /// The replicas of the shard serving `slot` (none for a slot moved by MOVED since the
    /// topology was read).
    func replicas(for slot: Int) -> [RedisClusterTopology.Node] {
        if !moved.isEmpty, moved[slot] != nil { return [] }
        let owner = Int(owners[slot])
        return owner >= 0 ? topology.shards[owner].replicas : []
    }

    /// Records a `MOVED slot node` answer, until the next topology read.
    mutating func recordMove(slot: Int, to node: RedisClusterTopology.Node) {
        guard slot >= 0 && slot < RedisClusterSlot.count else { return }
        moved[slot] = node
    }

    /// The primaries the map names (shard primaries and targets of `MOVED`), by endpoint.
    var primaryEndpoints: Set<String> {
        var all = Set(topology.shards.map { $0.primary.endpoint.description })
        for node in moved.values { all.insert(node.endpoint.description) }
        return all
    }

    /// Whether the map names `endpoint` as a replica and never as a primary: nothing is read
    /// there unless the caller reads from replicas.
    func isReplicaOnly(_ endpoint: String) -> Bool {
        topology.shards.contains { $0.replicas.contains { $0.endpoint.description == endpoint } }
            && !primaryEndpoints.contains(endpoint)
    }

    /// Every node the map names.
    var nodes: [RedisClusterTopology.Node] {
        var all = topology.shards.flatMap { [$0.primary] + $0.replicas }
        for node in moved.values where !all.contains(node) { all.append(node) }
        return all
    }
}
