// Bitmaps: SETBIT, GETBIT, BITCOUNT, BITPOS and BITOP over string values (Redis 7.0
// bitops.c). Bit 0 is the most significant bit of the first byte. BITFIELD is not served.

extension Engine {
    /// A bit offset as Redis' getBitOffsetFromArgument reads it: an integer >= 0 whose byte
    /// fits under `proto-max-bulk-len`; otherwise an error reply and nil.
    private func bitOffset(_ c: Client, _ bytes: Bytes) -> Int? {
        guard let n = Numbers.parseInteger(bytes), n >= 0, n >> 3 < maxStringLength else {
            c.addError("ERR bit offset is not an integer or out of range")
            return nil
        }
        return n
    }

    func setbitCommand(_ c: Client, _ args: Arguments) {
        guard let offset = bitOffset(c, args[2]) else { return }
        guard let on = Numbers.parseInteger(args[3]), on & ~1 == 0 else {
            return c.addError("ERR bit is not an integer or out of range")
        }
        let db = database(c)
        let key = args[1]
        var value: Bytes
        let slot: Int
        switch findString(db, key) {
        case .wrongType: return c.addWrongType()
        case .missing:
            value = []
            slot = db.add(key, .string([]))
        case .found(let s, let v):
            value = v
            slot = s
            // Take the bytes out of the slot so the change does not copy them.
            db.replace(at: slot, with: .string([]), keepExpiry: true)
        }
        let byte = offset >> 3
        if value.count <= byte { value.append(contentsOf: repeatElement(0, count: byte + 1 - value.count)) }
        let mask = UInt8(1) << UInt8(7 - (offset & 7))
        let old = value[byte] & mask != 0
        if on == 1 { value[byte] |= mask } else { value[byte] &= ~mask }
        db.replace(at: slot, with: .string(value), keepExpiry: true)
        db.modifyBookkeeping(at: slot) { $0.stringEncoding = .raw }
        signalModifiedKey(db.id, key)
        c.addInteger(old ? 1 : 0)
    }

    func getbitCommand(_ c: Client, _ args: Arguments) {
        guard let offset = bitOffset(c, args[2]) else { return }
        switch findString(database(c), args[1]) {
        case .wrongType: c.addWrongType()
        case .missing: c.addInteger(0)
        case .found(_, let value):
            let byte = offset >> 3
            guard byte < value.count else { return c.addInteger(0) }
            c.addInteger(value[byte] & (UInt8(1) << UInt8(7 - (offset & 7))) != 0 ? 1 : 0)
        }
    }

    /// Whether bit `i` (0: the first byte's most significant bit) is set.
    @inline(__always)
    private static func bit(_ value: Bytes, _ i: Int) -> Bool {
        value[i >> 3] & (UInt8(1) << UInt8(7 - (i & 7))) != 0
    }

    /// BITCOUNT and BITPOS's range: `start` and `end` (inclusive, negative from the end) in
    /// bytes or bits, as a range of bits, or nil when it is empty.
    private static func bitRange(start: Int, end: Int, length: Int, inBits: Bool) -> ClosedRange<Int>? {
        let total = inBits ? length * 8 : length
        var start = start
        var end = end
        if start < 0 { start = total &+ start }
        if end < 0 { end = total &+ end }
        if start < 0 { start = 0 }
        if end < 0 { end = 0 }
        if end >= total { end = total - 1 }
        guard start <= end else { return nil }
        return inBits ? start...end : (start * 8)...(end * 8 + 7)
    }

    /// The BYTE|BIT argument; replies a syntax error and returns nil for anything else.
    private func bitUnit(_ c: Client, _ args: Arguments, _ j: Int) -> Bool? {
        if args.is(j, "bit") { return true }
        if args.is(j, "byte") { return false }
        c.addSyntaxError()
        return nil
    }

    /// BITCOUNT key [start end [BYTE|BIT]]. Redis 7.0 looks the key up before it reads the
    /// range, so a missing key counts 0 whatever the range says.
    func bitcountCommand(_ c: Client, _ args: Arguments) {
        let value: Bytes
        switch findString(database(c), args[1]) {
        case .wrongType: return c.addWrongType()
        case .missing: return c.addInteger(0)
        case .found(_, let v): value = v
        }
        var range: ClosedRange<Int>?
        if args.count == 4 || args.count == 5 {
            guard let start = Numbers.parseInteger(args[2]), let end = Numbers.parseInteger(args[3]) else {
                return c.addNotInteger()
            }
            var inBits = false
            if args.count == 5 {
                guard let unit = bitUnit(c, args, 4) else { return }
                inBits = unit
            }
            if start < 0 && end < 0 && start > end { return c.addInteger(0) }
            range = Self.bitRange(start: start, end: end, length: value.count, inBits: inBits)
        } else if args.count == 2 {
            range = value.isEmpty ? nil : 0...(value.count * 8 - 1)
        } else {
            return c.addSyntaxError()
        }
        guard let range else { return c.addInteger(0) }
        var count = 0
        var i = range.lowerBound
        // Whole bytes at a time where the range covers them.
        while i <= range.upperBound {
            if i & 7 == 0 && i + 7 <= range.upperBound {
                count += value[i >> 3].nonzeroBitCount
                i += 8
            } else {
                if Self.bit(value, i) { count += 1 }
                i += 1
            }
        }
        c.addInteger(count)
    }

    /// BITPOS key bit [start [end [BYTE|BIT]]]: the first bit set to `bit` in the range. A
    /// missing key is all zeros; past the end of the value a 0 is found, unless an end was given.
    func bitposCommand(_ c: Client, _ args: Arguments) {
        guard let wanted = Numbers.parseInteger(args[2]) else { return c.addNotInteger() }
        guard wanted == 0 || wanted == 1 else { return c.addError("ERR The bit argument must be 1 or 0.") }
        let value: Bytes
        switch findString(database(c), args[1]) {
        case .wrongType: return c.addWrongType()
        case .missing: return c.addInteger(wanted == 1 ? -1 : 0)
        case .found(_, let v): value = v
        }
        var range: ClosedRange<Int>?
        var endGiven = false
        if args.count >= 4 && args.count <= 6 {
            guard let start = Numbers.parseInteger(args[3]) else { return c.addNotInteger() }
            var inBits = false
            if args.count == 6 {
                guard let unit = bitUnit(c, args, 5) else { return }
                inBits = unit
            }
            var end = inBits ? value.count * 8 - 1 : value.count - 1
            if args.count >= 5 {
                guard let given = Numbers.parseInteger(args[4]) else { return c.addNotInteger() }
                end = given
                endGiven = true
            }
            range = Self.bitRange(start: start, end: end, length: value.count, inBits: inBits)
        } else if args.count == 3 {
            range = value.isEmpty ? nil : 0...(value.count * 8 - 1)
        } else {
            return c.addSyntaxError()
        }
        guard let range else { return c.addInteger(-1) }
        let target = wanted == 1
        var i = range.lowerBound
        while i <= range.upperBound {
            if i & 7 == 0 && i + 7 <= range.upperBound && value[i >> 3] == (target ? 0x00 : 0xFF) {
                i += 8
                continue
            }
            if Self.bit(value, i) == target { return c.addInteger(i) }
            i += 1
        }
        // Looking for a 0: the bits past the value count as zeros, unless the range was closed
        // by the caller. Redis reports the first bit after the range's last byte.
        if !target && !endGiven { return c.addInteger((range.upperBound >> 3 + 1) * 8) }
        c.addInteger(-1)
    }

    /// BITOP AND|OR|XOR|NOT destkey key [key ...]: missing keys are empty strings, shorter
    /// values are padded with zeros; an empty result deletes the destination.
    func bitopCommand(_ c: Client, _ args: Arguments) {
        enum Operation { case and, or, xor, not }
        let operation: Operation
        if args.is(1, "and") {
            operation = .and
        } else if args.is(1, "or") {
            operation = .or
        } else if args.is(1, "xor") {
            operation = .xor
        } else if args.is(1, "not") {
            operation = .not
        } else {
            return c.addSyntaxError()
        }
        if operation == .not && args.count != 4 {
            return c.addError("ERR BITOP NOT must be called with a single source key.")
        }
        let db = database(c)
        var sources: [Bytes] = []
        for j in 3..<args.count {
            switch findString(db, args[j]) {
            case .wrongType: return c.addWrongType()
            case .missing: sources.append([])
            case .found(_, let v): sources.append(v)
            }
        }
        let length = sources.map(\.count).max() ?? 0
        let destination = args[2]
        guard length > 0 else {
            deleteKey(db, destination)
            return c.addInteger(0)
        }
        var result = Bytes(repeating: 0, count: length)
        for i in 0..<length {
            var byte: UInt8 = i < sources[0].count ? sources[0][i] : 0
            switch operation {
            case .not: byte = ~byte
            case .and: for s in sources.dropFirst() { byte &= i < s.count ? s[i] : 0 }
            case .or: for s in sources.dropFirst() { byte |= i < s.count ? s[i] : 0 }
            case .xor: for s in sources.dropFirst() { byte ^= i < s.count ? s[i] : 0 }
            }
            result[i] = byte
        }
        let slot = db.set(destination, .string(result))
        db.modifyBookkeeping(at: slot) { $0.stringEncoding = .raw }
        signalModifiedKey(db.id, destination)
        c.addInteger(length)
    }
}
