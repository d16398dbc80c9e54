// LMPOP, ZMPOP and the blocking moves and pops: BLMOVE, BRPOPLPUSH, BLMPOP, BZPOPMIN,
// BZPOPMAX, BZMPOP (Redis 7.0 t_list.c, t_zset.c, blocked.c). A blocked client is served by
// handleClientsBlockedOnKeys once a key it waits on holds elements of its kind; a timeout
// answers a null array, as Redis 7.0 does for all of them.

extension Engine {
    // MARK: Arguments

    /// `numkeys key [key ...] FIRST|SECOND [COUNT count]` from `at`: the keys, whether the first
    /// word (LEFT or MIN) was given, and the count (1 by default); an error reply and nil.
    private func parseMultiPop(
        _ c: Client, _ args: Arguments, at: Int, first: StaticString, second: StaticString
    ) -> (keys: [Bytes], first: Bool, count: Int)? {
        guard let numkeys = Numbers.parseInteger(args[at]), numkeys > 0 else {
            c.addError("ERR numkeys should be greater than 0")
            return nil
        }
        guard numkeys < args.count - at - 1 else {
            c.addSyntaxError()
            return nil
        }
        let whereIndex = at + numkeys + 1
        let isFirst: Bool
        if args.is(whereIndex, first) {
            isFirst = true
        } else if args.is(whereIndex, second) {
            isFirst = false
        } else {
            c.addSyntaxError()
            return nil
        }
        var count = -1
        var j = whereIndex + 1
        while j < args.count {
            guard count == -1, args.is(j, "count"), j + 1 < args.count else {
                c.addSyntaxError()
                return nil
            }
            guard let n = Numbers.parseInteger(args[j + 1]), n > 0 else {
                c.addError("ERR count should be greater than 0")
                return nil
            }
            count = n
            j += 2
        }
        return ((at + 1..<whereIndex).map { args[$0] }, isFirst, count == -1 ? 1 : count)
    }

    // MARK: Serving

    /// The first of `keys` holding a non-empty list (`.some(nil)` when none); nil after a
    /// WRONGTYPE reply for a key before it that holds another type.
    private func firstNonEmptyList(_ c: Client, _ db: Database, _ keys: [Bytes]) -> (Bytes, ListValue)?? {
        for key in keys {
            switch findList(db, key) {
            case .wrongType:
                c.addWrongType()
                return nil
            case .missing: continue
            case .found(_, let list):
                if !list.isEmpty { return .some((key, list)) }
            }
        }
        return .some(nil)
    }

    private func firstNonEmptySortedSet(_ c: Client, _ db: Database, _ keys: [Bytes]) -> (Bytes, SortedSetValue)?? {
        for key in keys {
            switch findSortedSet(db, key) {
            case .wrongType:
                c.addWrongType()
                return nil
            case .missing: continue
            case .found(_, let zset):
                if !zset.isEmpty { return .some((key, zset)) }
            }
        }
        return .some(nil)
    }

    /// Pops up to `count` elements and replies `[key, [elements]]`.
    private func replyListPop(_ c: Client, _ db: Database, _ key: Bytes, _ list: ListValue, front: Bool, count: Int) {
        let n = min(count, list.count)
        c.addArrayHeader(2)
        c.addBulk(key)
        c.addArrayHeader(n)
        for _ in 0..<n { c.addBulk((front ? list.popFront() : list.popBack())!) }
    }

    /// Pops up to `count` members and replies `[key, [[member, score], ...]]`, or with
    /// `flat` (BZPOPMIN) `[key, member, score]`.
    private func replySortedSetPop(
        _ c: Client, _ key: Bytes, _ zset: SortedSetValue, max: Bool, count: Int, flat: Bool
    ) {
        let n = min(count, zset.count)
        c.addArrayHeader(flat ? 3 : 2)
        c.addBulk(key)
        if !flat { c.addArrayHeader(n) }
        for _ in 0..<n {
            let element = zset[max ? zset.count - 1 : 0]
            zset.remove(element.member)
            if !flat { c.addArrayHeader(2) }
            c.addBulk(element.member)
            c.addDouble(element.score)
        }
    }

    /// Deletes an emptied sorted set and signals the change.
    private func sortedSetElementsRemoved(_ db: Database, _ key: Bytes, _ zset: SortedSetValue) {
        if zset.isEmpty, let slot = db.slot(key) { db.delete(at: slot) }
        signalModifiedKey(db.id, key)
    }

    /// Serves one blocked client from `key` if it holds what the client waits for; false when
    /// it does not (the client keeps waiting).
    func serveBlocked(_ c: Client, _ b: BlockedState, _ db: Database, _ key: Bytes) -> Bool {
        if case .streamRead(_, _, _?) = b.operation {
            // XREADGROUP gives up when its stream is gone.
            let slot = db.slot(key)
            guard let slot, case .stream = db.value(at: slot) else {
                unblock(c, reply: false, error: "UNBLOCKED the stream key no longer exists")
                return true
            }
        }
        guard let slot = db.slot(key) else { return false }
        switch (db.value(at: slot), b.operation) {
        case (.list(let list), .pop(let front)):
            guard !list.isEmpty else { return false }
            let value = (front ? list.popFront() : list.popBack())!
            unblock(c, reply: false)
            c.addArrayHeader(2)
            c.addBulk(key)
            c.addBulk(value)
            blockedPopDone(db, key, list, front ? "lpop" : "rpop")
        case (.list(let list), .multiPop(let front, let count)):
            guard !list.isEmpty else { return false }
            unblock(c, reply: false)
            replyListPop(c, db, key, list, front: front, count: count)
            blockedPopDone(db, key, list, front ? "lpop" : "rpop")
        case (.list(let list), .move(let destination, let fromFront, let toFront)):
            guard !list.isEmpty else { return false }
            var target: ListValue?
            if let d = db.slot(destination) {
                guard case .list(let l) = db.value(at: d) else {
                    // Redis answers WRONGTYPE and leaves the source as it was.
                    unblock(c, reply: false)
                    c.addWrongType()
                    return true
                }
                target = l
            }
            let value = (fromFront ? list.popFront() : list.popBack())!
            unblock(c, reply: false)
            if target == nil {
                let created = ListValue()
                db.add(destination, .list(created))
                target = created
            }
            if toFront { target!.pushFront(value) } else { target!.pushBack(value) }
            signalKeyAsReady(db.id, destination)
            notification.suppressed = true
            signalModifiedKey(db.id, destination)
            notification.suppressed = false
            notifyKeyspaceEvent(.list, toFront ? "lpush" : "rpush", destination, db: db.id)
            c.addBulk(value)
            blockedPopDone(db, key, list, fromFront ? "lpop" : "rpop")
        case (.sortedSet(let zset), .zpop(let max)):
            guard !zset.isEmpty else { return false }
            unblock(c, reply: false)
            replySortedSetPop(c, key, zset, max: max, count: 1, flat: true)
            blockedPopDone(db, key, zset, max ? "zpopmax" : "zpopmin")
        case (.sortedSet(let zset), .zmultiPop(let max, let count)):
            guard !zset.isEmpty else { return false }
            unblock(c, reply: false)
            replySortedSetPop(c, key, zset, max: max, count: count, flat: false)
            blockedPopDone(db, key, zset, max ? "zpopmax" : "zpopmin")
        case (.stream(let stream), .streamRead(let ids, let count, let group)):
            return serveBlockedStream(c, stream, db, key, ids: ids, count: count, group: group)
        default:
            return false
        }
        return true
    }

    /// After a served pop: the event, and the key deleted (with `del`) when emptied. Redis does
    /// not signal the key again: the write that woke the client did.
    private func blockedPopDone(_ db: Database, _ key: Bytes, _ value: AnyObject, _ event: String) {
        let type: KeyspaceEvents = value is SortedSetValue ? .zset : .list
        notifyKeyspaceEvent(type, event, key, db: db.id)
        let empty = (value as? ListValue)?.isEmpty ?? (value as? SortedSetValue)?.isEmpty ?? false
        if empty, let slot = db.slot(key) {
            db.delete(at: slot)
            notifyKeyspaceEvent(.generic, "del", key, db: db.id)
        }
    }

    // MARK: Commands

    func lmpopCommand(_ c: Client, _ args: Arguments) {
        guard let (keys, front, count) = parseMultiPop(c, args, at: 1, first: "left", second: "right") else { return }
        let db = database(c)
        guard let found = firstNonEmptyList(c, db, keys) else { return }
        guard let (key, list) = found else { return c.addNullArray() }
        replyListPop(c, db, key, list, front: front, count: count)
        listElementsRemoved(db, key, list)
    }

    func blmpopCommand(_ c: Client, _ args: Arguments) {
        guard let deadline = parseTimeout(c, args[1]) else { return }
        guard let (keys, front, count) = parseMultiPop(c, args, at: 2, first: "left", second: "right") else { return }
        let db = database(c)
        guard let found = firstNonEmptyList(c, db, keys) else { return }
        if let (key, list) = found {
            replyListPop(c, db, key, list, front: front, count: count)
            return listElementsRemoved(db, key, list)
        }
        if c.denyBlocking { return c.addNullArray() }
        block(c, keys: keys, operation: .multiPop(front: front, count: count), deadline: deadline)
    }

    /// BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout.
    func blmoveCommand(_ c: Client, _ args: Arguments) {
        guard let from = listEnd(args, 3), let to = listEnd(args, 4) else { return c.addSyntaxError() }
        blockingMove(c, args, source: args[1], destination: args[2], fromFront: from, toFront: to, timeout: args[5])
    }

    /// BRPOPLPUSH source destination timeout.
    func brpoplpushCommand(_ c: Client, _ args: Arguments) {
        blockingMove(c, args, source: args[1], destination: args[2], fromFront: false, toFront: true, timeout: args[3])
    }

    private func blockingMove(
        _ c: Client, _ args: Arguments, source: Bytes, destination: Bytes, fromFront: Bool, toFront: Bool,
        timeout: Bytes
    ) {
        guard let deadline = parseTimeout(c, timeout) else { return }
        let db = database(c)
        switch findList(db, source) {
        case .wrongType: return c.addWrongType()
        case .found(_, let list) where !list.isEmpty:
            return moveGeneric(c, source: source, destination: destination, fromFront: fromFront, toFront: toFront)
        default: break
        }
        // Redis answers a null bulk string here, where the other blocking commands answer a
        // null array.
        if c.denyBlocking { return c.addNull() }
        block(
            c, keys: [source], operation: .move(destination: destination, fromFront: fromFront, toFront: toFront),
            deadline: deadline)
    }

    func zmpopCommand(_ c: Client, _ args: Arguments) {
        guard let (keys, min, count) = parseMultiPop(c, args, at: 1, first: "min", second: "max") else { return }
        let db = database(c)
        guard let found = firstNonEmptySortedSet(c, db, keys) else { return }
        guard let (key, zset) = found else { return c.addNullArray() }
        replySortedSetPop(c, key, zset, max: !min, count: count, flat: false)
        sortedSetElementsRemoved(db, key, zset)
    }

    func bzmpopCommand(_ c: Client, _ args: Arguments) {
        guard let deadline = parseTimeout(c, args[1]) else { return }
        guard let (keys, min, count) = parseMultiPop(c, args, at: 2, first: "min", second: "max") else { return }
        let db = database(c)
        guard let found = firstNonEmptySortedSet(c, db, keys) else { return }
        if let (key, zset) = found {
            replySortedSetPop(c, key, zset, max: !min, count: count, flat: false)
            return sortedSetElementsRemoved(db, key, zset)
        }
        if c.denyBlocking { return c.addNullArray() }
        block(c, keys: keys, operation: .zmultiPop(max: !min, count: count), deadline: deadline)
    }

    func bzpopminCommand(_ c: Client, _ args: Arguments) { blockingZpop(c, args, max: false) }
    func bzpopmaxCommand(_ c: Client, _ args: Arguments) { blockingZpop(c, args, max: true) }

    private func blockingZpop(_ c: Client, _ args: Arguments, max: Bool) {
        guard let deadline = parseTimeout(c, args[args.count - 1]) else { return }
        let db = database(c)
        let keys = (1..<(args.count - 1)).map { args[$0] }
        guard let found = firstNonEmptySortedSet(c, db, keys) else { return }
        if let (key, zset) = found {
            replySortedSetPop(c, key, zset, max: max, count: 1, flat: true)
            return sortedSetElementsRemoved(db, key, zset)
        }
        if c.denyBlocking { return c.addNullArray() }
        block(c, keys: keys, operation: .zpop(max: max), deadline: deadline)
    }
}
