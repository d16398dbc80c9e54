import StrataRESP

/// Any command, given as its arguments, with the raw reply: what `send(...)` runs.
///
/// Its placement is worked out from its name (and subcommand), so `send("MULTI")` or
/// `send("SUBSCRIBE", "news")` is refused on a shared connection exactly like a typed command
/// would be. Its keys are not known (nothing routes it by slot).
///
/// ```swift
/// let reply = try await client.execute(RedisRawCommand("OBJECT", "ENCODING", "user:42"))
/// ```
public struct RedisRawCommand: RedisCommand {
    public typealias Response = RESPValue

    /// The encoded command.
    let bytes: [UInt8]
    public let name: String
    public let placement: RedisCommandPlacement

    /// A command from its arguments, the name first.
    public init<each Argument: RESPCommandArgument>(_ arguments: repeat each Argument) {
        var encoder = RESPEncoder()
        encoder.writeCommand(repeat each arguments)
        self.init(encoded: encoder.buffer)
    }

    /// A command from a list of arguments, the name first.
    public init<Arguments: Collection>(command arguments: Arguments) where Arguments.Element: RESPCommandArgument {
        var encoder = RESPEncoder()
        encoder.writeCommand(arguments)
        self.init(encoded: encoder.buffer)
    }

    init(encoded: [UInt8]) {
        bytes = encoded
        let words = RedisCommandClassifier.leadingArguments(of: encoded)
        name = RedisCommandClassifier.displayName(words)
        placement = RedisCommandClassifier.placement(words, encoded: encoded)
    }

    public func encode(into encoder: inout RESPEncoder) {
        encoder.buffer.append(contentsOf: bytes)
    }
}

/// Decides where a command given by name may run, by Redis' command table: what changes
/// connection state, what blocks, what subscribes.
enum RedisCommandClassifier {
    /// The first two arguments of an encoded command, upper-cased (at most 32 bytes each; a longer
    /// one is no command name this table knows). Empty for an empty command.
    static func leadingArguments(of encoded: [UInt8]) -> [String] {
        var words: [String] = []
        forEachArgument(of: encoded, limit: 2) { bytes in
            words.append(String(decoding: bytes.prefix(32).map(uppercased), as: UTF8.self))
        }
        return words
    }

    private static func uppercased(_ byte: UInt8) -> UInt8 {
        byte >= 0x61 && byte <= 0x7A ? byte - 0x20 : byte
    }

    /// Calls `body` with the bytes of each of the first `limit` arguments of an encoded command
    /// (`*N\r\n$len\r\nbytes\r\n...`).
    static func forEachArgument(of encoded: [UInt8], limit: Int, _ body: (ArraySlice<UInt8>) -> Void) {
        var index = 0
        func number() -> Int? {
            guard index < encoded.count else { return nil }
            index += 1  // the type byte
            var value = 0
            while index < encoded.count, encoded[index] != 0x0D {
                value = value &* 10 &+ Int(encoded[index] &- 0x30)
                index += 1
            }
            index += 2
            return value
        }
        guard let count = number() else { return }
        for _ in 0..<min(count, limit) {
            guard let length = number(), index + length <= encoded.count else { return }
            body(encoded[index..<(index + length)])
            index += length + 2
        }
    }

    static func displayName(_ words: [String]) -> String {
        guard let first = words.first else { return "" }
        if words.count > 1, containers.contains(first) { return first + " " + words[1] }
        return first
    }

    /// Commands whose second argument names what they do.
    private static let containers: Set<String> = ["CLIENT", "CONFIG", "OBJECT", "SCRIPT", "FUNCTION", "DEBUG", "ACL"]

    static func placement(_ words: [String], encoded: [UInt8]) -> RedisCommandPlacement {
        guard let name = words.first else {
            return .nowhere(
                reason: "Redis sends no reply to an empty command, so every later reply would go to the wrong caller.")
        }
        switch name {
        case "MULTI":
            return Transactions.placement(.multi)
        case "EXEC", "DISCARD":
            return Transactions.placement(.endTransaction)
        case "WATCH":
            return Transactions.placement(.watch)
        case "UNWATCH":
            return Transactions.placement(.unwatch)
        case "SELECT":
            guard let database = selectedDatabase(encoded) else {
                return .leaseOnly(reason: "SELECT takes a database number.")
            }
            return SELECT(database).placement
        case "SUBSCRIBE", "PSUBSCRIBE", "SSUBSCRIBE", "UNSUBSCRIBE", "PUNSUBSCRIBE", "SUNSUBSCRIBE":
            return .subscriptionOnly(reason: "Use client.subscribe(to:) or subscribe(toPatterns:).")
        case "MONITOR":
            return .nowhere(reason: "MONITOR turns the connection into a stream of every command the server runs.")
        case "SYNC", "PSYNC", "REPLCONF":
            return .nowhere(reason: "Replication commands turn the connection into a replication stream.")
        case "CLIENT" where words.count > 1:
            switch words[1] {
            case "REPLY":
                return .nowhere(
                    reason: "CLIENT REPLY OFF or SKIP stops replies, so later callers would get the wrong ones.")
            case "TRACKING", "CACHING":
                return .leaseOnly(reason: "Use client.startTracking(...) or client.invalidations(...).")
            case "SETNAME":
                return .leaseOnly(reason: "Set RedisConfiguration.clientName instead.")
            case "NO-EVICT", "NO-TOUCH", "SETINFO":
                return .leaseOnly(reason: connectionStateAdvice)
            default:
                return .shared
            }
        case "AUTH":
            return .leaseOnly(reason: "Set the user and password in RedisConfiguration (or the URL) instead.")
        case "HELLO":
            return .leaseOnly(reason: "Set RedisConfiguration.protocolVersion instead.")
        case "RESET", "QUIT", "READONLY", "READWRITE", "ASKING":
            return .leaseOnly(reason: connectionStateAdvice)
        case "BLPOP", "BRPOP", "BRPOPLPUSH", "BLMOVE", "BLMPOP", "BZPOPMIN", "BZPOPMAX", "BZMPOP", "WAIT", "WAITAOF":
            return .exclusive(reason: blockingAdvice)
        case "XREAD", "XREADGROUP":
            return containsArgument("BLOCK", in: encoded) ? .exclusive(reason: blockingAdvice) : .shared
        default:
            return .shared
        }
    }

    private static let connectionStateAdvice = "Run it inside withConnection { ... }."
    private static let blockingAdvice = "It holds its connection until the server answers."

    /// The database of `SELECT n`, if `n` is a number.
    private static func selectedDatabase(_ encoded: [UInt8]) -> Int? {
        var database: Int?
        var index = 0
        forEachArgument(of: encoded, limit: 2) { bytes in
            if index == 1 { database = Int(String(decoding: bytes, as: UTF8.self)) }
            index += 1
        }
        return database
    }

    private static func containsArgument(_ word: String, in encoded: [UInt8]) -> Bool {
        var found = false
        forEachArgument(of: encoded, limit: .max) { bytes in
            if !found, bytes.count == word.utf8.count, bytes.map(uppercased).elementsEqual(word.utf8) {
                found = true
            }
        }
        return found
    }
}
