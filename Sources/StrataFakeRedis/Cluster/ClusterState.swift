// Cluster mode on the engine: the node's view of the slot map, and the redirection rules of
// Redis 7.0's getNodeByQuery (cluster.c), checked before a keyed command runs.
//
// Each engine holds its own copy of the map, changed only by jobs on its loop (see
// FakeRedisCluster), so the data path takes no lock; with cluster mode off the only cost is one
// branch on `routesByKey` per command.

/// A node of a fake cluster: what CLUSTER SHARDS, SLOTS and NODES report about it.
struct ClusterNode: Sendable, Hashable {
    var id: String
    var host: String
    var port: Int
}

/// One node's view of the cluster (loop thread).
final class ClusterState {
    /// Every node of the cluster, in the same order on every node; `me` is this one's index.
    var nodes: [ClusterNode]
    let me: Int
    /// The owner of each slot (an index into `nodes`), or -1 for a slot nobody serves.
    var owners: [Int16]
    /// Slots this node owns and is migrating: slot to target node.
    var migrating: [Int: Int] = [:]
    /// Slots this node is importing: slot to source node.
    var importing: [Int: Int] = [:]
    /// Keyed commands served here, and redirections sent (the cluster's per-node traffic).
    var keyedCommandsServed = 0
    var movedReplies = 0
    var askReplies = 0

    init(nodes: [ClusterNode], me: Int, owners: [Int16]) {
        self.nodes = nodes
        self.me = me
        self.owners = owners
    }

    var myself: ClusterNode { nodes[me] }

    /// The slot ranges `node` owns, ascending.
    func ranges(of node: Int) -> [ClosedRange<Int>] {
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
}

/// Redis Cluster's hash slots: CRC16 (XMODEM) of the key, or of its `{hash tag}`, modulo 16384.
enum ClusterSlots {
    static let count = 16384

    /// The slot of `key` (Redis' keyHashSlot).
    static func slot(of key: some Collection<UInt8>) -> Int {
        slot(of: Array(key))
    }

    /// The slot of `key`, without copying it.
    static func slot(of key: Bytes) -> Int {
        key.withUnsafeBufferPointer { bytes in
            if let open = bytes.firstIndex(of: UInt8(ascii: "{")),
                let close = bytes[(open + 1)...].firstIndex(of: UInt8(ascii: "}")), close > open + 1
            {
                return Int(crc16(UnsafeBufferPointer(rebasing: bytes[(open + 1)..<close])) & 0x3FFF)
            }
            return Int(crc16(bytes) & 0x3FFF)
        }
    }

    static func crc16(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt16 {
        var crc: UInt16 = 0
        for byte in bytes {
            crc = (crc << 8) ^ table[Int((crc >> 8) ^ UInt16(byte))]
        }
        return crc
    }

    private static let table: [UInt16] = (0..<256).map { index -> UInt16 in
        var crc = UInt16(index) << 8
        for _ in 0..<8 { crc = crc & 0x8000 != 0 ? (crc << 1) ^ 0x1021 : crc << 1 }
        return crc
    }
}

extension Engine {
    /// Whether commands go through ``routeByKeys(_:_:_:)``: cluster mode, or a cluster fault
    /// waiting for a keyed command. Kept in one stored flag so the data path pays one branch.
    func updateKeyRouting() {
        routesByKey = cluster != nil || !faults.clusterReplies.isEmpty
    }

    /// Calls `body` with each of a command's keys, as Redis' key specs find them, until it returns
    /// false: the command table's first/last/step, and the `numkeys` forms (LMPOP, ZUNIONSTORE,
    /// XREAD ... STREAMS) the table cannot express. Shard channels (SSUBSCRIBE, SUNSUBSCRIBE)
    /// count as keys, as in Redis. Returns false when `body` stopped the walk.
    @discardableResult
    func forEachClusterKey(_ spec: CommandSpec, _ args: Arguments, _ body: (Bytes) -> Bool) -> Bool {
        let argc = args.count
        // The table gives Z*STORE's destination only; their sources follow numkeys.
        let storesMore =
            spec.name.utf8.first == UInt8(ascii: "z")
            && (spec.name == "zunionstore" || spec.name == "zinterstore" || spec.name == "zdiffstore")
        if spec.firstKey > 0 && !storesMore {
            for position in spec.keyPositions(argc: argc) where position < argc {
                if !body(args[position]) { return false }
            }
            return true
        }
        for position in Self.extraKeyPositions(spec, args) where position < argc {
            if !body(args[position]) { return false }
        }
        return true
    }

    /// The key positions of commands whose keys the table does not describe.
    private static func extraKeyPositions(_ spec: CommandSpec, _ args: Arguments) -> [Int] {
        let argc = args.count
        func counted(at index: Int, plus extra: [Int] = []) -> [Int] {
            guard index < argc, let n = Numbers.parseInteger(args[index]), n > 0, index + n < argc else {
                return extra
            }
            return extra + Array((index + 1)...(index + n))
        }
        switch spec.name {
        case "lmpop", "zmpop", "sintercard", "zintercard", "zunion", "zinter", "zdiff":
            return counted(at: 1)
        case "blmpop", "bzmpop":
            return counted(at: 2)
        case "zunionstore", "zinterstore", "zdiffstore":
            return counted(at: 2, plus: [1])
        case "xread", "xreadgroup":
            guard let streams = (1..<argc).first(where: { args.is($0, "streams") }) else { return [] }
            let rest = argc - streams - 1
            guard rest > 0 && rest % 2 == 0 else { return [] }
            return Array((streams + 1)...(streams + rest / 2))
        case "ssubscribe", "sunsubscribe":
            return argc > 1 ? Array(1..<argc) : []
        default:
            return []
        }
    }

    /// Redis' getNodeByQuery and clusterRedirectClient, before a command runs: answers and
    /// returns true when the command must not run here (MOVED, ASK, CROSSSLOT, TRYAGAIN,
    /// CLUSTERDOWN, or an injected cluster fault); returns false to run it.
    ///
    /// As in Redis, a command inside MULTI is checked when it is queued (a refusal flags the
    /// transaction, so EXEC answers EXECABORT), and EXEC checks the keys of the whole transaction
    /// again (a refusal discards it and EXEC answers the redirection); ASKING before MULTI covers
    /// the transaction. Simplified: commands refused before this check (unknown command, wrong
    /// arity, NOAUTH) do not clear ASKING; keys are found by the command table and the `numkeys`
    /// forms only (SORT's BY/GET patterns are not keys here); with no replicas, READONLY changes
    /// nothing and CLUSTERDOWN comes only from an unassigned slot or an injected fault.
    func routeByKeys(_ c: Client, _ spec: CommandSpec, _ args: Arguments) -> Bool {
        guard let cluster else {
            // Not in cluster mode: only an injected cluster fault answers, for the first key's slot.
            guard spec.name != "exec" else { return false }
            var first: Bytes?
            forEachClusterKey(spec, args) {
                first = $0
                return false
            }
            guard let first, let message = takeClusterFault(slot: ClusterSlots.slot(of: first)) else { return false }
            redirect(c, spec, message)
            return true
        }
        let isExec = spec.name == "exec"
        let asking = c.asking
        // Redis clears ASKING after each command, except ASKING itself and inside a transaction.
        if asking && spec.name != "asking" && spec.name != "multi" && (!c.inMulti || isExec) { c.asking = false }
        let isShardPubSub = spec.name == "ssubscribe" || spec.name == "sunsubscribe" || spec.name == "spublish"
        var firstKey: Bytes?
        var slot = 0
        var owner = -1
        var migratingSlot = false
        var importingSlot = false
        var multipleKeys = false
        var missingKeys = 0
        var refusal: String?
        // Every key of the command (of every queued command, for EXEC), as getNodeByQuery walks them.
        func visit(_ key: Bytes) -> Bool {
            let keySlot = ClusterSlots.slot(of: key)
            if let first = firstKey {
                if key != first {
                    if keySlot != slot {
                        refusal = "CROSSSLOT Keys in request don't hash to the same slot"
                        return false
                    }
                    multipleKeys = true
                }
            } else {
                firstKey = key
                slot = keySlot
                owner = Int(cluster.owners[slot])
                if owner < 0 {
                    refusal = "CLUSTERDOWN Hash slot not served"
                    return false
                }
                migratingSlot = owner == cluster.me && !cluster.migrating.isEmpty && cluster.migrating[slot] != nil
                importingSlot = !cluster.importing.isEmpty && cluster.importing[slot] != nil
            }
            if (migratingSlot || importingSlot) && !isShardPubSub && lookupWithoutTouching(database(c), key) == nil {
                missingKeys += 1
            }
            return true
        }
        if isExec {
            guard c.inMulti, !c.dirtyExec else { return false }
            for queued in c.queued {
                guard var queuedSpec = self.commands.lookup(queued[0]) else { continue }
                if queuedSpec.isContainer, queued.count >= 2, let sub = queuedSpec.subcommand(queued[1]) {
                    queuedSpec = sub
                }
                if !forEachClusterKey(queuedSpec, queued, visit) { break }
            }
        } else {
            forEachClusterKey(spec, args, visit)
        }
        if let refusal {
            redirect(c, spec, refusal)
            return true
        }
        // No key at all: served here, whatever the slot map says.
        guard firstKey != nil else { return false }
        if !faults.clusterReplies.isEmpty, let message = takeClusterFault(slot: slot) {
            redirect(c, spec, message)
            return true
        }
        if migratingSlot && missingKeys > 0 {
            if multipleKeys {
                redirect(c, spec, "TRYAGAIN Multiple keys request during rehashing of slot")
            } else {
                let target = cluster.nodes[cluster.migrating[slot]!]
                cluster.askReplies += 1
                redirect(c, spec, "ASK \(slot) \(target.host):\(target.port)")
            }
            return true
        }
        if importingSlot && asking {
            if multipleKeys && missingKeys > 0 {
                redirect(c, spec, "TRYAGAIN Multiple keys request during rehashing of slot")
                return true
            }
            cluster.keyedCommandsServed += 1
            return false
        }
        if owner != cluster.me {
            let node = cluster.nodes[owner]
            cluster.movedReplies += 1
            redirect(c, spec, "MOVED \(slot) \(node.host):\(node.port)")
            return true
        }
        cluster.keyedCommandsServed += 1
        return false
    }

    /// Gives `slot` to node `owner` and ends any migration of it here. When the slot was this
    /// node's, clients blocked on its keys are answered MOVED (Redis'
    /// clusterRedirectBlockedClientIfNeeded) and its shard channels' subscribers are unsubscribed
    /// with a `sunsubscribe` message (removeChannelsInSlot), so they subscribe again at the owner.
    func assignClusterSlot(_ slot: Int, to owner: Int) {
        guard let cluster else { return }
        let wasMine = Int(cluster.owners[slot]) == cluster.me
        cluster.owners[slot] = Int16(owner)
        cluster.migrating[slot] = nil
        cluster.importing[slot] = nil
        guard wasMine && owner != cluster.me else { return }
        let node = cluster.nodes[owner]
        let moved = "MOVED \(slot) \(node.host):\(node.port)"
        for c in clientList where c.blocked?.keys.contains(where: { ClusterSlots.slot(of: $0) == slot }) == true {
            unblock(c, reply: false, error: moved)
        }
        for channel in shardChannelSubscribers.keys where ClusterSlots.slot(of: channel) == slot {
            for c in shardChannelSubscribers[channel] ?? [] where !c.closing {
                sunsubscribe(c, channel, notify: true)
                afterPush(c)
            }
        }
    }

    /// Redis' clusterRedirectClient after processCommand's bookkeeping: EXEC discards the
    /// transaction and answers the error itself; any other command flags an open transaction.
    private func redirect(_ c: Client, _ spec: CommandSpec, _ message: String) {
        spec.rejectedCalls += 1
        if spec.name == "exec" {
            discardTransaction(c)
        } else if c.inMulti {
            c.dirtyExec = true
        }
        c.addError(message)
        countErrors(c)
    }

    /// The message of the first injected cluster fault that applies to `slot`, counting it.
    private func takeClusterFault(slot: Int) -> String? {
        guard let index = faults.clusterReplies.firstIndex(where: { $0.slot == nil || $0.slot == slot }) else {
            return nil
        }
        let fault = faults.clusterReplies[index]
        faults.clusterReplies[index].remaining -= 1
        if faults.clusterReplies[index].remaining <= 0 {
            faults.clusterReplies.remove(at: index)
            updateKeyRouting()
        }
        statistics.faultsApplied += 1
        switch fault.reply {
        case .tryAgain: return "TRYAGAIN Multiple keys request during rehashing of slot"
        case .clusterDown: return "CLUSTERDOWN The cluster is down"
        case .moved(let host, let port): return "MOVED \(slot) \(host):\(port)"
        }
    }
}
