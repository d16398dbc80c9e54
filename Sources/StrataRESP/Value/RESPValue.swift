/// One RESP2 or RESP3 value, as it travels on the wire.
///
/// Every type of the RESP3 specification has a case, plus the two RESP2 nulls,
/// so a reply can be re-encoded faithfully (see ``RESPEncoder``). Aggregates
/// keep their order; map keys may be of any type.
///
/// ```swift
/// let reply: RESPValue = .map([(key: "server", value: "redis"), (key: "proto", value: 3)])
/// let fields = try reply.asMap()
/// ```
///
/// Values are compared structurally; two doubles that are both NaN compare equal,
/// so a parsed value always equals the value that was encoded.
public enum RESPValue: Sendable {
    /// `+OK\r\n`: a short, line-safe string.
    case simpleString(String)
    /// `-ERR message\r\n`: an error reply.
    case simpleError(String)
    /// `:1000\r\n`: a signed 64-bit integer.
    case integer(Int)
    /// `$5\r\nhello\r\n`: binary-safe bytes. A RESP3 streamed string (`$?`) arrives as one of these.
    /// The bulk strings of one parsed aggregate share one allocation (see ``RESPBytes``); build one
    /// from a `[UInt8]` or a `String` as `.bulkString(bytes)`.
    case bulkString(RESPBytes)
    /// `*2\r\n...`: an ordered list. A streamed array (`*?`) arrives as one of these.
    case array([RESPValue])
    /// `_\r\n`: the RESP3 null.
    case null
    /// `$-1\r\n`: the RESP2 null bulk string.
    case nullBulkString
    /// `*-1\r\n`: the RESP2 null array.
    case nullArray
    /// `#t\r\n` or `#f\r\n`.
    case boolean(Bool)
    /// `,3.14\r\n`, including `inf`, `-inf` and `nan`.
    case double(Double)
    /// `(3492890328409238509324850943850943825024385\r\n`: the digits, with an optional leading `-`.
    case bigNumber(String)
    /// `!21\r\nSYNTAX invalid syntax\r\n`: a binary-safe error reply.
    case bulkError(RESPBytes)
    /// `=15\r\ntxt:Some string\r\n`: text with a three-letter format such as `txt` or `mkd`.
    indirect case verbatimString(format: String, RESPBytes)
    /// `%2\r\n...`: key/value pairs in wire order. Keys may be any value.
    case map([(key: RESPValue, value: RESPValue)])
    /// `~3\r\n...`: an unordered collection, kept in wire order.
    case set([RESPValue])
    /// `|1\r\n...` followed by a value: out-of-band attributes attached to that value.
    indirect case attributed(RESPValue, attributes: [(key: RESPValue, value: RESPValue)])
    /// `>3\r\n...`: an out-of-band push message (pub/sub, invalidation).
    case push([RESPValue])
}

extension RESPValue {
    /// Whether this value is any of the nulls (`_`, `$-1`, `*-1`), looking through attributes.
    @inlinable
    public var isNull: Bool {
        switch self {
        case .null, .nullBulkString, .nullArray: return true
        case .attributed(let value, _): return value.isNull
        default: return false
        }
    }

    /// Whether this value is an error reply (`-` or `!`), looking through attributes.
    @inlinable
    public var isError: Bool {
        switch self {
        case .simpleError, .bulkError: return true
        case .attributed(let value, _): return value.isError
        default: return false
        }
    }

    /// The value without any attributes attached to it.
    @inlinable
    public var withoutAttributes: RESPValue {
        if case .attributed(let value, _) = self { return value.withoutAttributes }
        return self
    }

    /// The type byte that introduces this value in RESP3.
    public var typeIdentifier: RESPTypeIdentifier {
        switch self {
        case .simpleString: return .simpleString
        case .simpleError: return .simpleError
        case .integer: return .integer
        case .bulkString, .nullBulkString: return .bulkString
        case .array, .nullArray: return .array
        case .null: return .null
        case .boolean: return .boolean
        case .double: return .double
        case .bigNumber: return .bigNumber
        case .bulkError: return .bulkError
        case .verbatimString: return .verbatimString
        case .map: return .map
        case .set: return .set
        case .attributed: return .attribute
        case .push: return .push
        }
    }
}

extension RESPValue: Equatable {
    public static func == (lhs: RESPValue, rhs: RESPValue) -> Bool {
        switch (lhs, rhs) {
        case (.simpleString(let a), .simpleString(let b)): return a == b
        case (.simpleError(let a), .simpleError(let b)): return a == b
        case (.integer(let a), .integer(let b)): return a == b
        case (.bulkString(let a), .bulkString(let b)): return a == b
        case (.array(let a), .array(let b)): return a == b
        case (.null, .null), (.nullBulkString, .nullBulkString), (.nullArray, .nullArray): return true
        case (.boolean(let a), .boolean(let b)): return a == b
        case (.double(let a), .double(let b)): return a == b || (a.isNaN && b.isNaN)
        case (.bigNumber(let a), .bigNumber(let b)): return a == b
        case (.bulkError(let a), .bulkError(let b)): return a == b
        case (.verbatimString(let f1, let a), .verbatimString(let f2, let b)): return f1 == f2 && a == b
        case (.map(let a), .map(let b)): return pairsEqual(a, b)
        case (.set(let a), .set(let b)): return a == b
        case (.attributed(let a, let x), .attributed(let b, let y)): return a == b && pairsEqual(x, y)
        case (.push(let a), .push(let b)): return a == b
        default: return false
        }
    }

    private static func pairsEqual(
        _ a: [(key: RESPValue, value: RESPValue)],
        _ b: [(key: RESPValue, value: RESPValue)]
    ) -> Bool {
        guard a.count == b.count else { return false }
        for (x, y) in zip(a, b) where x.key != y.key || x.value != y.value {
            return false
        }
        return true
    }
}

extension RESPValue: Hashable {
    public func hash(into hasher: inout Hasher) {
        hasher.combine(typeIdentifier.rawValue)
        switch self {
        case .simpleString(let s), .simpleError(let s), .bigNumber(let s): hasher.combine(s)
        case .integer(let i): hasher.combine(i)
        case .bulkString(let b), .bulkError(let b): hasher.combine(b)
        case .array(let a), .set(let a), .push(let a): hasher.combine(a)
        case .null, .nullBulkString, .nullArray: hasher.combine(self.isNull)
        case .boolean(let b): hasher.combine(b)
        case .double(let d):
            // Equal doubles must hash alike: all NaNs are equal here, and 0.0 == -0.0.
            hasher.combine(d.isNaN ? Double.nan.bitPattern : (d == 0 ? 0 : d.bitPattern))
        case .verbatimString(let format, let b):
            hasher.combine(format)
            hasher.combine(b)
        case .map(let pairs):
            hasher.combine(pairs.count)
            for pair in pairs {
                hasher.combine(pair.key)
                hasher.combine(pair.value)
            }
        case .attributed(let value, let attributes):
            hasher.combine(value)
            hasher.combine(attributes.count)
        }
    }
}

extension RESPValue: ExpressibleByStringLiteral {
    /// A string literal is a bulk string holding its UTF-8 bytes.
    public init(stringLiteral value: String) {
        self = .bulkString(RESPBytes(Array(value.utf8)))
    }
}

extension RESPValue: ExpressibleByIntegerLiteral {
    /// An integer literal is a RESP integer.
    public init(integerLiteral value: Int) {
        self = .integer(value)
    }
}

extension RESPValue: ExpressibleByFloatLiteral {
    /// A float literal is a RESP3 double.
    public init(floatLiteral value: Double) {
        self = .double(value)
    }
}

extension RESPValue: ExpressibleByBooleanLiteral {
    /// A boolean literal is a RESP3 boolean.
    public init(booleanLiteral value: Bool) {
        self = .boolean(value)
    }
}

extension RESPValue: ExpressibleByArrayLiteral {
    /// An array literal is a RESP array.
    public init(arrayLiteral elements: RESPValue...) {
        self = .array(elements)
    }
}

extension RESPValue: ExpressibleByNilLiteral {
    /// `nil` is the RESP3 null.
    public init(nilLiteral: ()) {
        self = .null
    }
}

extension RESPValue {
    /// A bulk string holding the UTF-8 bytes of `string`.
    @inlinable
    public static func bulkString(_ string: String) -> RESPValue {
        .bulkString(RESPBytes(Array(string.utf8)))
    }

    /// A bulk string holding `bytes` (no copy).
    @inlinable
    public static func bulkString(_ bytes: [UInt8]) -> RESPValue {
        .bulkString(RESPBytes(bytes))
    }

    /// A bulk error holding `bytes` (no copy).
    @inlinable
    public static func bulkError(_ bytes: [UInt8]) -> RESPValue {
        .bulkError(RESPBytes(bytes))
    }

    /// A verbatim string of `format` holding `bytes` (no copy).
    @inlinable
    public static func verbatimString(format: String, _ bytes: [UInt8]) -> RESPValue {
        .verbatimString(format: format, RESPBytes(bytes))
    }
}
