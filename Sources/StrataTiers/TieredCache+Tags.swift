import StrataCache
import StrataRedis

/// When a tag was last invalidated, as this instance knows it.
struct TagTime: Sendable {
    /// Unix microseconds of the invalidation (0: never, as far as Redis remembers).
    var microseconds: Int64
    /// The coherence epoch it was learned in: a lost link may have hidden later invalidations.
    var epoch: UInt64
    /// Unix milliseconds it was learned at (without a coherence link it is trusted for the
    /// local TTL, as local copies are).
    var learnedAt: Int64
}

/// The tag times an instance knows, and how many it has forgotten on announcements (a read of
/// tag times that overlapped one does not store what it read).
struct TagTable: Sendable {
    private var times: [String: TagTime] = [:]
    var forgets: UInt64 = 0

    subscript(tag: String) -> TagTime? {
        get { times[tag] }
        set { times[tag] = newValue }
    }
}

extension TieredCache {
    /// Where a tag's invalidation time is kept, under the last (shared) Redis tier's namespace, and
    /// the name its change is announced under.
    static var tagKeyPrefix: String { "__tag:" }

    /// Invalidates every entry written with `tag`, in every tier and every instance, at O(1) cost:
    /// the tag's invalidation time is recorded (in the last Redis tier, and announced to other
    /// instances like a key's change), and each entry is checked against the times of its tags
    /// when it is read. A read that begins after this returns never gets an entry written with
    /// `tag` before it; other instances stop serving their local copies when the announcement
    /// arrives (as for ``invalidate(_:)-(String)``).
    ///
    /// ```swift
    /// await products.set("42", lamp, tags: ["category:lighting"])
    /// await products.invalidate(tag: "category:lighting")  // 42 and every other lamp
    /// ```
    public func invalidate(tag: String) async {
        await invalidate(tags: [tag])
    }

    /// ``invalidate(tag:)`` for several tags at once (one round trip).
    public func invalidate(tags: [String]) async {
        guard !tags.isEmpty else { return }
        let now = clock.unixMicroseconds
        let epoch = linkEpoch.load(ordering: .relaxed)
        let learnedAt = clock.unixMilliseconds
        tagTimes.withLock { times in
            for tag in tags {
                times[tag] = TagTime(
                    microseconds: max(now, times[tag]?.microseconds ?? 0), epoch: epoch, learnedAt: learnedAt)
            }
        }
        if !(await writeTagTimes(tags.map { ($0, now) })) {
            pendingTagWrites.withLock { pending in
                for tag in tags { pending[tag] = max(pending[tag] ?? 0, now) }
            }
        }
        publishChange(tags.map { Self.tagKeyPrefix + $0 })
    }

    /// How long a tag's time is kept in Redis: longer than any entry written before it can live.
    var tagHold: Duration {
        baseTTL + (options.staleWhileRevalidate ?? .zero) + (options.failSafeMaxStaleness ?? .zero)
            + options.tombstoneTTL
    }

    /// Records tag times in the last Redis tier (one round trip), never lowering one: each tag's
    /// key is a sorted set whose one member's score is the time, raised with `ZADD GT` (a retried
    /// write that lands after a newer invalidation leaves the newer time). Returns whether it
    /// succeeded (no Redis tier: nothing to do).
    func writeTagTimes(_ times: [(tag: String, microseconds: Int64)]) async -> Bool {
        guard let tier = redisTiers.last else { return true }
        guard tier.breaker.allow() else {
            tier.counters.failedWrites.increment()
            return false
        }
        do {
            var pipeline = RedisPipeline()
            var readBacks: [RedisPipeline.Handle<RedisRawCommand>] = []
            for (tag, microseconds) in times {
                let key = tier.key(Self.tagKeyPrefix + tag)
                pipeline.send("ZADD", key, "GT", String(microseconds), "t")
                pipeline.send("PEXPIRE", key, String(tagHold.tierMilliseconds))
                // A write ends this client's tracking of the key (NOLOOP spares it the notice,
                // not the loss): reading it back tracks it again, so another instance's later
                // invalidation of the tag still reaches this one.
                readBacks.append(pipeline.send("ZSCORE", key, "t"))
            }
            let replies = try await RedisClient.withCommandTimeout(tier.options.timeout) {
                try await tier.client.execute(pipeline)
            }
            for reply in replies.replies where reply.isError {
                throw RedisServerError(message: reply.errorMessage ?? "")
            }
            tier.breaker.recordSuccess()
            // What Redis holds may be newer still (another instance's invalidation).
            let epoch = linkEpoch.load(ordering: .relaxed)
            let learnedAt = clock.unixMilliseconds
            let stored = try readBacks.map { handle in Int64(try replies[handle].asDouble()) }
            tagTimes.withLock { known in
                for ((tag, _), microseconds) in zip(times, stored) where (known[tag]?.microseconds ?? 0) < microseconds
                {
                    known[tag] = TagTime(microseconds: microseconds, epoch: epoch, learnedAt: learnedAt)
                }
            }
            return true
        } catch {
            tier.breaker.recordFailure()
            tier.counters.failedWrites.increment()
            return false
        }
    }

    /// Writes the tag times whose write failed, once the tier answers again, and announces them.
    func retryFailedTagWrites() async {
        let pending = pendingTagWrites.withLock { $0 }
        guard !pending.isEmpty else { return }
        guard await writeTagTimes(pending.map { ($0.key, $0.value) }) else { return }
        pendingTagWrites.withLock { current in
            for (tag, microseconds) in pending where current[tag] == microseconds { current[tag] = nil }
        }
        // What this instance knows may have been replaced meanwhile by an older time from Redis
        // (another instance's change announced, read back before this write landed).
        let epoch = linkEpoch.load(ordering: .relaxed)
        let learnedAt = clock.unixMilliseconds
        tagTimes.withLock { times in
            for (tag, microseconds) in pending where (times[tag]?.microseconds ?? 0) < microseconds {
                times[tag] = TagTime(microseconds: microseconds, epoch: epoch, learnedAt: learnedAt)
            }
        }
        publishChange(pending.keys.map { Self.tagKeyPrefix + $0 })
    }

    /// Another instance invalidated the tag behind `key` (a `__tag:` name): forget its time, so
    /// the next read of an entry with it reads the new one (kept no lower than this instance's own
    /// invalidations: see `learnTagTimes`).
    func forgetTagTime(_ key: String) {
        let tag = String(key.dropFirst(Self.tagKeyPrefix.count))
        tagTimes.withLock { times in
            times[tag] = nil
            times.forgets &+= 1
        }
    }

    /// Whether `entry` outlived none of its tags: `true` when none was invalidated after it was
    /// written, `false` when one was, `nil` when a tag's time is not known here (see
    /// ``learnTagTimes(_:)``).
    func tagsAllow(_ entry: TierEntry<Value>) -> Bool? {
        guard !entry.tags.isEmpty else { return true }
        // Without Redis tiers this instance's own invalidations are all there is.
        let authoritative = redisTiers.isEmpty
        let epoch = linkEpoch.load(ordering: .relaxed)
        let oldest = oldestTrustedTagTime
        return tagTimes.withLock { times in
            var allowed: Bool? = true
            for tag in entry.tags {
                guard let time = times[tag], authoritative || (time.epoch == epoch && time.learnedAt >= oldest) else {
                    if !authoritative { allowed = nil }
                    continue
                }
                if time.microseconds >= entry.version { return false }
            }
            return allowed
        }
    }

    /// Tag times learned before this (Unix milliseconds) are read again: without a coherence link
    /// nothing announces a tag's invalidation, so a learned time is trusted for the local TTL,
    /// as local copies are.
    var oldestTrustedTagTime: Int64 {
        options.coherence == .none ? clock.unixMilliseconds - localTTL.tierMilliseconds : .min
    }

    /// Reads the times of `tags` this instance does not know from the last Redis tier (one round
    /// trip). A tag whose time cannot be read stays unknown, and entries with it are not served.
    func learnTagTimes(_ tags: [String]) async {
        guard let tier = redisTiers.last else { return }
        let epoch = linkEpoch.load(ordering: .relaxed)
        let oldest = oldestTrustedTagTime
        let (unknown, forgets) = tagTimes.withLock { times in
            (
                Array(
                    Set(tags.filter { tag in times[tag].map { $0.epoch != epoch || $0.learnedAt < oldest } ?? true })),
                times.forgets
            )
        }
        guard !unknown.isEmpty, tier.breaker.allow() else { return }
        do {
            var pipeline = RedisPipeline()
            let handles = unknown.map { pipeline.send("ZSCORE", tier.key(Self.tagKeyPrefix + $0), "t") }
            let replies = try await RedisClient.withCommandTimeout(tier.options.timeout) {
                try await tier.client.execute(pipeline)
            }
            let learnedAt = clock.unixMilliseconds
            let learned = try handles.map { handle -> Int64 in
                let reply = try replies[handle]
                switch reply {
                case .null, .nullBulkString: return 0
                default: return Int64(try reply.asDouble())
                }
            }
            tier.breaker.recordSuccess()
            let pending = pendingTagWrites.withLock { $0 }
            tagTimes.withLock { times in
                // A change announced while this read ran may be newer than what it read: then
                // the times stay unknown, and the next read asks again.
                guard times.forgets == forgets else { return }
                for (tag, microseconds) in zip(unknown, learned) {
                    // A local invalidation meanwhile, or one whose write has not landed yet, may
                    // be newer than what Redis said.
                    let known = max(times[tag]?.microseconds ?? 0, pending[tag] ?? 0)
                    times[tag] = TagTime(microseconds: max(known, microseconds), epoch: epoch, learnedAt: learnedAt)
                }
            }
        } catch {
            tier.breaker.recordFailure()
            tier.counters.errors.increment()
        }
    }
}
