// Hashes (Redis 7.0 t_hash.c). Fields keep insertion order while the hash is small, as
// Redis' listpack encoding does, so HGETALL replies match byte for byte.

extension Engine {
    /// The hash at `key`, created when missing; nil (after a WRONGTYPE reply) for another type.
    private func hashForWrite(_ c: Client, _ key: Bytes) -> HashValue? {
        let db = database(c)
        switch findHash(db, key) {
        case .wrongType:
            c.addWrongType()
            return nil
        case .found(_, let hash): return hash
        case .missing:
            let hash = HashValue()
            db.add(key, .hash(hash))
            return hash
        }
    }

    /// Removes the key when its hash became empty.
    private func deleteIfEmpty(_ db: Database, _ key: Bytes, _ hash: HashValue) {
        if hash.isEmpty, let slot = db.slot(key) { db.delete(at: slot) }
    }

    func hsetCommand(_ c: Client, _ args: Arguments) {
        let isHMSET = args[0].count > 1 && ASCII.lower(args[0][1]) == UInt8(ascii: "m")
        guard args.count % 2 == 0 else {
            return c.addError("ERR wrong number of arguments for '\(isHMSET ? "hmset" : "hset")' command")
        }
        guard let hash = hashForWrite(c, args[1]) else { return }
        var created = 0
        for j in stride(from: 2, to: args.count, by: 2) where hash.table.set(args[j], args[j + 1]).inserted {
            created += 1
        }
        noteHashWrite(hash, args, from: 2)
        signalModifiedKey(c.db, args[1])
        if isHMSET { c.addOK() } else { c.addInteger(created) }
    }

    func hsetnxCommand(_ c: Client, _ args: Arguments) {
        guard let hash = hashForWrite(c, args[1]) else { return }
        if hash.table.find(args[2]) != nil { return c.addInteger(0) }
        hash.table.insert(args[2], args[3])
        noteHashWrite(hash, args, from: 2)
        signalModifiedKey(c.db, args[1])
        c.addInteger(1)
    }

    func hgetCommand(_ c: Client, _ args: Arguments) {
        switch findHash(database(c), args[1]) {
        case .wrongType: c.addWrongType()
        case .missing: c.addNull()
        case .found(_, let hash):
            if let value = hash.table.value(args[2]) { c.addBulk(value) } else { c.addNull() }
        }
    }

    func hmgetCommand(_ c: Client, _ args: Arguments) {
        var hash: HashValue?
        switch findHash(database(c), args[1]) {
        case .wrongType: return c.addWrongType()
        case .missing: break
        case .found(_, let h): hash = h
        }
        let start = c.out.buffer.count
        c.addArrayHeader(args.count - 2)
        for j in 2..<args.count {
            if let value = hash?.table.value(args[j]) {
                c.addBulk(value)
                // One big value named many times would make a reply far larger than the request.
                if replyPassedLimit(c, since: start) { return }
            } else {
                c.addNull()
            }
        }
    }

    func hdelCommand(_ c: Client, _ args: Arguments) {
        let db = database(c)
        switch findHash(db, args[1]) {
        case .wrongType: c.addWrongType()
        case .missing: c.addInteger(0)
        case .found(_, let hash):
            var deleted = 0
            for j in 2..<args.count where hash.table.remove(args[j]) != nil {
                deleted += 1
                if hash.isEmpty { break }
            }
            deleteIfEmpty(db, args[1], hash)
            if deleted > 0 { signalModifiedKey(db.id, args[1]) }
            c.addInteger(deleted)
        }
    }

    func hlenCommand(_ c: Client, _ args: Arguments) {
        switch findHash(database(c), args[1]) {
        case .wrongType: c.addWrongType()
        case .missing: c.addInteger(0)
        case .found(_, let hash): c.addInteger(hash.count)
        }
    }

    func hstrlenCommand(_ c: Client, _ args: Arguments) {
        switch findHash(database(c), args[1]) {
        case .wrongType: c.addWrongType()
        case .missing: c.addInteger(0)
        case .found(_, let hash): c.addInteger(hash.table.value(args[2])?.count ?? 0)
        }
    }

    func hexistsCommand(_ c: Client, _ args: Arguments) {
        switch findHash(database(c), args[1]) {
        case .wrongType: c.addWrongType()
        case .missing: c.addInteger(0)
        case .found(_, let hash): c.addInteger(hash.table.find(args[2]) != nil ? 1 : 0)
        }
    }

    func hincrbyCommand(_ c: Client, _ args: Arguments) {
        guard let increment = Numbers.parseInteger(args[3]) else { return c.addNotInteger() }
        guard let hash = hashForWrite(c, args[1]) else { return }
        var value = 0
        if let current = hash.table.value(args[2]) {
            guard let parsed = Numbers.parseInteger(current) else {
                return c.addError("ERR hash value is not an integer")
            }
            value = parsed
        }
        let (result, overflow) = value.addingReportingOverflow(increment)
        guard !overflow else { return c.addError("ERR increment or decrement would overflow") }
        hash.table.set(args[2], Numbers.bytes(result))
        noteHashWrite(hash, args, from: 2, to: 3)
        signalModifiedKey(c.db, args[1])
        c.addInteger(result)
    }

    func hincrbyfloatCommand(_ c: Client, _ args: Arguments) {
        guard let increment = Numbers.parseLongDouble(args[3]) else {
            return c.addError("ERR value is not a valid float")
        }
        guard increment.isFinite else { return c.addError("ERR value is NaN or Infinity") }
        guard let hash = hashForWrite(c, args[1]) else { return }
        var value: Float80 = 0
        if let current = hash.table.value(args[2]) {
            guard let parsed = Numbers.parseLongDouble(current) else {
                return c.addError("ERR hash value is not a float")
            }
            value = parsed
        }
        guard let text = Numbers.formatLongDouble(value + increment) else {
            return c.addError("ERR increment would produce NaN or Infinity")
        }
        let bytes = Array(text.utf8)
        hash.table.set(args[2], bytes)
        noteHashWrite(hash, args, from: 2, to: 3, value: bytes)
        signalModifiedKey(c.db, args[1])
        c.addBulk(bytes)
    }

    private enum HashPart {
        case keys
        case values
        case both
    }

    private func hashGetAll(_ c: Client, _ args: Arguments, _ part: HashPart) {
        switch findHash(database(c), args[1]) {
        case .wrongType: c.addWrongType()
        case .missing:
            if part == .both { c.addMapHeader(0) } else { c.addArrayHeader(0) }
        case .found(_, let hash):
            if part == .both { c.addMapHeader(hash.count) } else { c.addArrayHeader(hash.count) }
            for entry in hash.table.entries {
                if part != .values { c.addBulk(entry.key) }
                if part != .keys { c.addBulk(entry.value) }
            }
        }
    }

    func hgetallCommand(_ c: Client, _ args: Arguments) { hashGetAll(c, args, .both) }
    func hkeysCommand(_ c: Client, _ args: Arguments) { hashGetAll(c, args, .keys) }
    func hvalsCommand(_ c: Client, _ args: Arguments) { hashGetAll(c, args, .values) }

    func hrandfieldCommand(_ c: Client, _ args: Arguments) {
        var count: Int?
        var withValues = false
        if args.count >= 3 {
            guard let n = negatableCount(c, args[2]) else { return }
            count = n
            if args.count == 4 {
                guard args.is(3, "withvalues") else { return c.addSyntaxError() }
                withValues = true
                // Field and value count twice: Redis keeps twice the count within a long.
                guard n >= -(Int.max / 2) && n <= Int.max / 2 else { return c.addError("ERR value is out of range") }
            } else if args.count > 4 {
                return c.addSyntaxError()
            }
        }
        var hash: HashValue?
        switch findHash(database(c), args[1]) {
        case .wrongType: return c.addWrongType()
        case .missing: break
        case .found(_, let h): hash = h
        }
        let entries = hash.map { Array($0.table.entries) } ?? []
        guard let count else {
            if let entry = entries.randomElement(using: &rng) { c.addBulk(entry.key) } else { c.addNull() }
            return
        }
        let unique = count >= 0
        let picks = unique ? min(count, entries.count) : (entries.isEmpty ? 0 : -count)
        let shuffled = unique ? Array(entries.shuffled(using: &rng).prefix(picks)) : []
        // Negative: as many picks as asked, repeats allowed. Redis streams any number; the fake
        // closes a client whose reply cannot fit its output limit (Engine+OutputLimits.swift).
        let each = withValues ? 2 * Self.smallestBulkReply : Self.smallestBulkReply
        if !unique && refuseReplyOverLimit(c, atLeast: Self.replyBytes(picks, each: each)) { return }
        let start = c.out.buffer.count
        let nested = withValues && c.resp3
        c.addArrayHeader(withValues && !nested ? picks * 2 : picks)
        for i in 0..<picks {
            let entry = unique ? shuffled[i] : entries.randomElement(using: &rng)!
            if nested { c.addArrayHeader(2) }
            c.addBulk(entry.key)
            if withValues { c.addBulk(entry.value) }
            if replyPassedLimit(c, since: start) { return }
        }
    }

    func hscanCommand(_ c: Client, _ args: Arguments) {
        guard let cursor = parseCursor(args[2]) else { return c.addError("ERR invalid cursor") }
        guard let (pattern, count, _) = parseScanOptions(c, args, from: 3, allowType: false) else { return }
        var hash: HashValue?
        switch findHash(database(c), args[1]) {
        case .wrongType: return c.addWrongType()
        case .missing: break
        case .found(_, let h): hash = h
        }
        var items: [Bytes] = []
        var next = 0
        if let hash {
            scanSlots(hash.table, cursor: cursor, count: count, next: &next) { entry in
                if pattern.map({ Glob.matches($0, entry.key) }) ?? true {
                    items.append(entry.key)
                    items.append(entry.value)
                }
            }
        }
        c.addArrayHeader(2)
        c.addBulk(String(next))
        c.addBulkArray(items)
    }

    /// Walks a collection for SCAN: a small one (Redis' compact encodings) in one call, a large
    /// one `count` entries at a time from the cursor slot.
    func scanSlots<V>(
        _ table: SlotTable<V>, cursor: Int, count: Int, next: inout Int, _ body: (SlotTable<V>.Entry) -> Void
    ) {
        if table.count <= SlotTable<V>.orderedLimit {
            for entry in table.entries { body(entry) }
            next = 0
            return
        }
        var slot = max(0, cursor)
        var visited = 0
        while slot < table.slotCount && visited < count {
            if let entry = table.entry(at: slot) {
                visited += 1
                body(entry)
            }
            slot += 1
        }
        next = slot >= table.slotCount ? 0 : slot
    }
}
