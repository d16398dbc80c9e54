import StrataRESP
import Testing

@testable import StrataRedis

/// Hash slots, hash tags, key positions and topology parsing, without a server.
@Suite("Redis Cluster slots and keys")
struct RedisClusterSlotTests {
    @Test(arguments: [
        ("123456789", 0x31C3 & 0x3FFF),  // the CRC16/XMODEM check value, reduced to a slot
        ("foo", 12182), ("bar", 5061), ("somekey", 11058), ("foo{hash_tag}", 2515), ("", 0),
    ])
    func knownSlots(key: String, slot: Int) {
        #expect(RedisClusterSlot(key: key).value == slot)
    }

    @Test func crc16CheckValue() {
        #expect(RedisClusterSlot.crc16(Array("123456789".utf8)[...]) == 0x31C3)
    }

    @Test(arguments: [
        ("{user:42}:name", "user:42"),
        ("x{user:42}y{other}", "user:42"),  // the first tag counts
        ("{}user", "{}user"),  // an empty tag does not count: the whole key is hashed
        ("{user", "{user"),  // no closing brace
        ("}user{", "}user{"),
        ("a{}{b}", "a{}{b}"),  // the first `{` has an empty tag, so the whole key
        ("{{b}}", "{b"),  // the tag ends at the first `}` after the first `{`
    ])
    func hashTags(key: String, hashed: String) {
        #expect(RedisClusterSlot(key: key) == RedisClusterSlot(bytes: Array(hashed.utf8)))
    }

    @Test func keysSharingATagShareASlot() throws {
        let slot = try RedisClusterSlot.of(
            keys: [RedisKey("{user:42}:name"), RedisKey("{user:42}:visits"), RedisKey("{user:42}")], command: "MGET")
        #expect(slot == RedisClusterSlot(key: "user:42"))
        #expect(try RedisClusterSlot.of(keys: [], command: "PING") == nil)
    }

    @Test func crossSlotNamesTheKeys() {
        #expect {
            try RedisClusterSlot.of(keys: [RedisKey("foo"), RedisKey("foo"), RedisKey("bar")], command: "MGET")
        } throws: { error in
            guard let error = error as? RedisClientError, error.code == .crossSlot else { return false }
            return error.message.contains("MGET") && error.message.contains("'foo' is in slot 12182")
                && error.message.contains("'bar' in slot 5061")
        }
    }

    /// A cross-slot command, pipeline or transaction fails before the client does any I/O: the
    /// seed does not even exist.
    @Test func crossSlotFailsBeforeAnyIO() async throws {
        let cluster = try RedisClusterClient(urls: ["redis://127.0.0.1:1"])
        func isCrossSlot(_ error: any Error) -> Bool { (error as? RedisClientError)?.code == .crossSlot }
        await #expect { try await cluster.mget(["foo", "bar"]) } throws: { isCrossSlot($0) }
        await #expect { try await cluster.send("DEL", "foo", "bar") } throws: { isCrossSlot($0) }
        var pipeline = RedisPipeline()
        pipeline.get("foo")
        pipeline.add(MGET(["foo", "bar"]))
        await #expect { try await cluster.execute(pipeline) } throws: { isCrossSlot($0) }
        var transaction = RedisPipeline()
        transaction.set("foo", "1")
        transaction.set("bar", "2")
        await #expect { try await cluster.transaction(transaction) } throws: { isCrossSlot($0) }
        #expect(cluster.topologyRefreshes == 0)
        #expect(cluster.state.withLock { $0.nodes.isEmpty })
        await cluster.shutdown()
    }

    @Test func keysOfEncodedCommands() {
        func keys(_ arguments: String...) -> [String] {
            let command = RedisRawCommand(command: arguments)
            return ClusterCommandKeys.keys(of: command.bytes[...]).map(\.description)
        }
        #expect(keys("GET", "a") == ["a"])
        #expect(keys("get", "a") == ["a"])
        #expect(keys("MGET", "a", "b", "c") == ["a", "b", "c"])
        #expect(keys("MSET", "a", "1", "b", "2") == ["a", "b"])
        #expect(keys("EVALSHA", "abc", "2", "k1", "k2", "arg") == ["k1", "k2"])
        #expect(keys("EVAL", "return 1", "0", "arg") == [])
        #expect(keys("ZUNIONSTORE", "dest", "2", "s1", "s2", "WEIGHTS", "1", "2") == ["dest", "s1", "s2"])
        #expect(keys("BLPOP", "l1", "l2", "0") == ["l1", "l2"])
        #expect(keys("XREAD", "COUNT", "2", "STREAMS", "s1", "s2", "0", "0") == ["s1", "s2"])
        #expect(keys("OBJECT", "ENCODING", "k") == ["k"])
        #expect(keys("PING") == [])
        #expect(keys("CONFIG", "GET", "maxmemory") == [])
        #expect(keys("RENAME", "a", "b") == ["a", "b"])
    }

    @Test func commandRangesSplitAPipeline() {
        var pipeline = RedisPipeline()
        pipeline.get("a")
        pipeline.set("b", "value with spaces\r\n")
        pipeline.add(MGET(["c", "d"]))
        pipeline.send("PING")
        let buffer = pipeline.encoder.buffer
        let ranges = ClusterCommandKeys.commandRanges(in: buffer)
        #expect(ranges.count == 4)
        #expect(ranges.first?.lowerBound == 0 && ranges.last?.upperBound == buffer.count)
        #expect(ranges.map { ClusterCommandKeys.name(of: buffer[$0]) } == ["GET", "SET", "MGET", "PING"])
        #expect(ClusterCommandKeys.keys(of: buffer[ranges[1]]).map(\.description) == ["b"])
    }

    @Test func parsesClusterShardsInRESP3AndRESP2() throws {
        func node(_ id: String, _ port: Int, _ role: String, health: String = "online") -> [(String, RESPValue)] {
            [
                ("id", .bulkString(Array(id.utf8))), ("port", .integer(port)),
                ("ip", .bulkString(Array("10.0.0.1".utf8))),
                ("endpoint", .bulkString(Array("10.0.0.1".utf8))), ("role", .bulkString(Array(role.utf8))),
                ("replication-offset", .integer(0)), ("health", .bulkString(Array(health.utf8))),
            ]
        }
        func asMap(_ pairs: [(String, RESPValue)]) -> RESPValue {
            .map(pairs.map { (key: RESPValue.bulkString(Array($0.0.utf8)), value: $0.1) })
        }
        func asFlat(_ pairs: [(String, RESPValue)]) -> RESPValue {
            .array(pairs.flatMap { [RESPValue.bulkString(Array($0.0.utf8)), $0.1] })
        }
        for encode in [asMap, asFlat] {
            let reply = RESPValue.array([
                encode([
                    ("slots", .array([.integer(0), .integer(5460), .integer(10923), .integer(10923)])),
                    ("nodes", .array([encode(node("a", 7000, "master")), encode(node("b", 7003, "replica"))])),
                ]),
                encode([
                    ("slots", .array([.integer(5461), .integer(10922)])),
                    ("nodes", .array([encode(node("c", 7001, "master", health: "failed"))])),  // failed primary
                ]),
                encode([
                    ("slots", .array([.integer(10924), .integer(16383)])),
                    (
                        "nodes",
                        .array([
                            encode(node("d", 7002, "master")), encode(node("e", 7005, "replica", health: "loading")),
                        ])
                    ),
                ]),
            ])
            let topology = try RedisClusterTopology.parseShards(reply, seedHost: "seed")
            #expect(topology.shards.count == 2)
            #expect(topology.shards[0].primary == .init(host: "10.0.0.1", port: 7000, id: "a"))
            #expect(topology.shards[0].replicas.map(\.port) == [7003])
            #expect(topology.shards[0].slots == [0...5460, 10923...10923])
            #expect(topology.shards[1].replicas.isEmpty)
            #expect(topology.coveredSlots == 5461 + 1 + 5460)
            let map = RedisClusterSlotMap(topology)
            #expect(map.primary(for: 10923)?.port == 7000)
            #expect(map.primary(for: 6000) == nil)
            #expect(map.primary(for: 16383)?.port == 7002)
        }
    }

    @Test func parsesClusterSlots() throws {
        func node(_ host: String, _ port: Int, _ id: String) -> RESPValue {
            .array([.bulkString(Array(host.utf8)), .integer(port), .bulkString(Array(id.utf8))])
        }
        let reply = RESPValue.array([
            .array([.integer(0), .integer(5460), node("127.0.0.1", 7000, "a"), node("127.0.0.1", 7003, "d")]),
            .array([.integer(5461), .integer(16383), node("", 7001, "b")]),  // empty host: the seed's
            .array([.integer(16384), .integer(16384), node("127.0.0.1", 7000, "a")]),
        ])
        let topology = try RedisClusterTopology.parseSlots(reply, seedHost: "seed")
        #expect(topology.shards.count == 2)
        #expect(topology.shards[0].slots == [0...5460, 16384...16384])
        #expect(topology.shards[1].primary.host == "seed")
        var map = RedisClusterSlotMap(topology)
        #expect(map.primary(for: 6000)?.port == 7001)
        map.recordMove(slot: 6000, to: .init(host: "127.0.0.1", port: 7000))
        #expect(map.primary(for: 6000)?.port == 7000)
        #expect(map.replicas(for: 6000).isEmpty)
        #expect(map.primary(for: 6001)?.port == 7001)
    }

    @Test(arguments: [
        ("MOVED 3999 127.0.0.1:6381", "moved 3999 127.0.0.1:6381"),
        ("ASK 3999 [::1]:6381", "ask [::1]:6381"),
        ("TRYAGAIN Multiple keys request during rehashing of slot", "later false"),
        ("CLUSTERDOWN The cluster is down", "later true"),
        ("ERR unknown command", "none"),
        ("MOVED nonsense", "none"),
    ])
    func redirections(message: String, expected: String) {
        let shown: String
        switch RedisClusterClient.Redirection(message) {
        case .moved(let slot, let node)?: shown = "moved \(slot) \(node)"
        case .ask(let node)?: shown = "ask \(node)"
        case .retryLater(let refresh)?: shown = "later \(refresh)"
        case nil: shown = "none"
        }
        #expect(shown == expected)
    }
}
