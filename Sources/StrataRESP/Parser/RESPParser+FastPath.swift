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
            guard let (length, payload) = fastDecimal(buf, from: start + 1), length <= limits.maxBulkLength,
                end - payload >= length + 2, buf[payload + length] == 0x0D, buf[payload + length + 1] == 0x0A
            else { return nil }
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

    /// Fills the open array, set or push message with the complete scalars that follow.
    /// Returns whether that completed it.
    @inline(__always)
    mutating func fillScalars(_ buf: UnsafeBufferPointer<UInt8>) -> Bool {
        let top = stack.count - 1
        let kind = stack[top].kind
        guard kind == .array || kind == .set || kind == .push || kind == .map, stack[top].remaining > 0,
            stack[top].attribute == nil
        else { return false }
        let bulkOnly = mode == .commands
        var remaining = stack[top].remaining
        var i = readIndex
        var values: [RESPValue] = []
        swap(&values, &stack[top].values)
        while remaining > 0, let (value, next) = Self.fastScalar(buf, at: i, limits: limits, bulkOnly: bulkOnly) {
            values.append(value)
            i = next
            remaining -= 1
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
    /// The elements are collected in `scratch` and moved into an exact-size array afterwards, so the
    /// aggregate's storage is allocated after its elements. In the other order, glibc serves the
    /// storage (over 1 KiB, a "large" request) only after merging every small chunk the previous
    /// reply freed (`malloc_consolidate`), and then carves each element from the merged chunk
    /// instead of taking it from its per-size cache: that made arrays slower than hiredis.
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
        let wanted = type == .map ? count * 2 : count
        if type != .map && wanted <= Self.maxDirectElements {
            return try parseSmallScalarAggregate(buf, type: type, count: count, start: start)
        }
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
        if type == .map && filled == wanted {
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
        if filled == wanted {
            switch type {
            case .set: return .value(.set(elements))
            case .push: return .value(.push(elements))
            default: return .value(.array(elements))
            }
        }
        var frame = Frame(kind: type, remaining: wanted - filled, offset: base + start)
        frame.values = elements
        stack.append(frame)
        return .proceed
    }

    /// Aggregates up to this many elements are parsed straight into their own storage: it is small
    /// enough (under 1 KiB) for glibc to serve from its per-size caches in any order, so the detour
    /// through `scratch` would only cost a move.
    static let maxDirectElements = 32

    /// ``parseScalarAggregate(_:type:count:start:)`` for an array, set or push message of at most
    /// ``maxDirectElements`` elements.
    private mutating func parseSmallScalarAggregate(
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
    @inline(__always)
    static func fastScalars(
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
