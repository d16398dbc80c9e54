/// A synchronous, bounded, thread-safe key-value store that lives in process memory.
///
/// The local layers implement it (``LocalStore`` conformers in StrataLRU, StrataTTL) and stack
/// on it: a layer takes any `LocalStore` as its base. Every method may be called from any
/// thread or task.
///
/// ```swift
/// func warm<S: LocalStore<String, Int>>(_ store: S) {
///     store.set("answer", 42)
///     _ = store.get("answer")  // 42
/// }
/// ```
public protocol LocalStore<Key, Value>: AnyObject, Sendable {
    /// The key type.
    associatedtype Key: Hashable & Sendable
    /// The value type.
    associatedtype Value: Sendable

    /// The value for `key`, counted as a hit or a miss and refreshing the entry's recency.
    func get(_ key: Key) -> Value?

    /// The value for `key` without counting or reordering anything.
    func peek(_ key: Key) -> Value?

    /// Stores `value` for `key`, evicting other entries if the store is full.
    ///
    /// `evicted` is called once for each entry the store dropped to make room (not for the
    /// replaced old value of `key`), after the store's lock has been released.
    func set(_ key: Key, _ value: Value, evicted: (Key, Value) -> Void)

    /// Removes the entry for `key` and returns its value.
    @discardableResult
    func remove(_ key: Key) -> Value?

    /// Removes every entry.
    func removeAll()

    /// The number of entries.
    var count: Int { get }

    /// A snapshot of the store's counters.
    var statistics: CacheStatistics { get }
}

extension LocalStore {
    /// Stores `value` for `key`, evicting other entries if the store is full.
    @inlinable
    public func set(_ key: Key, _ value: Value) {
        set(key, value, evicted: { _, _ in })
    }

    /// Whether the store holds an entry for `key` (without counting a hit or a miss).
    @inlinable
    public func contains(_ key: Key) -> Bool {
        peek(key) != nil
    }
}
