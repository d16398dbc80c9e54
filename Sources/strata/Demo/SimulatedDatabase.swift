import Glibc
import StrataSync
import Synchronization

/// The demo's source of truth: rows with versions, a realistic read latency, and a record of
/// every load and of when each version became visible through the cache.
final class SimulatedDatabase: Sendable {
    private struct Row {
        var version = 1
        /// When recent versions finished being written through the cache: (version, uptime ns).
        var published: [(version: Int, at: Int64)] = []
    }

    private struct State {
        var rows: [Int: Row] = [:]
        var loads: [Int: Int] = [:]
        var totalLoads = 0
    }

    let latency: Duration
    let jitter: Duration
    private let state = StrataMutex(State())

    init(latency: Duration, jitter: Duration) {
        self.latency = latency
        self.jitter = jitter
    }

    /// Reads a row, taking the configured latency. The value carries its version: `"v7:key 42"`.
    func load(_ key: Int) async throws -> String {
        let wait = latency + jitter * Double.random(in: 0...1)
        try await Task.sleep(for: wait)
        let version = state.withLock { state -> Int in
            state.loads[key, default: 0] += 1
            state.totalLoads += 1
            return state.rows[key]?.version ?? 1
        }
        return Self.value(key: key, version: version)
    }

    /// Writes a new version of a row; returns the value to write through the cache.
    func update(_ key: Int) -> String {
        let version = state.withLock { state -> Int in
            state.rows[key, default: Row()].version += 1
            return state.rows[key]!.version
        }
        return Self.value(key: key, version: version)
    }

    /// Records that `version` of `key` finished being written through the cache at `at`.
    func published(_ key: Int, version: Int, at: Int64) {
        state.withLock { state in
            var row = state.rows[key, default: Row()]
            row.published.append((version, at))
            if row.published.count > 8 { row.published.removeFirst(row.published.count - 8) }
            state.rows[key] = row
        }
    }

    /// The newest version whose write through the cache finished at or before `instant`.
    func newestPublished(_ key: Int, before instant: Int64) -> Int {
        state.withLock { state in
            state.rows[key]?.published.last { $0.at <= instant }?.version ?? 1
        }
    }

    /// When the first write through the cache of a version newer than `version` finished.
    func firstPublished(_ key: Int, after version: Int) -> Int64? {
        state.withLock { state in state.rows[key]?.published.first { $0.version > version }?.at }
    }

    func loads(of key: Int) -> Int { state.withLock { $0.loads[key] ?? 0 } }
    var totalLoads: Int { state.withLock { $0.totalLoads } }

    static func value(key: Int, version: Int) -> String { "v\(version):row \(key)" }

    /// The version a value carries.
    static func version(of value: String) -> Int {
        guard value.hasPrefix("v"), let colon = value.firstIndex(of: ":") else { return 0 }
        return Int(value[value.index(after: value.startIndex)..<colon]) ?? 0
    }
}

/// Samples keys `0..<count` with Zipf popularity (exponent `s`), from a seeded generator.
struct ZipfSampler: Sendable {
    private let cumulative: [Double]

    init(count: Int, exponent s: Double) {
        var sum = 0.0
        var cumulative = [Double](repeating: 0, count: count)
        for rank in 0..<count {
            sum += 1 / Glibc.pow(Double(rank + 1), s)
            cumulative[rank] = sum
        }
        self.cumulative = cumulative.map { $0 / sum }
    }

    func sample(_ uniform: Double) -> Int {
        var low = 0
        var high = cumulative.count - 1
        while low < high {
            let middle = (low + high) / 2
            if cumulative[middle] < uniform { low = middle + 1 } else { high = middle }
        }
        return low
    }
}

/// A counter shared by the demo's tasks.
final class SharedCounter: Sendable {
    private let value = Atomic<Int>(0)

    /// Adds one; returns the new value.
    func increment() -> Int { value.add(1, ordering: .relaxed).newValue }

    var current: Int { value.load(ordering: .relaxed) }
}

/// Serializes the writes of one key, as an application writing its database and then the cache
/// in commit order would (two writers racing on one key would otherwise leave the older value
/// last in the cache, which no cache can tell apart from a stale read).
final class KeyWriteLocks: Sendable {
    private struct Waiting {
        var locked: Set<Int> = []
        var waiters: [Int: [CheckedContinuation<Void, Never>]] = [:]
    }

    private let state = StrataMutex(Waiting())

    func withLock<T>(_ key: Int, _ body: () async throws -> T) async rethrows -> T {
        await withCheckedContinuation { continuation in
            let acquired = state.withLock { state -> Bool in
                if state.locked.contains(key) {
                    state.waiters[key, default: []].append(continuation)
                    return false
                }
                state.locked.insert(key)
                return true
            }
            if acquired { continuation.resume() }
        }
        defer {
            let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
                guard var queue = state.waiters[key], !queue.isEmpty else {
                    state.locked.remove(key)
                    return nil
                }
                let first = queue.removeFirst()
                state.waiters[key] = queue.isEmpty ? nil : queue
                return first
            }
            next?.resume()
        }
        return try await body()
    }
}
