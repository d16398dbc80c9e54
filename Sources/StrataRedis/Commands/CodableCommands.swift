import StrataCache
import StrataRESP

// Values through a codec (StrataCache's `CacheCodec`): `Codable` values as JSON with `get(_:as:)`
// and `set(_:json:)`, any codec with `get(_:as:codec:)` and `set(_:_:codec:)`, and text with
// `get(_:as: String.self)`. Each is one `GET` or one `SET`; only the value's bytes change.

extension RedisCommandRunner {
    /// `GET key`, decoded by `codec`; `nil` when the key does not exist.
    ///
    /// ```swift
    /// let user = try await client.get("user:42", as: User.self, codec: JSONCodec())
    /// ```
    ///
    /// - Throws: ``RedisClientError`` with code `decodingFailed` when the stored bytes are not an
    ///   encoding `codec` accepts (the message names the type and the codec's complaint, not the
    ///   key, which may hold personal data); the value is left as it is. Otherwise as ``get(_:)``.
    public func get<Key: RESPCommandArgument, Codec: CacheCodec>(
        _ key: Key,
        as type: Codec.Value.Type = Codec.Value.self,
        codec: Codec
    ) async throws -> Codec.Value? {
        guard let bytes = try await execute(GET(key)) else { return nil }
        return try codec.decodeStored(bytes, command: "GET")
    }

    /// `GET key`, decoded from JSON as a `Value`; `nil` when the key does not exist. The
    /// counterpart of ``set(_:json:expiration:condition:)``.
    ///
    /// ```swift
    /// struct User: Codable { var name: String }
    /// try await client.set("user:42", json: User(name: "Ada"), expiration: .seconds(60))
    /// let user = try await client.get("user:42", as: User.self)  // User(name: "Ada")
    /// ```
    ///
    /// `String` and `[UInt8]` are read as they are stored, not as JSON (`get(key, as: String.self)`,
    /// `get(key, as: [UInt8].self)`); for a JSON string, pass `codec: JSONCodec<String>()`.
    ///
    /// - Throws: ``RedisClientError`` with code `decodingFailed` when the stored bytes are not
    ///   JSON for `Value`; the value is left as it is.
    public func get<Key: RESPCommandArgument, Value: Codable>(
        _ key: Key,
        as type: Value.Type
    ) async throws -> Value? {
        try await get(key, as: type, codec: JSONCodec<Value>())
    }

    /// `GET key` as UTF-8 text, or `nil` when the key does not exist. Unlike ``getString(_:)``,
    /// which repairs invalid UTF-8 with replacement characters, this one refuses it.
    ///
    /// - Throws: ``RedisClientError`` with code `decodingFailed` when the value is not valid
    ///   UTF-8.
    public func get<Key: RESPCommandArgument>(_ key: Key, as type: String.Type) async throws -> String? {
        try await get(key, as: type, codec: StringCodec())
    }

    /// `GET key` as the stored bytes (the same as ``get(_:)``), so that `as: [UInt8].self` does
    /// not mean JSON.
    public func get<Key: RESPCommandArgument>(_ key: Key, as type: [UInt8].Type) async throws -> [UInt8]? {
        try await execute(GET(key))
    }

    /// `SET key value [EX|PX|EXAT|PXAT|KEEPTTL] [NX|XX]` with the value encoded by `codec`.
    /// Returns whether the value was written (`false` when the condition prevented it).
    ///
    /// ```swift
    /// try await client.set("user:42", user, codec: JSONCodec(), expiration: .after(.seconds(90)))
    /// ```
    ///
    /// - Throws: ``RedisClientError`` with code `encodingFailed`, before anything is sent, when
    ///   `codec` cannot encode `value`. Otherwise as ``set(_:_:expiration:condition:)``.
    @discardableResult
    public func set<Key: RESPCommandArgument, Codec: CacheCodec>(
        _ key: Key,
        _ value: Codec.Value,
        codec: Codec,
        expiration: RedisExpiration? = nil,
        condition: RedisSetCondition = .always
    ) async throws -> Bool {
        let bytes = try codec.encodeForStorage(value, command: "SET")
        return try await execute(SET(key, bytes, expiration: expiration, condition: condition))
    }

    /// `SET key value [EX|PX|EXAT|PXAT|KEEPTTL] [NX|XX]` with `value` encoded as JSON. Returns
    /// whether the value was written (`false` when the condition prevented it). Read it back with
    /// `get(key, as: Value.self)`.
    ///
    /// - Throws: ``RedisClientError`` with code `encodingFailed`, before anything is sent, when
    ///   `value` cannot be encoded as JSON (a `Double.nan`, for example).
    @discardableResult
    public func set<Key: RESPCommandArgument, Value: Codable>(
        _ key: Key,
        json value: Value,
        expiration: RedisExpiration? = nil,
        condition: RedisSetCondition = .always
    ) async throws -> Bool {
        try await set(key, value, codec: JSONCodec<Value>(), expiration: expiration, condition: condition)
    }
}

extension CacheCodec {
    /// The value stored as `bytes`, or a `decodingFailed` client error naming `command`, the type
    /// and the codec's complaint.
    func decodeStored(_ bytes: [UInt8], command: String) throws(RedisClientError) -> Value {
        do {
            return try decode(bytes)
        } catch {
            throw RedisClientError(
                .decodingFailed,
                "\(command): the stored value (\(bytes.count) bytes) is not a valid encoding of \(Value.self) for "
                    + "\(Self.self) (\(error.message)); the value was left as it is")
        }
    }

    /// The bytes to store for `value`, or an `encodingFailed` client error naming `command`.
    func encodeForStorage(_ value: Value, command: String) throws(RedisClientError) -> [UInt8] {
        do {
            return try encode(value)
        } catch {
            throw RedisClientError(
                .encodingFailed,
                "\(command): \(Self.self) could not encode the value (\(error.message)); nothing was sent"
            ).notSent
        }
    }
}
