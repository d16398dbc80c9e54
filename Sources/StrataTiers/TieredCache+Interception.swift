import StrataRedis

// The reads run inside `TieredCacheOptions.interceptor`: the public entry points in
// `TieredCache+Reading` branch here once when one is set, and these run the same read path
// inside the interceptor's `intercept`, in the caller's task.

extension TieredCache {
    /// ``get(_:)`` inside `interceptor`.
    @usableFromInline
    nonisolated(nonsending) func intercepted(_ key: String, _ interceptor: any StrataInterceptor) async throws
        -> Value?
    {
        try await interceptor.intercept(.cacheRead(key)) {
            if let hit = localHit(key) { return hit }
            return try await fetchValue(key)
        }
    }

    /// ``get(_:adaptiveLoader:)`` inside `interceptor`.
    nonisolated(nonsending) func intercepted(
        _ key: String,
        _ loader: @escaping AdaptiveLoader,
        _ interceptor: any StrataInterceptor
    ) async throws -> Value? {
        try await interceptor.intercept(.cacheRead(key)) {
            if let hit = localHit(key, loader: loader) { return hit }
            return try await entry(for: key, loader: loader).0.value
        }
    }

    /// ``fetch(_:)`` and ``fetch(_:adaptiveLoader:)`` inside `interceptor`.
    nonisolated(nonsending) func interceptedFetch(
        _ key: String,
        _ loader: AdaptiveLoader?,
        _ interceptor: any StrataInterceptor
    ) async throws -> TieredCacheResult<Value> {
        try await interceptor.intercept(.cacheRead(key)) {
            let (entry, source) = try await entry(for: key, loader: loader)
            let remaining = entry.freshUntil - clock.unixMilliseconds
            return TieredCacheResult(
                value: entry.value, remainingTTL: .milliseconds(max(0, remaining)), isStale: remaining <= 0,
                source: source)
        }
    }
}
