// A stream as Redis 7.0 keeps it (t_stream.c): entries in nodes ("listpacks" keyed by their
// first, master, ID in a radix tree), the bookkeeping behind XINFO and consumer-group lag, and
// the consumer groups with their pending entries lists.
//
// The nodes are modelled closely enough that approximate trimming (`~`) removes the same whole
// nodes Redis would and XINFO STREAM reports the same radix tree: a node holds at most
// `stream-node-max-entries` entries (deleted ones included) and closes once its listpack
// would reach `stream-node-max-bytes`, counted with the listpack's own entry sizes.

/// A stream entry ID: milliseconds and a sequence number.
struct StreamID: Hashable, Comparable {
    var ms: UInt64
    var seq: UInt64

    static let zero = StreamID(ms: 0, seq: 0)
    static let max = StreamID(ms: .max, seq: .max)

    static func < (a: StreamID, b: StreamID) -> Bool {
        a.ms != b.ms ? a.ms < b.ms : a.seq < b.seq
    }

    /// The next ID (Redis' streamIncrID), or nil past the largest.
    var next: StreamID? {
        if seq == .max {
            if ms == .max { return nil }
            return StreamID(ms: ms + 1, seq: 0)
        }
        return StreamID(ms: ms, seq: seq + 1)
    }

    /// The previous ID (streamDecrID), or nil before 0-0.
    var previous: StreamID? {
        if seq == 0 {
            if ms == 0 { return nil }
            return StreamID(ms: ms - 1, seq: .max)
        }
        return StreamID(ms: ms, seq: seq - 1)
    }

    /// `ms-seq`, as replies spell it.
    var bytes: Bytes { Array("\(ms)-\(seq)".utf8) }

    /// The 128-bit big-endian key Redis files it under.
    var encoded: Bytes {
        var out: Bytes = []
        out.reserveCapacity(16)
        for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: ms >> UInt64(shift))) }
        for shift in stride(from: 56, through: 0, by: -8) {
            out.append(UInt8(truncatingIfNeeded: seq >> UInt64(shift)))
        }
        return out
    }
}

/// One entry: its ID and its field-value pairs, flattened.
struct StreamEntry {
    var id: StreamID
    var fields: [Bytes]
}

/// A node of entries: one listpack in Redis' radix tree.
struct StreamNode {
    var masterID: StreamID
    var masterFields: [Bytes]
    /// The live entries, ascending.
    var entries: [StreamEntry]
    /// Entries marked deleted but still taking room.
    var deleted = 0
    /// The bytes of the master fields and of every entry, live or deleted, in the listpack.
    var payloadBytes = 0

    /// The listpack's size: header, the live and deleted counts, the payload and the end byte.
    var listpackBytes: Int {
        6 + Listpack.integerSize(Int64(entries.count)) + Listpack.integerSize(Int64(deleted)) + payloadBytes + 1
    }
}

/// Sizes of listpack elements (Redis 7.0 listpack.c), for the node model.
enum Listpack {
    /// The bytes an element of `length` encoded bytes takes with its back-length.
    private static func withBacklen(_ length: Int) -> Int {
        let backlen: Int
        if length < 128 {
            backlen = 1
        } else if length < 16384 {
            backlen = 2
        } else if length < 2_097_152 {
            backlen = 3
        } else if length < 268_435_456 {
            backlen = 4
        } else {
            backlen = 5
        }
        return length + backlen
    }

    static func integerSize(_ v: Int64) -> Int {
        if v >= 0 && v <= 127 { return withBacklen(1) }
        if v >= -4096 && v <= 4095 { return withBacklen(2) }
        if v >= -32768 && v <= 32767 { return withBacklen(3) }
        if v >= -8_388_608 && v <= 8_388_607 { return withBacklen(4) }
        if v >= -2_147_483_648 && v <= 2_147_483_647 { return withBacklen(5) }
        return withBacklen(9)
    }

    /// A string element; one that reads as a 64-bit integer is stored as one.
    static func stringSize(_ s: Bytes) -> Int {
        if s.count <= 20, let v = Numbers.parseInteger(s) { return integerSize(Int64(v)) }
        if s.count < 64 { return withBacklen(1 + s.count) }
        if s.count < 4096 { return withBacklen(2 + s.count) }
        return withBacklen(5 + s.count)
    }
}

/// A pending entry: delivered to a consumer and not acknowledged yet.
final class StreamNACK {
    /// Unix milliseconds of the last delivery.
    var deliveryTime: Int
    var deliveryCount: Int
    /// The consumer that owns it (nil only briefly, for XCLAIM FORCE).
    var consumer: StreamConsumer?

    init(deliveryTime: Int, deliveryCount: Int, consumer: StreamConsumer?) {
        self.deliveryTime = deliveryTime
        self.deliveryCount = deliveryCount
        self.consumer = consumer
    }
}

/// A consumer of a group, with its own pending entries.
final class StreamConsumer {
    let name: Bytes
    /// Unix milliseconds of its last interaction.
    var seenTime: Int
    /// Its pending IDs, ascending.
    var pending: [StreamID] = []

    init(name: Bytes, seenTime: Int) {
        self.name = name
        self.seenTime = seenTime
    }

    func addPending(_ id: StreamID) {
        let i = SortedIDs.lowerBound(pending, id)
        if i < pending.count && pending[i] == id { return }
        pending.insert(id, at: i)
    }

    func removePending(_ id: StreamID) {
        let i = SortedIDs.lowerBound(pending, id)
        if i < pending.count && pending[i] == id { pending.remove(at: i) }
    }
}

/// A consumer group.
final class StreamGroup {
    let name: Bytes
    var lastID: StreamID
    /// The logical count of entries read (-1: unknown), for the lag.
    var entriesRead: Int
    /// Pending IDs ascending, and their NACKs.
    var pendingIDs: [StreamID] = []
    var nacks: [StreamID: StreamNACK] = [:]
    var consumers: [Bytes: StreamConsumer] = [:]

    init(name: Bytes, lastID: StreamID, entriesRead: Int) {
        self.name = name
        self.lastID = lastID
        self.entriesRead = entriesRead
    }

    /// Consumers in name order (Redis keeps them in a radix tree).
    var sortedConsumers: [StreamConsumer] {
        consumers.values.sorted { $0.name.lexicographicallyPrecedes($1.name) }
    }

    func addNACK(_ id: StreamID, _ nack: StreamNACK) {
        if nacks.updateValue(nack, forKey: id) == nil {
            pendingIDs.insert(id, at: SortedIDs.lowerBound(pendingIDs, id))
        }
    }

    func removeNACK(_ id: StreamID) {
        guard let nack = nacks.removeValue(forKey: id) else { return }
        pendingIDs.remove(at: SortedIDs.lowerBound(pendingIDs, id))
        nack.consumer?.removePending(id)
    }

    /// A deep copy (COPY), consumers and NACKs included.
    func copy() -> StreamGroup {
        let g = StreamGroup(name: name, lastID: lastID, entriesRead: entriesRead)
        for (name, c) in consumers {
            let copy = StreamConsumer(name: name, seenTime: c.seenTime)
            copy.pending = c.pending
            g.consumers[name] = copy
        }
        g.pendingIDs = pendingIDs
        for (id, n) in nacks {
            g.nacks[id] = StreamNACK(
                deliveryTime: n.deliveryTime, deliveryCount: n.deliveryCount,
                consumer: n.consumer.flatMap { g.consumers[$0.name] })
        }
        return g
    }
}

/// Binary search over ascending IDs.
enum SortedIDs {
    static func lowerBound(_ ids: [StreamID], _ id: StreamID) -> Int {
        var low = 0
        var high = ids.count
        while low < high {
            let mid = (low + high) / 2
            if ids[mid] < id { low = mid + 1 } else { high = mid }
        }
        return low
    }
}

/// A stream value.
final class StreamValue {
    var nodes: [StreamNode] = []
    private(set) var length = 0
    var lastID = StreamID.zero
    /// The first live entry's ID (0-0 when empty), as Redis records it.
    var firstID = StreamID.zero
    var maxDeletedID = StreamID.zero
    var entriesAdded = 0
    var groups: [Bytes: StreamGroup] = [:]

    init() {}

    /// A stream as RESTORE loads it: its nodes as they were serialized, and its length.
    convenience init(restoredNodes nodes: [StreamNode], length: Int) {
        self.init()
        self.nodes = nodes
        self.length = length
    }

    /// A deep copy (COPY).
    func copy() -> StreamValue {
        let s = StreamValue()
        s.nodes = nodes
        s.length = length
        s.lastID = lastID
        s.firstID = firstID
        s.maxDeletedID = maxDeletedID
        s.entriesAdded = entriesAdded
        s.groups = groups.mapValues { $0.copy() }
        return s
    }

    /// Groups in name order.
    var sortedGroups: [StreamGroup] {
        groups.values.sorted { $0.name.lexicographicallyPrecedes($1.name) }
    }

    // MARK: Adding

    /// Appends an entry with the given ID (already checked to be above `lastID`).
    func append(_ id: StreamID, _ fields: [Bytes], nodeMaxBytes: Int, nodeMaxEntries: Int) {
        let totalLength = fields.reduce(0) { $0 + $1.count }
        var needsNode = nodes.isEmpty
        if let tail = nodes.last {
            let maxBytes = nodeMaxBytes == 0 || nodeMaxBytes > 1 << 30 ? 1 << 30 : nodeMaxBytes
            if tail.listpackBytes + totalLength >= maxBytes {
                needsNode = true
            } else if nodeMaxEntries > 0 && tail.entries.count + tail.deleted >= nodeMaxEntries {
                needsNode = true
            }
        }
        let numFields = fields.count / 2
        if needsNode {
            var master = StreamNode(masterID: id, masterFields: [], entries: [])
            master.masterFields = stride(from: 0, to: fields.count, by: 2).map { fields[$0] }
            master.payloadBytes =
                Listpack.integerSize(Int64(numFields)) + master.masterFields.reduce(0) { $0 + Listpack.stringSize($1) }
                + Listpack.integerSize(0)
            nodes.append(master)
        }
        var node = nodes[nodes.count - 1]
        var sameFields = node.masterFields.count == numFields
        if sameFields {
            for i in 0..<numFields where node.masterFields[i] != fields[i * 2] {
                sameFields = false
                break
            }
        }
        var bytes = Listpack.integerSize(sameFields ? 2 : 0)
        bytes += Listpack.integerSize(Int64(bitPattern: id.ms &- node.masterID.ms))
        bytes += Listpack.integerSize(Int64(bitPattern: id.seq &- node.masterID.seq))
        var lpCount = numFields + 3
        if !sameFields {
            bytes += Listpack.integerSize(Int64(numFields))
            lpCount += numFields + 1
        }
        for (i, f) in fields.enumerated() where !sameFields || i % 2 == 1 { bytes += Listpack.stringSize(f) }
        bytes += Listpack.integerSize(Int64(lpCount))
        node.payloadBytes += bytes
        node.entries.append(StreamEntry(id: id, fields: fields))
        nodes[nodes.count - 1] = node
        if length == 0 { firstID = id }
        length += 1
        lastID = id
        entriesAdded += 1
    }

    // MARK: Reading

    /// The index of the first node that may hold `id` or later entries.
    private func nodeIndex(atOrAfter id: StreamID) -> Int {
        // The last node whose master ID is <= id (its entries may reach id).
        var low = 0
        var high = nodes.count
        while low < high {
            let mid = (low + high) / 2
            if nodes[mid].masterID <= id { low = mid + 1 } else { high = mid }
        }
        return max(0, low - 1)
    }

    /// Entries from `start` to `end` inclusive, ascending (or descending with `reverse`), at most
    /// `count` (0: all).
    func range(_ start: StreamID, _ end: StreamID, count: Int = 0, reverse: Bool = false) -> [StreamEntry] {
        guard start <= end, !nodes.isEmpty else { return [] }
        var out: [StreamEntry] = []
        if !reverse {
            var n = nodeIndex(atOrAfter: start)
            while n < nodes.count {
                for e in nodes[n].entries where e.id >= start {
                    if e.id > end { return out }
                    out.append(e)
                    if count > 0 && out.count == count { return out }
                }
                n += 1
            }
        } else {
            var n = nodeIndex(atOrAfter: end)
            while n >= 0 {
                for e in nodes[n].entries.reversed() where e.id <= end {
                    if e.id < start { return out }
                    out.append(e)
                    if count > 0 && out.count == count { return out }
                }
                n -= 1
            }
        }
        return out
    }

    func entry(_ id: StreamID) -> StreamEntry? { range(id, id, count: 1).first }

    /// The last live entry's ID, or 0-0 (streamLastValidID).
    var lastValidID: StreamID {
        for node in nodes.reversed() { if let e = node.entries.last { return e.id } }
        return .zero
    }

    var firstEntry: StreamEntry? { nodes.first?.entries.first }
    var lastEntry: StreamEntry? { nodes.last?.entries.last }

    // MARK: Removing

    /// Deletes one entry; whether it existed. Updates the first ID and the tombstone.
    func delete(_ id: StreamID) -> Bool {
        guard !nodes.isEmpty else { return false }
        let n = nodeIndex(atOrAfter: id)
        guard let i = nodes[n].entries.firstIndex(where: { $0.id == id }) else { return false }
        nodes[n].entries.remove(at: i)
        nodes[n].deleted += 1
        if nodes[n].entries.isEmpty { nodes.remove(at: n) }
        length -= 1
        if id > maxDeletedID { maxDeletedID = id }
        if length == 0 {
            firstID = .zero
        } else if id == firstID {
            firstID = firstEntry!.id
        }
        return true
    }

    /// How to trim (Redis' streamTrim).
    enum Trim {
        case maxLength(Int)
        case minID(StreamID)
    }

    /// Trims whole nodes and then, unless `approximate`, entries of the first remaining node;
    /// `limit` caps the entries removed (0: none). Returns how many were removed.
    func trim(_ strategy: Trim, approximate: Bool, limit: Int) -> Int {
        var removed = 0
        while !nodes.isEmpty {
            if case .maxLength(let maxLength) = strategy, length <= maxLength { break }
            let entries = nodes[0].entries.count
            if limit > 0 && removed + entries > limit { break }
            let removeNode: Bool
            switch strategy {
            case .maxLength(let maxLength): removeNode = length - entries >= maxLength
            case .minID(let minID): removeNode = nodes[0].entries.last!.id < minID
            }
            if removeNode {
                nodes.removeFirst()
                length -= entries
                removed += entries
                continue
            }
            if approximate { break }
            var k = 0
            while k < nodes[0].entries.count {
                if case .maxLength(let maxLength) = strategy, length <= maxLength { break }
                if case .minID(let minID) = strategy, nodes[0].entries[k].id >= minID { break }
                k += 1
                length -= 1
                removed += 1
            }
            nodes[0].entries.removeFirst(k)
            nodes[0].deleted += k
            break
        }
        if removed > 0 { firstID = firstEntry?.id ?? .zero }
        return removed
    }

    // MARK: Lag (Redis 7.0)

    /// Whether a deleted entry lies between `start` and the end (streamRangeHasTombstones).
    func hasTombstones(from start: StreamID) -> Bool {
        if length == 0 || maxDeletedID == .zero { return false }
        if firstID > maxDeletedID { return false }
        return start <= maxDeletedID
    }

    /// The logical position of `id` counted from the first entry ever added, or -1 when it
    /// cannot be known (streamEstimateDistanceFromFirstEverEntry).
    func estimateDistance(to id: StreamID) -> Int {
        if entriesAdded == 0 { return 0 }
        if length == 0 && id <= lastID { return entriesAdded }
        if id == lastID { return entriesAdded }
        if id > lastID { return -1 }
        if maxDeletedID == .zero || maxDeletedID < firstID {
            if id < firstID { return entriesAdded - length }
            if id == firstID { return entriesAdded - length + 1 }
        }
        return -1
    }

    /// A group's lag, or nil when it cannot be computed.
    func lag(_ group: StreamGroup) -> Int? {
        if entriesAdded == 0 { return 0 }
        if group.entriesRead != -1 && !hasTombstones(from: group.lastID) { return entriesAdded - group.entriesRead }
        let read = estimateDistance(to: group.lastID)
        return read == -1 ? nil : entriesAdded - read
    }

    /// A group read `id`: advance its last ID and its read counter.
    func groupDelivered(_ group: StreamGroup, _ id: StreamID) {
        guard id > group.lastID else { return }
        if group.entriesRead != -1 && !hasTombstones(from: id) {
            group.entriesRead += 1
        } else if entriesAdded > 0 {
            group.entriesRead = estimateDistance(to: id)
        }
        group.lastID = id
    }

    // MARK: Radix tree

    /// The nodes of the radix tree holding the node keys, as Redis' rax would build it.
    var radixTreeNodes: Int {
        let keys = nodes.map(\.masterID.encoded)
        return Self.raxNodes(keys[...], depth: 0)
    }

    /// Nodes of a compressed trie over sorted keys sharing the first `depth` bytes.
    private static func raxNodes(_ keys: ArraySlice<Bytes>, depth: Int) -> Int {
        // This node; its prefix is a key when one key ends here.
        var keys = keys
        if let first = keys.first, first.count == depth { keys = keys.dropFirst() }
        if keys.isEmpty { return 1 }
        // Children by next byte.
        var groups: [ArraySlice<Bytes>] = []
        var start = keys.startIndex
        for i in keys.indices.dropFirst() where keys[i][depth] != keys[start][depth] {
            groups.append(keys[start..<i])
            start = i
        }
        groups.append(keys[start..<keys.endIndex])
        if groups.count > 1 {
            return 1 + groups.reduce(0) { $0 + raxNodes($1, depth: depth + 1) }
        }
        // One child: a compressed node spanning the common bytes up to the next branch or key.
        let group = groups[0]
        var end = depth + 1
        let shortest = group.map(\.count).min()!
        while end < shortest && group.allSatisfy({ $0[end] == group.first![end] }) { end += 1 }
        return 1 + raxNodes(group, depth: end)
    }
}
