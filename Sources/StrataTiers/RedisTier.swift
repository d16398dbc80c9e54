import StrataCache
import StrataRESP
import StrataRedis
import Synchronization

/// One Redis tier of a ``TieredCache``: a client, a key namespace, a TTL, and the limits that
/// keep a slow or dead Redis from slowing every read.
public struct RedisTierOptions: Sendable {
    /// A name for statistics, such as `regional` or `global`.
    public var name: String
    /// The client the tier talks through: a `RedisClient` or a `RedisClusterClient` (StrataRedis).
    /// The tier does not shut it down.
    public var client: any RedisCachingClient
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
        client: any RedisCachingClient,
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

    init(options: RedisTierOptions, clock: any CacheClock, observer: (any StrataObserver)? = nil) {
        self.options = options
        self.counters = TierCounters(name: options.name)
        self.breaker = CircuitBreaker(
            failureThreshold: options.breakerFailureThreshold, openDuration: options.breakerOpenDuration, clock: clock,
            name: options.name, observer: observer)
    }

    var client: any RedisCachingClient { options.client }

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

    /// Reads the envelopes of `keys` in one round trip: one `MGET` (a cluster client sends one per
    /// slot, pipelined per node). Throws when the tier failed or was skipped, as ``get(_:)``.
    func getMany(_ keys: [String]) async throws -> [CacheEnvelope?] {
        guard breaker.allow() else {
            counters.errors.increment()
            throw RedisClientError(.connectionFailed, "\(options.name) is skipped while its circuit breaker is open")
        }
        do {
            let stored = keys.map { self.key($0) }
            let values = try await RedisClient.withCommandTimeout(options.timeout) { () async throws -> [[UInt8]?] in
                if let cluster = client as? RedisClusterClient { return try await cluster.mgetAcrossSlots(stored) }
                return try await client.execute(MGET(stored))
            }
            guard values.count == keys.count else {
                throw RedisClientError(.protocolError, "MGET of \(keys.count) keys answered \(values.count) values")
            }
            let envelopes = values.map { value in value.flatMap { CacheEnvelope(consuming: $0) } }
            breaker.recordSuccess()
            return envelopes
        } catch {
            breaker.recordFailure()
            counters.errors.increment()
            throw error
        }
    }

    /// How a write treats what the tier already holds.
    enum WriteMode {
        /// A change by the application (`set`, `invalidate`): replaces anything (`SET`).
        case overwrite
        /// A load's result, a refresh, a backfill or a retried invalidation: replaces what the tier
        /// holds unless that is as new or newer (its version is not older) -- a newer `set` or an
        /// invalidation that came while the load ran. `SET NX` when the key is absent, else a
        /// compare-and-set: a Lua script, or `WATCH` on a server without Lua.
        case ifNewer
    }

    enum WriteOutcome {
        case written
        /// The tier holds a newer version (a newer write, or a tombstone).
        case rejected
        case failed
    }

    /// Replaces the value unless the stored envelope's version is not older than ARGV[1]'s.
    static let replaceIfNewerScript = RedisScript(
        """
        local current = redis.call('GET', KEYS[1])
        local new = ARGV[1]
        if current and #current >= 23 and string.byte(current, 1) == 83 and string.byte(current, 2) == 2 then
          local order = 0
          for i = 4, 11 do
            local a, b = string.byte(current, i), string.byte(new, i)
            if a ~= b then
              if a < b then order = -1 else order = 1 end
              break
            end
          end
          if order == 0 then
            if math.floor(string.byte(current, 3) / 2) % 2 == 1 then return 0 end
            for i = 16, 23 do
              local a, b = string.byte(current, i), string.byte(new, i)
              if a ~= b then
                if a < b then order = -1 else order = 1 end
                break
              end
            end
          end
          if order >= 0 then return 0 end
        end
        redis.call('SET', KEYS[1], new, 'PX', ARGV[2])
        return 1
        """)

    /// Writes an envelope that Redis keeps for `milliseconds`.
    ///
    /// With `track`, the key is read back right after the write (`GETRANGE` of the envelope's
    /// identity): a write ends the server's client tracking of the key for this client, and the
    /// read starts it again, so later changes by others still reach this process. If the read
    /// finds another write's envelope (someone wrote in between, unseen), the outcome is
    /// `.rejected`, so the caller keeps no local copy.
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
        let storedKey = self.key(key)
        let bytes = envelope.encoded()
        let identity = Array(bytes.prefix(CacheEnvelope.identitySize))
        do {
            let outcome = try await RedisClient.withCommandTimeout(options.timeout) { () async throws -> WriteOutcome in
                var pipeline = RedisPipeline()
                let written = pipeline.set(
                    storedKey, bytes, expiration: .milliseconds(Int(milliseconds)),
                    condition: mode == .ifNewer ? .ifNotExists : .always)
                let readBack = track ? pipeline.add(GETRANGE(storedKey, 0, CacheEnvelope.identitySize - 1)) : nil
                let replies = try await client.execute(pipeline)
                if try replies[written] {
                    guard let readBack else { return .written }
                    return try replies[readBack] == identity ? .written : .rejected
                }
                // The key exists: replace it only if it is older.
                guard try await replaceIfNewer(storedKey, bytes, milliseconds: milliseconds) else { return .rejected }
                guard track else { return .written }
                return try await client.execute(GETRANGE(storedKey, 0, CacheEnvelope.identitySize - 1)) == identity
                    ? .written : .rejected
            }
            breaker.recordSuccess()
            return outcome
        } catch {
            breaker.recordFailure()
            counters.failedWrites.increment()
            return .failed
        }
    }

    /// The compare-and-set of ``WriteMode/ifNewer``: returns whether it wrote.
    private func replaceIfNewer(_ storedKey: String, _ bytes: [UInt8], milliseconds: Int64) async throws -> Bool {
        if !lacksScripting.load(ordering: .relaxed) {
            do {
                let reply = try await client.evaluate(
                    Self.replaceIfNewerScript, keys: [storedKey], arguments: [bytes, Array(String(milliseconds).utf8)])
                return try reply.asInt() == 1
            } catch let error as RedisServerError where error.message.hasPrefix("ERR unknown command") {
                lacksScripting.store(true, ordering: .relaxed)
            }
        }
        // No Lua: WATCH the key, compare, and write in a transaction that aborts if it changed.
        return try await client.withConnection(forKey: storedKey) { connection in
            for _ in 0..<5 {
                try await connection.watch([storedKey])
                if let current = try await connection.execute(GET(storedKey)),
                    !CacheEnvelope.replaces(current, with: bytes)
                {
                    try await connection.unwatch()
                    return false
                }
                var replace = RedisPipeline()
                replace.set(storedKey, bytes, expiration: .milliseconds(Int(milliseconds)))
                if case .committed = try await connection.transaction(replace) { return true }
            }
            return false  // the key kept changing: leave it to the other writers
        }
    }

    /// Replaces keys with tombstones of `version` kept for `hold` (one round trip): readers see a
    /// miss, and loads that began before the invalidation cannot write their older value back.
    /// With `.ifNewer` (a retry), a key that has since been written again keeps its newer value.
    /// Returns whether it succeeded.
    @discardableResult
    func tombstone(_ keys: [String], hold: Duration, version: Int64, mode: WriteMode = .overwrite) async -> Bool {
        guard !keys.isEmpty else { return true }
        let marker = CacheEnvelope.tombstone(version: version)
        if mode == .ifNewer {
            // One compare-and-set per key; `write` consults the breaker (a half-open breaker
            // allows one probe: asking it twice here would strand the probe).
            let milliseconds = max(1, hold.tierMilliseconds)
            for key in keys {
                let outcome = await write(key, marker, milliseconds: milliseconds, mode: .ifNewer, track: false)
                if outcome == .failed { return false }
            }
            return true
        }
        guard breaker.allow() else {
            counters.failedWrites.increment()
            return false
        }
        do {
            var pipeline = RedisPipeline()
            let bytes = marker.encoded()
            for key in keys { pipeline.set(self.key(key), bytes, expiration: .after(hold)) }
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
