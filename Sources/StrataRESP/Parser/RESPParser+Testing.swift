extension RESPParser {
    /// The bytes in the internal line buffer, not counting a partial bulk string's payload. For tests.
    package var _bufferedInternally: Int { buffer.count }
}
