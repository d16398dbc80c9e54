import StrataRESP

// Multi-key commands whose keys span slots, split into one command per slot and sent as one
// pipeline (a round trip per node, all nodes at once). Not atomic: each slot's part runs on its
// own, as separate commands would.

extension RedisClusterClient {
    /// `MGET` over keys in any slots: one `MGET` per slot, the values back in key order (`nil`
    /// for missing keys). Not atomic across slots: a write between the parts may show in one
    /// part and not another.
    ///
    /// - Throws: ``RedisServerError`` when any part fails (the other parts ran).
    public func mgetAcrossSlots<Key: RESPCommandArgument>(_ keys: [Key]) async throws -> [[UInt8]?] {
        guard !keys.isEmpty else { return [] }
        let groups = Self.slotGroups(keys.map { RedisKey($0) })
        if groups.count == 1 { return try await execute(MGET(keys)) }
        var pipeline = RedisPipeline()
        let handles = groups.map { group in pipeline.add(MGET(group.map { keys[$0] })) }
        let replies = try await execute(pipeline)
        var values = [[UInt8]?](repeating: nil, count: keys.count)
        for (group, handle) in zip(groups, handles) {
            for (index, value) in zip(group, try replies[handle]) { values[index] = value }
        }
        return values
    }

    /// `MSET` over keys in any slots: one `MSET` per slot. Not atomic across slots: if a part
    /// fails, the others may have been written.
    ///
    /// - Throws: ``RedisServerError`` when any part fails.
    public func msetAcrossSlots<Key: RESPCommandArgument, Value: RESPCommandArgument>(
        _ pairs: [(Key, Value)]
    ) async throws {
        guard !pairs.isEmpty else { return }
        let groups = Self.slotGroups(pairs.map { RedisKey($0.0) })
        if groups.count == 1 { return try await execute(MSET(pairs)) }
        var pipeline = RedisPipeline()
        let handles = groups.map { group in pipeline.add(MSET(group.map { pairs[$0] })) }
        let replies = try await execute(pipeline)
        for handle in handles { _ = try replies[handle] }
    }

    /// `DEL` over keys in any slots: how many existed and were removed, summed over one `DEL` per
    /// slot.
    public func delAcrossSlots<Key: RESPCommandArgument>(_ keys: [Key]) async throws -> Int {
        try await countAcrossSlots(keys) { DEL($0) }
    }

    /// `UNLINK` over keys in any slots (one per slot): how many existed and were removed.
    public func unlinkAcrossSlots<Key: RESPCommandArgument>(_ keys: [Key]) async throws -> Int {
        try await countAcrossSlots(keys) { UNLINK($0) }
    }

    /// `EXISTS` over keys in any slots (one per slot): how many of them exist, a key named twice
    /// counting twice as in Redis.
    public func existsAcrossSlots<Key: RESPCommandArgument>(_ keys: [Key]) async throws -> Int {
        try await countAcrossSlots(keys) { EXISTS($0) }
    }

    /// Sums an integer-replying multi-key command run once per slot.
    private func countAcrossSlots<Key: RESPCommandArgument, Command: RedisCommand>(
        _ keys: [Key], _ make: ([Key]) -> Command
    ) async throws -> Int where Command.Response == Int {
        guard !keys.isEmpty else { return 0 }
        let groups = Self.slotGroups(keys.map { RedisKey($0) })
        if groups.count == 1 { return try await execute(make(keys)) }
        var pipeline = RedisPipeline()
        let handles = groups.map { group in pipeline.add(make(group.map { keys[$0] })) }
        let replies = try await execute(pipeline)
        var total = 0
        for handle in handles { total += try replies[handle] }
        return total
    }

    /// The positions of `keys` grouped by slot, each group in key order, groups in order of their
    /// first key.
    static func slotGroups(_ keys: [RedisKey]) -> [[Int]] {
        var groupOfSlot: [Int: Int] = [:]
        var groups: [[Int]] = []
        for (index, key) in keys.enumerated() {
            let slot = RedisClusterSlot(key).value
            if let group = groupOfSlot[slot] {
                groups[group].append(index)
            } else {
                groupOfSlot[slot] = groups.count
                groups.append([index])
            }
        }
        return groups
    }
}
