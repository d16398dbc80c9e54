// OBJECT (ENCODING, FREQ, IDLETIME, REFCOUNT, HELP) and the bookkeeping behind it: access
// times, LFU counters and which encoding Redis 7.0 would use for each value under the
// configured thresholds (object.c, t_hash.c, t_set.c, t_zset.c). The fake stores every value one
// way; it only tracks what Redis would report, including the one-way conversions as a value
// grows (listpack to hashtable or skiplist, intset to hashtable).

/// How a string value was made, which decides its Redis encoding.
enum StringEncoding: UInt8 {
    /// Stored as given (SET, MSET, INCR...): `int` when it is a canonical 64-bit integer of at
    /// most 20 characters, `embstr` up to 44 bytes, `raw` beyond.
    case fromValue
    /// Made by a formatter that never produces an `int` object (INCRBYFLOAT): `embstr` or `raw`.
    case notInteger
    /// Changed in place (APPEND to an existing key, SETRANGE, SETBIT, BITOP): `raw`.
    case raw
}

extension Engine {
    /// Redis' OBJ_SHARED_INTEGERS and OBJ_SHARED_REFCOUNT.
    static let sharedIntegers = 10000
    static let sharedRefcount = 2_147_483_647

    // MARK: Access bookkeeping

    /// An access to a key: its idle time restarts, or under an LFU policy its counter decays
    /// and then grows logarithmically (Redis' updateLFU).
    @inline(__always)
    func touch(_ db: Database, _ slot: Int) {
        if config.usesLFU {
            updateFrequency(db, slot)
        } else {
            db.markAccessed(at: slot)
        }
    }

    private func updateFrequency(_ db: Database, _ slot: Int) {
        let minute = commandTime / 60000
        var counter = decayedFrequency(db.bookkeeping(at: slot))
        if counter < 255 {
            let base = max(0, Double(counter) - 5)
            let p = 1.0 / (base * Double(config.lfuLogFactor) + 1)
            if Double.random(in: 0..<1, using: &rng) < p { counter += 1 }
        }
        let now = commandTime
        db.modifyBookkeeping(at: slot) {
            $0.frequency = counter
            $0.frequencyMinute = minute
            $0.accessed = now
        }
    }

    /// The LFU counter of the key in a slot, decayed to now (eviction's lfu policies).
    func frequency(_ db: Database, _ slot: Int) -> UInt8 { decayedFrequency(db.bookkeeping(at: slot)) }

    /// Redis' LFUDecrAndReturn: one point off per `lfu-decay-time` minutes since the last decay.
    private func decayedFrequency(_ entry: Database.Bookkeeping) -> UInt8 {
        guard config.lfuDecayTime > 0 else { return entry.frequency }
        let periods = (commandTime / 60000 - entry.frequencyMinute) / config.lfuDecayTime
        return periods >= Int(entry.frequency) ? 0 : entry.frequency - UInt8(max(0, periods))
    }

    // MARK: Encodings

    /// After fields and values were written to a hash (arguments `from..<to`, and a computed
    /// `value`): past `hash-max-listpack-entries` fields, or with a field or value longer than
    /// `hash-max-listpack-value`, Redis converts it to a hashtable for good.
    func noteHashWrite(_ hash: HashValue, _ args: Arguments, from: Int, to: Int? = nil, value: Bytes? = nil) {
        guard !hash.isHashtable else { return }
        let limit = config.hashMaxListpackValue
        if hash.count > config.hashMaxListpackEntries || (value?.count ?? 0) > limit
            || (from..<(to ?? args.count)).contains(where: { args[$0].count > limit })
        {
            hash.isHashtable = true
        }
    }

    /// After members were added to a set: a member that is not an integer, or more than
    /// `set-max-intset-entries` members, turn an intset into a hashtable for good.
    func noteSetWrite(_ set: SetValue, _ members: some Sequence<Bytes>) {
        guard !set.isHashtable else { return }
        if set.count > config.setMaxIntsetEntries || members.contains(where: { Numbers.parseInteger($0) == nil }) {
            set.isHashtable = true
        }
    }

    /// After members were added to a sorted set (arguments from `from` in steps of `by`): more
    /// than `zset-max-listpack-entries`, or a member longer than `zset-max-listpack-value`, turn
    /// the listpack into a skiplist for good.
    func noteSortedSetWrite(_ zset: SortedSetValue, _ args: Arguments, from: Int, by step: Int) {
        guard !zset.isSkiplist else { return }
        let limit = config.zsetMaxListpackValue
        if zset.count > config.zsetMaxListpackEntries
            || stride(from: from, to: args.count, by: step).contains(where: { args[$0].count > limit })
        {
            zset.isSkiplist = true
        }
    }

    /// The encoding OBJECT ENCODING reports for an entry.
    func encodingName(_ value: StoredValue, _ entry: Database.Bookkeeping) -> String {
        switch value {
        case .string(let s):
            switch entry.stringEncoding {
            case .raw: return "raw"
            case .notInteger: return s.count <= 44 ? "embstr" : "raw"
            case .fromValue:
                if s.count <= 20 && Numbers.parseInteger(s) != nil { return "int" }
                return s.count <= 44 ? "embstr" : "raw"
            }
        case .list: return "quicklist"
        case .hash(let h): return h.isHashtable ? "hashtable" : "listpack"
        case .set(let s): return s.isHashtable ? "hashtable" : "intset"
        case .sortedSet(let z): return z.isSkiplist ? "skiplist" : "listpack"
        case .stream: return "stream"
        }
    }

    // MARK: OBJECT

    /// The entry for OBJECT's key, without touching it; a null reply and nil when missing. The
    /// lookup counts a keyspace hit or miss but publishes no `keymiss` (Redis' LOOKUP_NONOTIFY).
    private func objectEntry(_ c: Client, _ args: Arguments) -> (value: StoredValue, kept: Database.Bookkeeping)? {
        let db = database(c)
        guard let slot = lookupWithoutTouching(db, args[2]) else {
            statistics.keyspaceMisses += 1
            c.addNull()
            return nil
        }
        statistics.keyspaceHits += 1
        return (db.value(at: slot), db.bookkeeping(at: slot))
    }

    func objectEncodingCommand(_ c: Client, _ args: Arguments) {
        guard let entry = objectEntry(c, args) else { return }
        c.addBulk(encodingName(entry.value, entry.kept))
    }

    func objectRefcountCommand(_ c: Client, _ args: Arguments) {
        guard let entry = objectEntry(c, args) else { return }
        // Small integers stored as given are Redis' shared objects.
        if case .string(let s) = entry.value, entry.kept.stringEncoding == .fromValue, config.sharesIntegers,
            let n = Numbers.parseInteger(s), n >= 0, n < Self.sharedIntegers
        {
            return c.addInteger(Self.sharedRefcount)
        }
        c.addInteger(1)
    }

    func objectIdletimeCommand(_ c: Client, _ args: Arguments) {
        guard let entry = objectEntry(c, args) else { return }
        if config.usesLFU {
            return c.addError(
                "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."
            )
        }
        c.addInteger(max(0, commandTime - entry.kept.accessed) / 1000)
    }

    func objectFreqCommand(_ c: Client, _ args: Arguments) {
        guard let entry = objectEntry(c, args) else { return }
        guard config.usesLFU else {
            return c.addError(
                "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."
            )
        }
        c.addInteger(Int(decayedFrequency(entry.kept)))
    }

    func objectHelpCommand(_ c: Client, _ args: Arguments) {
        addHelp(
            c, "OBJECT",
            [
                "ENCODING <key>",
                "    Return the kind of internal representation used in order to store the value",
                "    associated with a <key>.",
                "FREQ <key>",
                "    Return the access frequency index of the <key>. The returned integer is",
                "    proportional to the logarithm of the recent access frequency of the key.",
                "IDLETIME <key>",
                "    Return the idle time of the <key>, that is the approximated number of",
                "    seconds elapsed since the last access to the key.",
                "REFCOUNT <key>",
                "    Return the number of references of the value associated with the specified",
                "    <key>.",
            ])
    }
}
