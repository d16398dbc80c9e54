#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A product in the catalog: what the pages and the JSON API show.
public struct Product: Codable, Sendable, Hashable {
    /// How a product's page may be cached downstream (CDN, browser).
    public enum Kind: String, Codable, Sendable, Hashable {
        /// The same page for everyone for a while: `public, max-age=N`.
        case `static`
        /// Per-user or changing by the second (live stock, personal prices): `private, no-store`.
        case dynamic
    }

    /// The product's identifier, as in `/products/:id`.
    public var id: String
    /// The display name.
    public var name: String
    /// The price in cents.
    public var priceCents: Int
    /// Static or dynamic (see ``Kind``).
    public var kind: Kind
    /// Bumped by every write, so each version has its own ETag.
    public var revision: Int

    /// Creates a product.
    public init(id: String, name: String, priceCents: Int, kind: Kind, revision: Int = 1) {
        self.id = id
        self.name = name
        self.priceCents = priceCents
        self.kind = kind
        self.revision = revision
    }

    /// The price as `12.34`.
    public var formattedPrice: String {
        let cents = priceCents % 100
        return "\(priceCents / 100).\(cents < 10 ? "0" : "")\(cents)"
    }
}

/// The changes `POST /products/:id` accepts (JSON); absent fields stay as they are.
public struct ProductUpdate: Codable, Sendable, Hashable {
    /// A new name.
    public var name: String?
    /// A new price in cents.
    public var priceCents: Int?
    /// A new kind.
    public var kind: Product.Kind?

    /// Creates an update.
    public init(name: String? = nil, priceCents: Int? = nil, kind: Product.Kind? = nil) {
        self.name = name
        self.priceCents = priceCents
        self.kind = kind
    }
}

/// Encodes products the same way everywhere: JSON with sorted keys, so equal products give equal
/// bytes (and equal ETags) in every instance.
enum ProductJSON {
    static func encode<Value: Encodable>(_ value: Value) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return Array(try encoder.encode(value))
    }

    static func decode<Value: Decodable>(_ type: Value.Type, from bytes: [UInt8]) throws -> Value {
        try JSONDecoder().decode(type, from: Data(bytes))
    }
}
