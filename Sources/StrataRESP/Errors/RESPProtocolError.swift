/// Bytes that are not valid RESP: what was wrong and at which byte of the stream.
///
/// The parser that threw it stays failed; the connection that fed it should be
/// closed, since nothing after the bad byte can be trusted.
///
/// ```swift
/// do { _ = try parser.next() } catch {
///     print(error)  // "invalid length at byte 1: expected digits, got 'x'"
/// }
/// ```
public struct RESPProtocolError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What kind of mistake the bytes contain.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        fileprivate enum Base: String, Hashable, Sendable {
            case unknownType = "unknown type byte"
            case missingCRLF = "missing CRLF"
            case invalidLength = "invalid length"
            case lengthOverflow = "length overflows"
            case negativeLength = "negative length"
            case bulkTooLong = "bulk string longer than the limit"
            case tooManyElements = "aggregate with more elements than the limit"
            case nestingTooDeep = "nesting deeper than the limit"
            case lineTooLong = "line longer than the limit"
            case invalidInteger = "invalid integer"
            case invalidDouble = "invalid double"
            case invalidBoolean = "invalid boolean"
            case invalidBigNumber = "invalid big number"
            case invalidNull = "invalid null"
            case invalidVerbatimString = "invalid verbatim string"
            case unexpectedStreamPart = "streamed part outside its stream"
            case invalidMapLength = "odd element count in a streamed map"
            case unbalancedQuotes = "unbalanced quotes in inline command"
            case inlineTooLong = "inline command longer than the limit"
            case expectedBulkString = "command element is not a bulk string"
        }
        fileprivate let base: Base
        fileprivate init(_ base: Base) { self.base = base }

        /// The first byte of a value is not a RESP type byte.
        public static let unknownType = Code(.unknownType)
        /// A line or payload is not terminated by `\r\n`.
        public static let missingCRLF = Code(.missingCRLF)
        /// A length is not a decimal number (or `?` where streaming is allowed).
        public static let invalidLength = Code(.invalidLength)
        /// A length does not fit in a 64-bit integer.
        public static let lengthOverflow = Code(.lengthOverflow)
        /// A length is negative and not the `-1` of a RESP2 null.
        public static let negativeLength = Code(.negativeLength)
        /// A bulk string (or streamed string) is longer than ``RESPParser/Limits/maxBulkLength``.
        public static let bulkTooLong = Code(.bulkTooLong)
        /// An aggregate announces more elements than ``RESPParser/Limits/maxAggregateLength``.
        public static let tooManyElements = Code(.tooManyElements)
        /// Aggregates are nested deeper than ``RESPParser/Limits/maxDepth``.
        public static let nestingTooDeep = Code(.nestingTooDeep)
        /// A line (simple string, error, number) is longer than ``RESPParser/Limits/maxLineLength``.
        public static let lineTooLong = Code(.lineTooLong)
        /// An integer line is not a decimal 64-bit integer.
        public static let invalidInteger = Code(.invalidInteger)
        /// A double line is not `[-]digits[.digits][(e|E)[+|-]digits]`, `inf`, `-inf`, `nan` (or the
        /// legacy `-nan`); the offset is the first byte that cannot belong to one.
        public static let invalidDouble = Code(.invalidDouble)
        /// A boolean line is neither `t` nor `f`.
        public static let invalidBoolean = Code(.invalidBoolean)
        /// A big number line is not an optionally signed run of digits.
        public static let invalidBigNumber = Code(.invalidBigNumber)
        /// A null line carries bytes.
        public static let invalidNull = Code(.invalidNull)
        /// A verbatim string lacks its `xxx:` format prefix.
        public static let invalidVerbatimString = Code(.invalidVerbatimString)
        /// A `;` chunk or `.` end marker appears outside a streamed value.
        public static let unexpectedStreamPart = Code(.unexpectedStreamPart)
        /// A streamed map ended after a key without its value.
        public static let invalidMapLength = Code(.invalidMapLength)
        /// An inline command has an unterminated quote.
        public static let unbalancedQuotes = Code(.unbalancedQuotes)
        /// An inline command line is longer than ``RESPParser/Limits/maxInlineLength``.
        public static let inlineTooLong = Code(.inlineTooLong)
        /// In command mode, an element of a command array is not a bulk string.
        public static let expectedBulkString = Code(.expectedBulkString)

        public var description: String { base.rawValue }
    }

    /// What was wrong.
    public var code: Code
    /// The offset of the offending byte from the start of the stream fed to the parser.
    public var offset: Int
    /// A detail for people, such as the byte that was found.
    public var detail: String

    /// Creates an error; the parser is the usual source.
    public init(code: Code, offset: Int, detail: String = "") {
        self.code = code
        self.offset = offset
        self.detail = detail
    }

    public var description: String {
        detail.isEmpty ? "\(code) at byte \(offset)" : "\(code) at byte \(offset): \(detail)"
    }
}

extension RESPProtocolError {
    /// Describes one byte for an error message: printable ASCII as itself, anything else in hex.
    static func show(_ byte: UInt8) -> String {
        if byte >= 0x20 && byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
        let hex = String(byte, radix: 16, uppercase: true)
        return byte < 0x10 ? "0x0\(hex)" : "0x\(hex)"
    }
}
