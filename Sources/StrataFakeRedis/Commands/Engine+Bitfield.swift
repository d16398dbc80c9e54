// BITFIELD and BITFIELD_RO (Redis 7.0 bitops.c): GET, SET and INCRBY on signed (i1...i64) and
// unsigned (u1...u63) fields at bit offsets (`#n` counts in fields), with OVERFLOW WRAP, SAT or
// FAIL, and Redis' own overflow arithmetic.

extension Engine {
    private struct BitfieldOperation {
        enum Kind { case get, set, incrby }
        var kind: Kind
        var signed: Bool
        var bits: Int
        var offset: Int
        var value: Int
        var overflow: Overflow
    }

    private enum Overflow { case wrap, sat, fail }

    func bitfieldCommand(_ c: Client, _ args: Arguments) { bitfieldGeneric(c, args, readOnly: false) }
    func bitfieldROCommand(_ c: Client, _ args: Arguments) { bitfieldGeneric(c, args, readOnly: true) }

    private func bitfieldGeneric(_ c: Client, _ args: Arguments, readOnly: Bool) {
        var operations: [BitfieldOperation] = []
        var overflow = Overflow.wrap
        var highestWrite = -1
        var j = 2
        while j < args.count {
            let remaining = args.count - j - 1
            let kind: BitfieldOperation.Kind
            if args.is(j, "get") && remaining >= 2 {
                kind = .get
            } else if args.is(j, "set") && remaining >= 3 {
                kind = .set
            } else if args.is(j, "incrby") && remaining >= 3 {
                kind = .incrby
            } else if args.is(j, "overflow") && remaining >= 1 {
                if args.is(j + 1, "wrap") {
                    overflow = .wrap
                } else if args.is(j + 1, "sat") {
                    overflow = .sat
                } else if args.is(j + 1, "fail") {
                    overflow = .fail
                } else {
                    return c.addError("ERR Invalid OVERFLOW type specified")
                }
                j += 2
                continue
            } else {
                return c.addSyntaxError()
            }
            // The type: i1...i64 or u1...u63.
            let type = args[j + 1]
            let signed = type.first == UInt8(ascii: "i")
            guard type.first == UInt8(ascii: "i") || type.first == UInt8(ascii: "u"),
                let bits = Numbers.parseInteger(Array(type.dropFirst())), bits >= 1, bits <= (signed ? 64 : 63)
            else {
                return c.addError(
                    "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.")
            }
            // The offset: bits, or with `#` fields of this type.
            var text = args[j + 2]
            let inFields = text.first == UInt8(ascii: "#")
            if inFields { text.removeFirst() }
            guard var offset = Numbers.parseInteger(text) else {
                return c.addError("ERR bit offset is not an integer or out of range")
            }
            if inFields {
                let (product, overflowed) = offset.multipliedReportingOverflow(by: bits)
                guard !overflowed else { return c.addError("ERR bit offset is not an integer or out of range") }
                offset = product
            }
            guard offset >= 0, offset >> 3 < maxStringLength else {
                return c.addError("ERR bit offset is not an integer or out of range")
            }
            var value = 0
            if kind != .get {
                guard let n = Numbers.parseInteger(args[j + 3]) else { return c.addNotInteger() }
                value = n
                highestWrite = max(highestWrite, offset + bits - 1)
            }
            operations.append(
                BitfieldOperation(
                    kind: kind, signed: signed, bits: bits, offset: offset, value: value, overflow: overflow))
            j += kind == .get ? 3 : 4
        }

        let db = database(c)
        var bytes: Bytes = []
        var slot: Int?
        // Only GETs: Redis looks the key up for reading (a miss says `keymiss`), as BITFIELD_RO.
        switch withReadLookups(highestWrite < 0, { findString(db, args[1]) }) {
        case .wrongType:
            return highestWrite >= 0 && readOnly
                ? c.addError("ERR BITFIELD_RO only supports the GET subcommand") : c.addWrongType()
        case .missing: break
        case .found(let s, let v):
            slot = s
            bytes = v
        }
        if highestWrite >= 0 {
            if readOnly { return c.addError("ERR BITFIELD_RO only supports the GET subcommand") }
            // Make room up to the farthest bit written, creating the key if needed.
            let needed = (highestWrite >> 3) + 1
            if bytes.count < needed { bytes.append(contentsOf: repeatElement(0, count: needed - bytes.count)) }
            if let s = slot { db.replace(at: s, with: .string([]), keepExpiry: true) }
        }

        c.addArrayHeader(operations.count)
        var changes = 0
        for op in operations {
            switch op.kind {
            case .get:
                let raw = Self.readBits(bytes, op.offset, op.bits)
                c.addInteger(op.signed ? Self.signExtend(raw, op.bits) : Int(raw))
            case .set, .incrby:
                let old = Self.readBits(bytes, op.offset, op.bits)
                let result: (reply: Int, stored: UInt64)?
                if op.signed {
                    let oldValue = Self.signExtend(old, op.bits)
                    if op.kind == .incrby {
                        let (overflowed, limited) = Self.signedOverflow(oldValue, op.value, op.bits, op.overflow)
                        let new = overflowed != 0 ? limited : oldValue &+ op.value
                        result = overflowed != 0 && op.overflow == .fail ? nil : (new, UInt64(bitPattern: Int64(new)))
                    } else {
                        let (overflowed, limited) = Self.signedOverflow(op.value, 0, op.bits, op.overflow)
                        let new = overflowed != 0 ? limited : op.value
                        result =
                            overflowed != 0 && op.overflow == .fail ? nil : (oldValue, UInt64(bitPattern: Int64(new)))
                    }
                } else {
                    if op.kind == .incrby {
                        let (overflowed, limited) = Self.unsignedOverflow(old, op.value, op.bits, op.overflow)
                        let new = overflowed != 0 ? limited : old &+ UInt64(bitPattern: Int64(op.value))
                        result = overflowed != 0 && op.overflow == .fail ? nil : (Int(bitPattern: UInt(new)), new)
                    } else {
                        let given = UInt64(bitPattern: Int64(op.value))
                        let (overflowed, limited) = Self.unsignedOverflow(given, 0, op.bits, op.overflow)
                        let new = overflowed != 0 ? limited : given
                        result = overflowed != 0 && op.overflow == .fail ? nil : (Int(old), new)
                    }
                }
                if let result {
                    c.addInteger(result.reply)
                    Self.writeBits(&bytes, op.offset, op.bits, result.stored)
                } else {
                    c.addNull()
                }
                changes += 1
            }
        }
        if highestWrite >= 0 {
            let stored = slot ?? db.add(args[1], .string([]))
            db.replace(at: stored, with: .string(bytes), keepExpiry: true)
            db.modifyBookkeeping(at: stored) { $0.stringEncoding = .raw }
            if changes > 0 { signalModifiedKey(db.id, args[1]) }
        }
    }

    /// `bits` bits from bit `offset`, most significant first; bits past the end are 0.
    private static func readBits(_ bytes: Bytes, _ offset: Int, _ bits: Int) -> UInt64 {
        var value: UInt64 = 0
        for i in 0..<bits {
            let bit = offset + i
            let byte = bit >> 3
            let set = byte < bytes.count && bytes[byte] & (UInt8(1) << UInt8(7 - (bit & 7))) != 0
            value = value << 1 | (set ? 1 : 0)
        }
        return value
    }

    private static func writeBits(_ bytes: inout Bytes, _ offset: Int, _ bits: Int, _ value: UInt64) {
        for i in 0..<bits {
            let bit = offset + i
            let mask = UInt8(1) << UInt8(7 - (bit & 7))
            if value & (UInt64(1) << UInt64(bits - 1 - i)) != 0 {
                bytes[bit >> 3] |= mask
            } else {
                bytes[bit >> 3] &= ~mask
            }
        }
    }

    private static func signExtend(_ raw: UInt64, _ bits: Int) -> Int {
        guard bits < 64, raw & (UInt64(1) << UInt64(bits - 1)) != 0 else { return Int(Int64(bitPattern: raw)) }
        return Int(Int64(bitPattern: raw | (UInt64.max << UInt64(bits))))
    }

    /// Redis' checkSignedBitfieldOverflow: 1 above, -1 below, 0 within; and the value to store
    /// instead (wrapped or saturated).
    private static func signedOverflow(_ value: Int, _ increment: Int, _ bits: Int, _ mode: Overflow) -> (Int, Int) {
        let maximum = bits == 64 ? Int.max : (1 << (bits - 1)) - 1
        let minimum = -maximum - 1
        let maxIncrement = maximum &- value
        let minIncrement = minimum &- value
        func wrapped() -> Int {
            var sum = UInt64(bitPattern: Int64(value)) &+ UInt64(bitPattern: Int64(increment))
            if bits < 64 {
                let mask = UInt64.max << UInt64(bits)
                if sum & (UInt64(1) << UInt64(bits - 1)) != 0 { sum |= mask } else { sum &= ~mask }
            }
            return Int(Int64(bitPattern: sum))
        }
        if value > maximum || (bits != 64 && increment > maxIncrement)
            || (value >= 0 && increment > 0 && increment > maxIncrement)
        {
            return (1, mode == .wrap ? wrapped() : maximum)
        }
        if value < minimum || (bits != 64 && increment < minIncrement)
            || (value < 0 && increment < 0 && increment < minIncrement)
        {
            return (-1, mode == .wrap ? wrapped() : minimum)
        }
        return (0, 0)
    }

    /// Redis' checkUnsignedBitfieldOverflow.
    private static func unsignedOverflow(_ value: UInt64, _ increment: Int, _ bits: Int, _ mode: Overflow)
        -> (Int, UInt64)
    {
        let maximum: UInt64 = bits == 64 ? UInt64.max : (UInt64(1) << UInt64(bits)) - 1
        let maxIncrement = Int64(bitPattern: maximum &- value)
        let minIncrement = Int64(bitPattern: 0 &- value)
        func wrapped() -> UInt64 {
            (value &+ UInt64(bitPattern: Int64(increment))) & ~(UInt64.max << UInt64(bits))
        }
        if value > maximum || (increment > 0 && Int64(increment) > maxIncrement) {
            return (1, mode == .wrap ? wrapped() : maximum)
        }
        if increment < 0 && Int64(increment) < minIncrement {
            return (-1, mode == .wrap ? wrapped() : 0)
        }
        return (0, 0)
    }
}
