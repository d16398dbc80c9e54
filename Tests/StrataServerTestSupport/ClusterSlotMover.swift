import StrataRESP

/// Moves a slot between primaries the way `redis-cli --cluster reshard` does: `SETSLOT IMPORTING`
/// on the target, `SETSLOT MIGRATING` on the source, `MIGRATE` of the keys in batches, then
/// `SETSLOT NODE` on every primary.
public struct ClusterSlotMover: Sendable {
    let cluster: TestRedisCluster

    public init(cluster: TestRedisCluster) { self.cluster = cluster }

    public func move(slot: Int, from source: Int, to target: Int) throws {
        try beginMigration(slot: slot, from: source, to: target)
        try finishMigration(slot: slot, from: source, to: target)
    }

    public func beginMigration(slot: Int, from source: Int, to target: Int) throws {
        // Start only once the previous move has spread (see waitUntilConverged).
        try cluster.waitUntilConverged()
        let sourceID = try cluster.nodeID(port: source)
        let targetID = try cluster.nodeID(port: target)
        try ok(cluster.command(port: target, ["CLUSTER", "SETSLOT", String(slot), "IMPORTING", sourceID]))
        try ok(cluster.command(port: source, ["CLUSTER", "SETSLOT", String(slot), "MIGRATING", targetID]))
    }

    public func finishMigration(slot: Int, from source: Int, to target: Int) throws {
        while true {
            let keys = try cluster.command(port: source, ["CLUSTER", "GETKEYSINSLOT", String(slot), "100"]).asArray()
                .map { try $0.asString() }
            if keys.isEmpty { break }
            try ok(
                cluster.command(
                    port: source, ["MIGRATE", "127.0.0.1", String(target), "", "0", "5000", "REPLACE", "KEYS"] + keys))
        }
        let targetID = try cluster.nodeID(port: target)
        // The target first, then the source, then the others (as redis-cli does).
        let primaries = try cluster.roles().primaries
        for port in [target, source] + primaries.filter({ $0 != target && $0 != source }) {
            try ok(cluster.command(port: port, ["CLUSTER", "SETSLOT", String(slot), "NODE", targetID]))
        }
        try cluster.waitUntilConverged()
    }

    private func ok(_ reply: RESPValue) throws {
        if let message = reply.errorMessage { throw TestSupportError(message) }
    }
}
