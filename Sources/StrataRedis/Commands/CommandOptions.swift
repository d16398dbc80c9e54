import StrataRESP

/// When a key expires, for `SET` and `GETEX`.
public enum RedisExpiration: Sendable, Hashable {
    /// After this many seconds (`EX`).
    case seconds(Int)
    /// After this many milliseconds (`PX`).
    case milliseconds(Int)
    /// At this Unix time in seconds (`EXAT`).
    case unixSeconds(Int)
    /// At this Unix time in milliseconds (`PXAT`).
    case unixMilliseconds(Int)
    /// Keep the key's current time to live (`KEEPTTL`, `SET` only).
    case keepTTL
    /// Remove the time to live (`PERSIST`, `GETEX` only).
    case persist

    /// After `duration`, to the millisecond (`PX`).
    public static func after(_ duration: Duration) -> RedisExpiration {
        .milliseconds(duration.redisMilliseconds)
    }

    @inlinable
    var argumentCount: Int {
        switch self {
        case .keepTTL, .persist: return 1
        default: return 2
        }
    }

    @inlinable
    func write(into encoder: inout RESPEncoder) {
        switch self {
        case .seconds(let n):
            encoder.writeArgument("EX")
            encoder.writeArgument(n)
        case .milliseconds(let n):
            encoder.writeArgument("PX")
            encoder.writeArgument(n)
        case .unixSeconds(let n):
            encoder.writeArgument("EXAT")
            encoder.writeArgument(n)
        case .unixMilliseconds(let n):
            encoder.writeArgument("PXAT")
            encoder.writeArgument(n)
        case .keepTTL:
            encoder.writeArgument("KEEPTTL")
        case .persist:
            encoder.writeArgument("PERSIST")
        }
    }
}

/// Whether a write happens depending on whether the key exists (`NX`/`XX`).
public enum RedisSetCondition: Sendable, Hashable {
    /// Always.
    case always
    /// Only when the key does not exist (`NX`).
    case ifNotExists
    /// Only when the key exists (`XX`).
    case ifExists

    @inlinable
    var argumentCount: Int { self == .always ? 0 : 1 }

    @inlinable
    func write(into encoder: inout RESPEncoder) {
        switch self {
        case .always: break
        case .ifNotExists: encoder.writeArgument("NX")
        case .ifExists: encoder.writeArgument("XX")
        }
    }
}

/// When `EXPIRE` applies, relative to the key's current expiry (Redis 7).
public enum RedisExpireCondition: String, Sendable, Hashable {
    /// Only when the key has no expiry (`NX`).
    case ifNoExpiry = "NX"
    /// Only when the key has an expiry (`XX`).
    case ifHasExpiry = "XX"
    /// Only when the new expiry is later than the current one (`GT`).
    case ifGreater = "GT"
    /// Only when the new expiry is earlier than the current one (`LT`).
    case ifLess = "LT"
}

/// A key's remaining time to live, as `TTL`/`PTTL` report it.
public enum RedisTimeToLive: Sendable, Hashable {
    /// The key does not exist.
    case keyDoesNotExist
    /// The key exists and never expires.
    case noExpiry
    /// The key expires after this long.
    case expires(after: Duration)
}

extension Duration {
    /// Whole milliseconds, rounded down.
    var redisMilliseconds: Int {
        Int(components.seconds) * 1000 + Int(components.attoseconds / 1_000_000_000_000_000)
    }
}

extension RESPValue {
    /// Bytes, or `nil` for a null reply.
    @inlinable
    func optionalBytes() throws(RESPDecodingError) -> [UInt8]? {
        if case .bulkString(let bytes) = self { return bytes.array }
        if isNull { return nil }
        return try asBytes()
    }

    /// `true` for `+OK`, `false` for a null reply (a conditional write that did not happen).
    @inlinable
    func okOrNull() throws(RESPDecodingError) -> Bool {
        if isNull { return false }
        if case .simpleString("OK") = self.withoutAttributes { return true }
        throw RESPDecodingError(expected: "OK or null", actual: self)
    }

    /// Expects `+OK` (or any simple string, as some servers answer `QUEUED` inside transactions).
    @inlinable
    func ok() throws(RESPDecodingError) {
        guard case .simpleString = self.withoutAttributes else {
            throw RESPDecodingError(expected: "OK", actual: self)
        }
    }

    /// An array of byte strings, nulls as `nil`.
    func optionalBytesArray() throws(RESPDecodingError) -> [[UInt8]?] {
        let values = try asArray()
        var result: [[UInt8]?] = []
        result.reserveCapacity(values.count)
        for value in values { result.append(try value.optionalBytes()) }
        return result
    }

    /// An array of byte strings.
    func bytesArray() throws(RESPDecodingError) -> [[UInt8]] {
        let values = try asArray()
        var result: [[UInt8]] = []
        result.reserveCapacity(values.count)
        for value in values { result.append(try value.asBytes()) }
        return result
    }

    /// A double, or `nil` for a null reply.
    func optionalDouble() throws(RESPDecodingError) -> Double? {
        isNull ? nil : try asDouble()
    }

    /// An integer, or `nil` for a null reply.
    func optionalInt() throws(RESPDecodingError) -> Int? {
        isNull ? nil : try asInt()
    }
}

extension RESPEncoder {
    /// Writes `name` followed by every element of `arguments` as one command.
    mutating func writeCommand<Arguments: Collection>(prepending name: String, _ arguments: Arguments)
    where Arguments.Element: RESPCommandArgument {
        writeArrayHeader(count: arguments.count + 1)
        writeArgument(name)
        for argument in arguments { writeArgument(argument) }
    }

    /// Writes `name key element...` as one command.
    mutating func writeCommand<Elements: Collection>(
        key name: String, _ key: some RESPCommandArgument, _ elements: Elements
    )
    where Elements.Element: RESPCommandArgument {
        writeArrayHeader(count: elements.count + 2)
        writeArgument(name)
        writeArgument(key)
        for element in elements { writeArgument(element) }
    }
}

extension Collection where Element: RESPCommandArgument {
    /// The elements as routing keys.
    var redisKeys: [RedisKey] { map { RedisKey($0) } }
}
