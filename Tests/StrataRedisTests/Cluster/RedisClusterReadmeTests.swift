import StrataRESP
import StrataRedis
import StrataServerTestSupport
import Testing

/// The README's cluster example, compiled always and run against a real cluster (the README's
/// seed URLs are the only difference).
@Suite(
    "README cluster example (real)", .blockingIO, .enabled(if: TestRedisCluster.shouldRun),
    .sharedRedisCluster(primaries: 3, replicasPerPrimary: 0))
struct RedisClusterReadmeTests {
    @Test func clusterExample() async throws {
        try await readmeClusterExample(urls: TestRedisCluster.current!.urls)
    }
}

func readmeClusterExample(urls: [String]) async throws {
    // README: begin cluster
    // Seeds: any reachable nodes; the client reads the slot map (CLUSTER SHARDS) from them.
    var configuration = try RedisClusterConfiguration(urls: urls)  // ["redis://10.0.0.1:7000", ...]
    configuration.node.commandTimeout = .seconds(2)  // also bounds retries during a failover
    // configuration.readFromReplicas = true  // GET, HGETALL, ... may then go to replicas
    let cluster = try RedisClusterClient(configuration: configuration)

    // The same typed commands as RedisClient, each sent to the node that owns its key's slot.
    try await cluster.set("user:42:name", "Ada")
    let visits = try await cluster.incr("user:42:visits")

    // Multi-key commands need their keys in one slot: a {hash tag} puts them there.
    try await cluster.execute(MSET([("{user:42}:name", "Ada"), ("{user:42}:city", "London")]))
    let both = try await cluster.mget(["{user:42}:name", "{user:42}:city"])
    do {
        _ = try await cluster.mget(["user:1", "user:2"])  // two slots: refused, nothing sent
    } catch let error as RedisClientError where error.code == .crossSlot {
        print(error.message)  // "MGET names keys in different hash slots ('user:1' is in slot ..."
    }
    // Or split them per slot, sent in one round trip per node (not atomic across slots); also
    // msetAcrossSlots, delAcrossSlots, unlinkAcrossSlots and existsAcrossSlots.
    let many = try await cluster.mgetAcrossSlots(["user:1", "user:2", "user:3"])

    // Pipelines are split by node, sent to all of them at once, and answered in order.
    var pipeline = RedisPipeline()
    let counters = (0..<100).map { pipeline.incr("counter:\($0)") }
    let replies = try await cluster.execute(pipeline)
    let first = try replies[counters[0]]  // 1

    // Transactions and WATCH run at the node that owns their one slot.
    let outcome = try await cluster.withConnection(forKey: "{account:7}:balance") { connection in
        try await connection.watch(["{account:7}:balance"])
        let balance = Int(try await connection.getString("{account:7}:balance") ?? "0") ?? 0
        var update = RedisPipeline()
        update.set("{account:7}:balance", balance + 10)
        update.incr("{account:7}:deposits")
        return try await connection.transaction(update)  // .aborted if the balance changed meanwhile
    }

    // Commands for every primary (FLUSHALL, DBSIZE, SCAN) go through each node's RedisClient.
    var keys = 0
    for primary in try await cluster.primaries() { keys += try await primary.dbsize() }
    print(cluster.statistics)  // topology reads, MOVED and ASK followed, retries
    await cluster.shutdown()
    // README: end cluster
    #expect(visits == 1)
    #expect(both == [Array("Ada".utf8), Array("London".utf8)])
    #expect(many == [nil, nil, nil])
    #expect(first == 1)
    #expect(keys >= 104)
    guard case .committed = outcome else {
        Issue.record("the watched transaction should commit")
        return
    }
}
