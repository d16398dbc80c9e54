import StrataCache
import StrataRedis
import StrataServerTestSupport
import StrataSync
import StrataTiers
import Testing

/// A manual clock for tier tests: monotonic and wall time advance together, only when told.
final class ManualTierClock: TierClock, Sendable {
    private let nanoseconds = StrataMutex<Int64>(1_700_000_000_000 * 1_000_000)

    var now: CacheInstant { CacheInstant(nanoseconds: nanoseconds.withLock { $0 }) }
    var unixMilliseconds: Int64 { nanoseconds.withLock { $0 } / 1_000_000 }

    func advance(by duration: Duration) {
        let (seconds, attoseconds) = duration.components
        nanoseconds.withLock { $0 += seconds * 1_000_000_000 + attoseconds / 1_000_000_000 }
    }
}

/// A loader over an in-memory "database" that counts its calls and can be made to fail or wait.
final class TestDatabase: Sendable {
    private struct State {
        var rows: [String: String] = [:]
        var calls: [String: Int] = [:]
        var failing = false
    }
    private let state = StrataMutex(State())
    /// Held by tests to keep loads waiting.
    let gate = Gate()

    init(_ rows: [String: String] = [:]) {
        state.withLock { $0.rows = rows }
    }

    subscript(key: String) -> String? {
        get { state.withLock { $0.rows[key] } }
        set { state.withLock { $0.rows[key] = newValue } }
    }

    var failing: Bool {
        get { state.withLock { $0.failing } }
        set { state.withLock { $0.failing = newValue } }
    }

    func calls(_ key: String) -> Int { state.withLock { $0.calls[key] ?? 0 } }
    var totalCalls: Int { state.withLock { $0.calls.values.reduce(0, +) } }

    /// The loader of a TieredCache.
    var loader: @Sendable (String) async throws -> String? {
        { [self] key in
            await gate.pass()
            return try state.withLock { state in
                state.calls[key, default: 0] += 1
                if state.failing { throw TestSupportError("the database is down") }
                return state.rows[key]
            }
        }
    }
}

/// Lets tests hold async work at a point and release it.
final class Gate: Sendable {
    private let state = StrataMutex<(closed: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    func close() { state.withLock { $0.closed = true } }

    func open() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.closed = false
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    func pass() async {
        await withCheckedContinuation { continuation in
            let wait = state.withLock { state -> Bool in
                guard state.closed else { return false }
                state.waiters.append(continuation)
                return true
            }
            if !wait { continuation.resume() }
        }
    }

    var waiting: Int { state.withLock { $0.waiters.count } }
}

/// Polls `condition` every few milliseconds until it holds or `timeout` passes.
func eventually(timeout: Duration = .seconds(5), _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(5))
    }
    return try await condition()
}

/// A client on `server` with short timeouts, for tiers.
func makeClient(_ server: TestRedisServer, protocolVersion: RedisConfiguration.ProtocolVersion = .resp3) throws
    -> RedisClient
{
    var configuration = RedisConfiguration(host: "127.0.0.1", port: server.port)
    configuration.protocolVersion = protocolVersion
    configuration.commandTimeout = .seconds(10)
    configuration.connectTimeout = .seconds(20)  // generous: the whole suite shares two cores
    configuration.reconnectBackoff.initial = .milliseconds(5)
    configuration.reconnectBackoff.maximum = .milliseconds(50)
    return try RedisClient(configuration: configuration)
}

/// The protocol versions the tier tests run with.
let protocolVersions: [RedisConfiguration.ProtocolVersion] = [.resp2, .resp3]
