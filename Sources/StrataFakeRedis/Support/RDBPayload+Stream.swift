// Streams in a DUMP payload (Redis 7.0's RDB_TYPE_STREAM_LISTPACKS_2, rdb.c and t_stream.c):
// the nodes (a 128-bit big-endian master ID and a listpack each), the length, the last, first
// and largest deleted IDs, the count of entries ever added, then each consumer group with its
// last delivered ID, entries read, pending entries (raw IDs, delivery time and count) and its
// consumers (name, seen time, their pending IDs).
//
// A node's listpack holds the master entry (live count, deleted count, the master fields and a
// 0) and then each entry: flags (1 deleted, 2 same fields as the master), the ID as differences
// from the master ID, the values (same fields) or the field count and pairs, and the number of
// elements before that count.

extension RDBPayload {
    static let streamFlagDeleted = 1
    static let streamFlagSameFields = 2

    // MARK: Writing

    /// The payload of a stream. Entries deleted from a node are left out (the fake keeps only
    /// their count), so a node is written with its live entries and a deleted count of 0.
    static func streamPayload(_ s: StreamValue) -> Bytes {
        var body: Bytes = []
        let nodes = s.nodes.filter { !$0.entries.isEmpty }
        appendLength(nodes.count, to: &body)
        for node in nodes {
            appendString(node.masterID.encoded, to: &body)
            var items: [Bytes] = [Numbers.bytes(node.entries.count), Numbers.bytes(0)]
            items.append(Numbers.bytes(node.masterFields.count))
            items.append(contentsOf: node.masterFields)
            items.append(Numbers.bytes(0))
            for entry in node.entries {
                let n = entry.fields.count / 2
                let same =
                    n == node.masterFields.count && (0..<n).allSatisfy { entry.fields[$0 * 2] == node.masterFields[$0] }
                items.append(Numbers.bytes(same ? streamFlagSameFields : 0))
                items.append(Numbers.bytes(Int(Int64(bitPattern: entry.id.ms &- node.masterID.ms))))
                items.append(Numbers.bytes(Int(Int64(bitPattern: entry.id.seq &- node.masterID.seq))))
                if same {
                    for k in 0..<n { items.append(entry.fields[k * 2 + 1]) }
                    items.append(Numbers.bytes(n + 3))
                } else {
                    items.append(Numbers.bytes(n))
                    items.append(contentsOf: entry.fields)
                    items.append(Numbers.bytes(2 * n + 4))
                }
            }
            appendString(Listpack.encode(items), to: &body)
        }
        appendLength(s.length, to: &body)
        for id in [s.lastID, s.firstID, s.maxDeletedID] {
            appendLength64(id.ms, to: &body)
            appendLength64(id.seq, to: &body)
        }
        appendLength(s.entriesAdded, to: &body)
        let groups = s.sortedGroups
        appendLength(groups.count, to: &body)
        for g in groups {
            appendString(g.name, to: &body)
            appendLength64(g.lastID.ms, to: &body)
            appendLength64(g.lastID.seq, to: &body)
            appendLength64(UInt64(bitPattern: Int64(g.entriesRead)), to: &body)
            appendLength(g.pendingIDs.count, to: &body)
            for id in g.pendingIDs {
                body.append(contentsOf: id.encoded)
                let nack = g.nacks[id]
                appendMilliseconds(nack?.deliveryTime ?? 0, to: &body)
                appendLength(nack?.deliveryCount ?? 0, to: &body)
            }
            let consumers = g.sortedConsumers
            appendLength(consumers.count, to: &body)
            for c in consumers {
                appendString(c.name, to: &body)
                appendMilliseconds(c.seenTime, to: &body)
                appendLength(c.pending.count, to: &body)
                for id in c.pending { body.append(contentsOf: id.encoded) }
            }
        }
        return payload(.streamListpacks2, body)
    }

    /// rdbSaveLen of a 64-bit unsigned value.
    static func appendLength64(_ n: UInt64, to out: inout Bytes) {
        if n <= UInt64(Int.max) { return appendLength(Int(n), to: &out) }
        out.append(0x81)
        for k in (0..<8).reversed() { out.append(UInt8(truncatingIfNeeded: n >> (8 * UInt64(k)))) }
    }

    /// rdbSaveMillisecondTime: eight little-endian bytes.
    static func appendMilliseconds(_ ms: Int, to out: inout Bytes) {
        for k in 0..<8 { out.append(UInt8(truncatingIfNeeded: ms >> (8 * k))) }
    }
}

extension RDBPayload.Reader {
    /// rdbLoadLen as an unsigned 64-bit value (IDs, and entries-read, where -1 wraps).
    mutating func length64() -> UInt64? {
        guard let (value, encoded) = length64Encoded(), !encoded else { return nil }
        return value
    }

    /// A 128-bit big-endian stream ID.
    mutating func rawStreamID() -> StreamID? {
        guard let raw = take(16) else { return nil }
        return Self.streamID(raw)
    }

    static func streamID(_ raw: some Collection<UInt8>) -> StreamID? {
        guard raw.count == 16 else { return nil }
        let bytes = Array(raw)
        let ms = bytes[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        let seq = bytes[8..<16].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        return StreamID(ms: ms, seq: seq)
    }

    /// rdbLoadMillisecondTime, held within ±2^60 so that the idle times computed from it
    /// (the command's time minus it) cannot overflow.
    mutating func milliseconds() -> Int? {
        guard let raw = take(8) else { return nil }
        var u: UInt64 = 0
        for (k, b) in raw.enumerated() { u |= UInt64(b) << (8 * k) }
        return min(max(Int(Int64(bitPattern: u)), -(1 << 60)), 1 << 60)
    }

    /// A stream; `nil` for what Redis 7.0 refuses without deep sanitization (a node key that is
    /// not an ID, an empty or malformed node, duplicate nodes, groups, consumers or pending
    /// entries, a consumer's pending entry missing from its group), and for what the fake's
    /// model cannot hold: a pending entry no consumer owns, entries out of order, a length or
    /// last ID that disagrees with the entries.
    mutating func stream() -> StreamValue? {
        guard let nodeCount = count() else { return nil }
        var nodes: [StreamNode] = []
        for _ in 0..<nodeCount {
            guard let key = string(), let master = Self.streamID(key), let lp = string(),
                let node = Self.streamNode(master, lp)
            else { return nil }
            if let last = nodes.last, last.masterID >= master { return nil }
            if let previous = nodes.last(where: { !$0.entries.isEmpty })?.entries.last,
                let first = node.entries.first, previous.id >= first.id
            {
                return nil
            }
            nodes.append(node)
        }
        guard let length = count(), let lastMs = length64(), let lastSeq = length64(),
            let firstMs = length64(), let firstSeq = length64(), let deletedMs = length64(),
            let deletedSeq = length64(), let added = length64()
        else { return nil }
        // Beyond Redis' shallow checks, the fake's model needs the length to count the entries
        // and the last ID to be at least the last entry's (XADD * must go past it).
        guard length == nodes.reduce(0, { $0 + $1.entries.count }),
            nodes.last(where: { !$0.entries.isEmpty })?.entries.last.map({
                $0.id <= StreamID(ms: lastMs, seq: lastSeq)
            }) ?? true
        else { return nil }
        let s = StreamValue(restoredNodes: nodes, length: length)
        s.lastID = StreamID(ms: lastMs, seq: lastSeq)
        s.firstID = StreamID(ms: firstMs, seq: firstSeq)
        s.maxDeletedID = StreamID(ms: deletedMs, seq: deletedSeq)
        s.entriesAdded = Int(truncatingIfNeeded: added)
        guard let groupCount = count() else { return nil }
        for _ in 0..<groupCount {
            guard let name = string(), s.groups[name] == nil, let ms = length64(), let seq = length64(),
                let read = length64(), let pelCount = count()
            else { return nil }
            let g = StreamGroup(
                name: name, lastID: StreamID(ms: ms, seq: seq), entriesRead: Int(truncatingIfNeeded: read))
            for _ in 0..<pelCount {
                guard let id = rawStreamID(), g.nacks[id] == nil, let time = milliseconds(), let deliveries = count()
                else { return nil }
                g.addNACK(id, StreamNACK(deliveryTime: time, deliveryCount: deliveries, consumer: nil))
            }
            guard let consumerCount = count() else { return nil }
            for _ in 0..<consumerCount {
                guard let cname = string(), g.consumers[cname] == nil, let seen = milliseconds(),
                    let owned = count()
                else { return nil }
                let consumer = StreamConsumer(name: cname, seenTime: seen)
                for _ in 0..<owned {
                    guard let id = rawStreamID(), let nack = g.nacks[id], nack.consumer == nil else { return nil }
                    nack.consumer = consumer
                    consumer.addPending(id)
                }
                g.consumers[cname] = consumer
            }
            guard g.nacks.values.allSatisfy({ $0.consumer != nil }) else { return nil }
            s.groups[name] = g
        }
        return s
    }

    /// A node from its listpack: the live entries, the deleted count, and the payload size the
    /// fake's node model keeps.
    static func streamNode(_ master: StreamID, _ lp: Bytes) -> StreamNode? {
        guard let items = Listpack.decode(lp), items.count >= 4 else { return nil }
        var i = 0
        func integer() -> Int? {
            guard i < items.count, let v = Numbers.parseInteger(items[i]) else { return nil }
            i += 1
            return v
        }
        guard let live = integer(), let deleted = integer(), let fieldCount = integer(), live >= 0, deleted >= 0,
            fieldCount >= 0, items.count - i > fieldCount
        else { return nil }
        let masterFields = Array(items[i..<(i + fieldCount)])
        i += fieldCount
        guard integer() == 0 else { return nil }
        var node = StreamNode(masterID: master, masterFields: masterFields, entries: [])
        node.deleted = deleted
        while i < items.count {
            guard let flags = integer(), let msDiff = integer(), let seqDiff = integer() else { return nil }
            let id = StreamID(
                ms: master.ms &+ UInt64(bitPattern: Int64(msDiff)),
                seq: master.seq &+ UInt64(bitPattern: Int64(seqDiff)))
            var fields: [Bytes] = []
            if flags & RDBPayload.streamFlagSameFields != 0 {
                guard items.count - i >= fieldCount else { return nil }
                for k in 0..<fieldCount {
                    fields.append(masterFields[k])
                    fields.append(items[i + k])
                }
                i += fieldCount
            } else {
                guard let n = integer(), n >= 0, items.count - i >= 2 * n else { return nil }
                fields = Array(items[i..<(i + 2 * n)])
                i += 2 * n
            }
            guard integer() != nil else { return nil }
            if flags & RDBPayload.streamFlagDeleted == 0 {
                if let last = node.entries.last, last.id >= id { return nil }
                node.entries.append(StreamEntry(id: id, fields: fields))
            }
        }
        guard node.entries.count == live else { return nil }
        node.payloadBytes =
            lp.count - 7 - Listpack.integerSize(Int64(live)) - Listpack.integerSize(Int64(deleted))
        return node
    }
}
