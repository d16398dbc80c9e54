/// An error reply from the server, such as `WRONGTYPE Operation against a key holding the wrong
/// kind of value`. The connection stays usable.
///
/// ```swift
/// do { try await client.incr("not-a-number") } catch let error as RedisServerError {
///     print(error.code)     // "ERR"
///     print(error.message)  // "ERR value is not an integer or out of range"
/// }
/// ```
public struct RedisServerError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The first word of the message: the error code, such as `ERR`, `WRONGTYPE`, `NOSCRIPT`, `MOVED`.
    public var code: Substring { message.prefix { $0 != " " } }
    /// The whole error message, as the server sent it.
    public var message: String

    /// Creates an error from the server's message.
    public init(message: String) {
        self.message = message
    }

    public var description: String { message }
}
