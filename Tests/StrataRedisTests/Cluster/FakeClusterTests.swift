import StrataFakeRedis
import StrataRESP
import StrataRedis
import StrataServerTestSupport
import Testing

/// The cluster client against ``FakeRedisCluster``: redirections, retries and reshaping made to
/// happen at chosen moments, which a real cluster does not allow.
@Suite("Fake cluster (client)", .blockingIO)
struct FakeClusterTests {
    /// A client of `cluster` whose map changes only when a test makes it: no periodic reads, and at
    /// most one read per 30 s (the first MOVED schedules it; it never runs within a test).
    func makeClient(
        _ cluster: FakeRedisCluster, _ adjust: (inout RedisClusterConfiguration) -> Void = { _ in }
    ) throws -> RedisClusterClient {
        var configuration = try RedisClusterConfiguration(urls: [cluster.urls[0]])
        configuration.periodicRefreshInterval = nil
        configuration.minimumRefreshInterval = .seconds(30)
        configuration.node.commandTimeout = .seconds(10)
        adjust(&configuration)
        return try RedisClusterClient(configuration: configuration)
    }

    @Test func topologyIsReadFromTheFake() async throws {
        let cluster = try FakeRedisCluster(primaries: 3)
        defer { cluster.shutdown() }
        let client = try makeClient(cluster)
        let topology = try await client.topology()
        #expect(topology.coveredSlots == RedisClusterSlot.count)
        #expect(topology.shards.map(\.primary.port) == cluster.servers.map(\.port))
        #expect(topology.shards.map(\.primary.id) == cluster.nodeIDs)
        #expect(topology.shards.map(\.slots) == (0..<3).map { cluster.slots(ofNode: $0) })
        // The client's slot function and the fake's agree.
        for key in ["foo", "{user:1}:name", "a{b}c", "{}x", "über", "\(UInt64.max)"] {
            #expect(FakeRedisCluster.slot(forKey: key) == RedisClusterSlot(key: key).value, "\(key)")
        }
        // Each key lands on its slot's owner; per-node traffic shows it.
        let keys = (0..<90).map { "spread:\($0)" }
        for key in keys { try await client.set(key, key) }
        let served = cluster.statistics().map(\.keyedCommandsServed)
        var expected = [0, 0, 0]
        for key in keys { expected[cluster.owner(ofSlot: FakeRedisCluster.slot(forKey: key))] += 1 }
        #expect(served == expected)
        #expect(cluster.statistics().map(\.movedReplies) == [0, 0, 0])
        await client.shutdown()
    }

    @Test func movedMidPipeline() async throws {
        let cluster = try FakeRedisCluster(primaries: 3)
        defer { cluster.shutdown() }
        let client = try makeClient(cluster)
        let keys = (0..<60).map { "pipe:\($0)" } + (0..<20).map { "{moving}:\($0)" }
        for key in keys { try await client.set(key, "v-\(key)") }
        let slot = FakeRedisCluster.slot(forKey: "moving")
        let source = cluster.owner(ofSlot: slot)
        cluster.moveSlot(slot, to: (source + 1) % 3)
        // The client still names the old owner: the pipeline's commands for that slot are
        // answered MOVED there and sent again; the rest are served where they were sent.
        var pipeline = RedisPipeline()
        var gets: [(RedisPipeline.Handle<GET<String>>, String)] = []
        var counters: [RedisPipeline.Handle<INCRBY<String>>] = []
        for key in keys {
            gets.append((pipeline.get(key), "v-\(key)"))
            counters.append(pipeline.incr("{moving}:counter"))
            pipeline.set(key, "w-\(key)")
        }
        pipeline.send("PING")
        let replies = try await client.execute(pipeline)
        #expect(replies.replies.count == keys.count * 3 + 1)
        for (handle, expected) in gets { #expect(try replies[handle] == Array(expected.utf8)) }
        for (index, handle) in counters.enumerated() { #expect(try replies[handle] == index + 1) }
        #expect(replies.replies.last == .simpleString("PONG"))
        for key in keys { #expect(try await client.getString(key) == "w-\(key)") }
        #expect(client.statistics.movedReplies > 0)
        #expect(cluster.statistics()[source].movedReplies > 0)
        await client.shutdown()
    }

    @Test func askMidPipelineDuringAMigration() async throws {
        let cluster = try FakeRedisCluster(primaries: 3)
        defer { cluster.shutdown() }
        let client = try makeClient(cluster)
        let keys = (0..<20).map { "{asking}:\($0)" }
        let others = (0..<20).map { "other:\($0)" }
        for key in keys + others { try await client.set(key, "v-\(key)") }
        let slot = FakeRedisCluster.slot(forKey: "asking")
        let source = cluster.owner(ofSlot: slot)
        let target = (source + 2) % 3
        cluster.beginMigration(slot: slot, to: target)
        #expect(cluster.moveKeys(slot: slot, limit: 10) == 10)

        // Half the slot's keys are at the target now: the source answers ASK for them, and for
        // the new keys; the client sends ASKING and the command to the target.
        var pipeline = RedisPipeline()
        var gets: [(RedisPipeline.Handle<GET<String>>, String)] = []
        for key in keys + others { gets.append((pipeline.get(key), "v-\(key)")) }
        let fresh = (0..<5).map { "{asking}:new\($0)" }
        for key in fresh { pipeline.set(key, "n-\(key)") }
        let replies = try await client.execute(pipeline)
        for (handle, expected) in gets { #expect(try replies[handle] == Array(expected.utf8)) }
        #expect(replies.replies.suffix(5).allSatisfy { $0 == .simpleString("OK") })
        #expect(client.statistics.askReplies == 15)
        #expect(client.statistics.movedReplies == 0)
        // At least: the client sends a pipeline's redirected commands again to the slot's owner
        // before following ASK (30 ASK replies here, one round trip more than needed).
        #expect(cluster.statistics()[source].askReplies >= 15)
        // ASK leaves the map alone: the source still owns the slot.
        let owner = try await client.topology().shard(for: RedisClusterSlot(slot)!)?.primary.port
        #expect(owner == cluster.servers[source].port)

        cluster.finishMigration(slot: slot)
        for key in keys { #expect(try await client.getString(key) == "v-\(key)") }
        for key in fresh { #expect(try await client.getString(key) == "n-\(key)") }
        #expect(client.statistics.movedReplies > 0)
        await client.shutdown()
    }

    /// During a migration, commands over several keys of the slot, some moved and some not, are
    /// answered TRYAGAIN (Redis' rule); the client retries them until the migration ends. A
    /// transaction there is refused (ASK) while queuing and retried the same way.
    @Test func multiKeyCommandsWaitForTheMigrationToEnd() async throws {
        let cluster = try FakeRedisCluster(primaries: 3)
        defer { cluster.shutdown() }
        let client = try makeClient(cluster)
        try await client.set("{split}:old", "here")
        let slot = FakeRedisCluster.slot(forKey: "split")
        cluster.beginMigration(slot: slot, to: (cluster.owner(ofSlot: slot) + 1) % 3)
        try await client.set("{split}:new", "there")  // ASK: made at the target
        let retriesBefore = client.statistics.retries
        let both = Task { try await client.mget(["{split}:old", "{split}:new"]) }
        var transaction = RedisPipeline()
        let incr = transaction.incr("{split}:counter")
        let committed = Task { try await client.transaction(transaction) }
        for _ in 0..<1000 where client.statistics.retries < retriesBefore + 2 {
            try await Task.sleep(for: .milliseconds(2))
        }
        #expect(client.statistics.retries >= retriesBefore + 2)
        cluster.finishMigration(slot: slot)
        #expect(try await both.value == [Array("here".utf8), Array("there".utf8)])
        guard case .committed(let replies) = try await committed.value else {
            Issue.record("the transaction aborted")
            return
        }
        #expect(try replies[incr] == 1)
        await client.shutdown()
    }

    @Test func aMovedStormCausesOneTopologyRead() async throws {
        let cluster = try FakeRedisCluster(primaries: 3)
        defer { cluster.shutdown() }
        let client = try makeClient(cluster)
        let keys = (0..<64).map { "{storm}:\($0)" }
        for key in keys { try await client.set(key, key) }
        let slot = FakeRedisCluster.slot(forKey: "storm")
        let source = cluster.owner(ofSlot: slot)
        let before = client.statistics.topologyRefreshes
        cluster.moveSlot(slot, to: (source + 1) % 3)

        // 64 commands at once, all to the old owner first.
        let values = try await withThrowingTaskGroup(of: (String, String?).self) { group in
            for key in keys { group.addTask { (key, try await client.getString(key)) } }
            return try await group.reduce(into: [String: String?]()) { $0[$1.0] = $1.1 }
        }
        for key in keys { #expect(values[key] == key) }
        let statistics = client.statistics
        #expect(statistics.movedReplies >= 1)
        #expect(cluster.statistics()[source].movedReplies == statistics.movedReplies)
        #expect(statistics.topologyRefreshes - before == 1, "\(statistics)")
        await client.shutdown()
    }

    @Test func tryAgainAndClusterDownAreRetried() async throws {
        let cluster = try FakeRedisCluster(primaries: 3)
        defer { cluster.shutdown() }
        let client = try makeClient(cluster)
        let key = "{retry}:counter"
        let owner = cluster.servers[cluster.owner(ofSlot: FakeRedisCluster.slot(forKey: key))]
        try await client.set(key, "1")

        var retries = client.statistics.retries
        owner.inject(.tryAgain(keyedCommands: 5))
        #expect(try await client.incr(key) == 2)
        #expect(client.statistics.retries - retries == 5)
        #expect(owner.activeFaults.isEmpty)

        retries = client.statistics.retries
        owner.inject(.clusterDown(keyedCommands: 3, slot: FakeRedisCluster.slot(forKey: key)))
        #expect(try await client.getString(key) == "2")
        #expect(client.statistics.retries - retries == 3)

        // Retries end at the command's deadline: a cluster that stays down fails the command.
        let impatient = try makeClient(cluster) { $0.node.commandTimeout = .milliseconds(300) }
        owner.inject(.clusterDown(keyedCommands: 1_000_000))
        await #expect {
            try await impatient.getString(key)
        } throws: { ($0 as? RedisServerError)?.message == "CLUSTERDOWN The cluster is down" }
        owner.clearFaults()
        #expect(try await impatient.getString(key) == "2")
        await impatient.shutdown()
        await client.shutdown()
    }

    @Test func aForcedMovedIsFollowed() async throws {
        let cluster = try FakeRedisCluster(primaries: 3)
        defer { cluster.shutdown() }
        let client = try makeClient(cluster)
        let key = "{forced}:k"
        let owner = cluster.owner(ofSlot: FakeRedisCluster.slot(forKey: key))
        let wrong = cluster.servers[(owner + 1) % 3]
        try await client.set(key, "here")
        // The owner sends the client to a node that does not own the slot, which sends it back.
        cluster.servers[owner].inject(.moved(to: wrong.host, port: wrong.port, keyedCommands: 1))
        #expect(try await client.getString(key) == "here")
        #expect(client.statistics.movedReplies == 2)
        #expect(cluster.statistics()[(owner + 1) % 3].movedReplies == 1)
        await client.shutdown()
    }

    @Test func crossSlotIsRefused() async throws {
        let cluster = try FakeRedisCluster(primaries: 3)
        defer { cluster.shutdown() }
        let client = try makeClient(cluster)
        _ = try await client.topology()
        let before = cluster.statistics().map(\.commandsProcessed)
        // The client refuses before sending anything.
        await #expect {
            try await client.mget(["a", "b"])
        } throws: { ($0 as? RedisClientError)?.code == .crossSlot }
        await #expect {
            try await client.send("MSET", "a", "1", "b", "2")
        } throws: { ($0 as? RedisClientError)?.code == .crossSlot }
        #expect(cluster.statistics().map(\.commandsProcessed) == before)
        // A node asked directly refuses as Redis does.
        let node = try await client.primaries()[0]
        await #expect {
            try await node.send("MSET", "a", "1", "b", "2")
        } throws: { ($0 as? RedisServerError)?.message == "CROSSSLOT Keys in request don't hash to the same slot" }
        await client.shutdown()
    }

    /// Slots migrate (begin, keys in batches, finish) while 16 or 64 tasks write and read: no
    /// command fails, and every acknowledged write is read back afterwards.
    @Test(arguments: [16, 64]) func reshapingUnderLoad(workers: Int) async throws {
        let cluster = try FakeRedisCluster(primaries: 3)
        defer { cluster.shutdown() }
        // The default refresh spacing: the map is also read again while slots move.
        let client = try makeClient(cluster) { $0.minimumRefreshInterval = .milliseconds(250) }
        let tags = (0..<8).map { "reshape\($0)" }
        let stop = LoadFlag()
        let progress = SuccessCounter()
        let load = Task {
            try await withThrowingTaskGroup(of: LoadOutcome.self) { group in
                for worker in 0..<workers {
                    group.addTask {
                        var outcome = LoadOutcome()
                        var operation = 0
                        while !stop.isSet || operation < 100 {
                            let key =
                                operation % 2 == 0
                                ? "{\(tags[(worker + operation) % tags.count])}:w\(worker):\(operation % 40)"
                                : "load:w\(worker):\(operation % 40)"
                            let value = "\(worker)-\(operation)"
                            do {
                                try await client.set(key, value)
                                outcome.acknowledged[key] = value
                                if let read = try await client.getString(key), read != value {
                                    outcome.mismatches.append("\(key): wrote \(value), read \(read)")
                                }
                            } catch {
                                outcome.failures.append("\(key): \(error)")
                            }
                            operation += 1
                            progress.add()
                        }
                        outcome.operations = operation
                        return outcome
                    }
                }
                return try await group.reduce(into: LoadOutcome()) { $0.merge($1) }
            }
        }
        // Each tag's slot moves to the next node in three steps, with load between them.
        func awaitProgress(_ operations: Int) async throws {
            let goal = progress.value + operations
            while progress.value < goal { try await Task.sleep(for: .milliseconds(2)) }
        }
        for tag in tags {
            try await awaitProgress(200)
            let slot = FakeRedisCluster.slot(forKey: tag)
            cluster.beginMigration(slot: slot, to: (cluster.owner(ofSlot: slot) + 1) % 3)
            try await awaitProgress(100)
            cluster.moveKeys(slot: slot, limit: 10)
            try await awaitProgress(100)
            cluster.finishMigration(slot: slot)
        }
        try await awaitProgress(300)
        stop.set()
        let outcome = try await load.value
        let statistics = client.statistics
        #expect(statistics.movedReplies > 0, "the load never met a moved slot")
        #expect(outcome.failures.count == 0, "\(outcome.failures.count) failed: \(outcome.failures.prefix(5))")
        #expect(outcome.mismatches.count == 0, "\(outcome.mismatches.prefix(5))")
        var lost: [String] = []
        for (key, value) in outcome.acknowledged where try await client.getString(key) != value { lost.append(key) }
        #expect(lost.count == 0, "lost writes: \(lost.prefix(10))")
        // The next topology read (at most one refresh interval away) shows every slot's owner.
        let topology = try await client.refreshTopology()
        for tag in tags {
            let slot = FakeRedisCluster.slot(forKey: tag)
            #expect(
                topology.shard(for: RedisClusterSlot(slot)!)?.primary.port
                    == cluster.servers[cluster.owner(ofSlot: slot)].port)
        }
        print(
            "fake cluster reshaping under load: \(tags.count) slots moved, \(outcome.operations) operations by "
                + "\(workers) tasks, \(outcome.failures.count) failed, \(outcome.acknowledged.count) keys read back, "
                + "\(lost.count) lost, \(statistics), per node: \(cluster.statistics())")
        await client.shutdown()
    }

    /// A sharded subscription follows its slot: the old owner drops it (a `sunsubscribe`
    /// message), and the client subscribes again at the new owner.
    @Test func shardedPubSubFollowsTheSlot() async throws {
        let cluster = try FakeRedisCluster(primaries: 3)
        defer { cluster.shutdown() }
        // The default refresh spacing: the subscription is made again after the next topology read,
        // which a MOVED reply to SPUBLISH may have scheduled already.
        let client = try makeClient(cluster) { $0.minimumRefreshInterval = .milliseconds(250) }
        let channel = "{scores}:match"
        let subscription = try await client.subscribe(toShardChannels: [channel])
        var messages = subscription.makeAsyncIterator()
        #expect(try await client.spublish(channel, "1-0") == 1)
        #expect(try await messages.next()?.text == "1-0")

        let slot = FakeRedisCluster.slot(forKey: channel)
        cluster.moveSlot(slot, to: (cluster.owner(ofSlot: slot) + 1) % 3)
        // The new subscription is made in the background: publish until it hears (bounded).
        var heard: String?
        for attempt in 0..<200 where heard == nil {
            if try await client.spublish(channel, "after-\(attempt)") == 1 {
                heard = "after-\(attempt)"
            } else {
                try await Task.sleep(for: .milliseconds(25))
            }
        }
        #expect(heard != nil, "no subscriber at the slot's new owner")
        if heard != nil { #expect(try await messages.next()?.text == heard) }
        await client.shutdown()
    }

    /// The README's cluster example (written for a real cluster) runs against the fake too.
    @Test func readmeClusterExampleRunsOnTheFake() async throws {
        let cluster = try FakeRedisCluster(primaries: 3)
        defer { cluster.shutdown() }
        try await readmeClusterExample(urls: cluster.urls)
    }

    @Test func readmeFakeClusterExample() async throws {
        try await fakeClusterReadmeExample()
    }
}

func fakeClusterReadmeExample() async throws {
    // README: begin fake cluster
    // Three primaries on free loopback ports, the slots split evenly.
    let fake = try FakeRedisCluster(primaries: 3)
    defer { fake.shutdown() }
    let cluster = try RedisClusterClient(urls: fake.urls)
    try await cluster.set("{user:42}:name", "Ada")

    // Move the key's slot to another node; the client's map still names the old one.
    let slot = FakeRedisCluster.slot(forKey: "{user:42}:name")
    fake.moveSlot(slot, to: (fake.owner(ofSlot: slot) + 1) % 3)
    let name = try await cluster.getString("{user:42}:name")  // MOVED, followed: "Ada"

    // Or step by step: during a migration the old owner answers ASK for keys it no longer has.
    fake.beginMigration(slot: slot, to: fake.owner(ofSlot: slot) == 0 ? 1 : 0)
    fake.moveKeys(slot: slot)
    let again = try await cluster.getString("{user:42}:name")  // ASK, then ASKING + GET
    fake.finishMigration(slot: slot)

    // Faults: the next keyed commands are answered TRYAGAIN (or CLUSTERDOWN, or MOVED).
    fake.servers[fake.owner(ofSlot: slot)].inject(.tryAgain(keyedCommands: 2))
    let visits = try await cluster.incr("{user:42}:visits")  // retried with backoff: 1
    print(fake.statistics().map(\.keyedCommandsServed), cluster.statistics)  // per-node traffic
    await cluster.shutdown()
    // README: end fake cluster
    #expect(name == "Ada")
    #expect(again == "Ada")
    #expect(visits == 1)
    #expect(cluster.statistics.movedReplies >= 1)
    #expect(cluster.statistics.askReplies == 1)
    #expect(cluster.statistics.retries == 2)
}
