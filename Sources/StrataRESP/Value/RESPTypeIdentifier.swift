/// The first byte of every RESP frame: it says which type follows.
///
/// RESP2 uses the first five; RESP3 adds the rest. The parser dispatches on
/// this byte, the encoder writes it.
public enum RESPTypeIdentifier: UInt8, Sendable, CaseIterable {
    case simpleString = 0x2B  // +
    case simpleError = 0x2D  // -
    case integer = 0x3A  // :
    case bulkString = 0x24  // $
    case array = 0x2A  // *
    case null = 0x5F  // _
    case boolean = 0x23  // #
    case double = 0x2C  // ,
    case bigNumber = 0x28  // (
    case bulkError = 0x21  // !
    case verbatimString = 0x3D  // =
    case map = 0x25  // %
    case set = 0x7E  // ~
    case attribute = 0x7C  // |
    case push = 0x3E  // >
    /// A chunk of a streamed string (`;`), only valid inside `$?`.
    case streamedStringChunk = 0x3B  // ;
    /// The end of a streamed aggregate (`.`), only valid inside `*?`, `%?`, `~?`.
    case streamedAggregateEnd = 0x2E  // .
}
