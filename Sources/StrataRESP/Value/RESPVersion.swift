/// The version of the protocol spoken on a connection, chosen with `HELLO`.
public enum RESPVersion: Int, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// RESP2: five types; maps, sets, booleans and doubles are downgraded.
    case resp2 = 2
    /// RESP3: every type, with push messages for pub/sub and client tracking.
    case resp3 = 3

    public var description: String { "RESP\(rawValue)" }
}
