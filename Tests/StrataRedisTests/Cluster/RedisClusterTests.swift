import StrataRESP
import StrataRedis
import StrataServerTestSupport
import Synchronization
import Testing

/// The cluster client against a real Redis Cluster (3 primaries, 3 replicas) that the suite
/// starts once and stops afterwards. The tests run one at a time and leave the cluster healthy
/// (slots they move are moved completely).
@Suite(
    "Redis Cluster (real)", .blockingIO, .serialized, .enabled(if: TestRedisCluster.shouldRun),
    .sharedRedisCluster())
struct RedisClusterTests {
    var cluster: TestRedisCluster { TestRedisCluster.current! }

    func makeClient(_ adjust: (inout RedisClusterConfiguration) -> Void = { _ in }) throws -> RedisClusterClient {
        var configuration = try RedisClusterConfiguration(urls: [cluster.urls[0], cluster.urls[3]])
        adjust(&configuration)
        return try RedisClusterClient(configuration: configuration)
    }

    @Test func topologyMatchesTheCluster() async throws {
        let client = try makeClient()
        var topology = try await client.topology()
        let roles = try cluster.roles()
        #expect(topology.coveredSlots == RedisClusterSlot.count)
        #expect(topology.shards.map(\.primary.port).sorted() == roles.primaries)
        // A replica that has replicated nothing yet reports itself `loading` (and is left out):
        // write to every shard, then read the topology until every replica is listed (bounded).
        for shard in topology.shards {
            let slot = shard.slots[0].lowerBound
            try await client.set(KeyFinder.key(inSlot: slot), "x")
        }
        for _ in 0..<100 {
            topology = try await client.refreshTopology()
            if topology.shards.allSatisfy({ $0.replicas.count == 1 }) { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        for shard in topology.shards {
            #expect(shard.replicas.map(\.port) == roles.replicasOf[shard.primary.port] ?? [])
        }
        // Our slot function agrees with the server's, hash tags included.
        for key in ["foo", "{user:1}:name", "a{b}c", "{}x", "über", "\(UInt64.max)"] {
            let reply = try cluster.command(port: cluster.ports[0], ["CLUSTER", "KEYSLOT", key])
            #expect(try reply.asInt() == RedisClusterSlot(key: key).value, "\(key)")
        }
        await client.shutdown()
    }

    @Test func typedCommandsGoToTheOwner() async throws {
        let client = try makeClient()
        let keys = (0..<300).map { "route:\($0)" }
        for key in keys { try await client.set(key, "v-\(key)") }
        for key in keys { #expect(try await client.getString(key) == "v-\(key)") }
        // Each key is stored on the primary that owns its slot: asked directly, that node has it
        // (a wrong one would answer MOVED).
        var perNode: [Int: Int] = [:]
        for key in keys {
            let owner = try cluster.owner(ofSlot: RedisClusterSlot(key: key).value)
            let reply = try cluster.command(port: owner, ["GET", key])
            #expect(try reply.asString() == "v-\(key)")
            perNode[owner, default: 0] += 1
        }
        #expect(perNode.count == 3)
        // Other typed families, and a script routed by its key.
        try await client.hset("route:hash", field: "f", value: "1")
        #expect(try await client.hget("route:hash", field: "f") == Array("1".utf8))
        #expect(try await client.lpush("route:list", ["a", "b"]) == 2)
        let script = RedisScript("return redis.call('INCRBY', KEYS[1], ARGV[1])")
        #expect(try await client.evaluate(script, keys: ["route:counter"], arguments: ["5"]) == .integer(5))
        // Raw commands are routed by the key table.
        #expect(try await client.send("GET", "route:7") == .bulkString(Array("v-route:7".utf8)))
        #expect(try await client.send("PING") == .simpleString("PONG"))
        await client.shutdown()
    }

    @Test func hashTagsKeepMultiKeyCommandsOnOneNode() async throws {
        let client = try makeClient()
        try await client.execute(MSET([("{user:9}:name", "Ada"), ("{user:9}:city", "London")]))
        let values = try await client.mget(["{user:9}:name", "{user:9}:city", "{user:9}:none"])
        #expect(values == [Array("Ada".utf8), Array("London".utf8), nil])
        #expect(try await client.del(["{user:9}:name", "{user:9}:city"]) == 2)
        // Keys in different slots are refused before anything is sent (Redis would say CROSSSLOT).
        let before = client.topologyRefreshes
        await #expect {
            try await client.mget(["a", "b"])
        } throws: { ($0 as? RedisClientError)?.code == .crossSlot }
        await #expect {
            try await client.send("MSET", "a", "1", "b", "2")
        } throws: { ($0 as? RedisClientError)?.code == .crossSlot }
        #expect(client.topologyRefreshes == before)
        #expect(try await client.get("a") == nil)
        // Whole-keyspace commands would reach one primary: refused, naming primaries().
        await #expect {
            try await client.send("FLUSHALL")
        } throws: { ($0 as? RedisClientError)?.message.contains("primaries()") == true }
        await client.shutdown()
    }

    @Test func multiKeyCommandsAcrossSlotsAreSplitPerSlot() async throws {
        let client = try makeClient()
        // 40 keys over many slots and all three nodes, some sharing a slot by hash tag, one twice.
        var keys = (0..<30).map { "across:\($0)" } + (0..<10).map { "{across}:\($0)" }
        #expect(Set(keys.map { try! cluster.owner(ofSlot: RedisClusterSlot(key: $0).value) }).count == 3)
        try await client.msetAcrossSlots(
            keys.enumerated().filter { $0.offset % 3 != 0 }.map { ($0.element, "v\($0.offset)") })
        keys.append("across:1")
        let values = try await client.mgetAcrossSlots(keys)
        #expect(values.count == keys.count)
        for (index, key) in keys.enumerated() {
            let position = keys.firstIndex(of: key)!
            let expected = position % 3 == 0 ? nil : Array("v\(position)".utf8)
            #expect(values[index] == expected, "\(key)")
            // What each node itself holds agrees.
            let owner = try cluster.owner(ofSlot: RedisClusterSlot(key: key).value)
            let held = try cluster.command(port: owner, ["GET", key])
            #expect((try? held.asString()) == expected.map { String(decoding: $0, as: UTF8.self) })
        }
        let present = keys.enumerated().filter { keys.firstIndex(of: $0.element)! % 3 != 0 }.count
        #expect(try await client.existsAcrossSlots(keys) == present)
        #expect(try await client.delAcrossSlots(Array(keys.prefix(20))) == (0..<20).filter { $0 % 3 != 0 }.count)
        #expect(try await client.unlinkAcrossSlots(keys) == (20..<40).filter { $0 % 3 != 0 }.count)
        #expect(try await client.mgetAcrossSlots(keys).allSatisfy { $0 == nil })
        #expect(try await client.mgetAcrossSlots([String]()) == [])
        #expect(try await client.delAcrossSlots([String]()) == 0)
        // One slot: a single command, as mget would send.
        #expect(try await client.mgetAcrossSlots(["{one}:a", "{one}:b"]) == [nil, nil])
        await client.shutdown()
    }

    @Test func pipelinesAcrossNodesComeBackInOrder() async throws {
        let client = try makeClient()
        var pipeline = RedisPipeline()
        var gets: [(RedisPipeline.Handle<GET<String>>, String)] = []
        var incrs: [RedisPipeline.Handle<INCRBY<String>>] = []
        for index in 0..<400 {
            let key = "pipe:\(index)"
            pipeline.set(key, "value-\(index)")
            gets.append((pipeline.get(key), "value-\(index)"))
            incrs.append(pipeline.incr("pipe:counter:\(index % 7)"))
        }
        pipeline.send("PING")
        let replies = try await client.execute(pipeline)
        #expect(replies.replies.count == 1201)
        for (handle, expected) in gets { #expect(try replies[handle] == Array(expected.utf8)) }
        // Increments of one counter are in order: 1, 2, 3, ... by position.
        var seen: [Int: Int] = [:]
        for (index, handle) in incrs.enumerated() {
            seen[index % 7, default: 0] += 1
            #expect(try replies[handle] == seen[index % 7])
        }
        #expect(replies.replies.last == .simpleString("PONG"))
        await client.shutdown()
    }

    @Test func transactionsRunOnTheOwner() async throws {
        let client = try makeClient()
        var transaction = RedisPipeline()
        let set = transaction.set("{tx}:a", "1")
        let incr = transaction.incr("{tx}:b", by: 5)
        guard case .committed(let replies) = try await client.transaction(transaction) else {
            Issue.record("the transaction aborted")
            return
        }
        #expect(try replies[set] == true)
        #expect(try replies[incr] == 5)

        // WATCH on a lease at the owner: a change by another client aborts the transaction.
        let other = try makeClient()
        let outcome = try await client.withConnection(forKey: "{tx}:b") { connection in
            try await connection.watch(["{tx}:b"])
            _ = try await other.incr("{tx}:b")
            var update = RedisPipeline()
            update.set("{tx}:b", "100")
            return try await connection.transaction(update)
        }
        guard case .aborted = outcome else {
            Issue.record("a watched key changed, yet the transaction committed")
            return
        }
        #expect(try await client.getString("{tx}:b") == "6")

        var crossSlot = RedisPipeline()
        crossSlot.set("x", "1")
        crossSlot.set("y", "1")
        await #expect {
            try await client.transaction(crossSlot)
        } throws: { ($0 as? RedisClientError)?.code == .crossSlot }
        await other.shutdown()
        await client.shutdown()
    }

    @Test func movedAfterASlotMigrates() async throws {
        var configuration = try RedisClusterConfiguration(urls: cluster.urls)
        configuration.minimumRefreshInterval = .seconds(30)  // at most one read in this test
        configuration.periodicRefreshInterval = nil
        let client = try RedisClusterClient(configuration: configuration)
        // Keys in one slot, written while the map is fresh.
        let keys = (0..<50).map { "{moved}:\($0)" }
        for key in keys { try await client.set(key, key) }
        let slot = RedisClusterSlot(key: "moved").value
        let source = try cluster.owner(ofSlot: slot)
        let target = try cluster.roles().primaries.first { $0 != source }!
        let refreshesBefore = client.topologyRefreshes

        try ClusterSlotMover(cluster: cluster).move(slot: slot, from: source, to: target)

        // The client still believes the source owns the slot: every command is answered MOVED at
        // first, all at once: a storm.
        let values = try await withThrowingTaskGroup(of: (String, String?).self) { group in
            for key in keys { group.addTask { (key, try await client.getString(key)) } }
            return try await group.reduce(into: [String: String?]()) { $0[$1.0] = $1.1 }
        }
        for key in keys { #expect(values[key] == key) }
        // Fifty MOVED replies, one topology read.
        #expect(client.topologyRefreshes - refreshesBefore <= 1)
        // Writes follow too.
        try await client.set("{moved}:new", "after")
        #expect(try cluster.command(port: target, ["GET", "{moved}:new"]) == .bulkString(Array("after".utf8)))
        await client.shutdown()
    }

    @Test func askDuringAMigrationLeavesTheMapAlone() async throws {
        let client = try makeClient { $0.periodicRefreshInterval = nil }
        try await client.set("{ask}:old", "here")
        let slot = RedisClusterSlot(key: "ask").value
        let source = try cluster.owner(ofSlot: slot)
        let target = try cluster.roles().primaries.first { $0 != source }!
        let mover = ClusterSlotMover(cluster: cluster)
        try mover.beginMigration(slot: slot, from: source, to: target)
        // A key the source no longer has (a new one) is answered ASK: sent to the target with
        // ASKING; one it still has is served by the source.
        try await client.set("{ask}:new", "there")
        #expect(try await client.getString("{ask}:new") == "there")
        #expect(try await client.getString("{ask}:old") == "here")
        #expect(try cluster.command(port: target, ["CLUSTER", "COUNTKEYSINSLOT", String(slot)]) == .integer(1))
        #expect(try cluster.command(port: source, ["CLUSTER", "COUNTKEYSINSLOT", String(slot)]) == .integer(1))
        // ASK does not change the map: the source still owns the slot.
        #expect(try await client.topology().shard(for: RedisClusterSlot(slot)!)?.primary.port == source)
        // A multi-key command over keys split between the two nodes is answered TRYAGAIN (it did
        // not run): retried with backoff until the migration is over.
        let retriesBefore = client.statistics.retries
        let pending = Task { try await client.mget(["{ask}:old", "{ask}:new"]) }
        for _ in 0..<500 where client.statistics.retries == retriesBefore {
            try await Task.sleep(for: .milliseconds(2))
        }
        #expect(client.statistics.retries > retriesBefore)
        try mover.finishMigration(slot: slot, from: source, to: target)
        #expect(try await pending.value == [Array("here".utf8), Array("there".utf8)])
        #expect(try await client.getString("{ask}:old") == "here")
        #expect(try await client.getString("{ask}:new") == "there")
        await client.shutdown()
    }

    @Test func readsFromReplicas() async throws {
        let client = try makeClient { $0.readFromReplicas = true }
        let roles = try cluster.roles()
        let replicas = roles.replicasOf.values.flatMap { $0 }
        func replicaGets() throws -> Int {
            var total = 0
            for port in replicas {
                let info = try cluster.command(port: port, ["INFO", "commandstats"]).asString()
                if let line = info.split(whereSeparator: \.isNewline).first(where: { $0.hasPrefix("cmdstat_get:") }),
                    let calls = line.split(separator: "=").dropFirst().first?.split(separator: ",").first
                {
                    total += Int(calls) ?? 0
                }
            }
            return total
        }
        let before = try replicaGets()
        try await client.set("replica:key", "copied")
        // Replication is asynchronous: poll (bounded) until a replica has the value.
        var value: String?
        for _ in 0..<200 {
            value = try await client.getString("replica:key")
            if value == "copied" { break }
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(value == "copied")
        #expect(try replicaGets() > before)
        // Writes still go to primaries.
        #expect(try await client.incr("replica:counter") == 1)
        await client.shutdown()
    }
}

extension RedisClusterTests {
    /// Slots move (IMPORTING/MIGRATING, MIGRATE, SETSLOT NODE) while 64 tasks read and write
    /// keys in them: no command fails, and every acknowledged write is read back afterwards.
    @Test func reshardingUnderLoad() async throws {
        let client = try makeClient { $0.periodicRefreshInterval = nil }
        let tags = (0..<8).map { "reshard\($0)" }
        let stop = LoadFlag()
        let progress = SuccessCounter()
        let load = Task {
            try await withThrowingTaskGroup(of: LoadOutcome.self) { group in
                for worker in 0..<64 {
                    group.addTask {
                        var outcome = LoadOutcome()
                        var operation = 0
                        while !stop.isSet || operation < 100 {
                            // Keys of this worker only, half in the moving slots.
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
        // Move each tag's slot to the next primary, while the load runs: the load is under way
        // before each move, and goes on after it long enough to touch every moved slot.
        let mover = ClusterSlotMover(cluster: cluster)
        var moved = 0
        for tag in tags {
            let goal = progress.value + 500
            while progress.value < goal { try await Task.sleep(for: .milliseconds(2)) }
            let slot = RedisClusterSlot(key: tag).value
            let primaries = try cluster.roles().primaries
            let source = try cluster.owner(ofSlot: slot)
            let target = primaries[(primaries.firstIndex(of: source)! + 1) % primaries.count]
            try mover.move(slot: slot, from: source, to: target)
            moved += 1
        }
        let finalTarget = progress.value + 500
        while progress.value < finalTarget { try await Task.sleep(for: .milliseconds(2)) }
        stop.set()
        let outcome = try await load.value
        #expect(moved == tags.count)
        let statistics = client.statistics
        #expect(statistics.movedReplies > 0, "the load never met a moved slot")
        #expect(outcome.failures.count == 0, "\(outcome.failures.count) failed: \(outcome.failures.prefix(5))")
        #expect(outcome.mismatches.count == 0, "\(outcome.mismatches.prefix(5))")
        // Every acknowledged write is there, on the node that owns it now.
        var lost: [String] = []
        for (key, value) in outcome.acknowledged where try await client.getString(key) != value { lost.append(key) }
        #expect(lost.count == 0, "lost writes: \(lost.prefix(10))")
        print(
            "resharding under load: \(tags.count) slots moved, \(outcome.operations) operations by 64 tasks, "
                + "\(outcome.failures.count) failed, \(outcome.acknowledged.count) keys read back, \(lost.count) lost, "
                + "\(statistics)")
        await client.shutdown()
    }
}

extension RedisClusterTests {
    /// SPUBLISH and SSUBSCRIBE go to the owner of the channel's slot; when the slot moves, the
    /// server drops the subscription and the client subscribes again at the new owner, in the
    /// same sequence.
    @Test func shardedPubSubFollowsTheSlot() async throws {
        let client = try makeClient { $0.periodicRefreshInterval = nil }
        let channel = "{scores}:match"
        let subscription = try await client.subscribe(toShardChannels: [channel])
        var messages = subscription.makeAsyncIterator()
        #expect(try await client.spublish(channel, "1-0") == 1)
        #expect(try await messages.next()?.text == "1-0")

        let slot = RedisClusterSlot(key: "scores").value
        let source = try cluster.owner(ofSlot: slot)
        let target = try cluster.roles().primaries.first { $0 != source }!
        try ClusterSlotMover(cluster: cluster).move(slot: slot, from: source, to: target)

        // The new subscription is made in the background: publish until it hears (bounded).
        // What was published before it is missed; the first message it heard comes next.
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
        #expect(try cluster.owner(ofSlot: slot) == target)
        // Classic pub/sub reaches every node: a subscription at one primary hears a PUBLISH sent
        // to another.
        // (PUBLISH counts the receivers on its own node only, so its reply is not checked.)
        let news = try await client.subscribe(to: ["news"])
        let publisher = try cluster.roles().primaries.last!
        let heardNews = try await withThrowingTaskGroup(of: String?.self) { group in
            group.addTask {
                for try await message in news { return message.text }
                return nil
            }
            group.addTask {
                try await Task.sleep(for: .seconds(10))
                return nil
            }
            _ = try cluster.command(port: publisher, ["PUBLISH", "news", "hello"])
            defer { group.cancelAll() }
            return try await group.next() ?? nil
        }
        #expect(heardNews == "hello")
        // Two slots in one SSUBSCRIBE are refused before sending.
        await #expect {
            try await client.subscribe(toShardChannels: ["a", "b"])
        } throws: { ($0 as? RedisClientError)?.code == .crossSlot }
        await client.shutdown()
    }
}

/// What the load of a test did.
struct LoadOutcome: Sendable {
    var operations = 0
    var acknowledged: [String: String] = [:]
    var failures: [String] = []
    var mismatches: [String] = []

    mutating func merge(_ other: LoadOutcome) {
        operations += other.operations
        acknowledged.merge(other.acknowledged) { $1 }
        failures += other.failures
        mismatches += other.mismatches
    }
}

/// A flag the load tasks poll.
final class LoadFlag: Sendable {
    private let flag = Atomic<Bool>(false)
    var isSet: Bool { flag.load(ordering: .acquiring) }
    func set() { flag.store(true, ordering: .releasing) }
}

/// Keys chosen by their slot.
enum KeyFinder {
    /// A key (`{tagN}`) whose slot is `slot`.
    static func key(inSlot slot: Int) -> String {
        var index = 0
        while RedisClusterSlot(key: "{tag\(index)}").value != slot { index += 1 }
        return "{tag\(index)}"
    }
}
