// HyperLogLog: PFADD, PFCOUNT and PFMERGE over string values in Redis 7.0's format
// (hyperloglog.c; see ``HyperLogLog``), so counts, GET's bytes and the errors match Redis.

extension Engine {
    private static let notHyperLogLog = "WRONGTYPE Key is not a valid HyperLogLog string value."
    private static let corruptHyperLogLog = "INVALIDOBJ Corrupted HLL object detected"

    /// A key's HyperLogLog: `.missing`, `.found`, or `.wrongType` after an error reply (a
    /// non-string, or a string that is not a HyperLogLog).
    private func findHyperLogLog(_ c: Client, _ db: Database, _ key: Bytes) -> Found<Bytes> {
        switch findString(db, key) {
        case .missing: return .missing
        case .wrongType:
            c.addWrongType()
            return .wrongType
        case .found(let slot, let value):
            guard HyperLogLog.isValid(value) else {
                c.addError(Self.notHyperLogLog)
                return .wrongType
            }
            return .found(slot, value)
        }
    }

    /// Stores a changed HyperLogLog back (a raw string, as Redis' unshared value is).
    private func storeHyperLogLog(_ db: Database, _ slot: Int, _ value: Bytes) {
        db.replace(at: slot, with: .string(value), keepExpiry: true)
        db.modifyBookkeeping(at: slot) { $0.stringEncoding = .raw }
    }

    func pfaddCommand(_ c: Client, _ args: Arguments) {
        let db = database(c)
        let key = args[1]
        var value: Bytes
        var slot: Int
        var updated = 0
        switch findHyperLogLog(c, db, key) {
        case .wrongType: return
        case .missing:
            value = HyperLogLog.create()
            slot = db.add(key, .string([]))
            updated = 1
        case .found(let s, let v):
            value = v
            slot = s
            // Take the bytes out of the slot so the change does not copy them.
            db.replace(at: slot, with: .string([]), keepExpiry: true)
        }
        for j in 2..<args.count {
            switch HyperLogLog.add(&value, args[j], sparseMaxBytes: config.hllSparseMaxBytes) {
            case 1: updated += 1
            case -1:
                storeHyperLogLog(db, slot, value)
                return c.addError(Self.corruptHyperLogLog)
            default: break
            }
        }
        if updated > 0 { HyperLogLog.invalidateCache(&value) }
        storeHyperLogLog(db, slot, value)
        if updated > 0 {
            signalModifiedKey(db.id, key)
            notifyKeyspaceEvent(.string, "pfadd", key, db: db.id)
        }
        c.addInteger(updated > 0 ? 1 : 0)
    }

    func pfcountCommand(_ c: Client, _ args: Arguments) {
        let db = database(c)
        if args.count > 2 {
            var registers = [UInt8](repeating: 0, count: HyperLogLog.registerCount)
            for j in 1..<args.count {
                switch findHyperLogLog(c, db, args[j]) {
                case .wrongType: return
                case .missing: continue
                case .found(_, let value):
                    guard HyperLogLog.merge(into: &registers, value) else {
                        return c.addError(Self.corruptHyperLogLog)
                    }
                }
            }
            let count = HyperLogLog.estimate(HyperLogLog.histogram(registers: registers))
            return c.addInteger(Int(truncatingIfNeeded: count))
        }
        switch findHyperLogLog(c, db, args[1]) {
        case .wrongType: return
        case .missing: c.addInteger(0)
        case .found(let slot, var value):
            if let cached = HyperLogLog.cachedCardinality(value) {
                // Redis unshares the value even so: it is a raw string from now on.
                db.modifyBookkeeping(at: slot) { $0.stringEncoding = .raw }
                return c.addInteger(Int(truncatingIfNeeded: cached))
            }
            guard let histogram = HyperLogLog.histogram(value) else { return c.addError(Self.corruptHyperLogLog) }
            let count = HyperLogLog.estimate(histogram)
            db.replace(at: slot, with: .string([]), keepExpiry: true)
            HyperLogLog.storeCardinality(&value, count)
            storeHyperLogLog(db, slot, value)
            signalModifiedKey(db.id, args[1])
            c.addInteger(Int(truncatingIfNeeded: count))
        }
    }

    func pfmergeCommand(_ c: Client, _ args: Arguments) {
        let db = database(c)
        var registers = [UInt8](repeating: 0, count: HyperLogLog.registerCount)
        var useDense = false
        for j in 1..<args.count {
            switch findHyperLogLog(c, db, args[j]) {
            case .wrongType: return
            case .missing: continue
            case .found(_, let value):
                if value[4] == HyperLogLog.dense { useDense = true }
                guard HyperLogLog.merge(into: &registers, value) else {
                    return c.addError(Self.corruptHyperLogLog)
                }
            }
        }
        let key = args[1]
        var value: Bytes
        let slot: Int
        if let existing = lookupForWrite(db, key), case .string(let v) = db.value(at: existing) {
            value = v
            slot = existing
        } else {
            value = HyperLogLog.create()
            slot = db.add(key, .string([]))
        }
        if useDense && !HyperLogLog.sparseToDense(&value) {
            storeHyperLogLog(db, slot, value)
            return c.addError(Self.corruptHyperLogLog)
        }
        for r in 0..<HyperLogLog.registerCount where registers[r] != 0 {
            _ = HyperLogLog.set(&value, r, registers[r], sparseMaxBytes: config.hllSparseMaxBytes)
        }
        HyperLogLog.invalidateCache(&value)
        storeHyperLogLog(db, slot, value)
        signalModifiedKey(db.id, key)
        notifyKeyspaceEvent(.string, "pfadd", key, db: db.id)
        c.addOK()
    }
}

// PFDEBUG and PFSELFTEST: the introspection Redis' own HyperLogLog tests use.
extension Engine {
    /// PFDEBUG GETREG|DECODE|ENCODING|TODENSE key.
    func pfdebugCommand(_ c: Client, _ args: Arguments) {
        let db = database(c)
        let subcommand = args.string(1)
        guard let slot = lookup(db, args[2]) else { return c.addError("ERR The specified key does not exist") }
        guard case .string(var value) = db.value(at: slot) else { return c.addWrongType() }
        guard HyperLogLog.isValid(value) else { return c.addError(Self.notHyperLogLog) }
        // Redis unshares the value: a raw string from now on.
        db.modifyBookkeeping(at: slot) { $0.stringEncoding = .raw }
        func arityError() {
            c.addError("ERR Wrong number of arguments for the '\(subcommand)' subcommand")
        }
        if args.is(1, "getreg") {
            guard args.count == 3 else { return arityError() }
            if value[4] == HyperLogLog.sparse {
                guard HyperLogLog.sparseToDense(&value) else { return c.addError(Self.corruptHyperLogLog) }
                storeHyperLogLog(db, slot, value)
            }
            c.addArrayHeader(HyperLogLog.registerCount)
            for r in 0..<HyperLogLog.registerCount { c.addInteger(Int(HyperLogLog.denseRegister(value, r))) }
        } else if args.is(1, "decode") {
            guard args.count == 3 else { return arityError() }
            guard value[4] == HyperLogLog.sparse else { return c.addError("ERR HLL encoding is not sparse") }
            c.addBulk(HyperLogLog.describeSparse(value))
        } else if args.is(1, "encoding") {
            guard args.count == 3 else { return arityError() }
            c.addSimple(value[4] == HyperLogLog.dense ? "dense" : "sparse")
        } else if args.is(1, "todense") {
            guard args.count == 3 else { return arityError() }
            guard value[4] == HyperLogLog.sparse else { return c.addInteger(0) }
            guard HyperLogLog.sparseToDense(&value) else { return c.addError(Self.corruptHyperLogLog) }
            storeHyperLogLog(db, slot, value)
            c.addInteger(1)
        } else {
            c.addError("ERR Unknown PFDEBUG subcommand '\(subcommand)'")
        }
    }

    /// PFSELFTEST: checks the fake's own register access and that the sparse and dense forms
    /// agree, as Redis' self-test does for its implementation.
    func pfselftestCommand(_ c: Client, _ args: Arguments) {
        if let failure = HyperLogLog.selfTest(using: &rng) { return c.addError("TESTFAILED \(failure)") }
        c.addOK()
    }
}
