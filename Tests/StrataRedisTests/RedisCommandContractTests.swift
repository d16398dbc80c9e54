import StrataRESP
import StrataRedis
import StrataServerTestSupport
import Testing

/// The client's commands against a real redis-server, in RESP2 and RESP3. Written against a
/// server URL only, so the same tests run against the fake server too.
@Suite("Command contract", .blockingIO)
struct RedisCommandContractTests {
    @Test(arguments: TestRedisServer.kindsToTest, protocolVersions)
    func strings(_ kind: TestRedisServer.Kind, _ version: RedisConfiguration.ProtocolVersion) async throws {
        try await withTestRedisServer(kind) { server in
            try await withClient(server, protocolVersion: version) { client in
                #expect(try await client.set("s", "v1"))
                #expect(try await client.set("s", "v2", condition: .ifNotExists) == false)
                #expect(try await client.set("s", "v3", condition: .ifExists))
                #expect(try await client.set("absent", "x", condition: .ifExists) == false)
                #expect(try await client.setAndGetPrevious("s", "v4") == Array("v3".utf8))
                #expect(try await client.getString("s") == "v4")
                try await client.mset([("a", "1"), ("b", "2")])
                #expect(try await client.mget(["a", "missing", "b"]) == [Array("1".utf8), nil, Array("2".utf8)])
                #expect(try await client.incr("n") == 1)
                #expect(try await client.decr("n") == 0)
                #expect(try await client.incr("n", by: -5) == -5)
                #expect(try await client.decr("n", by: 5) == -10)
                #expect(try await client.incr("f", byFloat: 1.5) == 1.5)
                #expect(try await client.append("s", "!") == 3)
                #expect(try await client.strlen("s") == 3)
                #expect(try await client.getdel("s") == Array("v4!".utf8))
                #expect(try await client.get("s") == nil)
                try await client.set("e", "x", expiration: .after(.seconds(100)))
                guard case .expires(let after) = try await client.ttl("e") else {
                    Issue.record("expected a TTL")
                    return
                }
                #expect(after > .seconds(90) && after <= .seconds(100))
                #expect(try await client.getex("e", expiration: .persist) == Array("x".utf8))
                #expect(try await client.ttl("e") == .noExpiry)
                try await client.set("k", "x", expiration: .seconds(50))
                #expect(try await client.set("k", "y", expiration: .keepTTL))
                #expect(try await client.ttlSeconds("k") > 40)
            }
        }
    }

    @Test(arguments: TestRedisServer.kindsToTest, protocolVersions)
    func keys(_ kind: TestRedisServer.Kind, _ version: RedisConfiguration.ProtocolVersion) async throws {
        try await withTestRedisServer(kind) { server in
            try await withClient(server, protocolVersion: version) { client in
                try await client.mset([("k1", "1"), ("k2", "2"), ("k3", "3")])
                #expect(try await client.exists(["k1", "k2", "nope", "k1"]) == 3)
                #expect(try await client.del("k1"))
                #expect(try await client.unlink(["k2", "nope"]) == 1)
                #expect(try await client.ttl("nope") == .keyDoesNotExist)
                #expect(try await client.expire("k3", after: .seconds(100)))
                #expect(try await client.expire("k3", after: .seconds(50), condition: .ifGreater) == false)
                #expect(try await client.expire("k3", after: .milliseconds(200_500), condition: .ifGreater))
                #expect(try await client.persist("k3"))
                #expect(try await client.type("k3") == "string")
                #expect(try await client.rename("k3", to: "k4"))
                try await client.set("k5", "x")
                #expect(try await client.rename("k4", to: "k5", onlyIfNewKeyIsFree: true) == false)
                let error = await #expect(throws: RedisServerError.self) { try await client.rename("nope", to: "x") }
                #expect(error?.message == "ERR no such key")

                for i in 0..<250 { try await client.set("scan:\(i)", "v") }
                var seen = Set<[UInt8]>()
                for try await key in client.scan(match: "scan:*", count: 20) { seen.insert(key) }
                #expect(seen.count == 250)
                #expect(try await client.dbsize() == 252)
            }
        }
    }

    @Test(arguments: TestRedisServer.kindsToTest, protocolVersions)
    func hashesListsSetsSortedSets(_ kind: TestRedisServer.Kind, _ version: RedisConfiguration.ProtocolVersion)
        async throws
    {
        try await withTestRedisServer(kind) { server in
            try await withClient(server, protocolVersion: version) { client in
                #expect(try await client.hset("h", [("f1", "a"), ("f2", "b")]) == 2)
                #expect(try await client.hset("h", field: "f1", value: "c") == false)
                #expect(try await client.hget("h", field: "f1") == Array("c".utf8))
                #expect(try await client.hmget("h", fields: ["f2", "nope"]) == [Array("b".utf8), nil])
                #expect(try await client.hgetallStrings("h") == ["f1": "c", "f2": "b"])
                #expect(try await client.hgetall("h").count == 2)
                #expect(try await client.hincr("h", field: "n", by: 3) == 3)
                #expect(try await client.hexists("h", field: "n"))
                #expect(try await client.hlen("h") == 3)
                #expect(try await client.hdel("h", fields: ["n", "nope"]) == 1)
                #expect(Set(try await client.hkeys("h")) == [Array("f1".utf8), Array("f2".utf8)])
                #expect(try await client.hvals("h").count == 2)

                #expect(try await client.rpush("l", ["a", "b", "c"]) == 3)
                #expect(try await client.lpush("l", ["z"]) == 4)
                #expect(try await client.lrange("l", 0, -1) == ["z", "a", "b", "c"].map { Array($0.utf8) })
                #expect(try await client.lindex("l", 1) == Array("a".utf8))
                #expect(try await client.lpop("l") == Array("z".utf8))
                #expect(try await client.rpop("l") == Array("c".utf8))
                #expect(try await client.llen("l") == 2)
                try await client.ltrim("l", 0, 0)
                #expect(try await client.lrem("l", count: 0, "a") == 1)

                #expect(try await client.sadd("s", ["x", "y", "x"]) == 2)
                #expect(try await client.sismember("s", "x"))
                #expect(try await client.scard("s") == 2)
                #expect(Set(try await client.smembers("s")) == [Array("x".utf8), Array("y".utf8)])
                try await client.sadd("s2", ["y", "z"])
                #expect(try await client.sinter(["s", "s2"]) == [Array("y".utf8)])
                #expect(try await client.sunion(["s", "s2"]).count == 3)
                #expect(try await client.srem("s", ["x", "nope"]) == 1)

                #expect(
                    try await client.zadd(
                        "z", [(score: 1, member: "a"), (score: 2.5, member: "b"), (score: 3, member: "c")]) == 3)
                #expect(
                    try await client.zadd("z", [(score: 0, member: "a")], options: .init(comparison: .greaterThan)) == 0
                )
                #expect(try await client.zscore("z", "b") == 2.5)
                #expect(try await client.zincrby("z", 1, "a") == 2)
                #expect(try await client.zcard("z") == 3)
                #expect(try await client.zrank("z", "c") == 2)
                #expect(try await client.zrank("z", "c", reverse: true) == 0)
                #expect(try await client.zrank("z", "nope") == nil)
                let byRank = try await client.zrange("z", 0, -1)
                #expect(byRank.map(\.member) == ["a", "b", "c"].map { Array($0.utf8) })
                #expect(byRank.map(\.score) == [2, 2.5, 3])
                let byScore = try await client.zrange(
                    "z", byScore: .exclusive(2), .positiveInfinity, reverse: true, limit: (0, 1))
                #expect(byScore.map(\.member) == [Array("c".utf8)])
                #expect(try await client.zrem("z", ["a"]) == 1)

                let error = await #expect(throws: RedisServerError.self) { try await client.lpush("h", ["x"]) }
                #expect(error?.message == "WRONGTYPE Operation against a key holding the wrong kind of value")
            }
        }
    }

    @Test(arguments: TestRedisServer.kindsToTest, protocolVersions)
    func genericSendAndPipelines(_ kind: TestRedisServer.Kind, _ version: RedisConfiguration.ProtocolVersion)
        async throws
    {
        try await withTestRedisServer(kind) { server in
            try await withClient(server, protocolVersion: version) { client in
                #expect(try await client.send("PING") == .simpleString("PONG"))
                let info = try await client.send("CLIENT", "INFO").asString()
                #expect(info.contains(version == .resp2 ? "resp=2" : "resp=3"))
                #expect(try await client.send("ECHO", [0, 1, 2] as [UInt8]) == .bulkString([0, 1, 2]))
                let error = await #expect(throws: RedisServerError.self) { try await client.send("NOSUCHCOMMAND") }
                #expect(error?.code == "ERR")

                var pipeline = RedisPipeline()
                let set = pipeline.set("p", "1")
                let incr = pipeline.incr("p", by: 2)
                let bad = pipeline.send("LPUSH", "p", "x")
                let get = pipeline.get("p")
                let replies = try await client.execute(pipeline)
                #expect(try replies[set])
                #expect(try replies[incr] == 3)
                #expect(throws: RedisServerError.self) { try replies[bad] }
                #expect(try replies[get] == Array("3".utf8))
                // A pipeline is a value: it runs again.
                #expect(try await client.execute(pipeline)[incr] == 3)
            }
        }
    }

    @Test(arguments: TestRedisServer.kindsToTest, protocolVersions)
    func transactions(_ kind: TestRedisServer.Kind, _ version: RedisConfiguration.ProtocolVersion) async throws {
        try await withTestRedisServer(kind) { server in
            try await withClient(server, protocolVersion: version) { client in
                var pipeline = RedisPipeline()
                let a = pipeline.incr("t")
                let b = pipeline.incr("t", by: 10)
                guard case .committed(let replies) = try await client.transaction(pipeline) else {
                    Issue.record("the transaction should commit")
                    return
                }
                #expect(try replies[a] == 1)
                #expect(try replies[b] == 11)

                // A command rejected while queuing aborts the whole transaction.
                var broken = RedisPipeline()
                broken.incr("t")
                broken.send("SET", "only-one-argument")
                let error = await #expect(throws: RedisServerError.self) { try await client.transaction(broken) }
                #expect(error?.message.hasPrefix("EXECABORT") == true)
                #expect(try await client.getString("t") == "11")

                // WATCH: a change by someone else between WATCH and EXEC aborts, distinctly.
                let outcome = try await client.withConnection { connection in
                    try await connection.watch(["t"])
                    try await client.set("t", "changed elsewhere")
                    var update = RedisPipeline()
                    update.set("t", "mine")
                    return try await connection.transaction(update)
                }
                guard case .aborted = outcome else {
                    Issue.record("a watched key changed: the transaction must abort")
                    return
                }
                #expect(try await client.getString("t") == "changed elsewhere")
            }
        }
    }

    /// Lua runs on a real server only (the fake answers EVAL with "unknown command").
    @Test(
        .enabled(if: TestRedisServer.kindsToTest.contains(.real), "redis-server is not on PATH"),
        arguments: protocolVersions)
    func scriptsLoadOnDemand(_ version: RedisConfiguration.ProtocolVersion) async throws {
        try await withTestRedisServer(.real) { server in
            try await withClient(server, protocolVersion: version) { client in
                let script = RedisScript("return redis.call('INCRBY', KEYS[1], ARGV[1])")
                #expect(script.sha1 == (try await client.send("SCRIPT", "LOAD", script.source).asString()))
                try await client.send("SCRIPT", "FLUSH")
                // Not on the server: EVALSHA fails with NOSCRIPT, the client falls back to EVAL.
                #expect(try await client.evaluate(script, keys: ["c"], arguments: ["5"]) == 5)
                // Now it is: EVALSHA alone.
                #expect(try await client.evaluate(script, keys: ["c"], arguments: ["5"]) == 10)
                let failing = RedisScript("return redis.call('NOSUCH')")
                await #expect(throws: RedisServerError.self) { try await client.evaluate(failing) }
            }
        }
    }

    /// Doubles as a real server writes them: Redis 7.0 writes a NaN with the sign bit set (0/0 on
    /// x86) as `,-nan` in RESP3 and `$4 -nan` in RESP2, which the RESP3 spec asks clients to accept.
    @Test(
        .enabled(if: TestRedisServer.kindsToTest.contains(.real), "redis-server is not on PATH"),
        arguments: protocolVersions)
    func doublesFromTheServerReadBack(_ version: RedisConfiguration.ProtocolVersion) async throws {
        try await withTestRedisServer(.real) { server in
            try await withClient(server, protocolVersion: version) { client in
                var results: [String: Double] = [:]
                for expression in ["0/0", "-(0/0)", "1/0", "-1/0", "-1.5e-7", "1e20", "0.1", "-0.0"] {
                    results[expression] = try await client.send("EVAL", "return {double=\(expression)}", "0").asDouble()
                }
                #expect(results["0/0"]?.isNaN == true)
                #expect(results["-(0/0)"]?.isNaN == true)
                #expect(results["1/0"] == .infinity)
                #expect(results["-1/0"] == -.infinity)
                #expect(results["-1.5e-7"] == -1.5e-7)
                #expect(results["1e20"] == 1e20)
                #expect(results["0.1"] == 0.1)
                #expect(results["-0.0"]?.sign == .minus)
            }
        }
    }

    @Test(arguments: TestRedisServer.kindsToTest)
    func blockingPopDoesNotHoldUpOtherCallers(_ kind: TestRedisServer.Kind) async throws {
        try await withTestRedisServer(kind) { server in
            try await withClient(server) { client in
                async let popped = client.blpop(["queue"], timeout: .seconds(5))
                // Other commands keep flowing while BLPOP waits on its own connection.
                for i in 0..<100 { try await client.set("busy", i) }
                try await client.rpush("queue", ["job"])
                let result = try await popped
                #expect(result?.key == Array("queue".utf8))
                #expect(result?.element == Array("job".utf8))
                #expect(try await client.brpop(["empty"], timeout: .milliseconds(100)) == nil)
            }
        }
    }
}
