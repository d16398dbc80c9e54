/// A stored value that carries the instant it expires: what lets a store that knows nothing of
/// the TTL layer (`LRUCache`, StrataLRU) keep its entries' expiry itself, reading each deadline
/// from the value in its own node. `Expiring` (StrataTTL) conforms.
@usableFromInline
package protocol DeadlineCarrying {
    /// When the value expires, in nanoseconds on the owner's clock (`Int64.max`: never).
    var deadlineNanoseconds: Int64 { get }
}
