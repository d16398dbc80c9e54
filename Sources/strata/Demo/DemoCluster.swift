import StrataCache
import StrataFakeRedis
import StrataRedis
import StrataSync

/// The Redis Cluster `strata demo --cluster` puts the regional tier on: an embedded fake
/// cluster of N primaries, or a real one reached through seed URLs.
struct DemoCluster: Sendable {
    let seeds: [String]
    let description: String
    /// The embedded cluster, which the demo reshapes while the workload runs.
    let fake: FakeRedisCluster?

    /// `argument` is a number of primaries (an embedded fake cluster) or comma-separated seeds.
    static func start(_ argument: String) throws -> DemoCluster {
        if let primaries = Int(argument) {
            let fake = try FakeRedisCluster(primaries: primaries)
            return DemoCluster(
                seeds: fake.urls,
                description:
                    "embedded StrataFakeRedis cluster, \(primaries) primaries on "
                    + fake.servers.map { "\($0.host):\($0.port)" }.joined(separator: ", ")
                    + " (--cluster URL[,URL...] to use a real one)",
                fake: fake)
        }
        let seeds = argument.split(separator: ",").map(String.init)
        return DemoCluster(
            seeds: seeds,
            description: "Redis Cluster via " + seeds.map(RedisConfiguration.redactedURL).joined(separator: ", "),
            fake: nil)
    }

    func stop() { fake?.shutdown() }

    func makeClient() throws -> RedisClusterClient {
        var configuration = try RedisClusterConfiguration(urls: seeds)
        configuration.node.commandTimeout = .seconds(2)
        return try RedisClusterClient(configuration: configuration)
    }

    /// What every primary has processed so far, and holds.
    static func traffic(_ client: RedisClusterClient) async throws -> [NodeTraffic] {
        var nodes: [NodeTraffic] = []
        for primary in try await client.primaries() {
            let stats = try await primary.info("stats")
            nodes.append(
                NodeTraffic(
                    node: primary.configuration.endpoint.description,
                    commands: Int(stats["total_commands_processed"] ?? "") ?? 0,
                    keys: try await primary.dbsize()))
        }
        return nodes.sorted { $0.node < $1.node }
    }

    /// While the workload runs, moves the slot of a random demo key to another primary every
    /// `interval` (embedded cluster only): the instances must follow the moves and drop the
    /// local copies of those slots' keys. Returns the task; its value is the number of moves.
    func reshape(keys: Int, namespace: String, every interval: Duration, seed: UInt64) -> Task<Int, Never>? {
        guard let fake, fake.servers.count > 1 else { return nil }
        return Task {
            var random = SplitMix64(seed: seed ^ 0x5EED_C1A5)
            var moves = 0
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                if Task.isCancelled { break }
                let key = Int(random.next() % UInt64(keys))
                let slot = FakeRedisCluster.slot(forKey: "\(namespace)\(key)")
                let owner = fake.owner(ofSlot: slot)
                fake.moveSlot(
                    slot, to: (owner + 1 + Int(random.next() % UInt64(fake.servers.count - 1))) % fake.servers.count)
                moves += 1
            }
            return moves
        }
    }
}

/// One primary's share of the demo's traffic.
struct NodeTraffic: Sendable {
    var node: String
    var commands: Int
    var keys: Int
}

/// The cluster part of the demo's report.
struct ClusterReport: Sendable {
    let description: String
    /// Commands each primary processed during the run (its counter's difference), and its keys.
    let nodes: [NodeTraffic]
    let slotMoves: Int
    /// The instances' cluster clients' counters, summed.
    let statistics: [RedisClusterClient.Statistics]

    var topologyReads: Int { statistics.reduce(0) { $0 + $1.topologyRefreshes } }
    var movedReplies: Int { statistics.reduce(0) { $0 + $1.movedReplies } }
    var askReplies: Int { statistics.reduce(0) { $0 + $1.askReplies } }
    var retries: Int { statistics.reduce(0) { $0 + $1.retries } }

    var lines: [String] {
        let total = max(1, nodes.reduce(0) { $0 + $1.commands })
        var lines = ["Cluster:          \(nodes.count) primaries; \(slotMoves) slot moves during the run"]
        for node in nodes {
            lines.append(
                "  " + pad(node.node, 22) + pad(grouped(node.commands), 12, right: true) + " commands ("
                    + format(Double(node.commands) * 100 / Double(total), 1) + "%)"
                    + pad(grouped(node.keys), 10, right: true)
                    + " keys")
        }
        lines.append(
            "  clients:        \(topologyReads) topology reads, \(movedReplies) MOVED and \(askReplies) ASK followed, "
                + "\(retries) retries (all instances)")
        return lines
    }

    var json: String {
        let nodeObjects = nodes.map { "{\"node\": \"\($0.node)\", \"commands\": \($0.commands), \"keys\": \($0.keys)}" }
        return "{\"nodes\": [\(nodeObjects.joined(separator: ", "))], \"slotMoves\": \(slotMoves), "
            + "\"topologyReads\": \(topologyReads), \"movedReplies\": \(movedReplies), "
            + "\"askReplies\": \(askReplies), \"retries\": \(retries)}"
    }
}
