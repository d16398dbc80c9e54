// Lists (Redis 7.0 t_list.c), with BLPOP/BRPOP in Engine+Blocking.swift.

extension Engine {
    /// The list at `key` for a write, or a WRONGTYPE reply and nil.
    private func listForWrite(_ c: Client, _ key: Bytes, create: Bool) -> ListValue?? {
        let db = database(c)
        switch findList(db, key) {
        case .wrongType:
            c.addWrongType()
            return nil
        case .found(_, let list): return .some(list)
        case .missing:
            guard create else { return .some(nil) }
            let list = ListValue()
            db.add(key, .list(list))
            signalKeyAsReady(db.id, key)
            return .some(list)
        }
    }

    /// After elements were removed: delete the key if the list is empty, and signal the change.
    func listElementsRemoved(_ db: Database, _ key: Bytes, _ list: ListValue) {
        if list.isEmpty, let slot = db.slot(key) { db.delete(at: slot) }
        signalModifiedKey(db.id, key)
    }

    private func pushGeneric(_ c: Client, _ args: Arguments, front: Bool, onlyIfExists: Bool) {
        guard let found = listForWrite(c, args[1], create: !onlyIfExists) else { return }
        guard let list = found else { return c.addInteger(0) }
        for j in 2..<args.count {
            if front { list.pushFront(args[j]) } else { list.pushBack(args[j]) }
        }
        c.addInteger(list.count)
        signalModifiedKey(c.db, args[1])
    }

    func lpushCommand(_ c: Client, _ args: Arguments) { pushGeneric(c, args, front: true, onlyIfExists: false) }
    func rpushCommand(_ c: Client, _ args: Arguments) { pushGeneric(c, args, front: false, onlyIfExists: false) }
    func lpushxCommand(_ c: Client, _ args: Arguments) { pushGeneric(c, args, front: true, onlyIfExists: true) }
    func rpushxCommand(_ c: Client, _ args: Arguments) { pushGeneric(c, args, front: false, onlyIfExists: true) }

    private func popGeneric(_ c: Client, _ args: Arguments, front: Bool) {
        var count: Int?
        if args.count > 3 {
            return c.addError("ERR wrong number of arguments for '\(front ? "lpop" : "rpop")' command")
        } else if args.count == 3 {
            guard let n = positiveCount(c, args[2]) else { return }
            count = n
        }
        let db = database(c)
        let key = args[1]
        switch findList(db, key) {
        case .wrongType: c.addWrongType()
        case .missing: if count != nil { c.addNullArray() } else { c.addNull() }
        case .found(_, let list):
            guard let count else {
                c.addBulk((front ? list.popFront() : list.popBack())!)
                listElementsRemoved(db, key, list)
                return
            }
            if count == 0 { return c.addRaw(SharedReply.emptyArray) }
            let n = min(count, list.count)
            c.addArrayHeader(n)
            for _ in 0..<n { c.addBulk((front ? list.popFront() : list.popBack())!) }
            listElementsRemoved(db, key, list)
        }
    }

    func lpopCommand(_ c: Client, _ args: Arguments) { popGeneric(c, args, front: true) }
    func rpopCommand(_ c: Client, _ args: Arguments) { popGeneric(c, args, front: false) }

    func llenCommand(_ c: Client, _ args: Arguments) {
        switch findList(database(c), args[1]) {
        case .wrongType: c.addWrongType()
        case .missing: c.addInteger(0)
        case .found(_, let list): c.addInteger(list.count)
        }
    }

    func lindexCommand(_ c: Client, _ args: Arguments) {
        switch findList(database(c), args[1]) {
        case .wrongType: c.addWrongType()
        case .missing: c.addNull()
        case .found(_, let list):
            guard var index = Numbers.parseInteger(args[2]) else { return c.addNotInteger() }
            if index < 0 { index += list.count }
            if index >= 0 && index < list.count { c.addBulk(list[index]) } else { c.addNull() }
        }
    }

    func lsetCommand(_ c: Client, _ args: Arguments) {
        let db = database(c)
        switch findList(db, args[1]) {
        case .wrongType: c.addWrongType()
        case .missing: c.addError("ERR no such key")
        case .found(_, let list):
            guard var index = Numbers.parseInteger(args[2]) else { return c.addNotInteger() }
            if index < 0 { index += list.count }
            guard index >= 0 && index < list.count else { return c.addError("ERR index out of range") }
            list[index] = args[3]
            signalModifiedKey(db.id, args[1])
            c.addOK()
        }
    }

    func lrangeCommand(_ c: Client, _ args: Arguments) {
        guard var start = Numbers.parseInteger(args[2]), var end = Numbers.parseInteger(args[3]) else {
            return c.addNotInteger()
        }
        switch findList(database(c), args[1]) {
        case .wrongType: c.addWrongType()
        case .missing: c.addRaw(SharedReply.emptyArray)
        case .found(_, let list):
            let length = list.count
            if start < 0 { start += length }
            if end < 0 { end += length }
            if start < 0 { start = 0 }
            if start > end || start >= length { return c.addRaw(SharedReply.emptyArray) }
            if end >= length { end = length - 1 }
            c.addArrayHeader(end - start + 1)
            for i in start...end { c.addBulk(list[i]) }
        }
    }

    func ltrimCommand(_ c: Client, _ args: Arguments) {
        guard var start = Numbers.parseInteger(args[2]), var end = Numbers.parseInteger(args[3]) else {
            return c.addNotInteger()
        }
        let db = database(c)
        switch findList(db, args[1]) {
        case .wrongType: c.addWrongType()
        case .missing: c.addOK()
        case .found(_, let list):
            let length = list.count
            if start < 0 { start += length }
            if end < 0 { end += length }
            if start < 0 { start = 0 }
            var kept: [Bytes] = []
            if start <= end && start < length {
                if end >= length { end = length - 1 }
                kept = (start...end).map { list[$0] }
            }
            list.replace(with: kept)
            listElementsRemoved(db, args[1], list)
            c.addOK()
        }
    }

    func lremCommand(_ c: Client, _ args: Arguments) {
        guard let toRemove = Numbers.parseInteger(args[2]) else { return c.addNotInteger() }
        let db = database(c)
        switch findList(db, args[1]) {
        case .wrongType: c.addWrongType()
        case .missing: c.addInteger(0)
        case .found(_, let list):
            var elements = list.elements
            var removed = 0
            let target = args[3]
            if toRemove >= 0 {
                var kept: [Bytes] = []
                for e in elements {
                    if e == target && (toRemove == 0 || removed < toRemove) { removed += 1 } else { kept.append(e) }
                }
                elements = kept
            } else {
                // From the tail. -Int.min does not fit an Int: compare magnitudes (Redis 7.0
                // negates LONG_MIN and so removes every match, as this does).
                var kept: [Bytes] = []
                for e in elements.reversed() {
                    if e == target && UInt(removed) < toRemove.magnitude { removed += 1 } else { kept.append(e) }
                }
                elements = kept.reversed()
            }
            if removed > 0 {
                list.replace(with: elements)
                listElementsRemoved(db, args[1], list)
            }
            c.addInteger(removed)
        }
    }

    func linsertCommand(_ c: Client, _ args: Arguments) {
        let after: Bool
        if args.is(2, "after") {
            after = true
        } else if args.is(2, "before") {
            after = false
        } else {
            return c.addSyntaxError()
        }
        let db = database(c)
        switch findList(db, args[1]) {
        case .wrongType: c.addWrongType()
        case .missing: c.addInteger(0)
        case .found(_, let list):
            var elements = list.elements
            guard let index = elements.firstIndex(of: args[3]) else { return c.addInteger(-1) }
            elements.insert(args[4], at: after ? index + 1 : index)
            list.replace(with: elements)
            signalModifiedKey(db.id, args[1])
            c.addInteger(list.count)
        }
    }

    func lposCommand(_ c: Client, _ args: Arguments) {
        var rank = 1
        var count = -1
        var maxLength = 0
        var j = 3
        while j < args.count {
            let more = args.count - 1 - j
            if args.is(j, "rank") && more > 0 {
                j += 1
                guard let n = Numbers.parseInteger(args[j]) else { return c.addNotInteger() }
                guard n != 0 else {
                    return c.addError(
                        "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list"
                    )
                }
                rank = n
            } else if args.is(j, "count") && more > 0 {
                j += 1
                guard let n = positiveCount(c, args[j], "ERR COUNT can't be negative") else { return }
                count = n
            } else if args.is(j, "maxlen") && more > 0 {
                j += 1
                guard let n = positiveCount(c, args[j], "ERR MAXLEN can't be negative") else { return }
                maxLength = n
            } else {
                return c.addSyntaxError()
            }
            j += 1
        }
        let list: ListValue
        switch findList(database(c), args[1]) {
        case .wrongType: return c.addWrongType()
        case .missing: return count != -1 ? c.addRaw(SharedReply.emptyArray) : c.addNull()
        case .found(_, let l): list = l
        }
        var matches: [Int] = []
        // RANK -9223372036854775808: Redis 7.0 negates it (which leaves it negative), so every
        // match from the tail qualifies and COUNT never ends the walk (its `matches - rank + 1`
        // wraps). The fake does what that build does.
        let rankIsMinimum = rank == Int.min
        let wanted = count == -1 ? 1 : (count == 0 || rankIsMinimum ? Int.max : count)
        var skip = rankIsMinimum ? 0 : abs(rank) - 1
        let indices: [Int] = rank > 0 ? Array(0..<list.count) : Array((0..<list.count).reversed())
        var compared = 0
        for i in indices {
            if maxLength != 0 && compared >= maxLength { break }
            compared += 1
            if list[i] == args[2] {
                if skip > 0 {
                    skip -= 1
                    continue
                }
                matches.append(i)
                if matches.count >= wanted { break }
            }
        }
        if count == -1 {
            if let first = matches.first { c.addInteger(first) } else { c.addNull() }
        } else {
            c.addArrayHeader(matches.count)
            for m in matches { c.addInteger(m) }
        }
    }

    /// LMOVE and RPOPLPUSH: pop from one end of `source`, push to one end of `destination`.
    func moveGeneric(_ c: Client, source: Bytes, destination: Bytes, fromFront: Bool, toFront: Bool) {
        let db = database(c)
        let sourceList: ListValue
        switch findList(db, source) {
        case .wrongType: return c.addWrongType()
        case .missing: return c.addNull()
        case .found(_, let l): sourceList = l
        }
        var destinationList: ListValue?
        switch findList(db, destination) {
        case .wrongType: return c.addWrongType()
        case .missing: break
        case .found(_, let l): destinationList = l
        }
        let value = (fromFront ? sourceList.popFront() : sourceList.popBack())!
        if destinationList == nil {
            let list = ListValue()
            db.add(destination, .list(list))
            signalKeyAsReady(db.id, destination)
            destinationList = list
        }
        if toFront { destinationList!.pushFront(value) } else { destinationList!.pushBack(value) }
        signalModifiedKey(db.id, destination)
        c.addBulk(value)
        listElementsRemoved(db, source, sourceList)
    }

    func lmoveCommand(_ c: Client, _ args: Arguments) {
        guard let from = listEnd(args, 3), let to = listEnd(args, 4) else { return c.addSyntaxError() }
        moveGeneric(c, source: args[1], destination: args[2], fromFront: from, toFront: to)
    }

    func rpoplpushCommand(_ c: Client, _ args: Arguments) {
        moveGeneric(c, source: args[1], destination: args[2], fromFront: false, toFront: true)
    }

    /// LEFT (true) or RIGHT (false).
    func listEnd(_ args: Arguments, _ i: Int) -> Bool? {
        if args.is(i, "left") { return true }
        if args.is(i, "right") { return false }
        return nil
    }
}
