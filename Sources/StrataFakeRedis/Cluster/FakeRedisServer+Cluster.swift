// The loop jobs that put a server in cluster mode, change its view of the slot map, and move a
// slot's keys to another node (as MIGRATE does). ``FakeRedisCluster`` drives them.

extension FakeRedisServer {
    /// Turns cluster mode on with this view of the cluster (`me`: this server's index in `nodes`).
    func installCluster(nodes: [ClusterNode], me: Int, owners: [Int16]) {
        perform { engine in
            engine.cluster = ClusterState(nodes: nodes, me: me, owners: owners)
            engine.updateKeyRouting()
        }
    }

    /// Changes this server's view of the slot map on its loop (no-op when not in cluster mode).
    func updateCluster(_ body: @escaping @Sendable (ClusterState) -> Void) {
        perform { engine in
            if let cluster = engine.cluster { body(cluster) }
        }
    }

    /// Gives `slot` to node `owner` in this server's view, ending a migration of it here (see
    /// `Engine.assignClusterSlot(_:to:)`).
    func assignSlot(_ slot: Int, to owner: Int) {
        perform { engine in
            engine.commandTime = engine.now()
            engine.assignClusterSlot(slot, to: owner)
        }
    }

    /// Reads this server's cluster counters (zero when not in cluster mode).
    func clusterCounters() -> (keyedCommandsServed: Int, movedReplies: Int, askReplies: Int, commandsProcessed: Int) {
        perform { engine in
            let cluster = engine.cluster
            return (
                cluster?.keyedCommandsServed ?? 0, cluster?.movedReplies ?? 0, cluster?.askReplies ?? 0,
                engine.statistics.commandsProcessed
            )
        } ?? (0, 0, 0, 0)
    }

    /// Moves up to `limit` keys of `slot` from this server to `target`, as MIGRATE does: the keys
    /// leave this server and arrive at the target while this server's loop waits, so no client of
    /// either sees a key in neither place or in both. Returns how many moved.
    func migrateKeys(slot: Int, to target: FakeRedisServer, limit: Int) -> Int {
        perform { engine -> Int in
            engine.commandTime = engine.now()
            let db = engine.databases[0]
            db.now = engine.commandTime
            var moving: [KeyTransfer.Entry] = []
            for key in engine.keys(inSlot: slot, limit: limit) {
                guard let position = engine.lookupWithoutTouching(db, key) else { continue }
                let entry = db.entry(at: position)
                // A copy: the moved objects are referenced by the transfer alone.
                moving.append(KeyTransfer.Entry(key: key, value: entry.value.copy(), expireAt: entry.expireAt))
                db.delete(at: position)
                engine.signalModifiedKey(0, key)
            }
            guard !moving.isEmpty else { return 0 }
            let transfer = KeyTransfer(entries: moving)
            // This loop waits for the target's: reshaping is serialized by FakeRedisCluster, so no
            // target ever waits for this loop meanwhile.
            target.perform { engine in
                engine.commandTime = engine.now()
                let db = engine.databases[0]
                db.now = engine.commandTime
                for entry in transfer.take() {
                    let position = db.set(entry.key, entry.value)
                    if entry.expireAt != 0 { db.setExpiry(at: position, entry.expireAt) }
                    engine.signalModifiedKey(0, entry.key)
                }
            }
            return moving.count
        } ?? 0
    }
}

/// Keys and values handed from one server's loop to another's. The values are fresh copies
/// that nothing else references, and the hand-over is ordered by the mailbox (its lock and the
/// waiting semaphore): the source thread lets go of them before the target thread takes them.
private final class KeyTransfer: @unchecked Sendable {
    struct Entry {
        var key: Bytes
        var value: StoredValue
        var expireAt: Int
    }

    private var entries: [Entry]

    init(entries: [Entry]) { self.entries = entries }

    /// The entries, once (the target's loop thread).
    func take() -> [Entry] {
        defer { entries = [] }
        return entries
    }
}
