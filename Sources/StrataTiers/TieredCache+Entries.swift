import StrataCache

extension TieredCache {
    func makeEntry(
        _ value: Value?, ttl: Duration, loadMicroseconds: UInt32, version: Int64, tags: [String] = []
    ) -> TierEntry<Value> {
        let now = clock.unixMilliseconds
        var milliseconds = max(0, ttl.tierMilliseconds)
        if options.jitter > 0 && milliseconds > 1 {
            milliseconds = Int64(Double(milliseconds) * (1 - options.jitter * Double.random(in: 0..<1)))
        }
        let fresh = now + milliseconds
        let usable = fresh + (options.staleWhileRevalidate?.tierMilliseconds ?? 0)
        let kept = usable + (options.failSafeMaxStaleness?.tierMilliseconds ?? 0)
        var entry = TierEntry(
            value: value, freshUntil: fresh, usableUntil: usable, keptUntil: kept, loadMicroseconds: loadMicroseconds,
            version: version)
        entry.tags = tags
        return entry
    }

    /// `entry` limited to `ttl` from now: never longer than the entry has left, in each phase.
    func bounded(_ entry: TierEntry<Value>, ttl: Duration) -> TierEntry<Value> {
        let now = clock.unixMilliseconds
        var bounded = entry
        bounded.freshUntil = min(entry.freshUntil, now + ttl.tierMilliseconds)
        bounded.usableUntil = min(entry.usableUntil, bounded.freshUntil + (entry.usableUntil - entry.freshUntil))
        bounded.keptUntil = min(entry.keptUntil, bounded.usableUntil + (entry.keptUntil - entry.usableUntil))
        return bounded
    }

    /// The envelope a tier with `ttl` stores for `entry`, and how long Redis keeps it.
    func envelope(
        for entry: TierEntry<Value>, payload: [UInt8], ttl: Duration, stamp: UInt32
    ) -> (CacheEnvelope, Int64) {
        let limited = bounded(entry, ttl: ttl)
        let envelope = CacheEnvelope(
            payload: payload, isNegative: entry.value == nil, version: entry.version, stamp: stamp,
            freshUntil: limited.freshUntil, usableUntil: limited.usableUntil, keptUntil: limited.keptUntil,
            loadMicroseconds: entry.loadMicroseconds)
        var tagged = envelope
        tagged.tags = entry.tags
        return (tagged, limited.keptUntil - clock.unixMilliseconds)
    }

    func entry(from envelope: CacheEnvelope, tier: RedisTier) -> TierEntry<Value>? {
        guard !envelope.isTombstone else { return nil }
        var value: Value?
        if !envelope.isNegative {
            do {
                value = try decode(envelope.payload)
            } catch {
                tier.counters.errors.increment()
                return nil
            }
        }
        var entry = TierEntry(
            value: value, freshUntil: envelope.freshUntil, usableUntil: envelope.usableUntil,
            keptUntil: envelope.keptUntil, loadMicroseconds: envelope.loadMicroseconds, version: envelope.version)
        entry.tags = envelope.tags
        return entry
    }
}
