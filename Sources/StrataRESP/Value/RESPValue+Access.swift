// Typed access: a value as the Swift type a caller wants, with a clear error
// when it is something else. Attributes are looked through.

extension RESPValue {
    /// The value as text: simple and bulk strings (valid UTF-8), verbatim text, big numbers,
    /// integers and doubles in their decimal form.
    ///
    /// - Throws: ``RESPDecodingError`` for nulls, errors, aggregates, booleans and invalid UTF-8.
    public func asString() throws(RESPDecodingError) -> String {
        switch self {
        case .simpleString(let s), .bigNumber(let s): return s
        case .bulkString(let bytes), .verbatimString(_, let bytes):
            guard let s = bytes.withUnsafeBufferPointer({ String(validating: $0, as: UTF8.self) }) else {
                throw RESPDecodingError(expected: "UTF-8 text", actual: self)
            }
            return s
        case .integer(let i): return String(i)
        case .double(let d): return RESPEncoder.formatDouble(d)
        case .attributed(let value, _): return try value.asString()
        default: throw RESPDecodingError(expected: "a string", actual: self)
        }
    }

    /// The value as bytes: bulk strings, verbatim text, simple strings, big numbers.
    ///
    /// A bulk string that arrived alone is returned without a copy; one from an aggregate is copied
    /// out of the storage it shares with its siblings (see ``RESPBytes``).
    ///
    /// - Throws: ``RESPDecodingError`` for other types.
    public func asBytes() throws(RESPDecodingError) -> [UInt8] {
        switch self {
        case .bulkString(let bytes), .verbatimString(_, let bytes): return bytes.array
        case .simpleString(let s), .bigNumber(let s): return Array(s.utf8)
        case .integer(let i): return Array(String(i).utf8)
        case .attributed(let value, _): return try value.asBytes()
        default: throw RESPDecodingError(expected: "bytes", actual: self)
        }
    }

    /// The value as an `Int`: integers, and strings or big numbers holding a decimal integer
    /// (RESP2 servers send many numbers as bulk strings).
    ///
    /// - Throws: ``RESPDecodingError`` for anything else, or a number that does not fit.
    public func asInt() throws(RESPDecodingError) -> Int {
        switch self {
        case .integer(let i): return i
        case .bulkString(let bytes):
            if let i = bytes.withUnsafeBufferPointer(Self.decimalInteger) { return i }
        case .simpleString(var s), .bigNumber(var s):
            if let i = s.withUTF8(Self.decimalInteger) { return i }
        case .attributed(let value, _): return try value.asInt()
        default: break
        }
        throw RESPDecodingError(expected: "an integer", actual: self)
    }

    /// The value as a `Double`: doubles, integers, and strings holding a number, `inf`, `-inf` or `nan`
    /// as a RESP3 double writes them (`-1.5e-07`; not `+1`, `.5` or `Infinity`).
    ///
    /// - Throws: ``RESPDecodingError`` for anything else.
    public func asDouble() throws(RESPDecodingError) -> Double {
        switch self {
        case .double(let d): return d
        case .integer(let i): return Double(i)
        case .bulkString(let bytes):
            if let d = bytes.withUnsafeBufferPointer({ RESPParser.double(in: $0) }) { return d }
        case .simpleString(var s), .bigNumber(var s):
            if let d = s.withUTF8({ RESPParser.double(in: $0) }) { return d }
        case .attributed(let value, _): return try value.asDouble()
        default: break
        }
        throw RESPDecodingError(expected: "a double", actual: self)
    }

    /// The value as a `Bool`: RESP3 booleans, and the integers 0 and 1 that RESP2 uses instead.
    ///
    /// - Throws: ``RESPDecodingError`` for anything else.
    public func asBool() throws(RESPDecodingError) -> Bool {
        switch self {
        case .boolean(let b): return b
        case .integer(0): return false
        case .integer(1): return true
        case .attributed(let value, _): return try value.asBool()
        default: throw RESPDecodingError(expected: "a boolean", actual: self)
        }
    }

    /// The elements of an array, set or push message.
    ///
    /// - Throws: ``RESPDecodingError`` for anything else, nulls included (test ``isNull`` first).
    public func asArray() throws(RESPDecodingError) -> [RESPValue] {
        switch self {
        case .array(let a), .set(let a), .push(let a): return a
        case .attributed(let value, _): return try value.asArray()
        default: throw RESPDecodingError(expected: "an array", actual: self)
        }
    }

    /// The pairs of a map, or of a flat RESP2 array of alternating keys and values
    /// (what `HGETALL` and `CONFIG GET` return to a RESP2 client).
    ///
    /// - Throws: ``RESPDecodingError`` for anything else, or an array of odd length.
    public func asMap() throws(RESPDecodingError) -> [(key: RESPValue, value: RESPValue)] {
        switch self {
        case .map(let pairs): return pairs
        case .array(let flat) where flat.count % 2 == 0:
            var pairs: [(key: RESPValue, value: RESPValue)] = []
            pairs.reserveCapacity(flat.count / 2)
            var i = 0
            while i < flat.count {
                pairs.append((key: flat[i], value: flat[i + 1]))
                i += 2
            }
            return pairs
        case .attributed(let value, _): return try value.asMap()
        default: throw RESPDecodingError(expected: "a map", actual: self)
        }
    }

    /// The message of an error reply (`-` or `!`), or `nil` when this is not an error.
    public var errorMessage: String? {
        switch self {
        case .simpleError(let s): return s
        case .bulkError(let bytes): return String(decoding: bytes, as: UTF8.self)
        case .attributed(let value, _): return value.errorMessage
        default: return nil
        }
    }

    /// Decodes the value as any ``RESPDecodable`` type.
    ///
    /// ```swift
    /// let values: [String?] = try reply.decode()  // e.g. an MGET reply
    /// ```
    @inlinable
    public func decode<T: RESPDecodable>(as type: T.Type = T.self) throws(RESPDecodingError) -> T {
        try T(resp: self)
    }

    /// A decimal integer in ASCII, or `nil`: optional `-`, 1 to 19 digits, no overflow.
    static func decimalInteger(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        guard !bytes.isEmpty, bytes.count <= 20 else { return nil }
        var i = 0
        let negative = bytes[0] == UInt8(ascii: "-")
        if negative { i = 1 }
        guard i < bytes.count else { return nil }
        var value = 0
        while i < bytes.count {
            let digit = bytes[i] &- UInt8(ascii: "0")
            guard digit < 10 else { return nil }
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (s, o2) = negative ? m.subtractingReportingOverflow(Int(digit)) : m.addingReportingOverflow(Int(digit))
            guard !o1, !o2 else { return nil }
            value = s
            i += 1
        }
        return value
    }
}

/// A Swift type that can be read from a ``RESPValue``.
///
/// Conforming: `RESPValue`, `String`, `Int`, `Double`, `Bool`, and `Optional`, `Array`
/// and `Dictionary` of conforming types. For binary data use ``RESPValue/asBytes()``.
public protocol RESPDecodable {
    /// Reads the value, or throws when it has another type.
    init(resp: RESPValue) throws(RESPDecodingError)
}

extension RESPValue: RESPDecodable {
    public init(resp: RESPValue) { self = resp }
}

extension String: RESPDecodable {
    public init(resp: RESPValue) throws(RESPDecodingError) { self = try resp.asString() }
}

extension Int: RESPDecodable {
    public init(resp: RESPValue) throws(RESPDecodingError) { self = try resp.asInt() }
}

extension Double: RESPDecodable {
    public init(resp: RESPValue) throws(RESPDecodingError) { self = try resp.asDouble() }
}

extension Bool: RESPDecodable {
    public init(resp: RESPValue) throws(RESPDecodingError) { self = try resp.asBool() }
}

extension Optional: RESPDecodable where Wrapped: RESPDecodable {
    /// Any null decodes as `nil`.
    public init(resp: RESPValue) throws(RESPDecodingError) {
        self = resp.isNull ? nil : try Wrapped(resp: resp)
    }
}

extension Array: RESPDecodable where Element: RESPDecodable {
    /// An array, set or push message, element by element.
    public init(resp: RESPValue) throws(RESPDecodingError) {
        let values = try resp.asArray()
        var result: [Element] = []
        result.reserveCapacity(values.count)
        for value in values { result.append(try Element(resp: value)) }
        self = result
    }
}

extension Dictionary: RESPDecodable where Key: RESPDecodable, Value: RESPDecodable {
    /// A map, or a flat RESP2 array of keys and values. A repeated key keeps its last value.
    public init(resp: RESPValue) throws(RESPDecodingError) {
        let pairs = try resp.asMap()
        var result: [Key: Value] = [:]
        result.reserveCapacity(pairs.count)
        for pair in pairs { result[try Key(resp: pair.key)] = try Value(resp: pair.value) }
        self = result
    }
}
