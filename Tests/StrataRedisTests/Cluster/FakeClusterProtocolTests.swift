import Glibc
import StrataFakeRedis
import StrataRESP
import StrataServerTestSupport
import Testing

/// The fake server's cluster mode on the wire: CLUSTER replies in Redis 7.0's shapes (RESP2 and
/// RESP3), and the redirections of getNodeByQuery, read with a raw connection.
@Suite("Fake cluster (protocol)", .blockingIO)
struct FakeClusterProtocolTests {
    func connect(_ cluster: FakeRedisCluster, _ node: Int) throws -> RESPTestConnection {
        try RESPTestConnection(port: cluster.servers[node].port)
    }

    func text(_ value: RESPValue) -> String {
        switch value {
        case .bulkString(let bytes), .verbatimString(_, let bytes): return String(decoding: bytes, as: UTF8.self)
        case .simpleError(let message), .simpleString(let message): return message
        default: return "\(value)"
        }
    }

    @Test func clusterRepliesHaveRedisShapes() throws {
        let cluster = try FakeRedisCluster(primaries: 3)
        defer { cluster.shutdown() }
        let connection = try connect(cluster, 1)
        defer { connection.close() }
        let host = cluster.servers[0].host
        let ports = cluster.servers.map(\.port)

        #expect(try connection.command("CLUSTER", "MYID") == .bulkString(Array(cluster.nodeIDs[1].utf8)))
        // Slots as redis-cli splits them, and the slot function of the Redis Cluster spec.
        #expect(cluster.slots(ofNode: 0) == [0...5460])
        #expect(cluster.slots(ofNode: 1) == [5461...10922])
        #expect(cluster.slots(ofNode: 2) == [10923...16383])
        #expect(try connection.command("CLUSTER", "KEYSLOT", "foo") == .integer(12182))
        #expect(try connection.command("CLUSTER", "KEYSLOT", "somekey") == .integer(11058))
        #expect(try connection.command("CLUSTER", "KEYSLOT", "{user1000}.following") == .integer(3443))
        #expect(try connection.command("CLUSTER", "KEYSLOT", "{}x") == .integer(FakeRedisCluster.slot(forKey: "{}x")))

        // CLUSTER SLOTS: [start, end, [ip, port, id, {}]] per range, in slot order.
        let slots = try connection.command("CLUSTER", "SLOTS")
        let expected: RESPValue = .array(
            (0..<3).map { node in
                let range = cluster.slots(ofNode: node)[0]
                return .array([
                    .integer(range.lowerBound), .integer(range.upperBound),
                    .array([
                        .bulkString(Array(host.utf8)), .integer(ports[node]),
                        .bulkString(Array(cluster.nodeIDs[node].utf8)), .array([]),
                    ]),
                ])
            })
        #expect(slots == expected)

        // CLUSTER SHARDS in RESP2: maps as flat arrays.
        let shards = try connection.command("CLUSTER", "SHARDS")
        guard case .array(let entries) = shards, entries.count == 3 else {
            Issue.record("CLUSTER SHARDS: \(shards)")
            return
        }
        let nodeFields: RESPValue = .array([
            .bulkString(Array("id".utf8)), .bulkString(Array(cluster.nodeIDs[2].utf8)),
            .bulkString(Array("port".utf8)), .integer(ports[2]),
            .bulkString(Array("ip".utf8)), .bulkString(Array(host.utf8)),
            .bulkString(Array("endpoint".utf8)), .bulkString(Array(host.utf8)),
            .bulkString(Array("role".utf8)), .bulkString(Array("master".utf8)),
            .bulkString(Array("replication-offset".utf8)), .integer(0),
            .bulkString(Array("health".utf8)), .bulkString(Array("online".utf8)),
        ])
        #expect(
            entries[2]
                == .array([
                    .bulkString(Array("slots".utf8)), .array([.integer(10923), .integer(16383)]),
                    .bulkString(Array("nodes".utf8)), .array([nodeFields]),
                ]))

        // RESP3: maps.
        _ = try connection.command("HELLO", "3")
        guard case .array(let shards3) = try connection.command("CLUSTER", "SHARDS"), case .map(let shard) = shards3[0]
        else {
            Issue.record("CLUSTER SHARDS (RESP3) is not an array of maps")
            return
        }
        #expect(shard.map { text($0.key) } == ["slots", "nodes"])
        guard case .array(let nodes) = shard[1].value, case .map(let fields) = nodes[0] else {
            Issue.record("CLUSTER SHARDS (RESP3): nodes are not maps")
            return
        }
        #expect(
            fields.map { text($0.key) } == ["id", "port", "ip", "endpoint", "role", "replication-offset", "health"])
        guard case .array(let slots3) = try connection.command("CLUSTER", "SLOTS"), case .array(let first) = slots3[0]
        else {
            Issue.record("CLUSTER SLOTS (RESP3)")
            return
        }
        guard case .array(let node) = first[2] else { return }
        #expect(node[3] == .map([]))

        // CLUSTER INFO and NODES (verbatim strings in RESP3), INFO's cluster section.
        let info = text(try connection.command("CLUSTER", "INFO"))
        #expect(info.hasPrefix("cluster_state:ok\r\ncluster_slots_assigned:16384\r\n"))
        #expect(info.contains("cluster_known_nodes:3\r\ncluster_size:3\r\n"))
        let lines = text(try connection.command("CLUSTER", "NODES")).split(separator: "\n")
        #expect(lines.count == 3)
        #expect(
            lines[1].hasPrefix("\(cluster.nodeIDs[1]) \(host):\(ports[1])@\(ports[1] + 10000) myself,master - 0 0 2 "))
        #expect(lines[1].hasSuffix(" connected 5461-10922"))
        #expect(lines[0].contains(" master - 0 ") && lines[0].hasSuffix(" connected 0-5460"))
        #expect(text(try connection.command("INFO", "cluster")).contains("cluster_enabled:1"))
        // A cluster has database 0 only.
        #expect(try connection.command("SELECT", "1") == .simpleError("ERR SELECT is not allowed in cluster mode"))
        #expect(try connection.command("SELECT", "0") == .simpleString("OK"))
        #expect(try connection.command("READONLY") == .simpleString("OK"))
        #expect(try connection.command("READWRITE") == .simpleString("OK"))
    }

    @Test func aStandaloneServerHasNoClusterSupport() throws {
        let server = try FakeRedisServer.start()
        defer { server.stop() }
        let connection = try RESPTestConnection(port: server.port)
        defer { connection.close() }
        let disabled = RESPValue.simpleError("ERR This instance has cluster support disabled")
        #expect(try connection.command("CLUSTER", "SHARDS") == disabled)
        #expect(try connection.command("CLUSTER", "KEYSLOT", "foo") == disabled)
        #expect(try connection.command("ASKING") == disabled)
        #expect(text(try connection.command("INFO", "cluster")).contains("cluster_enabled:0"))
        // Multi-key commands over many slots run: no cluster rules apply.
        #expect(try connection.command("MSET", "a", "1", "b", "2") == .simpleString("OK"))
        // A cluster fault still answers the next keyed command, and only that one.
        server.inject(.clusterDown(keyedCommands: 1))
        #expect(try connection.command("PING") == .simpleString("PONG"))
        #expect(try connection.command("GET", "a") == .simpleError("CLUSTERDOWN The cluster is down"))
        #expect(try connection.command("GET", "a") == .bulkString(Array("1".utf8)))
        #expect(server.activeFaults.isEmpty)
    }

    @Test func keyedCommandsAreRedirected() throws {
        let cluster = try FakeRedisCluster(primaries: 3)
        defer { cluster.shutdown() }
        let host = cluster.servers[0].host
        let port2 = cluster.servers[2].port
        let connection = try connect(cluster, 0)
        defer { connection.close() }
        // "foo" is in slot 12182, node 2's.
        #expect(try connection.command("GET", "foo") == .simpleError("MOVED 12182 \(host):\(port2)"))
        #expect(try connection.command("SET", "foo", "1") == .simpleError("MOVED 12182 \(host):\(port2)"))
        #expect(try connection.command("OBJECT", "ENCODING", "foo") == .simpleError("MOVED 12182 \(host):\(port2)"))
        #expect(try connection.command("PING") == .simpleString("PONG"))
        // Keys of several slots: CROSSSLOT, whoever owns them; one key twice is one slot.
        #expect(
            try connection.command("MSET", "a", "1", "b", "2")
                == .simpleError("CROSSSLOT Keys in request don't hash to the same slot"))
        let tag = "{user1000}"  // slot 3443, node 0's
        #expect(try connection.command("MSET", "\(tag)a", "1", "\(tag)b", "2") == .simpleString("OK"))
        #expect(try connection.command("DEL", "\(tag)a", "\(tag)a") == .integer(1))
        // numkeys forms count their keys, not their other arguments.
        #expect(
            try connection.command("ZUNIONSTORE", "\(tag)out", "2", "\(tag)z1", "\(tag)z2") == .integer(0))
        #expect(
            try connection.command("ZUNIONSTORE", "\(tag)out", "2", "\(tag)z1", "other")
                == .simpleError("CROSSSLOT Keys in request don't hash to the same slot"))
        // Inside MULTI: refused while queuing, then EXECABORT; at EXEC, the whole transaction.
        #expect(try connection.command("MULTI") == .simpleString("OK"))
        #expect(try connection.command("SET", "foo", "1") == .simpleError("MOVED 12182 \(host):\(port2)"))
        #expect(
            try connection.command("EXEC")
                == .simpleError("EXECABORT Transaction discarded because of previous errors."))
        #expect(try connection.command("MULTI") == .simpleString("OK"))
        #expect(try connection.command("SET", "\(tag)a", "1") == .simpleString("QUEUED"))
        #expect(try connection.command("INCR", "\(tag)n") == .simpleString("QUEUED"))
        #expect(try connection.command("EXEC") == .array([.simpleString("OK"), .integer(1)]))
        // The slot moves between MULTI and EXEC: EXEC answers MOVED and nothing runs.
        #expect(try connection.command("MULTI") == .simpleString("OK"))
        #expect(try connection.command("INCR", "\(tag)n") == .simpleString("QUEUED"))
        cluster.moveSlot(3443, to: 1)
        let port1 = cluster.servers[1].port
        #expect(try connection.command("EXEC") == .simpleError("MOVED 3443 \(host):\(port1)"))
        let owner = try connect(cluster, 1)
        defer { owner.close() }
        #expect(try owner.command("GET", "\(tag)n") == .bulkString(Array("1".utf8)))
        #expect(try owner.command("CLUSTER", "COUNTKEYSINSLOT", "3443") == .integer(3))  // b, a, n
        #expect(try connection.command("CLUSTER", "COUNTKEYSINSLOT", "3443") == .integer(0))
        // The other nodes learned the new owner too.
        let third = try connect(cluster, 2)
        defer { third.close() }
        #expect(try third.command("GET", "\(tag)n") == .simpleError("MOVED 3443 \(host):\(port1)"))
        #expect(cluster.owner(ofSlot: 3443) == 1)
        #expect(cluster.statistics().map(\.movedReplies) == [5, 0, 1])
    }

    @Test func askAndAskingDuringAMigration() throws {
        let cluster = try FakeRedisCluster(primaries: 3)
        defer { cluster.shutdown() }
        let host = cluster.servers[0].host
        let (sourcePort, targetPort) = (cluster.servers[0].port, cluster.servers[2].port)
        let source = try connect(cluster, 0)
        let target = try connect(cluster, 2)
        defer {
            source.close()
            target.close()
        }
        let tag = "{user1000}"  // slot 3443, node 0's
        #expect(try source.command("MSET", "\(tag)a", "1", "\(tag)b", "2") == .simpleString("OK"))
        cluster.beginMigration(slot: 3443, to: 2)

        // The source serves the keys it has, answers ASK for the others.
        #expect(try source.command("GET", "\(tag)a") == .bulkString(Array("1".utf8)))
        #expect(try source.command("GET", "\(tag)new") == .simpleError("ASK 3443 \(host):\(targetPort)"))
        // The target: MOVED (to the owner) without ASKING; with it, one command is served.
        #expect(try target.command("SET", "\(tag)new", "x") == .simpleError("MOVED 3443 \(host):\(sourcePort)"))
        #expect(try target.command("ASKING") == .simpleString("OK"))
        #expect(try target.command("SET", "\(tag)new", "x") == .simpleString("OK"))
        #expect(try target.command("GET", "\(tag)new") == .simpleError("MOVED 3443 \(host):\(sourcePort)"))
        // Several keys, some missing: TRYAGAIN at the source, and at the target after ASKING.
        #expect(
            try source.command("MGET", "\(tag)a", "\(tag)new")
                == .simpleError("TRYAGAIN Multiple keys request during rehashing of slot"))
        #expect(try target.command("ASKING") == .simpleString("OK"))
        #expect(
            try target.command("MGET", "\(tag)a", "\(tag)new")
                == .simpleError("TRYAGAIN Multiple keys request during rehashing of slot"))
        // ASKING then a keyless command: ASKING is spent.
        #expect(try target.command("ASKING") == .simpleString("OK"))
        #expect(try target.command("PING") == .simpleString("PONG"))
        #expect(try target.command("GET", "\(tag)new") == .simpleError("MOVED 3443 \(host):\(sourcePort)"))
        // ASKING before MULTI covers the transaction.
        #expect(try target.command("ASKING") == .simpleString("OK"))
        #expect(try target.command("MULTI") == .simpleString("OK"))
        #expect(try target.command("APPEND", "\(tag)new", "y") == .simpleString("QUEUED"))
        #expect(try target.command("EXEC") == .array([.integer(2)]))

        // The markers of CLUSTER NODES, on each node's own line.
        let nodes = text(try source.command("CLUSTER", "NODES"))
        #expect(nodes.contains(" [3443->-\(cluster.nodeIDs[2])]"))
        #expect(text(try target.command("CLUSTER", "NODES")).contains(" [3443-<-\(cluster.nodeIDs[0])]"))

        // Keys move one by one (MIGRATE): a moved key is answered ASK at the source.
        #expect(cluster.moveKeys(slot: 3443, limit: 1) == 1)
        #expect(try source.command("CLUSTER", "COUNTKEYSINSLOT", "3443") == .integer(1))
        #expect(try target.command("CLUSTER", "COUNTKEYSINSLOT", "3443") == .integer(2))
        let left = try source.command("CLUSTER", "GETKEYSINSLOT", "3443", "10")
        guard case .array(let leftKeys) = left, leftKeys.count == 1 else {
            Issue.record("GETKEYSINSLOT: \(left)")
            return
        }
        let movedKey = text(leftKeys[0]) == "\(tag)a" ? "\(tag)b" : "\(tag)a"
        #expect(try source.command("GET", movedKey) == .simpleError("ASK 3443 \(host):\(targetPort)"))

        cluster.finishMigration(slot: 3443)
        #expect(try source.command("GET", "\(tag)a") == .simpleError("MOVED 3443 \(host):\(targetPort)"))
        #expect(
            try target.command("MGET", "\(tag)a", "\(tag)b", "\(tag)new")
                == .array([
                    .bulkString(Array("1".utf8)), .bulkString(Array("2".utf8)), .bulkString(Array("xy".utf8)),
                ]))
        #expect(
            try target.command("CLUSTER", "GETKEYSINSLOT", "3443", "-1")
                == .simpleError("ERR Invalid slot or number of keys"))
        #expect(try target.command("CLUSTER", "COUNTKEYSINSLOT", "16384") == .simpleError("ERR Invalid slot"))
        #expect(!text(try target.command("CLUSTER", "NODES")).contains("["))
        #expect(cluster.statistics()[0].askReplies == 2)
    }

    @Test func aMovedSlotRedirectsBlockedClientsAndDropsShardSubscriptions() throws {
        let cluster = try FakeRedisCluster(primaries: 3)
        defer { cluster.shutdown() }
        let host = cluster.servers[0].host
        let blocked = try connect(cluster, 0)
        let subscriber = try connect(cluster, 0)
        defer {
            blocked.close()
            subscriber.close()
        }
        let tag = "{user1000}"  // slot 3443, node 0's
        try blocked.send(["BLPOP", "\(tag)list", "0"])
        #expect(
            try subscriber.command("SSUBSCRIBE", "\(tag)news")
                == .array([
                    .bulkString(Array("ssubscribe".utf8)), .bulkString(Array("\(tag)news".utf8)), .integer(1),
                ]))
        // A channel of another slot stays.
        let keep = (0...).lazy.map { "keep\($0)" }.first {
            cluster.owner(ofSlot: FakeRedisCluster.slot(forKey: $0)) == 0
        }!
        #expect(
            try subscriber.command("SSUBSCRIBE", keep)
                == .array([
                    .bulkString(Array("ssubscribe".utf8)), .bulkString(Array(keep.utf8)), .integer(2),
                ]))
        // Wait (bounded) until BLPOP is blocked, then move the slot.
        let info = try RESPTestConnection(port: cluster.servers[0].port)
        defer { info.close() }
        for _ in 0..<1000 {
            if text(try info.command("INFO", "clients")).contains("blocked_clients:1") { break }
            usleep(2000)
        }
        cluster.moveSlot(3443, to: 1)
        let port1 = cluster.servers[1].port
        #expect(try blocked.readReply().value == .simpleError("MOVED 3443 \(host):\(port1)"))
        #expect(
            try subscriber.readReply().value
                == .array([
                    .bulkString(Array("sunsubscribe".utf8)), .bulkString(Array("\(tag)news".utf8)), .integer(1),
                ]))
        #expect(try subscriber.command("PING") == .array([.bulkString(Array("pong".utf8)), .bulkString([])]))
        #expect(try subscriber.command("SSUBSCRIBE", "\(tag)news") == .simpleError("MOVED 3443 \(host):\(port1)"))
    }

    /// Keys that leave a node with their slot are deleted there as MIGRATE deletes them: clients
    /// tracking them (CLIENT TRACKING) are sent invalidations, so a local copy is dropped.
    @Test func migratedKeysAreInvalidatedForTrackingClients() throws {
        let cluster = try FakeRedisCluster(primaries: 2)
        defer { cluster.shutdown() }
        let tracking = try connect(cluster, 0)
        defer { tracking.close() }
        let key = "{user1000}cached"  // slot 3443, node 0's
        _ = try tracking.command("HELLO", "3")
        #expect(try tracking.command("CLIENT", "TRACKING", "ON") == .simpleString("OK"))
        #expect(try tracking.command("SET", key, "v") == .simpleString("OK"))
        #expect(try tracking.command("GET", key) == .bulkString(Array("v".utf8)))
        cluster.moveSlot(3443, to: 1)
        #expect(
            try tracking.readReply().value
                == .push([.bulkString(Array("invalidate".utf8)), .array([.bulkString(Array(key.utf8))])]))
        let owner = try connect(cluster, 1)
        defer { owner.close() }
        #expect(try owner.command("GET", key) == .bulkString(Array("v".utf8)))
    }

    @Test func strataServerTakesAClusterSize() throws {
        let options = try FakeRedisServerOptions(arguments: ["--cluster", "3", "--port", "0"])
        #expect(options.clusterPrimaries == 3)
        #expect(try FakeRedisServerOptions(arguments: []).clusterPrimaries == nil)
        for bad in [
            ["--cluster", "0"], ["--cluster", "x"], ["--cluster", "2", "--unixsocket", "/tmp/s"],
            ["--cluster", "3", "--port", "65534"],
        ] {
            #expect(throws: FakeRedisServerOptions.ParseError.self) { try FakeRedisServerOptions(arguments: bad) }
        }
        #expect(FakeRedisServerOptions.usage.contains("--cluster N"))
    }

    @Test func clusterFaultsAnswerTheNextKeyedCommands() throws {
        let cluster = try FakeRedisCluster(primaries: 2)
        defer { cluster.shutdown() }
        let connection = try connect(cluster, 0)
        defer { connection.close() }
        let node = cluster.servers[0]
        let key = "{user1000}a"  // slot 3443, node 0's
        node.inject(.tryAgain(keyedCommands: 2))
        #expect(node.activeFaults.map(\.description) == ["TRYAGAIN for the next 2 keyed commands"])
        #expect(try connection.command("PING") == .simpleString("PONG"))
        let tryAgain = RESPValue.simpleError("TRYAGAIN Multiple keys request during rehashing of slot")
        #expect(try connection.command("SET", key, "1") == tryAgain)
        #expect(try connection.command("GET", key) == tryAgain)
        #expect(try connection.command("SET", key, "1") == .simpleString("OK"))
        // For one slot only; other slots are served.
        node.inject(.clusterDown(keyedCommands: 1, slot: 3443))
        let other = (0...).lazy.map { "other\($0)" }.first {
            let slot = FakeRedisCluster.slot(forKey: $0)
            return slot < 8192 && slot != 3443
        }!
        #expect(try connection.command("GET", other) == .nullBulkString)
        #expect(try connection.command("GET", key) == .simpleError("CLUSTERDOWN The cluster is down"))
        #expect(try connection.command("GET", key) == .bulkString(Array("1".utf8)))
        // A forced MOVED.
        node.inject(.moved(to: "127.0.0.1", port: 7000, keyedCommands: 1))
        #expect(try connection.command("GET", key) == .simpleError("MOVED 3443 127.0.0.1:7000"))
        node.inject(.tryAgain(keyedCommands: 5))
        node.clearFaults()
        #expect(try connection.command("GET", key) == .bulkString(Array("1".utf8)))
    }
}
