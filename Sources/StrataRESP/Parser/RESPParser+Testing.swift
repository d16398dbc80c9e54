extension RESPParser {
    /// The bytes in the internal line buffer, not counting a partial bulk string's payload. For tests.
    package var _bufferedInternally: Int { buffer.count }

    /// Pairs moved so far because the storage of a merged attribute list was reallocated: at most
    /// about the number of attribute pairs parsed (merging is linear), never their square. For tests.
    package var _attributePairsMoved: Int { attributePairsMoved }
}
