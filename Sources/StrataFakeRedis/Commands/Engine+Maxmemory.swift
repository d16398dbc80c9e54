// `maxmemory` and `maxmemory-policy`, as Redis 7.0's evict.c and processCommand behave, over an
// approximate measure of memory.
//
// Memory: used_memory is a fixed 1 MiB baseline plus each key's ``Database/approximateSize(_:_:)``
// (key bytes, an overhead per key, string bytes, a fixed cost per collection element). It is not
// what Redis' allocator reports, so the number of keys that fit under a given maxmemory differs;
// what matches is the behaviour around it. While maxmemory is set, every database keeps its
// keys' sizes, so the total costs nothing to read.
//
// Before every command (when maxmemory is set) the server evicts keys until used memory is under
// the limit. Under `noeviction`, or when no key may be evicted (volatile-* with no volatile key),
// commands flagged `denyoom` are refused with Redis' OOM error, as is any command queued inside
// MULTI and an EXEC whose queue holds a `denyoom` command. CONFIG SET maxmemory evicts at once.
// An evicted key is deleted as Redis' performEvictions does: evicted_keys grows, WATCH and
// tracking clients hear of it (signalModifiedKey), then the `evicted` keyspace event.
//
// Which key goes: the policy's best among every candidate when there are at most 64 (so small
// keyspaces evict in an exact order: the shortest TTL, the longest idle, the least frequent),
// else the best of a random sample of 64, as Redis samples (maxmemory-samples) into its pool.

extension Engine {
    /// Redis' shared.oomerr.
    static let outOfMemoryError = "OOM command not allowed when used memory > 'maxmemory'."

    /// The baseline Redis reports for an empty server, roughly.
    static let baselineMemory = 1024 * 1024

    /// INFO's used_memory: the baseline plus every key's approximate size.
    func usedMemory() -> Int {
        var total = Engine.baselineMemory
        for db in databases {
            if db.measuring {
                total += db.measuredBytes
            } else {
                for slot in 0..<db.slotCount where db.isOccupied(slot) {
                    total += Database.approximateSize(db.key(at: slot), db.value(at: slot))
                }
            }
        }
        return total
    }

    /// After CONFIG SET: the databases keep their keys' sizes while maxmemory is set, and a new
    /// limit evicts at once (Redis' updateMaxmemory).
    func applyMaxmemory() {
        let on = config.maxmemory > 0
        for db in databases { db.setMeasuring(on) }
        if on { _ = performEvictions() }
    }

    /// Whether the command must be refused for memory (processCommand's OOM check): evicts
    /// first, then refuses `denyoom` commands, commands queued in MULTI, and an EXEC of them.
    func refusedForMemory(_ c: Client, _ spec: CommandSpec) -> Bool {
        if performEvictions() { return false }
        if spec.flags.contains(.denyOOM) { return true }
        switch spec.name {
        case "exec":
            return c.inMulti
                && c.queued.contains { args in
                    guard var queued = commands.lookup(args[0]) else { return false }
                    if queued.isContainer && args.count >= 2, let sub = queued.subcommand(args[1]) { queued = sub }
                    return queued.flags.contains(.denyOOM)
                }
        case "discard", "quit", "reset": return false
        default: return c.inMulti
        }
    }

    /// Evicts keys until used memory is within maxmemory; false when it cannot (noeviction, or
    /// nothing left the policy may evict).
    func performEvictions() -> Bool {
        let limit = config.maxmemory
        guard limit > 0 else { return true }
        var used = usedMemory()
        guard used > limit else { return true }
        let policy = config.maxmemoryPolicy
        if policy == "noeviction" { return false }
        while used > limit {
            guard let (db, slot) = evictionCandidate(policy) else { return false }
            evict(db, slot)
            used = usedMemory()
        }
        return true
    }

    /// Deletes an evicted key and tells watchers, tracking clients and subscribers.
    private func evict(_ db: Database, _ slot: Int) {
        let key = db.key(at: slot)
        db.delete(at: slot)
        statistics.evictedKeys += 1
        // The running command's own events are not this key's.
        let suppressed = notification.suppressed
        notification.suppressed = true
        signalModifiedKey(db.id, key)
        notification.suppressed = suppressed
        notifyKeyspaceEvent(.evicted, "evicted", key, db: db.id)
    }

    /// The key the policy evicts next, or nil when none may go.
    private func evictionCandidate(_ policy: String) -> (Database, Int)? {
        let volatile = policy.hasPrefix("volatile-")
        let candidates = databases.filter { volatile ? $0.expiresCount > 0 : $0.count > 0 }
        guard !candidates.isEmpty else { return nil }
        if policy.hasSuffix("-random") {
            // Redis walks the databases in turn and takes a random key of the next one.
            evictionDatabase = (evictionDatabase + 1) % candidates.count
            let db = candidates[evictionDatabase]
            let slot = volatile ? db.randomExpiringSlot(using: &rng) : db.randomSlot(using: &rng)
            return slot.map { (db, $0) }
        }
        // Lower is evicted first: the expiry time, the counter, or minus the idle time.
        let score: (Database, Int) -> Int
        switch policy {
        case "volatile-ttl": score = { db, slot in db.expireAt(slot) }
        case "allkeys-lfu", "volatile-lfu": score = { [unowned self] db, slot in Int(frequency(db, slot)) }
        default: score = { db, slot in db.bookkeeping(at: slot).accessed }
        }
        var best: (db: Database, slot: Int, score: Int)?
        func consider(_ db: Database, _ slot: Int) {
            let s = score(db, slot)
            if best == nil || s < best!.score { best = (db, slot, s) }
        }
        let total = candidates.reduce(0) { $0 + (volatile ? $1.expiresCount : $1.count) }
        if total <= 64 {
            for db in candidates {
                if volatile {
                    for slot in db.expiring { consider(db, slot) }
                } else {
                    for slot in 0..<db.slotCount where db.isOccupied(slot) { consider(db, slot) }
                }
            }
        } else {
            for _ in 0..<64 {
                let db = candidates[Int.random(in: 0..<candidates.count, using: &rng)]
                let slot = volatile ? db.randomExpiringSlot(using: &rng) : db.randomSlot(using: &rng)
                if let slot { consider(db, slot) }
            }
        }
        return best.map { ($0.db, $0.slot) }
    }
}
