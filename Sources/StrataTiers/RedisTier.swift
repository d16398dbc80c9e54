import StrataCache
import StrataRESP
import StrataRedis
import Synchronization

/// One Redis tier of a ``TieredCache``: a client, a key namespace, a TTL, and the limits that
/// keep a slow or dead Redis from slowing every read.
public struct RedisTierOptions: Sendable {
    /// A name for statistics, such as `regional` or `global`.
    public var name: String
    /// The client the tier talks through. The tier does not shut it down.
    public var client: RedisClient
    /// Prefixed to every key (`"users:"` stores `42` as `users:42`). Also the prefix watched in
    /// broadcast client tracking.
    public var namespace: String
    /// How long entries stay fresh in this tier.
    public var ttl: Duration
    /// How long one operation may take before the tier is skipped for it.
    public var timeout: Duration
    /// Consecutive failures after which the tier is skipped entirely for `breakerOpenDuration`.
    public var breakerFailureThreshold: Int
    /// How long a tripped tier is skipped before one probe request tests it again.
    public var breakerOpenDuration: Duration

    /// Creates options for a Redis tier.
    public init(
        name: String = "redis",
        client: RedisClient,
        namespace: String,
        ttl: Duration,
        timeout: Duration = .milliseconds(250),
        breakerFailureThreshold: Int = 3,
        breakerOpenDuration: Duration = .seconds(1)
    ) {
        self.name = name
        self.client = client
        self.namespace = namespace
        self.ttl = ttl
        self.timeout = timeout
        self.breakerFailureThreshold = breakerFailureThreshold
        self.breakerOpenDuration = breakerOpenDuration
    }
}

/// The runtime side of a Redis tier: envelopes, timeouts, the circuit breaker, counters.
final class RedisTier: Sendable {
    let options: RedisTierOptions
    let counters: TierCounters
    let breaker: CircuitBreaker
    /// The server answered a script with "unknown command" (no Lua): lock releases go straight
    /// to the `WATCH` fallback.
    let lacksScripting = Atomic<Bool>(false)

    init(options: RedisTierOptions, clock: any CacheClock) {
        self.options = options
        self.counters = TierCounters(name: options.name)
        self.breaker = CircuitBreaker(
            failureThreshold: options.breakerFailureThreshold, openDuration: options.breakerOpenDuration, clock: clock)
    }

    var client: RedisClient { options.client }

    func key(_ key: String) -> String { options.namespace + key }

    /// Reads an envelope. `nil`: not there (or not written by Strata). Throws when the tier failed
    /// or was skipped; the breaker has recorded it.
    func get(_ key: String) async throws -> CacheEnvelope? {
        guard breaker.allow() else {
            counters.errors.increment()
            throw RedisClientError(.connectionFailed, "\(options.name) is skipped while its circuit breaker is open")
        }
        do {
            let bytes = try await RedisClient.withCommandTimeout(options.timeout) {
                try await client.get(self.key(key))
            }
            breaker.recordSuccess()
            guard let bytes else { return nil }
            return CacheEnvelope(consuming: bytes)
        } catch {
            breaker.recordFailure()
            counters.errors.increment()
            throw error
        }
    }

    /// How a write treats what the tier already holds.
    enum WriteMode {
        /// A change by the application: replaces anything (`SET`).
        case overwrite
        /// A cache fill: only if the key is absent (`SET NX`), so a fill never replaces a newer
        /// write or an invalidation's tombstone.
        case fill
    }

    enum WriteOutcome {
        case written
        /// A fill found the key taken (a newer write, or a tombstone).
        case rejected
        case failed
    }

    /// Writes an envelope that Redis keeps for `milliseconds`. With `track`, the key is read back
    /// in the same round trip (`EXISTS`): a write ends the server's client tracking of a key, and
    /// the read starts it again, so later changes by others still reach this process.
    func write(
        _ key: String,
        _ envelope: CacheEnvelope,
        milliseconds: Int64,
        mode: WriteMode,
        track: Bool
    ) async -> WriteOutcome {
        guard milliseconds > 0 else { return .written }
        guard breaker.allow() else {
            counters.failedWrites.increment()
            return .failed
        }
        do {
            var pipeline = RedisPipeline()
            let written = pipeline.set(
                self.key(key), envelope.encoded(), expiration: .milliseconds(Int(milliseconds)),
                condition: mode == .fill ? .ifNotExists : .always)
            if track { pipeline.send("EXISTS", self.key(key)) }
            let replies = try await RedisClient.withCommandTimeout(options.timeout) {
                try await client.execute(pipeline)
            }
            let accepted = try replies[written]
            breaker.recordSuccess()
            return accepted ? .written : .rejected
        } catch {
            breaker.recordFailure()
            counters.failedWrites.increment()
            return .failed
        }
    }

    /// Replaces keys with tombstones kept for `hold` (one round trip): readers see a miss, and
    /// fills (`SET NX`) cannot write back a value loaded before the invalidation. Returns whether
    /// it succeeded.
    @discardableResult
    func tombstone(_ keys: [String], hold: Duration, now: Int64) async -> Bool {
        guard !keys.isEmpty else { return true }
        guard breaker.allow() else {
            counters.failedWrites.increment()
            return false
        }
        do {
            var pipeline = RedisPipeline()
            let marker = CacheEnvelope.tombstone(now: now).encoded()
            for key in keys { pipeline.set(self.key(key), marker, expiration: .after(hold)) }
            let replies = try await RedisClient.withCommandTimeout(options.timeout) {
                try await client.execute(pipeline)
            }
            for reply in replies.replies where reply.isError {
                throw RedisServerError(message: reply.errorMessage ?? "")
            }
            breaker.recordSuccess()
            return true
        } catch {
            breaker.recordFailure()
            counters.failedWrites.increment()
            return false
        }
    }

}
