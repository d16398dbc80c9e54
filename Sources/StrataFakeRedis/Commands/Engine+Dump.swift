// DUMP and RESTORE (Redis 7.0 cluster.c and rdb.c): values serialized in Redis' own DUMP
// format, so a payload moves between the fake and a real redis-server either way.
//
// DUMP writes the encodings Redis 7.0 would, without compression: strings (integers of up to 32
// bits integer-encoded), lists as a quicklist of listpacks, sets as an intset or a plain set,
// hashes and sorted sets as a listpack or their plain (hashtable, skiplist) forms, streams with
// their nodes and consumer groups. RESTORE reads those and the older plain list and sorted-set
// forms, compressed (LZF) strings included.

extension Engine {
    /// DUMP key: the serialized value, or a null reply.
    func dumpCommand(_ c: Client, _ args: Arguments) {
        let db = database(c)
        guard let slot = lookup(db, args[1]) else { return c.addNull() }
        c.addBulk(dumpPayload(db.value(at: slot)))
    }

    /// A value's DUMP payload.
    func dumpPayload(_ value: StoredValue) -> Bytes {
        var body: Bytes = []
        switch value {
        case .string(let s):
            RDBPayload.appendString(s, to: &body)
            return RDBPayload.payload(.string, body)
        case .list(let list):
            // Nodes of at most 128 elements and about 8 KB, as list-max-listpack-size -2 keeps them.
            var nodes: [[Bytes]] = [[]]
            var nodeBytes = 0
            for element in list.elements {
                if nodes[nodes.count - 1].count == 128 || nodeBytes + element.count > 8000,
                    !nodes[nodes.count - 1].isEmpty
                {
                    nodes.append([])
                    nodeBytes = 0
                }
                nodes[nodes.count - 1].append(element)
                nodeBytes += element.count + 2
            }
            RDBPayload.appendLength(nodes.count, to: &body)
            for node in nodes {
                RDBPayload.appendLength(2, to: &body)
                RDBPayload.appendString(Listpack.encode(node), to: &body)
            }
            return RDBPayload.payload(.listQuicklist2, body)
        case .set(let set):
            let members = set.members
            let integers = members.compactMap(Numbers.parseInteger)
            if !set.isHashtable && integers.count == members.count {
                RDBPayload.appendString(RDBPayload.intset(integers), to: &body)
                return RDBPayload.payload(.setIntset, body)
            }
            RDBPayload.appendLength(members.count, to: &body)
            for m in members { RDBPayload.appendString(m, to: &body) }
            return RDBPayload.payload(.set, body)
        case .hash(let hash):
            let entries = Array(hash.table.entries)
            if !hash.isHashtable {
                RDBPayload.appendString(Listpack.encode(entries.flatMap { [$0.key, $0.value] }), to: &body)
                return RDBPayload.payload(.hashListpack, body)
            }
            RDBPayload.appendLength(entries.count, to: &body)
            for e in entries {
                RDBPayload.appendString(e.key, to: &body)
                RDBPayload.appendString(e.value, to: &body)
            }
            return RDBPayload.payload(.hash, body)
        case .sortedSet(let zset):
            if !zset.isSkiplist {
                let items = (0..<zset.count).flatMap {
                    [zset[$0].member, Array(Numbers.formatDouble(zset[$0].score).utf8)]
                }
                RDBPayload.appendString(Listpack.encode(items), to: &body)
                return RDBPayload.payload(.zsetListpack, body)
            }
            // Redis writes a skiplist from its tail: highest score first.
            RDBPayload.appendLength(zset.count, to: &body)
            for rank in stride(from: zset.count - 1, through: 0, by: -1) {
                RDBPayload.appendString(zset[rank].member, to: &body)
                let bits = zset[rank].score.bitPattern
                for k in 0..<8 { body.append(UInt8(truncatingIfNeeded: bits >> (8 * k))) }
            }
            return RDBPayload.payload(.zset2, body)
        case .stream(let stream):
            return RDBPayload.streamPayload(stream)
        }
    }

    /// RESTORE key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency].
    func restoreCommand(_ c: Client, _ args: Arguments) {
        var replace = false
        var absoluteTTL = false
        var idle: Int?
        var frequency: Int?
        var j = 4
        while j < args.count {
            let more = j + 1 < args.count
            if args.is(j, "replace") {
                replace = true
            } else if args.is(j, "absttl") {
                absoluteTTL = true
            } else if args.is(j, "idletime") && more && frequency == nil {
                guard let n = Numbers.parseInteger(args[j + 1]) else { return c.addNotInteger() }
                guard n >= 0 else { return c.addError("ERR Invalid IDLETIME value, must be >= 0") }
                idle = n
                j += 1
            } else if args.is(j, "freq") && more && idle == nil {
                guard let n = Numbers.parseInteger(args[j + 1]) else { return c.addNotInteger() }
                guard n >= 0 && n <= 255 else {
                    return c.addError("ERR Invalid FREQ value, must be >= 0 and <= 255")
                }
                frequency = n
                j += 1
            } else {
                return c.addSyntaxError()
            }
            j += 1
        }
        let db = database(c)
        let key = args[1]
        if !replace && lookup(db, key) != nil {
            return c.addError("BUSYKEY Target key name already exists.")
        }
        guard var ttl = Numbers.parseInteger(args[2]) else { return c.addNotInteger() }
        guard ttl >= 0 else { return c.addError("ERR Invalid TTL value, must be >= 0") }
        let payload = args[3]
        guard RDBPayload.verify(payload) else {
            return c.addError("ERR DUMP payload version or checksum are wrong")
        }
        guard let loaded = RDBPayload.load(payload), let value = storedValue(loaded) else {
            return c.addError("ERR Bad data format")
        }

        var deleted = false
        if replace, let slot = db.slot(key) {
            db.delete(at: slot)
            deleted = true
        }
        if ttl != 0 && !absoluteTTL { ttl = ttl &+ commandTime }
        if ttl != 0 && ttl <= commandTime {
            // Already expired: nothing is created; a replaced key is gone.
            if deleted { signalModifiedKey(c.db, key) }
            return c.addOK()
        }
        let slot = db.add(key, value)
        if ttl != 0 { db.setExpiry(at: slot, ttl) }
        applyRestoredAccess(db, slot, idle: idle, frequency: frequency)
        switch db.value(at: slot) {
        case .list, .sortedSet, .stream: signalKeyAsReady(c.db, key)
        default: break
        }
        signalModifiedKey(c.db, key)
        c.addOK()
    }

    /// A loaded value in the encoding Redis 7.0 would load it into under the configured limits;
    /// `nil` for duplicate hash fields that Redis would find (those it would put in a
    /// hashtable). Other duplicates in a listpack, which Redis 7.0 keeps without deep
    /// sanitization, are dropped here, the first one kept (what HGET and ZSCORE see in Redis).
    private func storedValue(_ loaded: RDBPayload.Loaded) -> StoredValue? {
        switch loaded {
        case .string(let s):
            return .string(s)
        case .list(let elements):
            return .list(ListValue(elements))
        case .set(let members):
            let set = SetValue()
            for m in members { set.add(m) }
            set.isHashtable =
                set.count > config.setMaxIntsetEntries || members.contains { Numbers.parseInteger($0) == nil }
            return .set(set)
        case .hash(let pairs, let plain):
            let hash = HashValue()
            for (field, value) in pairs where hash.table.find(field) == nil { hash.table.insert(field, value) }
            let limit = config.hashMaxListpackValue
            hash.isHashtable =
                pairs.count > config.hashMaxListpackEntries
                || pairs.contains { $0.field.count > limit || $0.value.count > limit }
            if plain && hash.isHashtable && hash.count < pairs.count { return nil }
            return .hash(hash)
        case .sortedSet(let pairs):
            let zset = SortedSetValue()
            for (member, score) in pairs where zset.score(member) == nil { zset.set(member, score: score) }
            zset.isSkiplist =
                zset.count > config.zsetMaxListpackEntries
                || pairs.contains { $0.member.count > config.zsetMaxListpackValue }
            return .sortedSet(zset)
        case .stream(let stream):
            return .stream(stream)
        }
    }

    /// Redis' objectSetLRUOrLFU: FREQ sets the LFU counter under an LFU policy, IDLETIME the
    /// access time otherwise (through Redis' 24-bit LRU clock of seconds, as OBJECT IDLETIME
    /// would then estimate it).
    private func applyRestoredAccess(_ db: Database, _ slot: Int, idle: Int?, frequency: Int?) {
        let now = commandTime
        if config.usesLFU {
            guard let frequency else { return }
            db.modifyBookkeeping(at: slot) {
                $0.frequency = UInt8(frequency)
                $0.frequencyMinute = now / 60000
            }
        } else if let idle {
            let clockMax = (1 << 24) - 1
            let clock = (now / 1000) & clockMax
            var stamp = clock - idle
            if idle > clock { stamp = (clock + clockMax / 2) % clockMax }
            let estimate = clock >= stamp ? clock - stamp : clock + (clockMax - stamp)
            db.modifyBookkeeping(at: slot) { $0.accessed = now - estimate * 1000 }
        }
    }
}
