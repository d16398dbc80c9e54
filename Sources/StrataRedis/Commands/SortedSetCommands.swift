import StrataRESP

/// Options of `ZADD`.
public struct RedisZAddOptions: Sendable, Hashable {
    /// Add only new members or update only existing ones (`NX`/`XX`).
    public var condition: RedisSetCondition = .always
    /// Update only when the new score is greater (`GT`) or less (`LT`).
    public var comparison: Comparison?
    /// Return the number of changed members, not just added ones (`CH`).
    public var countChanged = false

    /// `GT` or `LT`.
    public enum Comparison: String, Sendable, Hashable {
        case greaterThan = "GT"
        case lessThan = "LT"
    }

    /// Creates options; the default adds and updates unconditionally.
    public init(condition: RedisSetCondition = .always, comparison: Comparison? = nil, countChanged: Bool = false) {
        self.condition = condition
        self.comparison = comparison
        self.countChanged = countChanged
    }

    var argumentCount: Int { condition.argumentCount + (comparison == nil ? 0 : 1) + (countChanged ? 1 : 0) }
}

/// A bound of a score range: inclusive, exclusive, or unbounded.
public enum RedisScoreBound: Sendable, Hashable {
    case inclusive(Double)
    case exclusive(Double)
    case negativeInfinity
    case positiveInfinity

    var argument: String {
        switch self {
        case .inclusive(let score): return RESPEncoder.formatDouble(score)
        case .exclusive(let score): return "(" + RESPEncoder.formatDouble(score)
        case .negativeInfinity: return "-inf"
        case .positiveInfinity: return "+inf"
        }
    }
}

/// `ZADD key [NX|XX] [GT|LT] [CH] score member ...`: members added (or changed, with `CH`).
public struct ZADD<Key: RESPCommandArgument, Member: RESPCommandArgument>: RedisCommand {
    public var key: Key
    public var members: [(score: Double, member: Member)]
    public var options: RedisZAddOptions
    /// Creates the command.
    public init(_ key: Key, _ members: [(score: Double, member: Member)], options: RedisZAddOptions = .init()) {
        self.key = key
        self.members = members
        self.options = options
    }
    public var name: String { "ZADD" }
    public var keys: [RedisKey] { [RedisKey(key)] }
    public func encode(into encoder: inout RESPEncoder) {
        encoder.writeArrayHeader(count: 2 + options.argumentCount + members.count * 2)
        encoder.writeArgument("ZADD")
        encoder.writeArgument(key)
        options.condition.write(into: &encoder)
        if let comparison = options.comparison { encoder.writeArgument(comparison.rawValue) }
        if options.countChanged { encoder.writeArgument("CH") }
        for (score, member) in members {
            encoder.writeArgument(score)
            encoder.writeArgument(member)
        }
    }
    public func decode(_ reply: RESPValue) throws(RESPDecodingError) -> Int { try reply.asInt() }
}

/// `ZSCORE key member`.
public struct ZSCORE<Key: RESPCommandArgument, Member: RESPCommandArgument>: RedisCommand {
    public var key: Key
    public var member: Member
    /// Creates the command.
    public init(_ key: Key, _ member: Member) {
        self.key = key
        self.member = member
    }
    public var name: String { "ZSCORE" }
    public var keys: [RedisKey] { [RedisKey(key)] }
    public func encode(into encoder: inout RESPEncoder) { encoder.writeCommand("ZSCORE", key, member) }
    public func decode(_ reply: RESPValue) throws(RESPDecodingError) -> Double? { try reply.optionalDouble() }
}

/// `ZINCRBY key increment member`: the new score.
public struct ZINCRBY<Key: RESPCommandArgument, Member: RESPCommandArgument>: RedisCommand {
    public var key: Key
    public var increment: Double
    public var member: Member
    /// Creates the command.
    public init(_ key: Key, _ increment: Double, _ member: Member) {
        self.key = key
        self.increment = increment
        self.member = member
    }
    public var name: String { "ZINCRBY" }
    public var keys: [RedisKey] { [RedisKey(key)] }
    public func encode(into encoder: inout RESPEncoder) { encoder.writeCommand("ZINCRBY", key, increment, member) }
    public func decode(_ reply: RESPValue) throws(RESPDecodingError) -> Double { try reply.asDouble() }
}

/// `ZREM key member...`: how many were removed.
public struct ZREM<Key: RESPCommandArgument, Member: RESPCommandArgument>: RedisCommand {
    public var key: Key
    public var members: [Member]
    /// Creates the command.
    public init(_ key: Key, _ members: [Member]) {
        self.key = key
        self.members = members
    }
    public var name: String { "ZREM" }
    public var keys: [RedisKey] { [RedisKey(key)] }
    public func encode(into encoder: inout RESPEncoder) { encoder.writeCommand(key: "ZREM", key, members) }
    public func decode(_ reply: RESPValue) throws(RESPDecodingError) -> Int { try reply.asInt() }
}

/// `ZCARD key`.
public struct ZCARD<Key: RESPCommandArgument>: RedisCommand {
    public var key: Key
    /// Creates the command.
    public init(_ key: Key) { self.key = key }
    public var name: String { "ZCARD" }
    public var keys: [RedisKey] { [RedisKey(key)] }
    public func encode(into encoder: inout RESPEncoder) { encoder.writeCommand("ZCARD", key) }
    public func decode(_ reply: RESPValue) throws(RESPDecodingError) -> Int { try reply.asInt() }
}

/// `ZRANK key member` (or `ZREVRANK` when `reverse`): the 0-based rank, `nil` when absent.
public struct ZRANK<Key: RESPCommandArgument, Member: RESPCommandArgument>: RedisCommand {
    public var key: Key
    public var member: Member
    public var reverse: Bool
    /// Creates the command.
    public init(_ key: Key, _ member: Member, reverse: Bool = false) {
        self.key = key
        self.member = member
        self.reverse = reverse
    }
    public var name: String { reverse ? "ZREVRANK" : "ZRANK" }
    public var keys: [RedisKey] { [RedisKey(key)] }
    public func encode(into encoder: inout RESPEncoder) { encoder.writeCommand(name, key, member) }
    public func decode(_ reply: RESPValue) throws(RESPDecodingError) -> Int? { try reply.optionalInt() }
}

/// `ZRANGE key start stop [REV] WITHSCORES` by rank, or
/// `ZRANGE key min max BYSCORE [REV] [LIMIT offset count] WITHSCORES` by score: members with their
/// scores.
public struct ZRANGE<Key: RESPCommandArgument>: RedisCommand {
    /// What the range is over.
    public enum Range: Sendable {
        /// Ranks, inclusive; negative ranks count from the end.
        case rank(Int, Int)
        /// Scores; with `reverse`, `min` and `max` keep their meaning.
        case score(min: RedisScoreBound, max: RedisScoreBound, limit: (offset: Int, count: Int)?)
    }
    public var key: Key
    public var range: Range
    public var reverse: Bool
    /// Creates the command.
    public init(_ key: Key, _ range: Range, reverse: Bool = false) {
        self.key = key
        self.range = range
        self.reverse = reverse
    }
    public var name: String { "ZRANGE" }
    public var keys: [RedisKey] { [RedisKey(key)] }
    public func encode(into encoder: inout RESPEncoder) {
        // ZRANGE key start stop [BYSCORE] [REV] [LIMIT offset count] WITHSCORES
        switch range {
        case .rank(let start, let stop):
            encoder.writeArrayHeader(count: 5 + (reverse ? 1 : 0))
            encoder.writeArgument("ZRANGE")
            encoder.writeArgument(key)
            encoder.writeArgument(start)
            encoder.writeArgument(stop)
            if reverse { encoder.writeArgument("REV") }
        case .score(let min, let max, let limit):
            encoder.writeArrayHeader(count: 6 + (reverse ? 1 : 0) + (limit == nil ? 0 : 3))
            encoder.writeArgument("ZRANGE")
            encoder.writeArgument(key)
            // With REV, Redis wants the larger bound first.
            encoder.writeArgument(reverse ? max.argument : min.argument)
            encoder.writeArgument(reverse ? min.argument : max.argument)
            encoder.writeArgument("BYSCORE")
            if reverse { encoder.writeArgument("REV") }
            if let limit {
                encoder.writeArgument("LIMIT")
                encoder.writeArgument(limit.offset)
                encoder.writeArgument(limit.count)
            }
        }
        encoder.writeArgument("WITHSCORES")
    }
    /// RESP2 sends a flat `[member, score, ...]`, RESP3 `[[member, score], ...]`.
    public func decode(_ reply: RESPValue) throws(RESPDecodingError) -> [(member: [UInt8], score: Double)] {
        let values = try reply.asArray()
        var result: [(member: [UInt8], score: Double)] = []
        if let first = values.first, case .array = first.withoutAttributes {
            for pair in values {
                let parts = try pair.asArray()
                guard parts.count == 2 else { throw RESPDecodingError(expected: "[member, score]", actual: pair) }
                result.append((member: try parts[0].asBytes(), score: try parts[1].asDouble()))
            }
            return result
        }
        guard values.count % 2 == 0 else { throw RESPDecodingError(expected: "member and score pairs", actual: reply) }
        var i = 0
        while i < values.count {
            result.append((member: try values[i].asBytes(), score: try values[i + 1].asDouble()))
            i += 2
        }
        return result
    }
}

extension RedisCommandRunner {
    /// `ZADD key [NX|XX] [GT|LT] [CH] score member ...`: members added (or changed, with `CH`).
    @discardableResult
    public func zadd<Key: RESPCommandArgument, Member: RESPCommandArgument>(
        _ key: Key,
        _ members: [(score: Double, member: Member)],
        options: RedisZAddOptions = RedisZAddOptions()
    ) async throws -> Int {
        guard !members.isEmpty else { return 0 }
        return try await execute(ZADD(key, members, options: options))
    }

    /// `ZSCORE key member`.
    public func zscore<Key: RESPCommandArgument, Member: RESPCommandArgument>(_ key: Key, _ member: Member)
        async throws -> Double?
    {
        try await execute(ZSCORE(key, member))
    }

    /// `ZINCRBY key increment member`: the new score.
    @discardableResult
    public func zincrby<Key: RESPCommandArgument, Member: RESPCommandArgument>(
        _ key: Key, _ increment: Double, _ member: Member
    ) async throws -> Double {
        try await execute(ZINCRBY(key, increment, member))
    }

    /// `ZREM key member...`: how many were removed.
    @discardableResult
    public func zrem<Key: RESPCommandArgument, Member: RESPCommandArgument>(_ key: Key, _ members: [Member])
        async throws -> Int
    {
        guard !members.isEmpty else { return 0 }
        return try await execute(ZREM(key, members))
    }

    /// `ZCARD key`.
    public func zcard<Key: RESPCommandArgument>(_ key: Key) async throws -> Int {
        try await execute(ZCARD(key))
    }

    /// `ZRANK key member` (or `ZREVRANK` when `reverse`): the 0-based rank, `nil` when absent.
    public func zrank<Key: RESPCommandArgument, Member: RESPCommandArgument>(
        _ key: Key, _ member: Member, reverse: Bool = false
    ) async throws -> Int? {
        try await execute(ZRANK(key, member, reverse: reverse))
    }

    /// `ZRANGE key start stop [REV] WITHSCORES`, by rank.
    public func zrange<Key: RESPCommandArgument>(
        _ key: Key,
        _ start: Int,
        _ stop: Int,
        reverse: Bool = false
    ) async throws -> [(member: [UInt8], score: Double)] {
        try await execute(ZRANGE(key, .rank(start, stop), reverse: reverse))
    }

    /// `ZRANGE key min max BYSCORE [REV] [LIMIT offset count] WITHSCORES`, by score. With `reverse`,
    /// `min` and `max` keep their meaning (the command's arguments are swapped as Redis wants).
    public func zrange<Key: RESPCommandArgument>(
        _ key: Key,
        byScore min: RedisScoreBound,
        _ max: RedisScoreBound,
        reverse: Bool = false,
        limit: (offset: Int, count: Int)? = nil
    ) async throws -> [(member: [UInt8], score: Double)] {
        try await execute(ZRANGE(key, .score(min: min, max: max, limit: limit), reverse: reverse))
    }
}
