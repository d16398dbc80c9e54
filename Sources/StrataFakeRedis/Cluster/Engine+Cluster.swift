// CLUSTER SHARDS, SLOTS, NODES, INFO, MYID, KEYSLOT, COUNTKEYSINSLOT, GETKEYSINSLOT, and
// ASKING, READONLY, READWRITE, in Redis 7.0's reply shapes (cluster.c). A standalone server
// answers them all with Redis' "cluster support disabled" error.

extension Engine {
    /// The cluster state, or nil after answering that cluster mode is off.
    private func clusterOrError(_ c: Client) -> ClusterState? {
        guard let cluster else {
            c.addError("ERR This instance has cluster support disabled")
            return nil
        }
        return cluster
    }

    /// A slot argument, or nil after answering the error Redis gives.
    private func slotArgument(_ c: Client, _ bytes: Bytes, invalid: String) -> Int? {
        guard let slot = Numbers.parseInteger(bytes) else {
            c.addNotInteger()
            return nil
        }
        guard slot >= 0 && slot < ClusterSlots.count else {
            c.addError(invalid)
            return nil
        }
        return slot
    }

    /// `CLUSTER SHARDS`: per primary, a map of its slot bounds (flat start/end pairs) and its
    /// nodes (id, port, ip, endpoint, role, replication-offset, health).
    func clusterShardsCommand(_ c: Client, _ args: Arguments) {
        guard let cluster = clusterOrError(c) else { return }
        c.addArrayHeader(cluster.nodes.count)
        for (index, node) in cluster.nodes.enumerated() {
            let ranges = cluster.ranges(of: index)
            c.addMapHeader(2)
            c.addBulk("slots")
            c.addArrayHeader(ranges.count * 2)
            for range in ranges {
                c.addInteger(range.lowerBound)
                c.addInteger(range.upperBound)
            }
            c.addBulk("nodes")
            c.addArrayHeader(1)
            c.addMapHeader(7)
            c.addBulk("id")
            c.addBulk(node.id)
            c.addBulk("port")
            c.addInteger(node.port)
            c.addBulk("ip")
            c.addBulk(node.host)
            c.addBulk("endpoint")
            c.addBulk(node.host)
            c.addBulk("role")
            c.addBulk("master")
            c.addBulk("replication-offset")
            c.addInteger(0)
            c.addBulk("health")
            c.addBulk("online")
        }
    }

    /// `CLUSTER SLOTS`: each contiguous range in slot order, `[start, end, [ip, port, id, {}]]`
    /// (the map holds the networking metadata that is not the preferred endpoint: none here).
    func clusterSlotsCommand(_ c: Client, _ args: Arguments) {
        guard let cluster = clusterOrError(c) else { return }
        var entries: [(range: ClosedRange<Int>, node: Int)] = []
        for index in cluster.nodes.indices {
            for range in cluster.ranges(of: index) { entries.append((range, index)) }
        }
        entries.sort { $0.range.lowerBound < $1.range.lowerBound }
        c.addArrayHeader(entries.count)
        for (range, index) in entries {
            let node = cluster.nodes[index]
            c.addArrayHeader(3)
            c.addInteger(range.lowerBound)
            c.addInteger(range.upperBound)
            c.addArrayHeader(4)
            c.addBulk(node.host)
            c.addInteger(node.port)
            c.addBulk(node.id)
            c.addMapHeader(0)
        }
    }

    /// `CLUSTER NODES`: one line per node, the slots it serves, and on this node's own line the
    /// slots it is migrating (`[slot->-id]`) and importing (`[slot-<-id]`).
    func clusterNodesCommand(_ c: Client, _ args: Arguments) {
        guard let cluster = clusterOrError(c) else { return }
        var text = ""
        for (index, node) in cluster.nodes.enumerated() {
            let isMe = index == cluster.me
            text +=
                "\(node.id) \(node.host):\(node.port)@\(node.port + 10000) \(isMe ? "myself,master" : "master") - 0 "
            text += "\(isMe ? 0 : now()) \(index + 1) connected"
            for range in cluster.ranges(of: index) {
                text += range.count == 1 ? " \(range.lowerBound)" : " \(range.lowerBound)-\(range.upperBound)"
            }
            if isMe {
                for (slot, target) in cluster.migrating.sorted(by: { $0.key < $1.key }) {
                    text += " [\(slot)->-\(cluster.nodes[target].id)]"
                }
                for (slot, source) in cluster.importing.sorted(by: { $0.key < $1.key }) {
                    text += " [\(slot)-<-\(cluster.nodes[source].id)]"
                }
            }
            text += "\n"
        }
        c.addVerbatim(text)
    }

    /// `CLUSTER INFO`: the state (`ok` when every slot is served), slot counts and epochs.
    func clusterInfoCommand(_ c: Client, _ args: Arguments) {
        guard let cluster = clusterOrError(c) else { return }
        let assigned = cluster.owners.reduce(0) { $0 + ($1 >= 0 ? 1 : 0) }
        let serving = Set(cluster.owners.filter { $0 >= 0 }).count
        let fields: [(String, String)] = [
            ("cluster_state", assigned == ClusterSlots.count ? "ok" : "fail"),
            ("cluster_slots_assigned", String(assigned)), ("cluster_slots_ok", String(assigned)),
            ("cluster_slots_pfail", "0"), ("cluster_slots_fail", "0"),
            ("cluster_known_nodes", String(cluster.nodes.count)), ("cluster_size", String(serving)),
            ("cluster_current_epoch", String(cluster.nodes.count)), ("cluster_my_epoch", String(cluster.me + 1)),
            ("cluster_stats_messages_sent", "0"), ("cluster_stats_messages_received", "0"),
            ("total_cluster_links_buffer_limit_exceeded", "0"),
        ]
        c.addVerbatim(fields.map { "\($0.0):\($0.1)\r\n" }.joined())
    }

    func clusterMyidCommand(_ c: Client, _ args: Arguments) {
        guard let cluster = clusterOrError(c) else { return }
        c.addBulk(cluster.myself.id)
    }

    func clusterKeyslotCommand(_ c: Client, _ args: Arguments) {
        guard clusterOrError(c) != nil else { return }
        c.addInteger(ClusterSlots.slot(of: args[2]))
    }

    func clusterCountkeysinslotCommand(_ c: Client, _ args: Arguments) {
        guard clusterOrError(c) != nil, let slot = slotArgument(c, args[2], invalid: "ERR Invalid slot") else {
            return
        }
        c.addInteger(keys(inSlot: slot, limit: Int.max).count)
    }

    func clusterGetkeysinslotCommand(_ c: Client, _ args: Arguments) {
        guard clusterOrError(c) != nil else { return }
        guard let limit = Numbers.parseInteger(args[3]), let slot = Numbers.parseInteger(args[2]) else {
            return c.addNotInteger()
        }
        guard limit >= 0 && slot >= 0 && slot < ClusterSlots.count else {
            return c.addError("ERR Invalid slot or number of keys")
        }
        c.addBulkArray(keys(inSlot: slot, limit: limit))
    }

    /// The live keys of database 0 in a slot, at most `limit` (O(keys): a test server's scale).
    func keys(inSlot slot: Int, limit: Int) -> [Bytes] {
        let db = databases[0]
        var found: [Bytes] = []
        for key in db.keys where found.count < limit && ClusterSlots.slot(of: key) == slot {
            if let position = db.slot(key), db.expireAt(position) == 0 || db.expireAt(position) > now() {
                found.append(key)
            }
        }
        return found
    }

    func askingCommand(_ c: Client, _ args: Arguments) {
        guard clusterOrError(c) != nil else { return }
        c.asking = true
        c.addOK()
    }

    func readonlyCommand(_ c: Client, _ args: Arguments) {
        guard clusterOrError(c) != nil else { return }
        c.readOnly = true
        c.addOK()
    }

    func readwriteCommand(_ c: Client, _ args: Arguments) {
        guard clusterOrError(c) != nil else { return }
        c.readOnly = false
        c.addOK()
    }
}
