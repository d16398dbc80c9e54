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

/// Sorted set commands.
extension RedisClient {
    /// `ZADD key [NX|XX] [GT|LT] [CH] score member ...`: members added (or changed, with `CH`).
    @discardableResult
    public func zadd<Member: RESPCommandArgument>(
        _ key: some RESPCommandArgument,
        _ members: [(score: Double, member: Member)],
        options: RedisZAddOptions = RedisZAddOptions()
    ) async throws -> Int {
        guard !members.isEmpty else { return 0 }
        let optionCount =
            (options.condition == .always ? 0 : 1) + (options.comparison == nil ? 0 : 1)
            + (options.countChanged ? 1 : 0)
        return try await run(
            "ZADD",
            encode: { encoder in
                encoder.writeArrayHeader(count: 2 + optionCount + members.count * 2)
                encoder.writeArgument("ZADD")
                encoder.writeArgument(key)
                Self.writeCondition(options.condition, into: &encoder)
                if let comparison = options.comparison { encoder.writeArgument(comparison.rawValue) }
                if options.countChanged { encoder.writeArgument("CH") }
                for (score, member) in members {
                    encoder.writeArgument(score)
                    encoder.writeArgument(member)
                }
            },
            decode: { try $0.asInt() })
    }

    /// `ZSCORE key member`.
    public func zscore(_ key: some RESPCommandArgument, _ member: some RESPCommandArgument) async throws -> Double? {
        try await run(
            "ZSCORE", encode: { $0.writeCommand("ZSCORE", key, member) },
            decode: { $0.isNull ? nil : try $0.asDouble() })
    }

    /// `ZINCRBY key increment member`: the new score.
    @discardableResult
    public func zincrby(_ key: some RESPCommandArgument, _ increment: Double, _ member: some RESPCommandArgument)
        async throws -> Double
    {
        try await run(
            "ZINCRBY", encode: { $0.writeCommand("ZINCRBY", key, increment, member) }, decode: { try $0.asDouble() })
    }

    /// `ZREM key member...`: how many were removed.
    @discardableResult
    public func zrem<Member: RESPCommandArgument>(_ key: some RESPCommandArgument, _ members: [Member]) async throws
        -> Int
    {
        guard !members.isEmpty else { return 0 }
        return try await run("ZREM", encode: { $0.writeCommand(key: "ZREM", key, members) }, decode: { try $0.asInt() })
    }

    /// `ZCARD key`.
    public func zcard(_ key: some RESPCommandArgument) async throws -> Int {
        try await run("ZCARD", encode: { $0.writeCommand("ZCARD", key) }, decode: { try $0.asInt() })
    }

    /// `ZRANK key member` (or `ZREVRANK` when `reverse`): the 0-based rank, `nil` when absent.
    public func zrank(_ key: some RESPCommandArgument, _ member: some RESPCommandArgument, reverse: Bool = false)
        async throws -> Int?
    {
        try await run(
            "ZRANK", encode: { $0.writeCommand(reverse ? "ZREVRANK" : "ZRANK", key, member) },
            decode: { $0.isNull ? nil : try $0.asInt() })
    }

    /// `ZRANGE key start stop [REV] WITHSCORES`, by rank.
    public func zrange(
        _ key: some RESPCommandArgument,
        _ start: Int,
        _ stop: Int,
        reverse: Bool = false
    ) async throws -> [(member: [UInt8], score: Double)] {
        try await run(
            "ZRANGE",
            encode: { encoder in
                encoder.writeArrayHeader(count: reverse ? 6 : 5)
                encoder.writeArgument("ZRANGE")
                encoder.writeArgument(key)
                encoder.writeArgument(start)
                encoder.writeArgument(stop)
                if reverse { encoder.writeArgument("REV") }
                encoder.writeArgument("WITHSCORES")
            },
            decode: { try Self.decodeScored($0) })
    }

    /// `ZRANGE key min max BYSCORE [REV] [LIMIT offset count] WITHSCORES`, by score. With `reverse`,
    /// `min` and `max` keep their meaning (the command's arguments are swapped as Redis wants).
    public func zrange(
        _ key: some RESPCommandArgument,
        byScore min: RedisScoreBound,
        _ max: RedisScoreBound,
        reverse: Bool = false,
        limit: (offset: Int, count: Int)? = nil
    ) async throws -> [(member: [UInt8], score: Double)] {
        try await run(
            "ZRANGE",
            encode: { encoder in
                encoder.writeArrayHeader(count: 6 + (reverse ? 1 : 0) + (limit == nil ? 0 : 3))
                encoder.writeArgument("ZRANGE")
                encoder.writeArgument(key)
                encoder.writeArgument(reverse ? max.argument : min.argument)
                encoder.writeArgument(reverse ? min.argument : max.argument)
                encoder.writeArgument("BYSCORE")
                if reverse { encoder.writeArgument("REV") }
                if let limit {
                    encoder.writeArgument("LIMIT")
                    encoder.writeArgument(limit.offset)
                    encoder.writeArgument(limit.count)
                }
                encoder.writeArgument("WITHSCORES")
            },
            decode: { try Self.decodeScored($0) })
    }

    /// WITHSCORES replies: RESP2 flat `[member, score, ...]`, RESP3 `[[member, score], ...]`.
    static func decodeScored(_ reply: RESPValue) throws(RESPDecodingError) -> [(member: [UInt8], score: Double)] {
        let values = try reply.asArray()
        var result: [(member: [UInt8], score: Double)] = []
        if let first = values.first, case .array = first {
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
