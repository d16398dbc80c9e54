// Sets (Redis 7.0 t_set.c). Member order differs from Redis' hash tables by design; the
// replies are sets, and tests compare them as such.

extension Engine {
    private func deleteIfEmpty(_ db: Database, _ key: Bytes, _ set: SetValue) {
        if set.isEmpty, let slot = db.slot(key) { db.delete(at: slot) }
    }

    func saddCommand(_ c: Client, _ args: Arguments) {
        let db = database(c)
        let set: SetValue
        switch findSet(db, args[1]) {
        case .wrongType: return c.addWrongType()
        case .found(_, let s): set = s
        case .missing:
            set = SetValue()
            db.add(args[1], .set(set))
        }
        var added = 0
        for j in 2..<args.count where set.add(args[j]) { added += 1 }
        noteSetWrite(set, (2..<args.count).lazy.map { args[$0] })
        if added > 0 { signalModifiedKey(db.id, args[1]) }
        c.addInteger(added)
    }

    func sremCommand(_ c: Client, _ args: Arguments) {
        let db = database(c)
        switch findSet(db, args[1]) {
        case .wrongType: c.addWrongType()
        case .missing: c.addInteger(0)
        case .found(_, let set):
            var removed = 0
            for j in 2..<args.count where set.remove(args[j]) {
                removed += 1
                if set.isEmpty { break }
            }
            deleteIfEmpty(db, args[1], set)
            if removed > 0 { signalModifiedKey(db.id, args[1]) }
            c.addInteger(removed)
        }
    }

    func scardCommand(_ c: Client, _ args: Arguments) {
        switch findSet(database(c), args[1]) {
        case .wrongType: c.addWrongType()
        case .missing: c.addInteger(0)
        case .found(_, let set): c.addInteger(set.count)
        }
    }

    func sismemberCommand(_ c: Client, _ args: Arguments) {
        switch findSet(database(c), args[1]) {
        case .wrongType: c.addWrongType()
        case .missing: c.addInteger(0)
        case .found(_, let set): c.addInteger(set.contains(args[2]) ? 1 : 0)
        }
    }

    func smismemberCommand(_ c: Client, _ args: Arguments) {
        var set: SetValue?
        switch findSet(database(c), args[1]) {
        case .wrongType: return c.addWrongType()
        case .missing: break
        case .found(_, let s): set = s
        }
        c.addArrayHeader(args.count - 2)
        for j in 2..<args.count { c.addInteger(set?.contains(args[j]) == true ? 1 : 0) }
    }

    func smembersCommand(_ c: Client, _ args: Arguments) {
        switch findSet(database(c), args[1]) {
        case .wrongType: c.addWrongType()
        case .missing: c.addSetHeader(0)
        case .found(_, let set):
            c.addSetHeader(set.count)
            for member in set.membersInRedisOrder { c.addBulk(member) }
        }
    }

    func spopCommand(_ c: Client, _ args: Arguments) {
        if args.count > 3 { return c.addSyntaxError() }
        var count: Int?
        if args.count == 3 {
            guard let n = positiveCount(c, args[2]) else { return }
            count = n
        }
        let db = database(c)
        switch findSet(db, args[1]) {
        case .wrongType: c.addWrongType()
        case .missing: if count != nil { c.addSetHeader(0) } else { c.addNull() }
        case .found(_, let set):
            guard let count else {
                let member = set.members.randomElement(using: &rng)!
                set.remove(member)
                c.addBulk(member)
                deleteIfEmpty(db, args[1], set)
                signalModifiedKey(db.id, args[1])
                return
            }
            if count == 0 { return c.addSetHeader(0) }
            let popped = Array(set.members.shuffled(using: &rng).prefix(count))
            for member in popped { set.remove(member) }
            c.addSetHeader(popped.count)
            for member in popped { c.addBulk(member) }
            deleteIfEmpty(db, args[1], set)
            signalModifiedKey(db.id, args[1])
        }
    }

    func srandmemberCommand(_ c: Client, _ args: Arguments) {
        if args.count > 3 { return c.addSyntaxError() }
        var count: Int?
        if args.count == 3 {
            guard let n = negatableCount(c, args[2]) else { return }
            count = n
        }
        var members: [Bytes] = []
        switch findSet(database(c), args[1]) {
        case .wrongType: return c.addWrongType()
        case .missing: if count == nil { return c.addNull() }
        case .found(_, let set): members = set.members
        }
        guard let count else { return c.addBulk(members.randomElement(using: &rng)!) }
        if count >= 0 {
            c.addBulkArray(Array(members.shuffled(using: &rng).prefix(count)))
        } else if members.isEmpty {
            c.addRaw(SharedReply.emptyArray)
        } else {
            // As many picks as asked, repeats allowed: Redis streams any number; the fake closes
            // a client whose reply cannot fit its output limit (Engine+OutputLimits.swift).
            let picks = -count
            if refuseReplyOverLimit(c, atLeast: Self.replyBytes(picks, each: Self.smallestBulkReply)) { return }
            let start = c.out.buffer.count
            c.addArrayHeader(picks)
            for _ in 0..<picks {
                c.addBulk(members.randomElement(using: &rng)!)
                if replyPassedLimit(c, since: start) { return }
            }
        }
    }

    func smoveCommand(_ c: Client, _ args: Arguments) {
        let db = database(c)
        var source: SetValue?
        var destination: SetValue?
        switch findSet(db, args[1]) {
        case .wrongType: source = nil
        case .missing: return c.addInteger(0)
        case .found(_, let s): source = s
        }
        guard let source else { return c.addWrongType() }
        switch findSet(db, args[2]) {
        case .wrongType: return c.addWrongType()
        case .missing: break
        case .found(_, let s): destination = s
        }
        let member = args[3]
        if source === destination { return c.addInteger(source.contains(member) ? 1 : 0) }
        guard source.remove(member) else { return c.addInteger(0) }
        deleteIfEmpty(db, args[1], source)
        // The source's events (srem, del) come before the destination is created (new).
        signalModifiedKey(db.id, args[1])
        if destination == nil {
            let set = SetValue()
            db.add(args[2], .set(set))
            destination = set
        }
        if destination!.add(member) { signalModifiedKey(db.id, args[2]) }
        noteSetWrite(destination!, CollectionOfOne(member))
        c.addInteger(1)
    }

    private enum SetOperation {
        case union
        case intersection
        case difference
    }

    /// SUNION, SINTER, SDIFF and their STORE forms.
    private func setOperation(_ c: Client, _ args: Arguments, _ operation: SetOperation, store: Bool) {
        let db = database(c)
        let first = store ? 2 : 1
        var sets: [SetValue?] = []
        for j in first..<args.count {
            switch findSet(db, args[j]) {
            case .wrongType: return c.addWrongType()
            case .missing: sets.append(nil)
            case .found(_, let s): sets.append(s)
            }
        }
        var result: [Bytes] = []
        switch operation {
        case .union:
            let all = SetValue()
            for set in sets { for m in set?.members ?? [] { all.add(m) } }
            result = all.members
        case .intersection:
            if sets.contains(where: { $0 == nil }) { break }
            let sorted = sets.map { $0! }.sorted { $0.count < $1.count }
            // Redis walks the smallest set: in order when it is an intset.
            result = sorted[0].membersInRedisOrder.filter { m in sorted.dropFirst().allSatisfy { $0.contains(m) } }
        case .difference:
            guard let base = sets[0] else { break }
            result = base.members.filter { m in !sets.dropFirst().contains { $0?.contains(m) == true } }
        }
        if store {
            let destination = args[1]
            var deleted = false
            if let slot = lookupForWrite(db, destination) {
                db.delete(at: slot)
                deleted = true
            }
            if !result.isEmpty {
                let set = SetValue()
                for m in result { set.add(m) }
                noteSetWrite(set, result)
                db.add(destination, .set(set))
            }
            // Redis signals only a change: a result stored, or an old value deleted.
            if deleted || !result.isEmpty { signalModifiedKey(db.id, destination) }
            c.addInteger(result.count)
        } else {
            // SUNION and SDIFF build the result as a set and reply in its order: an intset
            // (integers only, few enough) ascending.
            if operation != .intersection && result.count <= config.setMaxIntsetEntries
                && result.allSatisfy({ Numbers.parseInteger($0) != nil })
            {
                result = SetValue.sortedAsIntegers(result)
            }
            c.addSetHeader(result.count)
            for m in result { c.addBulk(m) }
        }
    }

    func sunionCommand(_ c: Client, _ args: Arguments) { setOperation(c, args, .union, store: false) }
    func sinterCommand(_ c: Client, _ args: Arguments) { setOperation(c, args, .intersection, store: false) }
    func sdiffCommand(_ c: Client, _ args: Arguments) { setOperation(c, args, .difference, store: false) }
    func sunionstoreCommand(_ c: Client, _ args: Arguments) { setOperation(c, args, .union, store: true) }
    func sinterstoreCommand(_ c: Client, _ args: Arguments) { setOperation(c, args, .intersection, store: true) }
    func sdiffstoreCommand(_ c: Client, _ args: Arguments) { setOperation(c, args, .difference, store: true) }

    func sscanCommand(_ c: Client, _ args: Arguments) {
        guard let cursor = parseCursor(args[2]) else { return c.addError("ERR invalid cursor") }
        guard let (pattern, count, _) = parseScanOptions(c, args, from: 3, allowType: false) else { return }
        var set: SetValue?
        switch findSet(database(c), args[1]) {
        case .wrongType: return c.addWrongType()
        case .missing: break
        case .found(_, let s): set = s
        }
        var items: [Bytes] = []
        var next = 0
        if let set, !set.isHashtable {
            // An intset is scanned whole in one call, in order, whatever the COUNT.
            items = set.membersInRedisOrder.filter { member in
                pattern.map { Glob.matches($0, member) } ?? true
            }
        } else if let set {
            scanSlots(set.table, cursor: cursor, count: count, next: &next) { entry in
                if pattern.map({ Glob.matches($0, entry.key) }) ?? true { items.append(entry.key) }
            }
        }
        c.addArrayHeader(2)
        c.addBulk(String(next))
        c.addBulkArray(items)
    }
}
