// BLPOP and BRPOP (Redis 7.0 blocked.c): a client waiting on empty keys stops processing its
// input; a push to one of its keys serves it (first come, first served) once the pushing
// command completes; a timer answers a null array when its timeout passes.

extension Engine {
    /// Redis' getTimeoutFromObjectOrReply for seconds: an absolute deadline in Unix
    /// milliseconds (0: forever), or an error reply and nil.
    func parseTimeout(_ c: Client, _ bytes: Bytes) -> Int? {
        guard let seconds = Numbers.parseLongDouble(bytes) else {
            c.addError("ERR timeout is not a float or out of range")
            return nil
        }
        let milliseconds = seconds * 1000
        guard milliseconds < Float80(Int.max) else {
            c.addError("ERR timeout is out of range")
            return nil
        }
        let value = Int((milliseconds).rounded(.up))
        guard value >= 0 else {
            c.addError("ERR timeout is negative")
            return nil
        }
        if value == 0 { return 0 }
        guard value <= Int.max - commandTime else {
            c.addError("ERR timeout is out of range")
            return nil
        }
        return value + commandTime
    }

    private func blockingPop(_ c: Client, _ args: Arguments, front: Bool) {
        guard let deadline = parseTimeout(c, args[args.count - 1]) else { return }
        let db = database(c)
        let keys = (1..<(args.count - 1)).map { args[$0] }
        for key in keys {
            switch findList(db, key) {
            case .wrongType: return c.addWrongType()
            case .missing: continue
            case .found(_, let list):
                guard !list.isEmpty else { continue }
                c.addArrayHeader(2)
                c.addBulk(key)
                c.addBulk((front ? list.popFront() : list.popBack())!)
                listElementsRemoved(db, key, list)
                return
            }
        }
        if c.denyBlocking { return c.addNullArray() }
        block(c, keys: keys, front: front, deadline: deadline)
    }

    func blpopCommand(_ c: Client, _ args: Arguments) { blockingPop(c, args, front: true) }
    func brpopCommand(_ c: Client, _ args: Arguments) { blockingPop(c, args, front: false) }

    private func block(_ c: Client, keys: [Bytes], front: Bool, deadline: Int) {
        var unique: [Bytes] = []
        for key in keys where !unique.contains(key) { unique.append(key) }
        c.delayGeneration += 1
        let generation = c.delayGeneration
        c.blocked = BlockedState(keys: unique, db: c.db, popFront: front, deadline: deadline, generation: generation)
        blockedClientCount += 1
        for key in unique {
            blockedOn[DatabaseKey(db: c.db, key: key), default: []].append(c)
        }
        if deadline > 0 {
            let wait = UInt64(max(0, deadline - commandTime)) * 1_000_000
            timers.schedule(
                at: Clock.monotonicNanoseconds() + wait, .blockTimeout(client: c.id, generation: generation))
        }
    }

    /// Ends a client's wait: with a timeout reply (`reply`), or silently (served or closing).
    /// Its buffered input is processed again before the loop sleeps.
    func unblock(_ c: Client, reply: Bool, error: String? = nil) {
        guard let b = c.blocked else { return }
        c.blocked = nil
        blockedClientCount -= 1
        for key in b.keys {
            let dk = DatabaseKey(db: b.db, key: key)
            guard var waiting = blockedOn[dk] else { continue }
            waiting.removeAll { $0 === c }
            blockedOn[dk] = waiting.isEmpty ? nil : waiting
        }
        if let error {
            c.addError(error)
        } else if reply {
            c.addNullArray()
        }
        if !c.closing {
            resumeQueue.append(c)
            queueWrite(c)
        }
    }

    /// Serves clients blocked on keys that got elements (Redis' handleClientsBlockedOnKeys).
    func handleClientsBlockedOnKeys() {
        while !readyKeys.isEmpty {
            let ready = readyKeys
            readyKeys.removeAll()
            readySet.removeAll()
            for dk in ready {
                guard let waiting = blockedOn[dk] else { continue }
                let db = databases[dk.db]
                for c in waiting {
                    guard case .found(_, let list) = findList(db, dk.key), !list.isEmpty else { break }
                    guard let b = c.blocked else { continue }
                    let value = (b.popFront ? list.popFront() : list.popBack())!
                    unblock(c, reply: false)
                    c.addArrayHeader(2)
                    c.addBulk(dk.key)
                    c.addBulk(value)
                    c.commandsProcessed += 1
                    if list.isEmpty, let slot = db.slot(dk.key) { db.delete(at: slot) }
                    queueWrite(c)
                }
            }
        }
    }
}
