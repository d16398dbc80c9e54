import Glibc

// Keys and databases: DEL, EXISTS, expiry, TYPE, KEYS, SCAN, RENAME, RANDOMKEY, SELECT,
// FLUSHDB/FLUSHALL (Redis 7.0 db.c and expire.c).

extension Engine {
    func delCommand(_ c: Client, _ args: Arguments) {
        let db = database(c)
        var deleted = 0
        for i in 1..<args.count where deleteKey(db, args[i]) { deleted += 1 }
        c.addInteger(deleted)
    }

    func existsCommand(_ c: Client, _ args: Arguments) {
        let db = database(c)
        var count = 0
        for i in 1..<args.count where lookup(db, args[i], touching: false) != nil { count += 1 }
        c.addInteger(count)
    }

    // MARK: Expiry

    /// EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT (Redis' expireGenericCommand).
    func expireGeneric(_ c: Client, _ args: Arguments, base: Int, seconds: Bool) {
        var nx = false
        var xx = false
        var gt = false
        var lt = false
        for j in 3..<max(3, args.count) {
            if args.is(j, "nx") {
                nx = true
            } else if args.is(j, "xx") {
                xx = true
            } else if args.is(j, "gt") {
                gt = true
            } else if args.is(j, "lt") {
                lt = true
            } else {
                return c.addError("ERR Unsupported option \(args.string(j))")
            }
        }
        if nx && (xx || gt || lt) {
            return c.addError("ERR NX and XX, GT or LT options at the same time are not compatible")
        }
        if gt && lt { return c.addError("ERR GT and LT options at the same time are not compatible") }
        guard var when = Numbers.parseInteger(args[2]) else { return c.addNotInteger() }
        let command = ASCII.lowercased(args[0])
        if seconds {
            guard when <= Int.max / 1000 && when >= Int.min / 1000 else {
                return c.addError("ERR invalid expire time in '\(command)' command")
            }
            when *= 1000
        }
        guard when <= Int.max - base else { return c.addError("ERR invalid expire time in '\(command)' command") }
        when += base
        let db = database(c)
        let key = args[1]
        guard let slot = lookup(db, key) else { return c.addInteger(0) }
        if nx || xx || gt || lt {
            let current = db.expireAt(slot)
            let hasExpiry = current != 0
            if nx && hasExpiry { return c.addInteger(0) }
            if xx && !hasExpiry { return c.addInteger(0) }
            if gt && (!hasExpiry || when <= current) { return c.addInteger(0) }
            if lt && hasExpiry && when >= current { return c.addInteger(0) }
        }
        if when <= commandTime {
            db.delete(at: slot)
        } else {
            db.setExpiry(at: slot, when)
        }
        signalModifiedKey(db.id, key)
        c.addInteger(1)
    }

    func expireCommand(_ c: Client, _ args: Arguments) { expireGeneric(c, args, base: commandTime, seconds: true) }
    func pexpireCommand(_ c: Client, _ args: Arguments) { expireGeneric(c, args, base: commandTime, seconds: false) }
    func expireatCommand(_ c: Client, _ args: Arguments) { expireGeneric(c, args, base: 0, seconds: true) }
    func pexpireatCommand(_ c: Client, _ args: Arguments) { expireGeneric(c, args, base: 0, seconds: false) }

    private func ttlGeneric(_ c: Client, _ args: Arguments, milliseconds: Bool) {
        let db = database(c)
        guard let slot = lookup(db, args[1], touching: false) else { return c.addInteger(-2) }
        let expireAt = db.expireAt(slot)
        guard expireAt != 0 else { return c.addInteger(-1) }
        let ttl = max(0, expireAt &- commandTime)
        c.addInteger(milliseconds ? ttl : Self.roundedSeconds(ttl))
    }

    func ttlCommand(_ c: Client, _ args: Arguments) { ttlGeneric(c, args, milliseconds: false) }
    func pttlCommand(_ c: Client, _ args: Arguments) { ttlGeneric(c, args, milliseconds: true) }

    private func expiretimeGeneric(_ c: Client, _ args: Arguments, milliseconds: Bool) {
        let db = database(c)
        guard let slot = lookup(db, args[1], touching: false) else { return c.addInteger(-2) }
        let expireAt = db.expireAt(slot)
        guard expireAt != 0 else { return c.addInteger(-1) }
        c.addInteger(milliseconds ? expireAt : Self.roundedSeconds(expireAt))
    }

    /// Milliseconds (>= 0) rounded to seconds, `(ms + 500) / 1000` without overflowing near
    /// Int64.max (PXAT 9223372036854775807): 9223372036854776, as Redis replies.
    private static func roundedSeconds(_ milliseconds: Int) -> Int {
        milliseconds / 1000 + (milliseconds % 1000 + 500) / 1000
    }

    func expiretimeCommand(_ c: Client, _ args: Arguments) { expiretimeGeneric(c, args, milliseconds: false) }
    func pexpiretimeCommand(_ c: Client, _ args: Arguments) { expiretimeGeneric(c, args, milliseconds: true) }

    func persistCommand(_ c: Client, _ args: Arguments) {
        let db = database(c)
        guard let slot = lookup(db, args[1]), db.removeExpiry(at: slot) else { return c.addInteger(0) }
        signalModifiedKey(db.id, args[1])
        c.addInteger(1)
    }

    func typeCommand(_ c: Client, _ args: Arguments) {
        let db = database(c)
        guard let slot = lookup(db, args[1], touching: false) else { return c.addSimple("none") }
        c.addSimple(db.value(at: slot).typeName)
    }

    // MARK: Listing

    func keysCommand(_ c: Client, _ args: Arguments) {
        let db = database(c)
        let pattern = args[1]
        let all = pattern == [UInt8(ascii: "*")]
        let now = commandTime
        var keys: [Bytes] = []
        for slot in 0..<db.slotCount where db.isOccupied(slot) {
            let entry = db.entry(at: slot)
            if entry.expireAt != 0 && entry.expireAt <= now { continue }
            let key = db.key(at: slot)
            if all || Glob.matches(pattern, key) { keys.append(key) }
        }
        c.addBulkArray(keys)
    }

    /// The cursor of SCAN and its relatives, as Redis parses it (strtoul): nil when invalid.
    func parseCursor(_ bytes: Bytes) -> Int? {
        guard !bytes.isEmpty, !Numbers.isSpace(bytes[0]), bytes.count <= 20 else { return nil }
        var text = bytes.map { CChar(bitPattern: $0) }
        text.append(0)
        return text.withUnsafeBufferPointer { p -> Int? in
            var end: UnsafeMutablePointer<CChar>?
            errno = 0
            let value = strtoul(p.baseAddress!, &end, 10)
            guard let end, UnsafePointer(end) - p.baseAddress! == bytes.count, errno != ERANGE else { return nil }
            return Int(truncatingIfNeeded: value)
        }
    }

    /// Parses SCAN's MATCH, COUNT and (for the keyspace) TYPE options from index `start`.
    func parseScanOptions(
        _ c: Client, _ args: Arguments, from start: Int, allowType: Bool
    ) -> (pattern: Bytes?, count: Int, type: Bytes?)? {
        var pattern: Bytes?
        var count = 10
        var type: Bytes?
        var i = start
        while i < args.count {
            let left = args.count - i
            if args.is(i, "count") && left >= 2 {
                guard let n = Numbers.parseInteger(args[i + 1]) else {
                    c.addNotInteger()
                    return nil
                }
                guard n >= 1 else {
                    c.addSyntaxError()
                    return nil
                }
                count = n
                i += 2
            } else if args.is(i, "match") && left >= 2 {
                let p = args[i + 1]
                pattern = p == [UInt8(ascii: "*")] ? nil : p
                i += 2
            } else if allowType && args.is(i, "type") && left >= 2 {
                type = args[i + 1]
                i += 2
            } else {
                c.addSyntaxError()
                return nil
            }
        }
        return (pattern, count, type)
    }

    func scanCommand(_ c: Client, _ args: Arguments) {
        guard let cursor = parseCursor(args[1]) else { return c.addError("ERR invalid cursor") }
        guard let (pattern, count, type) = parseScanOptions(c, args, from: 2, allowType: true) else { return }
        let db = database(c)
        var keys: [Bytes] = []
        var slot = max(0, cursor)
        var visited = 0
        while slot < db.slotCount && visited < count {
            if db.isOccupied(slot) {
                visited += 1
                let key = db.key(at: slot)
                let entry = db.entry(at: slot)
                if entry.expireAt != 0 && entry.expireAt <= commandTime {
                    deleteExpired(db, slot)
                } else if pattern.map({ Glob.matches($0, key) }) ?? true {
                    if type.map({ ASCII.lowercased($0) == entry.value.typeName }) ?? true { keys.append(key) }
                }
            }
            slot += 1
        }
        let next = slot >= db.slotCount ? 0 : slot
        c.addArrayHeader(2)
        c.addBulk(String(next))
        c.addBulkArray(keys)
    }

    func randomkeyCommand(_ c: Client, _ args: Arguments) {
        let db = database(c)
        for _ in 0..<100 {
            guard let slot = db.randomSlot(using: &rng) else { return c.addNull() }
            let at = db.expireAt(slot)
            if at != 0 && at <= commandTime {
                deleteExpired(db, slot)
                continue
            }
            return c.addBulk(db.key(at: slot))
        }
        c.addNull()
    }

    func dbsizeCommand(_ c: Client, _ args: Arguments) {
        c.addInteger(database(c).count)
    }

    // MARK: Renaming and moving

    private func renameGeneric(_ c: Client, _ args: Arguments, nx: Bool) {
        let db = database(c)
        let source = args[1]
        let destination = args[2]
        guard let slot = lookup(db, source) else { return c.addError("ERR no such key") }
        if source == destination { return nx ? c.addInteger(0) : c.addOK() }
        let entry = db.entry(at: slot)
        if let existing = lookup(db, destination) {
            if nx { return c.addInteger(0) }
            db.delete(at: existing)
        }
        let kept = db.bookkeeping(at: slot)
        let newSlot = db.add(destination, entry.value)
        db.keepBookkeeping(at: newSlot, kept)
        if entry.expireAt != 0 { db.setExpiry(at: newSlot, entry.expireAt) }
        if let old = db.slot(source) { db.delete(at: old) }
        switch entry.value {
        case .list, .sortedSet, .stream: signalKeyAsReady(db.id, destination)
        default: break
        }
        signalModifiedKey(db.id, source)
        signalModifiedKey(db.id, destination)
        nx ? c.addInteger(1) : c.addOK()
    }

    func renameCommand(_ c: Client, _ args: Arguments) { renameGeneric(c, args, nx: false) }
    func renamenxCommand(_ c: Client, _ args: Arguments) { renameGeneric(c, args, nx: true) }

    func moveCommand(_ c: Client, _ args: Arguments) {
        guard let target = databaseIndex(c, args[2]) else { return }
        guard target >= 0 && target < databases.count else { return c.addError("ERR DB index is out of range") }
        let source = database(c)
        guard target != c.db else { return c.addError("ERR source and destination objects are the same") }
        let destination = databases[target]
        let key = args[1]
        guard let slot = lookup(source, key) else { return c.addInteger(0) }
        guard lookup(destination, key) == nil else { return c.addInteger(0) }
        let entry = source.entry(at: slot)
        let newSlot = destination.add(key, entry.value)
        destination.keepBookkeeping(at: newSlot, source.bookkeeping(at: slot))
        if entry.expireAt != 0 { destination.setExpiry(at: newSlot, entry.expireAt) }
        source.delete(at: slot)
        switch entry.value {
        case .list, .sortedSet, .stream: signalKeyAsReady(target, key)
        default: break
        }
        signalModifiedKey(source.id, key)
        signalModifiedKey(target, key)
        c.addInteger(1)
    }

    /// TOUCH: EXISTS that counts as an access (Redis' lookupKeyRead).
    func touchCommand(_ c: Client, _ args: Arguments) {
        let db = database(c)
        var count = 0
        for i in 1..<args.count where lookup(db, args[i]) != nil { count += 1 }
        c.addInteger(count)
    }

    // MARK: Databases

    /// A database index as SELECT and MOVE read it (Redis' getIntFromObjectOrReply): an integer
    /// that fits an int, or an error reply and nil.
    func databaseIndex(_ c: Client, _ bytes: Bytes) -> Int? {
        guard let n = Numbers.parseInteger(bytes) else {
            c.addNotInteger()
            return nil
        }
        guard n >= Int(Int32.min) && n <= Int(Int32.max) else {
            c.addError("ERR value is out of range, value must between -2147483648 and 2147483647")
            return nil
        }
        return n
    }

    func selectCommand(_ c: Client, _ args: Arguments) {
        guard let id = databaseIndex(c, args[1]) else { return }
        if cluster != nil && id != 0 { return c.addError("ERR SELECT is not allowed in cluster mode") }
        guard id >= 0 && id < databases.count else { return c.addError("ERR DB index is out of range") }
        c.db = id
        c.addOK()
    }

    /// FLUSHDB and FLUSHALL take an optional SYNC or ASYNC.
    private func flushOptionOK(_ c: Client, _ args: Arguments) -> Bool {
        if args.count == 1 { return true }
        if args.count == 2 && (args.is(1, "sync") || args.is(1, "async")) { return true }
        c.addSyntaxError()
        return false
    }

    func flushdbCommand(_ c: Client, _ args: Arguments) {
        guard flushOptionOK(c, args) else { return }
        flush(database: c.db)
        c.addOK()
    }

    func flushallCommand(_ c: Client, _ args: Arguments) {
        guard flushOptionOK(c, args) else { return }
        flush(database: nil)
        c.addOK()
    }

    /// Empties one database or all of them, telling watchers and tracking clients.
    func flush(database id: Int?) {
        touchAllWatchedKeys(in: id)
        trackingInvalidateKeysOnFlush()
        if let id {
            databases[id].removeAll()
        } else {
            for db in databases { db.removeAll() }
        }
        for dk in blockedOn.keys where id == nil || dk.db == id { signalDeletedStreamKey(dk.db, dk.key) }
    }
}
