// Strings: GET, SET and friends, counters, ranges. Semantics and error texts follow Redis 7.0
// (t_string.c).

extension Engine {
    /// The longest string APPEND and SETRANGE may make: Redis' `proto-max-bulk-len`, the same
    /// limit as for a bulk string in a request (512 MiB unless configured).
    var maxStringLength: Int { settings.parserLimits.maxBulkLength }

    /// The options SET and GETEX take (Redis' parseExtendedStringArgumentsOrReply).
    struct StringOptions: OptionSet {
        let rawValue: Int
        static let nx = StringOptions(rawValue: 1 << 0)
        static let xx = StringOptions(rawValue: 1 << 1)
        static let ex = StringOptions(rawValue: 1 << 2)
        static let px = StringOptions(rawValue: 1 << 3)
        static let keepTTL = StringOptions(rawValue: 1 << 4)
        static let get = StringOptions(rawValue: 1 << 5)
        static let exat = StringOptions(rawValue: 1 << 6)
        static let pxat = StringOptions(rawValue: 1 << 7)
        static let persist = StringOptions(rawValue: 1 << 8)
        static let anyExpiry: StringOptions = [.ex, .px, .exat, .pxat]
    }

    /// Parses SET (`forSet`) or GETEX options from `start`; replies a syntax error and returns nil.
    func parseStringOptions(
        _ c: Client, _ args: Arguments, from start: Int, forSet: Bool
    ) -> (StringOptions, Bytes?)? {
        var flags: StringOptions = []
        var expire: Bytes?
        var j = start
        while j < args.count {
            let hasNext = j + 1 < args.count
            if forSet && args.is(j, "nx") && !flags.contains(.xx) {
                flags.insert(.nx)
            } else if forSet && args.is(j, "xx") && !flags.contains(.nx) {
                flags.insert(.xx)
            } else if forSet && args.is(j, "get") {
                flags.insert(.get)
            } else if forSet && args.is(j, "keepttl") && flags.isDisjoint(with: [.persist, .ex, .exat, .px, .pxat]) {
                flags.insert(.keepTTL)
            } else if !forSet && args.is(j, "persist") && flags.isDisjoint(with: [.ex, .exat, .px, .pxat, .keepTTL]) {
                flags.insert(.persist)
            } else if hasNext && args.is(j, "ex") && flags.isDisjoint(with: [.keepTTL, .persist, .exat, .px, .pxat]) {
                flags.insert(.ex)
                expire = args[j + 1]
                j += 1
            } else if hasNext && args.is(j, "px") && flags.isDisjoint(with: [.keepTTL, .persist, .ex, .exat, .pxat]) {
                flags.insert(.px)
                expire = args[j + 1]
                j += 1
            } else if hasNext && args.is(j, "exat") && flags.isDisjoint(with: [.keepTTL, .persist, .ex, .px, .pxat]) {
                flags.insert(.exat)
                expire = args[j + 1]
                j += 1
            } else if hasNext && args.is(j, "pxat") && flags.isDisjoint(with: [.keepTTL, .persist, .ex, .exat, .px]) {
                flags.insert(.pxat)
                expire = args[j + 1]
                j += 1
            } else {
                c.addSyntaxError()
                return nil
            }
            j += 1
        }
        return (flags, expire)
    }

    /// An expiry argument as an absolute time in Unix milliseconds, or an error reply and nil.
    func expireMilliseconds(_ c: Client, _ value: Bytes, _ flags: StringOptions, command: String) -> Int? {
        guard var ms = Numbers.parseInteger(value) else {
            c.addNotInteger()
            return nil
        }
        let seconds = flags.contains(.ex) || flags.contains(.exat)
        if ms <= 0 || (seconds && ms > Int.max / 1000) {
            c.addError("ERR invalid expire time in '\(command)' command")
            return nil
        }
        if seconds { ms *= 1000 }
        if flags.contains(.ex) || flags.contains(.px) {
            let (sum, overflow) = ms.addingReportingOverflow(commandTime)
            ms = overflow ? -1 : sum
        }
        if ms <= 0 {
            c.addError("ERR invalid expire time in '\(command)' command")
            return nil
        }
        return ms
    }

    /// Stores a string and signals the change (Redis' setKey).
    func setString(_ db: Database, _ key: Bytes, _ value: Bytes, keepTTL: Bool = false) {
        db.set(key, .string(value), keepExpiry: keepTTL)
        signalModifiedKey(db.id, key)
    }

    /// SET and its variants (Redis' setGenericCommand).
    func setGeneric(
        _ c: Client, flags: StringOptions, key: Bytes, value: Bytes, expire: Bytes?, command: String,
        okReply: Bytes? = nil, abortReply: Bytes? = nil
    ) {
        var expireAt = 0
        if let expire {
            guard let ms = expireMilliseconds(c, expire, flags, command: command) else { return }
            expireAt = ms
        }
        let db = database(c)
        if flags.contains(.get) {
            // SET ... GET reads the old value as GET does (Redis' getGenericCommand).
            switch withReadLookups(true, { findString(db, key) }) {
            case .wrongType:
                c.addWrongType()
                return
            case .missing: c.addNull()
            case .found(_, let old): c.addBulk(old)
            }
        }
        let found = lookup(db, key) != nil
        if (flags.contains(.nx) && found) || (flags.contains(.xx) && !found) {
            if !flags.contains(.get) {
                if let abortReply { c.addRaw(abortReply) } else { c.addNull() }
            }
            return
        }
        let slot = db.set(key, .string(value), keepExpiry: flags.contains(.keepTTL))
        signalModifiedKey(db.id, key)
        if expire != nil { db.setExpiry(at: slot, expireAt) }
        if !flags.contains(.get) { c.addRaw(okReply ?? SharedReply.ok) }
    }

    func getCommand(_ c: Client, _ args: Arguments) {
        let db = database(c)
        guard let slot = lookup(db, args[1]) else {
            c.addNull()
            return
        }
        guard case .string(let value) = db.value(at: slot) else {
            c.addWrongType()
            return
        }
        c.addBulk(value)
    }

    func setCommand(_ c: Client, _ args: Arguments) {
        if args.count == 3 {
            // The common case, without option parsing.
            let db = database(c)
            db.set(args[1], .string(args[2]))
            signalModifiedKey(db.id, args[1])
            c.addOK()
            return
        }
        guard let (flags, expire) = parseStringOptions(c, args, from: 3, forSet: true) else { return }
        setGeneric(c, flags: flags, key: args[1], value: args[2], expire: expire, command: "set")
    }

    func setnxCommand(_ c: Client, _ args: Arguments) {
        setGeneric(
            c, flags: .nx, key: args[1], value: args[2], expire: nil, command: "setnx",
            okReply: SharedReply.one, abortReply: SharedReply.zero)
    }

    func setexCommand(_ c: Client, _ args: Arguments) {
        setGeneric(c, flags: .ex, key: args[1], value: args[3], expire: args[2], command: "setex")
    }

    func psetexCommand(_ c: Client, _ args: Arguments) {
        setGeneric(c, flags: .px, key: args[1], value: args[3], expire: args[2], command: "psetex")
    }

    func getsetCommand(_ c: Client, _ args: Arguments) {
        let db = database(c)
        switch findString(db, args[1]) {
        case .wrongType:
            c.addWrongType()
            return
        case .missing: c.addNull()
        case .found(_, let old): c.addBulk(old)
        }
        setString(db, args[1], args[2])
    }

    func getdelCommand(_ c: Client, _ args: Arguments) {
        let db = database(c)
        switch findString(db, args[1]) {
        case .wrongType: c.addWrongType()
        case .missing: c.addNull()
        case .found(let slot, let value):
            c.addBulk(value)
            db.delete(at: slot)
            signalModifiedKey(db.id, args[1])
        }
    }

    func getexCommand(_ c: Client, _ args: Arguments) {
        guard let (flags, expire) = parseStringOptions(c, args, from: 2, forSet: false) else { return }
        let db = database(c)
        let key = args[1]
        switch findString(db, key) {
        case .wrongType: c.addWrongType()
        case .missing: c.addNull()
        case .found(let slot, let value):
            var expireAt = 0
            if let expire {
                guard let ms = expireMilliseconds(c, expire, flags, command: "getex") else { return }
                expireAt = ms
            }
            c.addBulk(value)
            if (flags.contains(.exat) || flags.contains(.pxat)) && expireAt <= commandTime {
                db.delete(at: slot)
                signalModifiedKey(db.id, key)
            } else if expire != nil {
                db.setExpiry(at: slot, expireAt)
                signalModifiedKey(db.id, key)
            } else if flags.contains(.persist) {
                if db.removeExpiry(at: slot) { signalModifiedKey(db.id, key) }
            }
        }
    }

    func mgetCommand(_ c: Client, _ args: Arguments) {
        let db = database(c)
        let start = c.out.buffer.count
        c.addArrayHeader(args.count - 1)
        for i in 1..<args.count {
            if let slot = lookup(db, args[i]), case .string(let value) = db.value(at: slot) {
                c.addBulk(value)
                // One big value named many times would make a reply far larger than the request.
                if replyPassedLimit(c, since: start) { return }
            } else {
                c.addNull()
            }
        }
    }

    func msetCommand(_ c: Client, _ args: Arguments) {
        msetGeneric(c, args, nx: false)
    }

    func msetnxCommand(_ c: Client, _ args: Arguments) {
        msetGeneric(c, args, nx: true)
    }

    private func msetGeneric(_ c: Client, _ args: Arguments, nx: Bool) {
        guard args.count % 2 == 1 else {
            c.addError("ERR wrong number of arguments for '\(nx ? "msetnx" : "mset")' command")
            return
        }
        let db = database(c)
        if nx {
            for j in stride(from: 1, to: args.count, by: 2) where lookup(db, args[j]) != nil {
                c.addInteger(0)
                return
            }
        }
        for j in stride(from: 1, to: args.count, by: 2) {
            setString(db, args[j], args[j + 1])
        }
        if nx { c.addInteger(1) } else { c.addOK() }
    }

    func incrCommand(_ c: Client, _ args: Arguments) { incrDecr(c, args[1], by: 1) }
    func decrCommand(_ c: Client, _ args: Arguments) { incrDecr(c, args[1], by: -1) }

    func incrbyCommand(_ c: Client, _ args: Arguments) {
        guard let increment = Numbers.parseInteger(args[2]) else { return c.addNotInteger() }
        incrDecr(c, args[1], by: increment)
    }

    func decrbyCommand(_ c: Client, _ args: Arguments) {
        guard let decrement = Numbers.parseInteger(args[2]) else { return c.addNotInteger() }
        guard decrement != Int.min else { return c.addError("ERR decrement would overflow") }
        incrDecr(c, args[1], by: -decrement)
    }

    private func incrDecr(_ c: Client, _ key: Bytes, by increment: Int) {
        let db = database(c)
        var current = 0
        let slot: Int?
        switch findString(db, key) {
        case .wrongType: return c.addWrongType()
        case .missing: slot = nil
        case .found(let s, let bytes):
            guard let value = Numbers.parseInteger(bytes) else { return c.addNotInteger() }
            current = value
            slot = s
        }
        let (result, overflow) = current.addingReportingOverflow(increment)
        guard !overflow else { return c.addError("ERR increment or decrement would overflow") }
        let bytes = Numbers.bytes(result)
        if let slot {
            db.replace(at: slot, with: .string(bytes), keepExpiry: true)
        } else {
            db.add(key, .string(bytes))
        }
        signalModifiedKey(db.id, key)
        c.addInteger(result)
    }

    func incrbyfloatCommand(_ c: Client, _ args: Arguments) {
        let db = database(c)
        let key = args[1]
        var current: Float80 = 0
        var slot: Int?
        switch findString(db, key) {
        case .wrongType: return c.addWrongType()
        case .missing: break
        case .found(let s, let bytes):
            guard let value = Numbers.parseLongDouble(bytes) else {
                return c.addError("ERR value is not a valid float")
            }
            current = value
            slot = s
        }
        guard let increment = Numbers.parseLongDouble(args[2]) else {
            return c.addError("ERR value is not a valid float")
        }
        let result = current + increment
        guard let text = Numbers.formatLongDouble(result) else {
            return c.addError("ERR increment would produce NaN or Infinity")
        }
        let bytes = Array(text.utf8)
        if let slot {
            db.replace(at: slot, with: .string(bytes), keepExpiry: true)
            db.modifyBookkeeping(at: slot) { $0.stringEncoding = .notInteger }
        } else {
            let slot = db.add(key, .string(bytes))
            db.modifyBookkeeping(at: slot) { $0.stringEncoding = .notInteger }
        }
        signalModifiedKey(db.id, key)
        c.addBulk(bytes)
    }

    func appendCommand(_ c: Client, _ args: Arguments) {
        let db = database(c)
        let key = args[1]
        switch findString(db, key) {
        case .wrongType: c.addWrongType()
        case .missing:
            db.add(key, .string(args[2]))
            signalModifiedKey(db.id, key)
            c.addInteger(args[2].count)
        case .found(let slot, var value):
            guard value.count + args[2].count <= maxStringLength else {
                return c.addError("ERR string exceeds maximum allowed size (proto-max-bulk-len)")
            }
            // Take the bytes out of the slot so the append does not copy them.
            db.replace(at: slot, with: .string([]), keepExpiry: true)
            value.append(contentsOf: args[2])
            let count = value.count
            db.replace(at: slot, with: .string(value), keepExpiry: true)
            db.modifyBookkeeping(at: slot) { $0.stringEncoding = .raw }
            signalModifiedKey(db.id, key)
            c.addInteger(count)
        }
    }

    func strlenCommand(_ c: Client, _ args: Arguments) {
        switch findString(database(c), args[1]) {
        case .wrongType: c.addWrongType()
        case .missing: c.addInteger(0)
        case .found(_, let value): c.addInteger(value.count)
        }
    }

    func getrangeCommand(_ c: Client, _ args: Arguments) {
        guard var start = Numbers.parseInteger(args[2]), var end = Numbers.parseInteger(args[3]) else {
            return c.addNotInteger()
        }
        let value: Bytes
        switch findString(database(c), args[1]) {
        case .wrongType: return c.addWrongType()
        case .missing: return c.addBulk([])
        case .found(_, let v): value = v
        }
        let length = value.count
        if start < 0 && end < 0 && start > end { return c.addBulk([]) }
        if start < 0 { start = length + start }
        if end < 0 { end = length + end }
        if start < 0 { start = 0 }
        if end < 0 { end = 0 }
        if end >= length { end = length - 1 }
        if start > end || length == 0 { return c.addBulk([]) }
        c.addBulk(Array(value[start...end]))
    }

    func setrangeCommand(_ c: Client, _ args: Arguments) {
        guard let offset = Numbers.parseInteger(args[2]) else { return c.addNotInteger() }
        guard offset >= 0 else { return c.addError("ERR offset is out of range") }
        let patch = args[3]
        let db = database(c)
        let key = args[1]
        var value: Bytes
        var slot: Int?
        switch findString(db, key) {
        case .wrongType: return c.addWrongType()
        case .missing:
            if patch.isEmpty { return c.addInteger(0) }
            value = []
        case .found(let s, let v):
            if patch.isEmpty { return c.addInteger(v.count) }
            value = v
            slot = s
        }
        guard offset <= maxStringLength - patch.count else {
            return c.addError("ERR string exceeds maximum allowed size (proto-max-bulk-len)")
        }
        if let slot { db.replace(at: slot, with: .string([]), keepExpiry: true) }
        if value.count < offset + patch.count {
            value.append(contentsOf: repeatElement(0, count: offset + patch.count - value.count))
        }
        value.replaceSubrange(offset..<(offset + patch.count), with: patch)
        let count = value.count
        let stored = slot ?? db.add(key, .string([]))
        db.replace(at: stored, with: .string(value), keepExpiry: true)
        db.modifyBookkeeping(at: stored) { $0.stringEncoding = .raw }
        signalModifiedKey(db.id, key)
        c.addInteger(count)
    }
}
