import Synchronization

/// The source of truth, simulated: products in memory behind a few milliseconds of latency per
/// query, counting the queries so tests and the demo can see when the cache spared it.
public final class ProductDatabase: Sendable {
    private let rows: Mutex<[String: Product]>
    private let queries = Atomic<Int>(0)
    /// The latency of each query.
    public let latency: Duration

    /// Creates a database holding `products`.
    public init(products: [Product] = ProductDatabase.sampleProducts, latency: Duration = .milliseconds(5)) {
        self.rows = Mutex(Dictionary(products.map { ($0.id, $0) }, uniquingKeysWith: { _, last in last }))
        self.latency = latency
    }

    /// A few static and dynamic products.
    public static let sampleProducts: [Product] = [
        Product(id: "1", name: "Walnut desk", priceCents: 34_900, kind: .static),
        Product(id: "2", name: "Oak bookshelf", priceCents: 18_950, kind: .static),
        Product(id: "3", name: "Linen lampshade", priceCents: 2_499, kind: .static),
        Product(id: "flash-1", name: "Flash sale: espresso machine", priceCents: 12_900, kind: .dynamic),
        Product(id: "flash-2", name: "Flash sale: standing mat", priceCents: 3_900, kind: .dynamic),
    ]

    /// The product with `id`, or `nil`.
    public func product(id: String) async throws -> Product? {
        queries.add(1, ordering: .relaxed)
        try await Task.sleep(for: latency)
        return rows.withLock { $0[id] }
    }

    /// Applies `update` to the product with `id` and bumps its revision; `nil` when there is none.
    public func update(id: String, with update: ProductUpdate) async throws -> Product? {
        queries.add(1, ordering: .relaxed)
        try await Task.sleep(for: latency)
        return rows.withLock { rows -> Product? in
            guard var product = rows[id] else { return nil }
            if let name = update.name { product.name = name }
            if let price = update.priceCents { product.priceCents = price }
            if let kind = update.kind { product.kind = kind }
            product.revision += 1
            rows[id] = product
            return product
        }
    }

    /// Queries so far (reads and writes).
    public var queryCount: Int { queries.load(ordering: .relaxed) }
}
