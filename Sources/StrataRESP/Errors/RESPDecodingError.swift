/// A valid RESP value that is not of the type the caller asked for.
///
/// ```swift
/// let n = try RESPValue.simpleString("OK").asInt()  // throws: expected an integer, got simple string "OK"
/// ```
public struct RESPDecodingError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What the caller asked for, such as "an integer".
    public var expected: String
    /// A short rendering of the value that was there instead.
    public var actual: String

    /// Creates an error for a value that is not of the `expected` kind.
    public init(expected: String, actual: RESPValue) {
        self.expected = expected
        self.actual = actual.shortDescription
    }

    public var description: String { "expected \(expected), got \(actual)" }
}
