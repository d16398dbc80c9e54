/// A cache tier that may be remote, such as Redis: every operation is `async` and may throw.
///
/// Local stores and remote tiers compose the same way: wrap a ``LocalStore`` in
/// ``LocalStoreTier`` to use it where a tier is expected.
public protocol CacheTier<Key, Value>: Sendable {
    /// The key type.
    associatedtype Key: Hashable & Sendable
    /// The value type.
    associatedtype Value: Sendable

    /// The value for `key`, or `nil` if the tier does not hold it.
    func get(_ key: Key) async throws -> Value?

    /// Stores `value` for `key`; `ttl` bounds how long the tier may keep it (`nil`: the
    /// tier's default).
    func set(_ key: Key, _ value: Value, ttl: Duration?) async throws

    /// Removes the entry for `key`, if any.
    func remove(_ key: Key) async throws
}

/// Adapts a synchronous ``LocalStore`` to the ``CacheTier`` protocol.
///
/// The local store keeps entries until it evicts them: the `ttl` of `set` is ignored (stack
/// a TTL layer under the adapter when entries must expire).
public struct LocalStoreTier<Store: LocalStore>: CacheTier {
    /// The adapted store.
    public let store: Store

    /// Wraps `store`.
    public init(_ store: Store) {
        self.store = store
    }

    /// The value for `key`, or `nil`.
    public func get(_ key: Store.Key) async throws -> Store.Value? {
        store.get(key)
    }

    /// Stores `value` for `key`; `ttl` is ignored.
    public func set(_ key: Store.Key, _ value: Store.Value, ttl: Duration?) async throws {
        store.set(key, value)
    }

    /// Removes the entry for `key`, if any.
    public func remove(_ key: Store.Key) async throws {
        store.remove(key)
    }
}
