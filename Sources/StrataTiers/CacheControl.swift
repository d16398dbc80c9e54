/// A `Cache-Control` header for pages behind a CDN.
///
/// ```swift
/// let result = try await cache.fetch("page:/home")
/// let header = CacheControl.public(maxAge: .seconds(60), sharedMaxAge: .seconds(300))
///     .limited(to: result.remainingTTL)   // the CDN never keeps it longer than the cache would
/// response.headers["Cache-Control"] = header.headerValue
/// ```
public struct CacheControl: Sendable, Hashable, CustomStringConvertible {
    /// Who may store the response.
    public enum Visibility: String, Sendable, Hashable {
        /// Shared caches (CDNs, proxies) and browsers.
        case `public`
        /// Browsers only.
        case `private`
    }

    /// `public` or `private` (`nil`: neither directive).
    public var visibility: Visibility?
    /// `max-age`: how long any cache may serve it.
    public var maxAge: Duration?
    /// `s-maxage`: how long shared caches (the CDN) may serve it.
    public var sharedMaxAge: Duration?
    /// `stale-while-revalidate`: how long a stale copy may be served while the cache refetches.
    public var staleWhileRevalidate: Duration?
    /// `stale-if-error`: how long a stale copy may be served when the origin fails.
    public var staleIfError: Duration?
    /// `no-store`: nothing may keep it. When set, every other directive but the visibility is
    /// left out (`private, no-store` for a per-user page).
    public var noStore: Bool

    /// Creates a header from its directives.
    public init(
        visibility: Visibility? = nil,
        maxAge: Duration? = nil,
        sharedMaxAge: Duration? = nil,
        staleWhileRevalidate: Duration? = nil,
        staleIfError: Duration? = nil,
        noStore: Bool = false
    ) {
        self.visibility = visibility
        self.maxAge = maxAge
        self.sharedMaxAge = sharedMaxAge
        self.staleWhileRevalidate = staleWhileRevalidate
        self.staleIfError = staleIfError
        self.noStore = noStore
    }

    /// `no-store`.
    public static let noStore = CacheControl(noStore: true)

    /// `private, no-store`: a per-user or dynamic page that no cache may keep.
    public static let privateNoStore = CacheControl(visibility: .private, noStore: true)

    /// `public, max-age=...` (and `s-maxage=...` when given).
    public static func `public`(maxAge: Duration, sharedMaxAge: Duration? = nil) -> CacheControl {
        CacheControl(visibility: .public, maxAge: maxAge, sharedMaxAge: sharedMaxAge)
    }

    /// `private, max-age=...`.
    public static func `private`(maxAge: Duration) -> CacheControl {
        CacheControl(visibility: .private, maxAge: maxAge)
    }

    /// The same header with `max-age` and `s-maxage` no longer than `remaining` (an entry's
    /// remaining time in the cache), so no downstream cache keeps the page longer than Strata
    /// would. A header without either gets `max-age` set to `remaining`. `nil` (unknown) or a
    /// non-positive remaining time gives `no-cache`-like freshness: `max-age=0`.
    public func limited(to remaining: Duration?) -> CacheControl {
        guard !noStore else { return self }
        var limited = self
        let bound = max(.zero, remaining ?? .zero)
        if limited.maxAge == nil && limited.sharedMaxAge == nil {
            limited.maxAge = bound
        } else {
            limited.maxAge = limited.maxAge.map { min($0, bound) }
            limited.sharedMaxAge = limited.sharedMaxAge.map { min($0, bound) }
        }
        return limited
    }

    /// The header's value, such as `public, max-age=60, s-maxage=300`.
    public var headerValue: String {
        if noStore { return visibility.map { "\($0.rawValue), no-store" } ?? "no-store" }
        var directives: [String] = []
        if let visibility { directives.append(visibility.rawValue) }
        if let maxAge { directives.append("max-age=\(Self.seconds(maxAge))") }
        if let sharedMaxAge { directives.append("s-maxage=\(Self.seconds(sharedMaxAge))") }
        if let staleWhileRevalidate {
            directives.append("stale-while-revalidate=\(Self.seconds(staleWhileRevalidate))")
        }
        if let staleIfError { directives.append("stale-if-error=\(Self.seconds(staleIfError))") }
        return directives.joined(separator: ", ")
    }

    public var description: String { headerValue }

    /// Whole seconds, rounded down (HTTP delta-seconds), never negative.
    private static func seconds(_ duration: Duration) -> Int64 {
        max(0, duration.components.seconds)
    }
}
