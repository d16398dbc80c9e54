/// An incremental RESP2/RESP3 parser: append bytes in any chunking, take complete values out.
///
/// ```swift
/// var parser = RESPParser()
/// parser.append(contentsOf: Array("+OK\r\n:4".utf8))
/// try parser.next()  // .simpleString("OK")
/// try parser.next()  // nil: ":4" is not complete yet
/// parser.append(contentsOf: Array("2\r\n".utf8))
/// try parser.next()  // .integer(42)
/// ```
///
/// The parser never re-reads what it has already accepted: the finished
/// elements of an open aggregate are kept on an explicit stack (no recursion,
/// so nesting costs heap, not stack, and is capped by ``Limits/maxDepth``), an
/// unfinished line resumes its scan where it stopped, and the payload of a long
/// bulk string is copied straight from ``append(_:)`` into the string, so a
/// 100 MB value arriving in 16 KiB reads costs linear time and one copy.
///
/// Malformed input throws ``RESPProtocolError`` with the offending byte's
/// offset; after that the parser stays failed and rethrows the same error.
/// Memory is bounded by ``Limits``: lines, bulk lengths, element counts and
/// nesting are all checked before anything is allocated for them.
///
/// In ``Mode/commands`` the parser reads what a Redis server reads: arrays of
/// bulk strings, and inline commands as typed into `telnet`.
///
/// - Complexity: amortized O(n) in the bytes appended.
public struct RESPParser: Sendable {
    /// Bounds that keep broken or hostile input from exhausting memory.
    public struct Limits: Sendable, Hashable {
        /// The longest bulk string, verbatim string or streamed string, in bytes. Redis' `proto-max-bulk-len`.
        public var maxBulkLength: Int
        /// The most elements one aggregate may announce (map pairs count once each).
        public var maxAggregateLength: Int
        /// The deepest nesting of aggregates; a top-level array is depth 1.
        public var maxDepth: Int
        /// The longest simple string, simple error or big number line, in bytes.
        public var maxLineLength: Int
        /// The longest inline command line (``Mode/commands`` only), in bytes.
        public var maxInlineLength: Int

        /// Creates limits; the defaults follow Redis.
        public init(
            maxBulkLength: Int = 512 * 1024 * 1024,
            maxAggregateLength: Int = Int(Int32.max),
            maxDepth: Int = 128,
            maxLineLength: Int = 1024 * 1024,
            maxInlineLength: Int = 64 * 1024
        ) {
            self.maxBulkLength = maxBulkLength
            self.maxAggregateLength = maxAggregateLength
            self.maxDepth = maxDepth
            self.maxLineLength = maxLineLength
            self.maxInlineLength = maxInlineLength
        }

        /// Redis' own limits.
        public static let `default` = Limits()
    }

    /// What the parser expects to read.
    public enum Mode: Sendable, Hashable {
        /// Any RESP2 or RESP3 value: what a client reads from a server.
        case values
        /// Commands, as a Redis server reads them: arrays of bulk strings, or inline lines such as
        /// `SET a "b c"\r\n`. Each command comes out as an array of bulk strings; empty lines and
        /// empty arrays are skipped, as Redis does.
        case commands
    }

    /// The limits this parser enforces. They may change between values: a server relaxes them
    /// once a client has authenticated, as Redis does.
    public var limits: Limits
    /// What this parser expects to read.
    public let mode: Mode

    @usableFromInline var buffer: [UInt8] = []
    @usableFromInline var readIndex = 0
    /// The stream offset of `buffer[0]`.
    @usableFromInline var base = 0
    /// The stream offset where the scan for the end of an unfinished line resumes.
    var scanResume = 0
    var stack: [Frame] = []
    var topAttribute: [(key: RESPValue, value: RESPValue)]?
    var pending: PendingBulk?
    var failure: RESPProtocolError?
    /// Pairs moved because the storage of an attribute list being merged was reallocated. Merging
    /// appends in place, so this stays within the number of pairs (see `_attributePairsMoved`).
    var attributePairsMoved = 0
    /// Slots for the keys and values of a map parsed whole (see `parseScalarAggregate`); every
    /// slot holds `.null` between calls. Grows to the longest such map, at most
    /// ``maxEagerElements`` slots.
    var scratch: [RESPValue] = []

    /// Creates a parser.
    public init(mode: Mode = .values, limits: Limits = .default) {
        self.mode = mode
        self.limits = limits
    }

    /// The number of bytes appended but not yet part of a returned value or of the open aggregates.
    public var bufferedByteCount: Int { buffer.count - readIndex + (pending?.bytes.count ?? 0) }

    /// The number of bytes appended so far.
    public var totalBytesAppended: Int { base + buffer.count }

    /// The number of aggregates whose elements are still arriving. After a ``RESPProtocolError``
    /// in ``Mode/commands`` it tells a bad command header (0) from a bad argument (1).
    public var openAggregateCount: Int { stack.count }

    /// Whether the parser holds part of a value: a started line, an open aggregate or a partial bulk string.
    public var isMidValue: Bool { readIndex < buffer.count || !stack.isEmpty || pending != nil || topAttribute != nil }

    /// Appends bytes read from the stream.
    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        guard failure == nil, !bytes.isEmpty else { return }
        var input = bytes[...]
        if pending != nil, let taken = feedPending(UnsafeRawBufferPointer(rebasing: input)) {
            input = input.dropFirst(taken)
            if input.isEmpty { return }
        }
        compact()
        buffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: input))
    }

    /// Appends bytes read from the stream.
    public mutating func append(contentsOf bytes: some Sequence<UInt8>) {
        let done: Void? = bytes.withContiguousStorageIfAvailable { append(UnsafeRawBufferPointer($0)) }
        if done == nil {
            let copy = Array(bytes)
            copy.withUnsafeBytes { append($0) }
        }
    }

    /// Returns the next complete value, or `nil` when more bytes are needed.
    ///
    /// - Throws: ``RESPProtocolError`` when the bytes are not valid RESP. The parser then stays failed.
    public mutating func next() throws(RESPProtocolError) -> RESPValue? {
        if let failure { throw failure }
        if pending == nil && stack.isEmpty && topAttribute == nil && mode == .values {
            // The common case: one complete scalar at top level.
            let start = readIndex
            let limits = self.limits
            let found = buffer.withUnsafeBufferPointer { buf in
                Self.fastScalar(buf, at: start, limits: limits, bulkOnly: false)
            }
            if let (value, next) = found {
                readIndex = next
                return value
            }
        }
        do throws(RESPProtocolError) {
            let storage = buffer
            return try storage.withUnsafeBufferPointer { (buf) throws(RESPProtocolError) -> RESPValue? in
                try parse(buf)
            }
        } catch {
            failure = error
            throw error
        }
    }

    /// Parses every complete value in `bytes`, which must end at a value boundary.
    ///
    /// - Throws: ``RESPProtocolError`` when the bytes are malformed or end inside a value.
    public static func parseAll(
        _ bytes: some Sequence<UInt8>,
        mode: Mode = .values,
        limits: Limits = .default
    ) throws(RESPProtocolError) -> [RESPValue] {
        var parser = RESPParser(mode: mode, limits: limits)
        parser.append(contentsOf: bytes)
        var values: [RESPValue] = []
        while let value = try parser.next() { values.append(value) }
        if parser.isMidValue {
            throw RESPProtocolError(
                code: .missingCRLF, offset: parser.totalBytesAppended, detail: "input ends inside a value")
        }
        return values
    }

    // MARK: Buffer management

    /// Drops consumed bytes from the front when that costs no more than what was consumed (amortized O(1)).
    private mutating func compact() {
        guard readIndex > 0 else { return }
        let live = buffer.count - readIndex
        if live == 0 {
            base += readIndex
            buffer.removeAll(keepingCapacity: true)
            readIndex = 0
        } else if readIndex >= live {
            base += readIndex
            buffer.removeSubrange(0..<readIndex)
            readIndex = 0
        }
    }

    /// Copies payload bytes straight into a partial bulk string. Returns how many bytes it took,
    /// or `nil` when the payload was already complete (what follows goes to the buffer).
    private mutating func feedPending(_ input: UnsafeRawBufferPointer) -> Int? {
        let missing = pending!.length - pending!.bytes.count
        guard missing > 0 else { return nil }
        // While a payload is incomplete the buffer holds nothing unconsumed, so the bytes taken here
        // sit between the buffer's end and whatever is appended next: account for them in `base`.
        compact()
        let take = min(missing, input.count)
        pending!.bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: input[..<take]))
        base += take
        return take
    }
}

// MARK: - Parser state

extension RESPParser {
    /// An aggregate whose elements are still arriving.
    struct Frame: Sendable {
        /// `.array`, `.set`, `.push`, `.map`, `.attribute`, or `.bulkString` for a streamed string.
        var kind: RESPTypeIdentifier
        /// Elements still expected (keys and values count separately); -1 while streamed.
        var remaining: Int
        /// The finished elements so far; for maps and attributes, keys and values alternate.
        var values: [RESPValue] = []
        /// The bytes of a streamed string so far.
        var bytes: [UInt8] = []
        /// Attributes that arrived at this level and belong to its next element.
        var attribute: [(key: RESPValue, value: RESPValue)]?
        /// The stream offset of the frame's header.
        var offset: Int

        init(kind: RESPTypeIdentifier, remaining: Int, offset: Int) {
            self.kind = kind
            self.remaining = remaining
            self.offset = offset
        }

        var isStreamed: Bool { remaining < 0 }
    }

    /// A bulk payload that is longer than what has arrived so far.
    struct PendingBulk: Sendable {
        /// `.bulkString`, `.bulkError`, `.verbatimString`, or `.streamedStringChunk`.
        var kind: RESPTypeIdentifier
        var length: Int
        var bytes: [UInt8]
        /// The stream offset of the payload's first byte.
        var offset: Int
    }

    /// The outcome of one parsing step.
    enum Step {
        case needMore
        case value(RESPValue)
        case proceed
    }
}

// MARK: - The parse loop

extension RESPParser {
    @usableFromInline
    mutating func parse(_ buf: UnsafeBufferPointer<UInt8>) throws(RESPProtocolError) -> RESPValue? {
        while true {
            let step: Step
            if !stack.isEmpty && pending == nil && fillScalars(buf) {
                step = .value(closeFrame())
            } else if pending != nil {
                step = try finishPending(buf)
            } else if readIndex >= buf.count {
                return nil
            } else if mode == .commands && stack.isEmpty && buf[readIndex] != RESPTypeIdentifier.array.rawValue {
                step = try parseInline(buf)
            } else {
                step = try parseToken(buf)
            }
            switch step {
            case .needMore: return nil
            case .proceed: continue
            case .value(let value):
                if let top = try complete(value) { return top }
            }
        }
    }

    /// Parses one type byte and what follows it at `readIndex`; consumes it only when whole.
    private mutating func parseToken(_ buf: UnsafeBufferPointer<UInt8>) throws(RESPProtocolError) -> Step {
        let start = readIndex
        let typeByte = buf[start]
        if !stack.isEmpty {
            if stack[stack.count - 1].kind == .bulkString && typeByte != RESPTypeIdentifier.streamedStringChunk.rawValue
            {
                throw error(
                    .unexpectedStreamPart, at: start,
                    "expected a ';' chunk inside a streamed string, got \(RESPProtocolError.show(typeByte))")
            }
            if mode == .commands && typeByte != RESPTypeIdentifier.bulkString.rawValue {
                throw error(.expectedBulkString, at: start, "expected '$', got \(RESPProtocolError.show(typeByte))")
            }
        }
        guard let type = RESPTypeIdentifier(rawValue: typeByte) else {
            throw error(.unknownType, at: start, "got \(RESPProtocolError.show(typeByte))")
        }
        switch type {
        case .simpleString, .simpleError, .bigNumber:
            guard let lineEnd = try findLineEnd(buf, from: start + 1, limit: limits.maxLineLength) else {
                return .needMore
            }
            let text = String(decoding: UnsafeBufferPointer(rebasing: buf[(start + 1)..<lineEnd]), as: UTF8.self)
            readIndex = lineEnd + 2
            switch type {
            case .simpleString: return .value(.simpleString(text))
            case .simpleError: return .value(.simpleError(text))
            default:
                try validateBigNumber(buf, from: start + 1, to: lineEnd)
                return .value(.bigNumber(text))
            }

        case .integer:
            guard let lineEnd = try findLineEnd(buf, from: start + 1, limit: Self.maxNumberLine) else {
                return .needMore
            }
            let value = try parseInteger(buf, from: start + 1, to: lineEnd)
            readIndex = lineEnd + 2
            return .value(.integer(value))

        case .bulkString, .bulkError, .verbatimString, .streamedStringChunk:
            return try parseBulk(buf, type: type, start: start)

        case .array, .set, .push, .map, .attribute:
            return try parseAggregateHeader(buf, type: type, start: start)

        case .null:
            guard let lineEnd = try findLineEnd(buf, from: start + 1, limit: Self.maxNumberLine) else {
                return .needMore
            }
            guard lineEnd == start + 1 else { throw error(.invalidNull, at: start + 1, "a null line must be empty") }
            readIndex = lineEnd + 2
            return .value(.null)

        case .boolean:
            guard let lineEnd = try findLineEnd(buf, from: start + 1, limit: Self.maxNumberLine) else {
                return .needMore
            }
            guard lineEnd == start + 2, buf[start + 1] == UInt8(ascii: "t") || buf[start + 1] == UInt8(ascii: "f")
            else { throw error(.invalidBoolean, at: start + 1, "expected 't' or 'f'") }
            readIndex = lineEnd + 2
            return .value(.boolean(buf[start + 1] == UInt8(ascii: "t")))

        case .double:
            guard let lineEnd = try findLineEnd(buf, from: start + 1, limit: Self.maxDoubleLine) else {
                return .needMore
            }
            switch Self.scanDouble(buf, from: start + 1, to: lineEnd) {
            case .value(let value):
                readIndex = lineEnd + 2
                return .value(.double(value))
            case .invalid(let at, let detail):
                throw error(.invalidDouble, at: at, detail)
            }

        case .streamedAggregateEnd:
            guard let lineEnd = try findLineEnd(buf, from: start + 1, limit: Self.maxNumberLine) else {
                return .needMore
            }
            guard let frame = stack.last, frame.isStreamed, frame.kind != .bulkString else {
                throw error(.unexpectedStreamPart, at: start, "'.' outside a streamed aggregate")
            }
            guard lineEnd == start + 1 else { throw error(.missingCRLF, at: start + 1, "expected CRLF after '.'") }
            let isPairs = frame.kind == .map
            if frame.attribute != nil || (isPairs && frame.values.count % 2 != 0) {
                throw error(.invalidMapLength, at: start, "the stream ended after a key or attribute without its value")
            }
            readIndex = lineEnd + 2
            return .value(closeFrame())
        }
    }

    /// `$`, `!`, `=` and `;`: a length line, then that many bytes and CRLF.
    private mutating func parseBulk(
        _ buf: UnsafeBufferPointer<UInt8>,
        type: RESPTypeIdentifier,
        start: Int
    ) throws(RESPProtocolError) -> Step {
        if type == .streamedStringChunk && (stack.isEmpty || stack[stack.count - 1].kind != .bulkString) {
            throw error(.unexpectedStreamPart, at: start, "';' chunk outside a streamed string")
        }
        guard let lineEnd = try findLineEnd(buf, from: start + 1, limit: Self.maxNumberLine) else { return .needMore }
        // `$?`: a streamed string, made of `;` chunks.
        if type == .bulkString && lineEnd == start + 2 && buf[start + 1] == UInt8(ascii: "?") && mode == .values {
            try pushFrame(Frame(kind: .bulkString, remaining: -1, offset: base + start))
            readIndex = lineEnd + 2
            return .proceed
        }
        let length = try parseLength(buf, from: start + 1, to: lineEnd)
        if length == -1 {
            guard type == .bulkString, mode == .values else {
                throw error(.negativeLength, at: start + 1, "-1 is a null only for '$'")
            }
            readIndex = lineEnd + 2
            return .value(.nullBulkString)
        }
        if length < 0 { throw error(.negativeLength, at: start + 1, "\(length)") }
        let streamedSoFar = type == .streamedStringChunk ? stack[stack.count - 1].bytes.count : 0
        if length > limits.maxBulkLength - streamedSoFar {
            throw error(.bulkTooLong, at: start + 1, "\(length) bytes, limit \(limits.maxBulkLength)")
        }
        if type == .streamedStringChunk && length == 0 {
            // `;0`: the end of a streamed string.
            readIndex = lineEnd + 2
            return .value(.bulkString(stack.removeLast().bytes))
        }
        if type == .verbatimString && length < 4 {
            throw error(.invalidVerbatimString, at: start + 1, "length \(length) leaves no room for the format")
        }
        let payload = lineEnd + 2
        let available = buf.count - payload
        if available >= length + 2 {
            let end = payload + length
            guard buf[end] == 0x0D, buf[end + 1] == 0x0A else {
                throw error(.missingCRLF, at: buf[end] == 0x0D ? end + 1 : end, "after a \(length)-byte payload")
            }
            readIndex = end + 2
            let bytes = UnsafeBufferPointer(rebasing: buf[payload..<end])
            return try finishBulk(type: type, bytes: Array(bytes), offset: base + payload)
        }
        // Only part of the payload is here: keep it, and let `append` copy the rest straight in.
        var bytes: [UInt8] = []
        bytes.reserveCapacity(min(length, Self.maxEagerReservation))
        let carried = min(available, length)
        bytes.append(contentsOf: UnsafeBufferPointer(rebasing: buf[payload..<(payload + carried)]))
        pending = PendingBulk(kind: type, length: length, bytes: bytes, offset: base + payload)
        readIndex = payload + carried
        return .needMore
    }

    /// Completes a partial bulk once its payload and CRLF have arrived.
    private mutating func finishPending(_ buf: UnsafeBufferPointer<UInt8>) throws(RESPProtocolError) -> Step {
        guard pending!.bytes.count == pending!.length else { return .needMore }
        guard buf.count - readIndex >= 2 else { return .needMore }
        guard buf[readIndex] == 0x0D, buf[readIndex + 1] == 0x0A else {
            let at = buf[readIndex] == 0x0D ? readIndex + 1 : readIndex
            throw error(.missingCRLF, at: at, "after a \(pending!.length)-byte payload")
        }
        readIndex += 2
        let done = pending!
        pending = nil
        return try finishBulk(type: done.kind, bytes: done.bytes, offset: done.offset)
    }

    private mutating func finishBulk(
        type: RESPTypeIdentifier,
        bytes: [UInt8],
        offset: Int
    ) throws(RESPProtocolError) -> Step {
        switch type {
        case .bulkString: return .value(.bulkString(bytes))
        case .bulkError: return .value(.bulkError(bytes))
        case .verbatimString:
            for i in 0..<3 where bytes[i] <= 0x20 || bytes[i] >= 0x7F || bytes[i] == UInt8(ascii: ":") {
                throw RESPProtocolError(
                    code: .invalidVerbatimString, offset: offset + i, detail: "the format must be 3 ASCII letters")
            }
            guard bytes[3] == UInt8(ascii: ":") else {
                throw RESPProtocolError(
                    code: .invalidVerbatimString, offset: offset + 3, detail: "expected ':' after the format")
            }
            let format = String(decoding: bytes[0..<3], as: UTF8.self)
            return .value(.verbatimString(format: format, Array(bytes[4...])))
        default:
            stack[stack.count - 1].bytes.append(contentsOf: bytes)
            return .proceed
        }
    }

    /// `*`, `~`, `>`, `%`, `|`: an element count (or `?`), then the elements.
    private mutating func parseAggregateHeader(
        _ buf: UnsafeBufferPointer<UInt8>,
        type: RESPTypeIdentifier,
        start: Int
    ) throws(RESPProtocolError) -> Step {
        guard let lineEnd = try findLineEnd(buf, from: start + 1, limit: Self.maxNumberLine) else { return .needMore }
        let isStream =
            lineEnd == start + 2 && buf[start + 1] == UInt8(ascii: "?") && type != .attribute && type != .push
        if isStream && mode == .values {
            try pushFrame(Frame(kind: type, remaining: -1, offset: base + start))
            readIndex = lineEnd + 2
            return .proceed
        }
        let count = try parseLength(buf, from: start + 1, to: lineEnd)
        if mode == .commands && count <= 0 {
            // Redis ignores empty and negative command arrays.
            readIndex = lineEnd + 2
            return .proceed
        }
        if count == -1 && type == .array {
            readIndex = lineEnd + 2
            return .value(.nullArray)
        }
        if count < 0 { throw error(.negativeLength, at: start + 1, "\(count)") }
        if count > limits.maxAggregateLength {
            throw error(.tooManyElements, at: start + 1, "\(count) elements, limit \(limits.maxAggregateLength)")
        }
        readIndex = lineEnd + 2
        if count == 0 {
            if type == .attribute {
                attachAttribute([])
                return .proceed
            }
            switch type {
            case .set: return .value(.set([]))
            case .push: return .value(.push([]))
            case .map: return .value(.map([]))
            default: return .value(.array([]))
            }
        }
        let isPairs = type == .map || type == .attribute
        if type != .attribute && count <= (isPairs ? Self.maxEagerElements / 2 : Self.maxEagerElements) {
            return try parseScalarAggregate(buf, type: type, count: count, start: start)
        }
        var frame = Frame(kind: type, remaining: isPairs ? count * 2 : count, offset: base + start)
        frame.values.reserveCapacity(min(frame.remaining, Self.maxEagerElements))
        try pushFrame(frame)
        return .proceed
    }

    private mutating func pushFrame(_ frame: Frame) throws(RESPProtocolError) {
        guard stack.count < limits.maxDepth else {
            throw RESPProtocolError(
                code: .nestingTooDeep, offset: frame.offset, detail: "more than \(limits.maxDepth) levels")
        }
        stack.append(frame)
    }

    /// Adds a finished value to the open aggregate, closing every aggregate it completes.
    /// Returns the top-level value when one is complete.
    private mutating func complete(_ finished: RESPValue) throws(RESPProtocolError) -> RESPValue? {
        var value = finished
        while !stack.isEmpty {
            let top = stack.count - 1
            if let attribute = stack[top].attribute {
                stack[top].attribute = nil
                value = .attributed(value, attributes: attribute)
            }
            stack[top].values.append(value)
            guard stack[top].remaining > 0 else {
                // Streamed: ends with '.', but holds no more elements than a counted aggregate may.
                let elements = stack[top].values.count / (stack[top].kind == .map ? 2 : 1)
                if elements > limits.maxAggregateLength {
                    throw RESPProtocolError(
                        code: .tooManyElements, offset: stack[top].offset,
                        detail: "a streamed aggregate of more than \(limits.maxAggregateLength) elements")
                }
                return nil
            }
            stack[top].remaining -= 1
            guard stack[top].remaining == 0 else { return nil }
            if stack[top].kind == .attribute {
                attachAttribute(Self.pairs(stack.removeLast().values[...]))
                return nil
            }
            value = closeFrame()
        }
        if let attribute = topAttribute {
            topAttribute = nil
            value = .attributed(value, attributes: attribute)
        }
        return value
    }

    /// Keeps finished attributes for the next value at the current level.
    private mutating func attachAttribute(_ pairs: [(key: RESPValue, value: RESPValue)]) {
        if stack.isEmpty {
            Self.merge(pairs, into: &topAttribute, moved: &attributePairsMoved)
        } else {
            Self.merge(pairs, into: &stack[stack.count - 1].attribute, moved: &attributePairsMoved)
        }
    }

    /// Attributes in a row merge into one list: `pairs` go after those already in `list`,
    /// appended in place, so a run of attributes costs time linear in its pairs. (`list = (list ??
    /// []) + pairs` copies the whole list each time, quadratic, unless the optimizer sees that
    /// `list` is dead and appends in place: release builds did, debug builds did not.)
    private static func merge(
        _ pairs: [(key: RESPValue, value: RESPValue)],
        into list: inout [(key: RESPValue, value: RESPValue)]?,
        moved: inout Int
    ) {
        guard list != nil else {
            list = pairs
            return
        }
        let count = list!.count
        let storage = list!.withUnsafeBufferPointer { $0.baseAddress }
        list!.append(contentsOf: pairs)
        if list!.withUnsafeBufferPointer({ $0.baseAddress }) != storage { moved += count }
    }

    /// Pops the innermost frame and builds its value from its elements.
    mutating func closeFrame() -> RESPValue {
        let frame = stack.removeLast()
        switch frame.kind {
        case .set: return .set(frame.values)
        case .push: return .push(frame.values)
        case .map: return .map(Self.pairs(frame.values[...]))
        default: return .array(frame.values)
        }
    }

    /// Alternating keys and values as pairs.
    static func pairs(_ flat: ArraySlice<RESPValue>) -> [(key: RESPValue, value: RESPValue)] {
        var pairs: [(key: RESPValue, value: RESPValue)] = []
        pairs.reserveCapacity(flat.count / 2)
        var i = flat.startIndex
        while i + 1 < flat.endIndex {
            pairs.append((key: flat[i], value: flat[i + 1]))
            i += 2
        }
        return pairs
    }
}

// MARK: - Lines and numbers

extension RESPParser {
    /// The longest line that can hold an integer or a length (sign and 19 digits), with slack.
    static let maxNumberLine = 32
    /// The longest line that can hold a double in any reasonable notation (Redis writes at most 24 bytes).
    static let maxDoubleLine = 512
    /// How much a partial bulk string reserves before its bytes arrive; beyond this it grows as they do.
    static let maxEagerReservation = 4 * 1024 * 1024
    /// How many elements an aggregate reserves before they arrive; beyond this it grows as they do.
    static let maxEagerElements = 1024

    /// Finds the CR of the CRLF ending the line that starts at `from`; `nil` if it has not arrived.
    ///
    /// A line holds neither CR nor LF, and only its first `limit` bytes and CRLF are searched,
    /// so the outcome (a line, a missing CRLF, or a line too long) is the same however the
    /// bytes were chunked.
    @inline(__always)
    mutating func findLineEnd(
        _ buf: UnsafeBufferPointer<UInt8>,
        from: Int,
        limit: Int
    ) throws(RESPProtocolError) -> Int? {
        let window = from + limit + 1  // the CR must be at or before `from + limit`
        let end = min(buf.count, window)
        var i = max(from, scanResume - base)
        while i < end {
            let byte = buf[i]
            if byte == 0x0D {
                guard i + 1 < buf.count else {
                    scanResume = base + i
                    return nil
                }
                guard buf[i + 1] == 0x0A else { throw error(.missingCRLF, at: i + 1, "CR without LF") }
                return i
            }
            if byte == 0x0A { throw error(.missingCRLF, at: i, "LF without CR") }
            i += 1
        }
        if end == window { throw error(.lineTooLong, at: from, "more than \(limit) bytes") }
        scanResume = base + end
        return nil
    }

    /// A length: decimal digits, or `-` and digits.
    private func parseLength(_ buf: UnsafeBufferPointer<UInt8>, from: Int, to: Int) throws(RESPProtocolError) -> Int {
        guard from < to else { throw error(.invalidLength, at: from, "empty length") }
        var i = from
        let negative = buf[i] == UInt8(ascii: "-")
        if negative { i += 1 }
        guard i < to else { throw error(.invalidLength, at: i, "expected digits") }
        var value = 0
        while i < to {
            let digit = buf[i] &- UInt8(ascii: "0")
            guard digit < 10 else {
                throw error(.invalidLength, at: i, "expected a digit, got \(RESPProtocolError.show(buf[i]))")
            }
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(Int(digit))
            if o1 || o2 { throw error(.lengthOverflow, at: from, "does not fit in 64 bits") }
            value = s
            i += 1
        }
        return negative ? -value : value
    }

    /// An integer line: an optional sign and 1 to 19 digits, within Int64.
    private func parseInteger(_ buf: UnsafeBufferPointer<UInt8>, from: Int, to: Int) throws(RESPProtocolError) -> Int {
        var i = from
        var negative = false
        if i < to && (buf[i] == UInt8(ascii: "-") || buf[i] == UInt8(ascii: "+")) {
            negative = buf[i] == UInt8(ascii: "-")
            i += 1
        }
        guard i < to else { throw error(.invalidInteger, at: i, "expected digits") }
        var value = 0
        while i < to {
            let digit = buf[i] &- UInt8(ascii: "0")
            guard digit < 10 else {
                throw error(.invalidInteger, at: i, "expected a digit, got \(RESPProtocolError.show(buf[i]))")
            }
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (s, o2) = negative ? m.subtractingReportingOverflow(Int(digit)) : m.addingReportingOverflow(Int(digit))
            if o1 || o2 { throw error(.invalidInteger, at: from, "does not fit in 64 bits") }
            value = s
            i += 1
        }
        return value
    }

    private func validateBigNumber(_ buf: UnsafeBufferPointer<UInt8>, from: Int, to: Int) throws(RESPProtocolError) {
        var i = from
        if i < to && (buf[i] == UInt8(ascii: "-") || buf[i] == UInt8(ascii: "+")) { i += 1 }
        guard i < to else { throw error(.invalidBigNumber, at: i, "expected digits") }
        while i < to {
            guard buf[i] &- UInt8(ascii: "0") < 10 else {
                throw error(.invalidBigNumber, at: i, "expected a digit, got \(RESPProtocolError.show(buf[i]))")
            }
            i += 1
        }
    }

    func error(_ code: RESPProtocolError.Code, at index: Int, _ detail: String) -> RESPProtocolError {
        RESPProtocolError(code: code, offset: base + index, detail: detail)
    }
}
