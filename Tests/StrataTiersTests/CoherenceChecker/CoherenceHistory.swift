import StrataSync

/// Everything a checker run did, with start and end times (since the run began), and the oracle
/// that judges it.
final class CoherenceHistory: Sendable {
    /// One state of a key in the database: its value from `start` on (the write began), certainly
    /// in force by `end` (the write, cache included, returned).
    struct Version: Sendable {
        var value: String?
        var start: Duration
        var end: Duration
        var how: String
    }

    struct Read: Sendable {
        var instance: Int
        var key: String
        var value: String?
        var start: Duration
        var end: Duration
    }

    struct Event: Sendable {
        var at: Duration
        var text: String
    }

    struct Load: Hashable, Sendable {
        var instance: Int
        var key: String
        /// The index of the database version it read.
        var version: Int
        var value: String?
        /// Whether it began after the write of that version had returned (a load that overlaps
        /// the write belongs to the window before it).
        var afterTheWrite: Bool
    }

    private struct State {
        var versions: [String: [Version]] = [:]
        var reads: [Read] = []
        var events: [Event] = []
        var loads: [Load: Int] = [:]
        /// When each load began, for the story of a load repeated too often.
        var loadTimes: [Load: [Duration]] = [:]
        /// When the read that called each load began (its flight began then, or later).
        var loadReadStarts: [Load: [Duration]] = [:]
        var failedReads = 0
        /// When a plain client deleted each key's cached copy.
        var deletions: [String: [Duration]] = [:]
        /// When each instance received each key's invalidations (another writer's change).
        var notices: [NoticeKey: [Duration]] = [:]
        /// When each instance dropped every local copy (its coherence link lost or resumed).
        var flushes: [Int: [Duration]] = [:]
    }

    struct NoticeKey: Hashable {
        var instance: Int
        var key: String
    }

    private let origin = ContinuousClock.now
    private let state = StrataMutex(State())

    init(keys: [String], initial: (String) -> String?) {
        state.withLock { s in
            for key in keys {
                s.versions[key] = [Version(value: initial(key), start: .zero, end: .zero, how: "initial")]
            }
        }
    }

    var now: Duration { ContinuousClock.now - origin }

    /// The database's value of `key` now.
    func current(_ key: String) -> String? {
        state.withLock { $0.versions[key]!.last!.value }
    }

    /// The database's value of `key` now, with the index of its version.
    func currentVersion(_ key: String) -> (value: String?, index: Int, ended: Bool) {
        let now = self.now
        return state.withLock { s in
            let version = s.versions[key]!.last!
            return (version.value, s.versions[key]!.count - 1, version.end < now)
        }
    }

    /// Starts a write of `key` (callers serialize writes of one key): the database holds `value`
    /// from now on. Returns its index, for ``endWrite(_:_:)``.
    func beginWrite(_ key: String, _ value: String?, how: String) -> Int {
        let start = now
        return state.withLock { s in
            s.versions[key]!.append(Version(value: value, start: start, end: .seconds(1_000_000), how: how))
            return s.versions[key]!.count - 1
        }
    }

    func endWrite(_ key: String, _ index: Int) {
        let end = now
        state.withLock { $0.versions[key]![index].end = end }
    }

    /// A plain client deleted the cached copy of `key` (the database is unchanged). A load in
    /// flight from before the key's last change can then write its older value into the empty
    /// key, where it stays for the tier's TTL: no version check can refuse it, since the newer
    /// entry is gone. (`invalidate` leaves a tombstone for exactly this reason.)
    func recordDeletion(_ key: String) {
        let at = now
        state.withLock { $0.deletions[key, default: []].append(at) }
        record("out-of-band DEL \(key)")
    }

    /// Whether a plain client deleted `key`'s cached copy during the run.
    func wasDeleted(_ key: String) -> Bool { state.withLock { $0.deletions[key] != nil } }

    func recordRead(_ read: Read) { state.withLock { $0.reads.append(read) } }
    func recordFailedRead() { state.withLock { $0.failedReads += 1 } }
    /// When the read running in this task began (the loader runs in the task of the read that
    /// leads the load).
    @TaskLocal static var readStart: Duration?

    func recordLoad(_ load: Load) {
        let at = now
        let readStart = Self.readStart ?? at
        state.withLock {
            $0.loads[load, default: 0] += 1
            $0.loadTimes[load, default: []].append(at)
            $0.loadReadStarts[load, default: []].append(readStart)
        }
    }

    /// Instance `instance` received an invalidation of `keys` (it dropped their local copies and
    /// detached their loads in flight).
    func recordNotices(instance: Int, keys: [String]) {
        let at = now
        state.withLock { s in
            for key in keys { s.notices[NoticeKey(instance: instance, key: key), default: []].append(at) }
        }
    }

    /// Instance `instance` dropped every local copy, and the loads in flight will not be written
    /// to Redis (they may predate a change it missed).
    func recordFlush(instance: Int, reason: StaticString) {
        let at = now
        state.withLock { s in
            s.flushes[instance, default: []].append(at)
            s.events.append(Event(at: at, text: "instance \(instance) drops every local copy: \(reason)"))
        }
    }

    /// How many times the instances of `loads` dropped every local copy while they loaded the
    /// value: each time, a load in flight is not written to Redis, so its lock holder lets go with
    /// nothing there and the next reader (here or elsewhere) loads again.
    func flushesDuring(_ loads: [Load]) -> Int {
        state.withLock { s in
            let starts = loads.flatMap { s.loadReadStarts[$0] ?? [] }
            let times = loads.flatMap { s.loadTimes[$0] ?? [] }
            guard let first = starts.min(), let last = times.max() else { return 0 }
            let instances = Set(loads.map(\.instance))
            return instances.reduce(0) { sum, instance in
                sum + (s.flushes[instance] ?? []).count { $0 >= first && $0 < last }
            }
        }
    }

    /// How many invalidations of `load`'s key its instance received while it loaded that value:
    /// after the read that led the first of its loads began, and before the last load. Notices
    /// carry no version, so each detaches the key's flight, whatever it is doing (reading Redis,
    /// or loading), and revokes its local copy; until a fill reaches Redis, the next read loads
    /// again.
    func noticesDuring(_ load: Load) -> Int {
        state.withLock { s in
            guard let first = s.loadReadStarts[load]?.min(), let last = s.loadTimes[load]?.last else { return 0 }
            let notices = s.notices[NoticeKey(instance: load.instance, key: load.key)] ?? []
            return notices.count { $0 >= first && $0 < last }
        }
    }

    /// When `load` ran, with the versions of its key and the instance's reads of it meanwhile.
    func story(of load: Load) -> String {
        let s = state.withLock { $0 }
        let times = s.loadTimes[load] ?? []
        guard let first = times.first, let last = times.last else { return "" }
        let window = (first - .milliseconds(50))...(last + .milliseconds(50))
        var lines = times.map { "  at \(Self.ms($0)): instance \(load.instance) loads \(load.key)" }
        for version in s.versions[load.key]!.dropFirst(max(0, load.version - 1)).prefix(3) {
            lines.append(
                "  \(load.key) := \(version.value ?? "nil") by \(version.how) during "
                    + "[\(Self.ms(version.start)), \(Self.ms(version.end))]")
        }
        for read in s.reads
        where read.instance == load.instance && read.key == load.key && window.contains(read.start) {
            lines.append(
                "  instance \(read.instance) read \(read.key) = \(read.value ?? "nil") during "
                    + "[\(Self.ms(read.start)), \(Self.ms(read.end))]")
        }
        for (key, times) in s.notices where key.instance == load.instance {
            guard key.key == load.key || key.key.hasPrefix("__tag:") else { continue }
            for notice in times where window.contains(notice) {
                lines.append(
                    "  at \(Self.ms(notice)): instance \(load.instance) receives an invalidation of \(key.key)")
            }
        }
        for event in s.events where window.contains(event.at) {
            lines.append("  at \(Self.ms(event.at)): \(event.text)")
        }
        return lines.joined(separator: "\n")
    }
    func record(_ text: String) {
        let at = now
        state.withLock { $0.events.append(Event(at: at, text: text)) }
    }

    var readCount: Int { state.withLock { $0.reads.count } }
    var failedReads: Int { state.withLock { $0.failedReads } }
    var writeCount: Int { state.withLock { $0.versions.values.reduce(0) { $0 + $1.count - 1 } } }
    var loads: [Load: Int] { state.withLock { $0.loads } }

    /// The reads that returned a value not current at any moment within `allowed` before they
    /// began: each with a minimal history (that key's versions and the events around it).
    func staleReads(allowed: Duration, afterDeletion: Duration) -> [String] {
        let s = state.withLock { $0 }
        var failures: [String] = []
        for read in s.reads {
            // After an out-of-band DEL, a stale fill may live for the tier's TTL (see above).
            let deleted = s.deletions[read.key]?.contains { $0 <= read.end } ?? false
            let allowed = deleted ? max(allowed, afterDeletion) : allowed
            let versions = s.versions[read.key]!
            let valid = versions.indices.contains { index in
                guard versions[index].value == read.value, versions[index].start <= read.end else { return false }
                guard index + 1 < versions.count else { return true }
                return versions[index + 1].end + allowed >= read.start
            }
            if valid { continue }
            var lines = [
                "instance \(read.instance) read \(read.key) = \(read.value ?? "nil") during "
                    + "[\(Self.ms(read.start)), \(Self.ms(read.end))]: not current within \(allowed)"
            ]
            let window = (read.start - .seconds(3))...(read.end)
            for version in versions where window.contains(version.start) || version.how == "initial" {
                lines.append(
                    "  \(read.key) := \(version.value ?? "nil") by \(version.how) during "
                        + "[\(Self.ms(version.start)), \(Self.ms(version.end))]")
            }
            for event in s.events where window.contains(event.at) {
                lines.append("  at \(Self.ms(event.at)): \(event.text)")
            }
            failures.append(lines.joined(separator: "\n"))
            if failures.count >= 3 { break }
        }
        return failures
    }

    /// The faults and out-of-band events of the run, and the versions of `key` (for problems
    /// found after the run).
    func story(of key: String) -> String {
        let s = state.withLock { $0 }
        var lines = s.events.map { "  at \(Self.ms($0.at)): \($0.text)" }
        for version in s.versions[key]!.suffix(4) {
            lines.append(
                "  \(key) := \(version.value ?? "nil") by \(version.how) during "
                    + "[\(Self.ms(version.start)), \(Self.ms(version.end))]")
        }
        return lines.joined(separator: "\n")
    }

    /// The version of `key` that holds `value`, if any.
    func versionStart(of key: String, value: String?) -> Duration? {
        state.withLock { $0.versions[key]!.last { $0.value == value }?.start }
    }

    static func ms(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        return "\(seconds * 1000 + attoseconds / 1_000_000_000_000_000) ms"
    }
}

/// Serializes writes per key, across instances, so the database's history is a sequence.
actor KeyLocks {
    private var held: Set<String> = []
    private var waiters: [String: [CheckedContinuation<Void, Never>]] = [:]

    func lock(_ key: String) async {
        if !held.contains(key) {
            held.insert(key)
            return
        }
        await withCheckedContinuation { waiters[key, default: []].append($0) }
    }

    func unlock(_ key: String) {
        if var queue = waiters[key], !queue.isEmpty {
            let next = queue.removeFirst()
            waiters[key] = queue
            next.resume()  // the lock passes to it
        } else {
            held.remove(key)
        }
    }
}
