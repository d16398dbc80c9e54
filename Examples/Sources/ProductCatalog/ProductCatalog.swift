import StrataCache
import StrataRedis
import StrataTiers

/// The catalog's read and write paths: products through a ``TieredCache`` (process memory, then
/// Redis, then the ``ProductDatabase``), and the HTTP caching headers each read earns.
///
/// ```swift
/// let catalog = ProductCatalog(redis: client, database: ProductDatabase())
/// try await catalog.start()
/// let page = try await catalog.read("1")   // value, ETag, Cache-Control
/// ```
public final class ProductCatalog: Sendable {
    /// How long each tier keeps a product, and what the headers may promise.
    public struct Options: Sendable {
        /// Products kept in process memory.
        public var localCapacity = 10_000
        /// How long the local tier keeps a product (client tracking drops it sooner on a write).
        public var localTTL: Duration = .seconds(30)
        /// How long Redis keeps a product.
        public var redisTTL: Duration = .seconds(120)
        /// The `max-age` a static product's page asks for; never more than the entry has left.
        public var staticMaxAge: Duration = .seconds(300)
        /// The tiers' stale-while-revalidate window, also sent as `stale-while-revalidate`
        /// (`nil`: neither).
        public var staleWhileRevalidate: Duration? = .seconds(10)
        /// The tiers' fail-safe window, also sent as `stale-if-error` (`nil`: neither).
        public var failSafe: Duration? = .seconds(60)
        /// The Redis key prefix.
        public var namespace = "catalog:product:"

        /// The defaults above.
        public init() {}
    }

    /// What a read produced: the product and the headers for it.
    public struct Read: Sendable {
        /// The product (`nil`: not found).
        public var product: Product?
        /// The cache's answer: which tier, how long it stays fresh, whether it is stale.
        public var result: TieredCacheResult<Product>
        /// The `ETag` header value (quoted), derived from the cached entry.
        public var etag: String?
        /// The `Cache-Control` header value.
        public var cacheControl: String
    }

    /// The cache behind the catalog (its ``TieredCache/statistics`` show which tier answered).
    public let cache: TieredCache<Product>
    /// The source of truth.
    public let database: ProductDatabase
    /// The options it was created with.
    public let options: Options

    /// Creates a catalog reading through `redis` to `database`. Call ``start()`` before serving.
    public init(redis: RedisClient, database: ProductDatabase, options: Options = Options()) {
        var cacheOptions = TieredCacheOptions()
        cacheOptions.staleWhileRevalidate = options.staleWhileRevalidate
        cacheOptions.failSafeMaxStaleness = options.failSafe
        cacheOptions.coherence = .clientTracking(broadcast: false)
        self.cache = TieredCache<Product>(
            local: .lru(capacity: options.localCapacity, ttl: options.localTTL),
            redis: [
                RedisTierOptions(name: "redis", client: redis, namespace: options.namespace, ttl: options.redisTTL)
            ],
            codec: JSONCodec<Product>(),
            options: cacheOptions,
            loader: { id in try await database.product(id: id) }
        )
        self.database = database
        self.options = options
    }

    /// Connects the coherence link (client tracking), so local copies are dropped when any
    /// instance writes.
    public func start() async throws {
        try await cache.start()
    }

    /// Stops the coherence link. The Redis client stays open (it is the caller's).
    public func shutdown() async {
        await cache.shutdown()
    }

    /// Reads product `id` through the tiers, with its `ETag` and `Cache-Control`.
    public func read(_ id: String) async throws -> Read {
        let result = try await cache.fetch(id)
        guard let product = result.value else {
            // "Not found" is cached briefly by the tiers; downstream caches should not keep it.
            return Read(product: nil, result: result, etag: nil, cacheControl: CacheControl.noStore.headerValue)
        }
        return Read(
            product: product, result: result, etag: try Self.etag(for: product),
            cacheControl: cacheControl(for: product, result: result))
    }

    /// Writes `update` to the database, then through the cache (`set`): Redis gets the new
    /// version and every instance's local copy is invalidated by client tracking.
    /// Returns `nil` when there is no such product.
    public func update(_ id: String, with update: ProductUpdate) async throws -> Product? {
        guard let product = try await database.update(id: id, with: update) else { return nil }
        await cache.set(id, product)
        return product
    }

    /// The `Cache-Control` for `product` as read in `result`:
    /// - static: `public, max-age=N` with N at most ``Options/staticMaxAge`` and at most the entry's
    ///   remaining TTL (0 when it was served stale), plus `stale-while-revalidate` and
    ///   `stale-if-error` when the tiers serve stale data too;
    /// - dynamic: `private, no-store`.
    public func cacheControl(for product: Product, result: TieredCacheResult<Product>) -> String {
        switch product.kind {
        case .dynamic:
            // `CacheControl.noStore` renders `no-store` alone (it drops every other directive), so
            // `private` is added here for caches that ignore `no-store`.
            return "private, " + CacheControl.noStore.headerValue
        case .static:
            var header = CacheControl.public(maxAge: options.staticMaxAge)
                .limited(to: result.isStale ? .zero : result.remainingTTL)
            header.staleWhileRevalidate = options.staleWhileRevalidate
            header.staleIfError = options.failSafe
            return header.headerValue
        }
    }

    /// The strong `ETag` of `product`: a 64-bit FNV-1a hash of its canonical JSON (sorted keys),
    /// so every instance computes the same tag for the same cached version.
    public static func etag(for product: Product) throws -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in try ProductJSON.encode(product) {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return "\"" + String(repeating: "0", count: 16 - hex.count) + hex + "\""
    }

    /// Whether an `If-None-Match` header value matches `etag` (weak comparison, `*` matches any).
    public static func ifNoneMatch(_ header: String?, matches etag: String) -> Bool {
        guard let header else { return false }
        for candidate in header.split(separator: ",") {
            var tag = candidate.trimmingSpaces
            if tag == "*" { return true }
            if tag.hasPrefix("W/") { tag = String(tag.dropFirst(2)) }
            if tag == etag { return true }
        }
        return false
    }
}

extension Substring {
    fileprivate var trimmingSpaces: String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
