import StrataSync
import Synchronization

/// Times cross-region invalidations for `strata demo --regions`, on keys of their own, while the
/// workload runs. A round has every instance of the other regions read a fresh key until each
/// holds a local copy, writes the key in one region, and records, from the write's return:
/// - when each of those instances dropped its copy: its cache's invalidation hook, called as the
///   copy is dropped (``dropped(_:region:instance:)``);
/// - when each other region's first instance read the new version: it reads every millisecond
///   once it has dropped its copy.
///
/// The probe keys are written by nothing else, so every drop of one is this round's.
final class InvalidationProbes: Sendable {
    /// What one receiving region saw of the writes made in the other regions (nanoseconds from
    /// each write's return).
    struct Samples: Sendable {
        /// Until every instance of the region had dropped its local copy.
        var dropped: [Int64] = []
        /// Until the region's first instance read the new version.
        var readable: [Int64] = []
        /// Rounds in which that did not happen within ``InvalidationProbes/timeout``.
        var droppedMissed = 0
        var readableMissed = 0
    }

    /// One app instance: its region's index and its index there.
    struct Instance: Hashable, Sendable {
        var region: Int
        var instance: Int
    }

    private struct State {
        /// Key of a round in progress -> when each instance first dropped its local copy (uptime ns).
        var drops: [String: [Instance: Int64]] = [:]
        var samples: [Samples]
    }

    /// How long a round waits for the drops and the read (nanoseconds).
    static let timeout: Int64 = 5_000_000_000

    private let state: StrataMutex<State>
    private let uptime: @Sendable () -> Int64
    /// Set when the workload ends: rounds whose write returns after that are not counted.
    private let stopped = Atomic<Bool>(false)

    init(regions: Int, uptime: @escaping @Sendable () -> Int64) {
        self.state = StrataMutex(State(samples: Array(repeating: Samples(), count: regions)))
        self.uptime = uptime
    }

    /// Per receiving region.
    var samples: [Samples] { state.withLock { $0.samples } }

    /// The invalidation hook of instance `instance` of region `region`: it just dropped `keys`.
    func dropped(_ keys: [String], region: Int, instance: Int) {
        let now = uptime()
        state.withLock { state in
            guard !state.drops.isEmpty else { return }
            let at = Instance(region: region, instance: instance)
            for key in keys where state.drops[key] != nil && state.drops[key]![at] == nil {
                state.drops[key]![at] = now
            }
        }
    }

    /// Ends the rounds: each loop stops after the round in progress.
    func stop() { stopped.store(true, ordering: .relaxed) }

    /// Runs rounds written in region `origin` until ``stop()``; keys are `firstKey` plus the next
    /// value of `counter` (shared by every origin's loop).
    func run(
        from origin: Int, regions: [RegionsDemo.Region], database: SimulatedDatabase, firstKey: Int,
        counter: SharedCounter
    ) async {
        let others = regions.indices.filter { $0 != origin }
        let receivers = others.flatMap { index in
            regions[index].instances.indices.map { Instance(region: index, instance: $0) }
        }
        while !stopped.load(ordering: .relaxed) {
            let number = firstKey + counter.increment()
            let key = String(number)
            await prime(key, in: others.map { regions[$0] })
            // Watched from just before the write: drops before it (a fill of the regional tier
            // reaching another instance's client tracking) are not the write's.
            state.withLock { $0.drops[key] = [:] }
            let value = database.update(number)
            await regions[origin].instances[0].cache.set(key, value)
            let written = uptime()
            let counted = !stopped.load(ordering: .relaxed)
            let version = SimulatedDatabase.version(of: value)
            let deadline = written + Self.timeout
            let readable = await withTaskGroup(of: (Int, Int64?).self) { group in
                for index in others {
                    let cache = regions[index].instances[0].cache
                    let first = Instance(region: index, instance: 0)
                    group.addTask {
                        // Before its drop the instance holds the old version: reading then
                        // would only count hits on it.
                        guard await self.wait(key, until: deadline, { $0[first] != nil }) else { return (index, nil) }
                        while self.uptime() < deadline {
                            if let value = try? await cache.get(key), SimulatedDatabase.version(of: value) >= version {
                                return (index, self.uptime() - written)
                            }
                            try? await Task.sleep(for: .milliseconds(1))
                        }
                        return (index, nil)
                    }
                }
                var readable: [Int: Int64] = [:]
                for await (index, elapsed) in group { readable[index] = elapsed }
                return readable
            }
            _ = await wait(key, until: deadline) { drops in receivers.allSatisfy { drops[$0] != nil } }
            state.withLock { state in
                let drops = state.drops.removeValue(forKey: key) ?? [:]
                guard counted else { return }
                for index in others {
                    let times = regions[index].instances.indices.compactMap {
                        drops[Instance(region: index, instance: $0)]
                    }
                    if times.count == regions[index].instances.count, let last = times.max() {
                        // A drop cannot precede the write; if the clock reads say so, it was at once.
                        state.samples[index].dropped.append(max(0, last - written))
                    } else {
                        state.samples[index].droppedMissed += 1
                    }
                    if let elapsed = readable[index] ?? nil {
                        state.samples[index].readable.append(elapsed)
                    } else {
                        state.samples[index].readableMissed += 1
                    }
                }
            }
        }
    }

    /// Reads `key` from every instance of `regions` until two passes in a row are all answered
    /// by the local tier (at most 100 passes): each instance holds a local copy, and the fills
    /// and backfills of the first reads are over.
    private func prime(_ key: String, in regions: [RegionsDemo.Region]) async {
        var settled = 0
        for _ in 0..<100 where settled < 2 {
            var local = true
            for region in regions {
                for instance in region.instances where (try? await instance.cache.fetch(key))?.source != .local {
                    local = false
                }
            }
            settled = local ? settled + 1 : 0
            try? await Task.sleep(for: .milliseconds(1))
        }
    }

    /// Whether `done` holds for the drops recorded for `key` before `deadline` (uptime ns),
    /// looking every millisecond.
    private func wait(
        _ key: String, until deadline: Int64, _ done: @Sendable ([Instance: Int64]) -> Bool
    ) async -> Bool {
        while true {
            if state.withLock({ done($0.drops[key] ?? [:]) }) { return true }
            if uptime() >= deadline { return false }
            try? await Task.sleep(for: .milliseconds(1))
        }
    }
}
