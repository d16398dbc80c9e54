// The fast path: complete, well-formed scalars (`+`, `:`, `$`) parsed in a
// tight loop without the general state machine. It accepts a subset of what
// the general path accepts and produces identical values; anything else
// (aggregates, partial input, anything unusual or malformed) is left to the
// general path, which also produces every error. The fuzzer's chunking oracle
// holds the two paths to the same results.

extension RESPParser {
    /// The longest simple string the fast path takes; longer ones go the general way.
    static let fastLineWindow = 256

    /// Parses the scalar at `start` if it is complete and simple, returning it and the index after it.
    @inline(__always)
    static func fastScalar(
        _ buf: UnsafeBufferPointer<UInt8>,
        at start: Int,
        limits: Limits,
        bulkOnly: Bool
    ) -> (RESPValue, Int)? {
        let end = buf.count
        guard start < end else { return nil }
        switch buf[start] {
        case RESPTypeIdentifier.bulkString.rawValue:
            guard let (length, payload) = fastBulk(buf, at: start, limits: limits) else { return nil }
            let bytes = Array(UnsafeBufferPointer(rebasing: buf[payload..<(payload + length)]))
            return (.bulkString(bytes), payload + length + 2)
        case RESPTypeIdentifier.integer.rawValue where !bulkOnly:
            var i = start + 1
            let negative = i < end && buf[i] == UInt8(ascii: "-")
            if negative { i += 1 }
            guard let (magnitude, next) = fastDecimal(buf, from: i) else { return nil }
            return (.integer(negative ? -magnitude : magnitude), next)
        case RESPTypeIdentifier.simpleString.rawValue where !bulkOnly:
            let limit = min(end - 1, start + 1 + min(fastLineWindow, limits.maxLineLength))
            var i = start + 1
            while i < limit {
                let byte = buf[i]
                if byte == 0x0D { break }
                if byte == 0x0A { return nil }
                i += 1
            }
            guard i < limit, buf[i + 1] == 0x0A else { return nil }
            if i == start + 3 && buf[start + 1] == UInt8(ascii: "O") && buf[start + 2] == UInt8(ascii: "K") {
                return (.simpleString("OK"), i + 2)  // the most common reply, without UTF-8 validation
            }
            let text = String(decoding: UnsafeBufferPointer(rebasing: buf[(start + 1)..<i]), as: UTF8.self)
            return (.simpleString(text), i + 2)
        default:
            return nil
        }
    }

    /// 1 to 18 decimal digits followed by CRLF: the value and the index after the CRLF.
    /// (18 digits cannot overflow; longer numbers go the general way.)
    @inline(__always)
    static func fastDecimal(_ buf: UnsafeBufferPointer<UInt8>, from: Int) -> (Int, Int)? {
        let end = buf.count
        var i = from
        var value = 0
        while i < end {
            let digit = buf[i] &- UInt8(ascii: "0")
            guard digit < 10 else { break }
            value = value &* 10 &+ Int(digit)
            i += 1
        }
        guard i > from, i - from <= 18, i + 1 < end, buf[i] == 0x0D, buf[i + 1] == 0x0A else { return nil }
        return (value, i + 2)
    }

    /// Fills the open array, set, push message or map with the complete scalars that follow.
    /// Returns whether that completed it.
    @inline(__always)
    mutating func fillScalars(_ buf: UnsafeBufferPointer<UInt8>) -> Bool {
        let top = stack.count - 1
        let kind = stack[top].kind
        guard kind == .array || kind == .set || kind == .push || kind == .map, stack[top].remaining > 0,
            stack[top].attribute == nil
        else { return false }
        let bulkOnly = mode == .commands
        let limits = self.limits
        var remaining = stack[top].remaining
        var i = readIndex
        var values: [RESPValue] = []
        swap(&values, &stack[top].values)
        while remaining > 0, i < buf.count {
            let first = buf[i]
            guard
                first == RESPTypeIdentifier.bulkString.rawValue || first == RESPTypeIdentifier.integer.rawValue
                    || first == RESPTypeIdentifier.simpleString.rawValue || first == RESPTypeIdentifier.null.rawValue
            else { break }
            // The shortest scalar, `+\r\n`, is 3 bytes: no more than this many can be here.
            let most = min(remaining, (buf.count - i) / 3, Self.maxEagerElements)
            guard most > 0 else { break }
            let taken = [RESPValue](unsafeUninitializedCapacity: most) { slots, initialized in
                initialized = Self.fastScalars(
                    buf, at: &i, into: slots.baseAddress!, upTo: most, limits: limits, bulkOnly: bulkOnly)
            }
            values.append(contentsOf: taken)
            remaining -= taken.count
            if taken.count < most { break }
        }
        swap(&values, &stack[top].values)
        stack[top].remaining = remaining
        readIndex = i
        return remaining == 0
    }
}

extension RESPParser {
    /// Parses an array, set, push message or map of `count` elements (pairs for a map) whose header
    /// ends at `readIndex`, taking as many complete scalars as follow. When they are all there, the
    /// aggregate comes out at once; otherwise a frame holding them is pushed and the general path
    /// goes on from there.
    ///
    /// The elements of an array, set or push message are parsed straight into an array of `count`
    /// slots. A map's keys and values are collected in `scratch` first, then paired up.
    ///
    /// (Arrays went through `scratch` too while each bulk string had an allocation of its own:
    /// allocated first, an array's storage of over 1 KiB made glibc merge every small chunk the
    /// previous reply freed (`malloc_consolidate`) and carve the elements from the merged chunk.
    /// Now that the bulk strings of an aggregate share one allocation, the order no longer matters,
    /// and the detour cost 900 instructions per array of 100.)
    mutating func parseScalarAggregate(
        _ buf: UnsafeBufferPointer<UInt8>,
        type: RESPTypeIdentifier,
        count: Int,
        start: Int
    ) throws(RESPProtocolError) -> Step {
        guard stack.count < limits.maxDepth else {
            throw RESPProtocolError(
                code: .nestingTooDeep, offset: base + start, detail: "more than \(limits.maxDepth) levels")
        }
        if type != .map {
            return try parseScalarList(buf, type: type, count: count, start: start)
        }
        let wanted = count * 2
        if scratch.count < wanted {
            scratch.append(contentsOf: repeatElement(RESPValue.null, count: wanted - scratch.count))
        }
        let bulkOnly = mode == .commands
        let limits = self.limits
        var i = readIndex
        let filled = scratch.withUnsafeMutableBufferPointer { slots in
            // Each slot holds `.null`, which owns nothing: initializing over it leaks nothing.
            Self.fastScalars(buf, at: &i, into: slots.baseAddress!, upTo: wanted, limits: limits, bulkOnly: bulkOnly)
        }
        readIndex = i
        if filled == wanted {
            let pairs = [(key: RESPValue, value: RESPValue)](unsafeUninitializedCapacity: count) { pairs, initialized in
                scratch.withUnsafeMutableBufferPointer { slots in
                    guard let from = slots.baseAddress, let to = pairs.baseAddress else { return }
                    for k in 0..<count {
                        (to + k).initialize(to: (key: (from + 2 * k).move(), value: (from + 2 * k + 1).move()))
                    }
                    from.initialize(repeating: .null, count: filled)
                }
                initialized = count
            }
            return .value(.map(pairs))
        }
        let elements = [RESPValue](unsafeUninitializedCapacity: wanted) { elements, initialized in
            scratch.withUnsafeMutableBufferPointer { slots in
                guard filled > 0, let from = slots.baseAddress, let to = elements.baseAddress else { return }
                to.moveInitialize(from: from, count: filled)
                from.initialize(repeating: .null, count: filled)
            }
            initialized = filled
        }
        // Part of the map is here: a frame holds the keys and values so far.
        var frame = Frame(kind: type, remaining: wanted - filled, offset: base + start)
        frame.values = elements
        stack.append(frame)
        return .proceed
    }

    /// ``parseScalarAggregate(_:type:count:start:)`` for an array, set or push message.
    private mutating func parseScalarList(
        _ buf: UnsafeBufferPointer<UInt8>,
        type: RESPTypeIdentifier,
        count: Int,
        start: Int
    ) throws(RESPProtocolError) -> Step {
        let bulkOnly = mode == .commands
        let limits = self.limits
        var i = readIndex
        let elements = [RESPValue](unsafeUninitializedCapacity: count) { elements, initialized in
            initialized = Self.fastScalars(
                buf, at: &i, into: elements.baseAddress!, upTo: count, limits: limits, bulkOnly: bulkOnly)
        }
        readIndex = i
        if elements.count == count {
            switch type {
            case .set: return .value(.set(elements))
            case .push: return .value(.push(elements))
            default: return .value(.array(elements))
            }
        }
        var frame = Frame(kind: type, remaining: count - elements.count, offset: base + start)
        frame.values = elements
        stack.append(frame)
        return .proceed
    }

    /// Initializes `slots` with the complete scalars from `i` on, at most `limit` of them, and
    /// moves `i` past them. Returns how many it took.
    ///
    /// In ``Mode/values`` the bulk strings among them share one array (see ``RESPBytes``): a first
    /// walk takes the other scalars and notes where each payload is, a second copies the payloads
    /// into one array of their total size, a third makes each bulk string a view of its part. Nulls
    /// (`$-1`, `_`) are taken here too, so the missing keys of an `MGET` do not split its bulk
    /// strings into several arrays. (In
    /// ``Mode/commands`` each argument keeps an array of its own: the fake server stores them.)
    @inline(__always)
    static func fastScalars(
        _ buf: UnsafeBufferPointer<UInt8>,
        at i: inout Int,
        into slots: UnsafeMutablePointer<RESPValue>,
        upTo limit: Int,
        limits: Limits,
        bulkOnly: Bool
    ) -> Int {
        guard limit > 0 else { return 0 }
        if bulkOnly {
            return fastSeparateScalars(buf, at: &i, into: slots, upTo: limit, limits: limits, bulkOnly: true)
        }
        // Two words for each of at most `maxEagerElements` slots (16 KiB): the stack holds them
        // when it has room.
        return withUnsafeTemporaryAllocation(of: UInt64.self, capacity: 2 * limit) { spans in
            sharedScalars(buf, at: &i, into: slots, upTo: limit, limits: limits, spans: spans.baseAddress!)
        }
    }

    /// ``fastScalars(_:at:into:upTo:limits:bulkOnly:)`` in ``Mode/values``, with room in `spans` for
    /// `2 * limit` words: where each bulk string's payload is, and its slot.
    @inline(__always)
    private static func sharedScalars(
        _ buf: UnsafeBufferPointer<UInt8>,
        at i: inout Int,
        into slots: UnsafeMutablePointer<RESPValue>,
        upTo limit: Int,
        limits: Limits,
        spans: UnsafeMutablePointer<UInt64>
    ) -> Int {
        // Walk 1: bulk string `b` is only measured: `spans[b]` is `payload - first << 32 | length`
        // and `spans[limit + b]` its slot. The other scalars, nulls included, are done.
        let first = i
        var j = i
        var n = 0
        var bulks = 0
        var total = 0
        while n < limit, j < buf.count {
            let type = buf[j]
            if type == RESPTypeIdentifier.bulkString.rawValue {
                if let (length, payload) = fastBulk(buf, at: j, limits: limits),
                    payload - first <= RESPBytes.maxSharedCount, length <= RESPBytes.maxSharedCount
                {
                    spans[bulks] =
                        UInt64(truncatingIfNeeded: payload - first) << 32 | UInt64(truncatingIfNeeded: length)
                    spans[limit + bulks] = UInt64(truncatingIfNeeded: n)
                    bulks += 1
                    total += length
                    j = payload + length + 2
                } else if buf.count - j >= 5, buf[j + 1] == UInt8(ascii: "-"), buf[j + 2] == UInt8(ascii: "1"),
                    buf[j + 3] == 0x0D, buf[j + 4] == 0x0A
                {
                    // `$-1`: a missing key in an MGET reply, say.
                    (slots + n).initialize(to: .nullBulkString)
                    j += 5
                } else {
                    break
                }
            } else if type == RESPTypeIdentifier.null.rawValue {
                guard buf.count - j >= 3, buf[j + 1] == 0x0D, buf[j + 2] == 0x0A else { break }
                (slots + n).initialize(to: .null)
                j += 3
            } else {
                guard let (value, next) = fastScalar(buf, at: j, limits: limits, bulkOnly: false) else { break }
                (slots + n).initialize(to: value)
                j = next
            }
            n += 1
        }
        i = j
        guard bulks > 0 else { return n }
        let from = buf.baseAddress! + first
        if bulks == 1 || total > RESPBytes.maxSharedCount {
            // Nothing to share (or too much for a view to address): an array each.
            for b in 0..<bulks {
                let bytes = UnsafeBufferPointer(
                    start: from + Int(truncatingIfNeeded: spans[b] >> 32),
                    count: Int(truncatingIfNeeded: spans[b] & 0xFFFF_FFFF))
                (slots + Int(truncatingIfNeeded: spans[limit + b])).initialize(to: .bulkString(RESPBytes(Array(bytes))))
            }
            return n
        }
        // Walk 2: the payloads, back to back, in one array.
        let storage = [UInt8](unsafeUninitializedCapacity: total) { bytes, initialized in
            var at = bytes.baseAddress!
            for b in 0..<bulks {
                let length = Int(truncatingIfNeeded: spans[b] & 0xFFFF_FFFF)
                at.initialize(from: from + Int(truncatingIfNeeded: spans[b] >> 32), count: length)
                at += length
            }
            initialized = total
        }
        // Walk 3: a view of its part for each bulk string.
        var offset = 0
        for b in 0..<bulks {
            let length = Int(truncatingIfNeeded: spans[b] & 0xFFFF_FFFF)
            let view = RESPBytes(shared: storage, start: offset, count: length)
            (slots + Int(truncatingIfNeeded: spans[limit + b])).initialize(to: .bulkString(view))
            offset += length
        }
        return n
    }

    /// A complete `$` header and payload at `start`, as ``fastScalar(_:at:limits:bulkOnly:)`` takes
    /// it: the length and the payload's index.
    @inline(__always)
    static func fastBulk(_ buf: UnsafeBufferPointer<UInt8>, at start: Int, limits: Limits) -> (Int, Int)? {
        guard let (length, payload) = fastDecimal(buf, from: start + 1), length <= limits.maxBulkLength,
            buf.count - payload >= length + 2, buf[payload + length] == 0x0D, buf[payload + length + 1] == 0x0A
        else { return nil }
        return (length, payload)
    }

    /// ``fastScalars(_:at:into:upTo:limits:bulkOnly:)`` with an array for each bulk string.
    @inline(__always)
    static func fastSeparateScalars(
        _ buf: UnsafeBufferPointer<UInt8>,
        at i: inout Int,
        into slots: UnsafeMutablePointer<RESPValue>,
        upTo limit: Int,
        limits: Limits,
        bulkOnly: Bool
    ) -> Int {
        var n = 0
        while n < limit, let (value, next) = fastScalar(buf, at: i, limits: limits, bulkOnly: bulkOnly) {
            (slots + n).initialize(to: value)
            i = next
            n += 1
        }
        return n
    }
}
