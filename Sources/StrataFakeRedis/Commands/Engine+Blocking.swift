// BLPOP and BRPOP (Redis 7.0 blocked.c): a client waiting on empty keys stops processing its
// input; a push to one of its keys serves it (first come, first served) once the pushing
// command completes; a timer answers a null array when its timeout passes.

extension Engine {
    /// Redis 7.0's getTimeoutFromObjectOrReply for seconds: an absolute deadline in Unix
    /// milliseconds (0: forever), or an error reply and nil.
    ///
    /// As in Redis, the seconds are a long double, and the milliseconds are what C's cast to
    /// `long long` makes of `ceill(seconds * 1000)` on x86-64: rounded up (so `0.0001` and
    /// `0.001`, which a long double holds as a hair less, mean 1 ms, and `-0.0009` means 0,
    /// forever), and Int64.min, "timeout is negative", for inf, -inf or anything outside Int64.
    /// A deadline past Int64.max (Redis 7.0 overflows there) waits forever too.
    func parseTimeout(_ c: Client, _ bytes: Bytes) -> Int? {
        guard let seconds = Numbers.parseLongDouble(bytes) else {
            c.addError("ERR timeout is not a float or out of range")
            return nil
        }
        let milliseconds = Numbers.truncatedToInt64((seconds * 1000).rounded(.up))
        guard milliseconds >= 0 else {
            c.addError("ERR timeout is negative")
            return nil
        }
        if milliseconds == 0 { return 0 }
        let (deadline, overflow) = milliseconds.addingReportingOverflow(commandTime)
        return overflow ? 0 : deadline
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
        block(c, keys: keys, operation: .pop(front: front), deadline: deadline)
    }

    func blpopCommand(_ c: Client, _ args: Arguments) { blockingPop(c, args, front: true) }
    func brpopCommand(_ c: Client, _ args: Arguments) { blockingPop(c, args, front: false) }

    func block(_ c: Client, keys: [Bytes], operation: BlockedOperation, deadline: Int) {
        var unique: [Bytes] = []
        for key in keys where !unique.contains(key) { unique.append(key) }
        c.delayGeneration += 1
        let generation = c.delayGeneration
        c.blocked = BlockedState(
            keys: unique, db: c.db, operation: operation, deadline: deadline, generation: generation)
        blockedClientCount += 1
        for key in unique {
            blockedOn[DatabaseKey(db: c.db, key: key), default: []].append(c)
        }
        if deadline > 0 {
            // A wait beyond what the monotonic clock can count in nanoseconds (centuries) needs
            // no timer.
            let (wait, overflow) = UInt64(max(0, deadline &- commandTime)).multipliedReportingOverflow(by: 1_000_000)
            let (at, late) = Clock.monotonicNanoseconds().addingReportingOverflow(wait)
            if !overflow && !late { timers.schedule(at: at, .blockTimeout(client: c.id, generation: generation)) }
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
        if let blocked = c.blockedCommand {
            c.blockedCommand = nil
            // Served: counted and logged as a call; timed out or unblocked: only counted.
            if !c.closing {
                recordCall(
                    c, blocked.spec, blocked.arguments, nanoseconds: blocked.nanoseconds,
                    served: !reply && error == nil)
            }
        }
        if !c.closing {
            resumeQueue.append(c)
            queueWrite(c)
        }
    }

    /// Serves clients blocked on keys that got elements (Redis' handleClientsBlockedOnKeys):
    /// first come, first served, while the key has elements of the kind each client waits for.
    func handleClientsBlockedOnKeys() {
        while !readyKeys.isEmpty {
            let ready = readyKeys
            readyKeys.removeAll()
            readySet.removeAll()
            for dk in ready {
                guard let waiting = blockedOn[dk] else { continue }
                let db = databases[dk.db]
                db.now = commandTime
                for c in waiting {
                    guard let b = c.blocked else { continue }
                    if !serveBlocked(c, b, db, dk.key) { continue }
                    c.commandsProcessed += 1
                    queueWrite(c)
                }
            }
        }
    }
}
