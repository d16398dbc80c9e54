import StrataRESP

extension RedisClient {
    /// Runs a typed command: encodes it, sends it, and decodes the reply, turning a reply of the
    /// wrong shape into `unexpectedReply`.
    func run<Result>(
        _ name: StaticString,
        timeout: Duration? = nil,
        extraTimeout: Duration? = nil,
        encode: (inout RESPEncoder) -> Void,
        decode: (RESPValue) throws -> Result
    ) async throws -> Result {
        var limit = timeout ?? commandTimeout
        if let extraTimeout, let base = limit { limit = base + extraTimeout }
        let reply = try await execute(idempotent: false, timeout: limit, encode)
        do {
            return try decode(reply)
        } catch let error as RESPDecodingError {
            throw RedisClientError(.unexpectedReply, "\(name): \(error)")
        }
    }
}

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
        .milliseconds(
            Int(duration.components.seconds) * 1000 + Int(duration.components.attoseconds / 1_000_000_000_000_000))
    }

    var argumentCount: Int {
        switch self {
        case .keepTTL, .persist: return 1
        default: return 2
        }
    }

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
}

extension RESPValue {
    /// Bytes, or `nil` for a null reply.
    @inlinable
    func optionalBytes() throws(RESPDecodingError) -> [UInt8]? {
        if case .bulkString(let bytes) = self { return bytes }
        if isNull { return nil }
        return try asBytes()
    }

    /// Text, or `nil` for a null reply.
    @inlinable
    func optionalString() throws(RESPDecodingError) -> String? {
        if isNull { return nil }
        return try asString()
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

    /// An array of strings.
    func stringArray() throws(RESPDecodingError) -> [String] {
        let values = try asArray()
        var result: [String] = []
        result.reserveCapacity(values.count)
        for value in values { result.append(try value.asString()) }
        return result
    }
}
