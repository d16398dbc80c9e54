import StrataSync

/// The admission and eviction engine of a ``HotSet``: W-TinyLFU over contiguous storage.
///
/// New entries land in a small LRU admission window. When the window overflows, its oldest
/// entry becomes a candidate for the main region, a segmented LRU (probation, then protected).
/// The candidate enters only if the frequency sketch rates it above the main region's victim;
/// otherwise the candidate is dropped. The window is resized from a comparison with a sampled
/// shadow LRU (``ShadowLRU``): when plain LRU would hit more often on the same requests the
/// window grows (it is an LRU), when the main region clearly does better it shrinks, in steps
/// proportional to the difference, so recency-heavy workloads get a large window and
/// frequency-heavy ones a small one.
///
/// When popularity shifts at once (the hit ratio of a block of sampled requests falls far below
/// the previous block's), the sketch forgets its counts and the protected segment is demoted to
/// probation: yesterday's hot keys no longer outrank today's, and leave as newcomers win.
///
/// Not thread-safe: ``HotSet`` keeps it inside a `StrataMutex` (StrataSync).
@usableFromInline
struct HotSetCore<Key: Hashable, Value> {
    @usableFromInline
    enum Region: UInt8 {
        case window
        case probation
        case protected
    }

    @usableFromInline
    struct Node {
        @usableFromInline var key: Key
        @usableFromInline var value: Value
        /// The sketch hash of the key, kept so the victim's frequency needs no rehash.
        @usableFromInline var hash: UInt64
        /// When the entry stops being served, in the owner's clock ticks (`Int64.max`: never).
        @usableFromInline var deadline: Int64
        @usableFromInline var prev: Int32
        @usableFromInline var next: Int32
        @usableFromInline var region: Region

        @inlinable
        init(key: Key, value: Value, hash: UInt64, deadline: Int64, prev: Int32, next: Int32, region: Region) {
            self.key = key
            self.value = value
            self.hash = hash
            self.deadline = deadline
            self.prev = prev
            self.next = next
            self.region = region
        }
    }

    @usableFromInline
    struct List {
        @usableFromInline var head: Int32 = -1  // most recently used
        @usableFromInline var tail: Int32 = -1  // least recently used
        @usableFromInline var count = 0

        @inlinable
        init() {}
    }

    @usableFromInline var nodes: ContiguousArray<Node> = []
    @usableFromInline var index: [Key: Int32] = [:]
    @usableFromInline var lists = [List](repeating: List(), count: 3)
    @usableFromInline var sketch: FrequencySketch<Key>

    @usableFromInline let capacity: Int
    /// The target size of the admission window; the rest is the main region.
    @usableFromInline var windowMaximum: Int
    @usableFromInline var protectedMaximum: Int
    /// The minimum estimated frequency for a window entry to enter the main region.
    @usableFromInline let admissionThreshold: Int
    /// How many counts more than the victim a candidate needs. One, not zero: in a loop the
    /// candidate was always seen once more than the victim, and admitting it only churns.
    @usableFromInline let admissionMargin = 1
    /// Entries admitted from the window into the main region.
    @usableFromInline var promotions = 0

    /// A fixed hash for the sketch, or `nil` to use `hashValue` (seeded per process).
    @usableFromInline let keyHash: (@Sendable (Key) -> UInt64)?

    // Window adaptation: compare the hits on sampled requests with a shadow LRU's.
    @usableFromInline var shadow: ShadowLRU
    @usableFromInline var sampledRequests = 0
    @usableFromInline var sampledHits = 0
    @usableFromInline var shadowHits = 0
    // Shift detection: the hit ratio of consecutive blocks of `period` sampled requests.
    @usableFromInline var blockRequests = 0
    @usableFromInline var blockHits = 0
    /// The previous block's hit ratio (-1: none yet).
    @usableFromInline var previousBlockRatio = -1.0
    /// How often popularity was judged to have shifted (the sketch was reset).
    @usableFromInline var shifts = 0
    @usableFromInline let period: Int
    @usableFromInline let step: Int
    /// How far ahead LRU must be, in standard deviations of the sampling noise, to grow the window.
    @usableFromInline let growthZScore = 0.5
    /// How far ahead the main region must be, in standard deviations, to shrink the window.
    @usableFromInline let shrinkZScore = 1.0
    /// A window step, as a fraction of the capacity, per unit of lead (hit ratio difference).
    @usableFromInline let adaptationGain = 2.0
    /// Between periods, every `earlyCheckInterval` sampled requests, the window moves at once if
    /// either side leads by this many standard deviations (a large lead shows early).
    @usableFromInline let earlyZScore = 3.0
    @usableFromInline let earlyCheckInterval = 256
    /// How far a block's hit ratio must fall below the previous block's, in standard
    /// deviations, to count as a shift of popularity.
    @usableFromInline let shiftZScore = 3.0

    /// Creates an engine for `capacity` entries.
    ///
    /// The tuning was chosen on the reference traces (see `strata simulate`): a window of 1%
    /// to start with, a shadow of about 1,000 sampled keys, an adaptation period of 1.6
    /// shadow-lengths of sampled requests, window steps of 10% of the capacity.
    @inlinable
    init(capacity: Int, admissionThreshold: Int = 2, keyHash: (@Sendable (Key) -> UInt64)? = nil) {
        precondition(capacity > 0, "capacity must be positive")
        precondition(capacity < Int(Int32.max), "capacity must fit in Int32")
        self.keyHash = keyHash
        self.capacity = capacity
        self.admissionThreshold = admissionThreshold
        sketch = FrequencySketch(capacity: capacity)
        windowMaximum = Swift.max(1, capacity / 100)
        protectedMaximum = Int(Double(capacity - windowMaximum) * 0.8)
        shadow = ShadowLRU(cacheCapacity: capacity, budget: 1024)
        period = Swift.max(1, shadow.capacity * 8 / 5)
        step = Swift.max(1, capacity / 10)
        nodes.reserveCapacity(capacity)
        index.reserveCapacity(capacity)
    }

    @inlinable var count: Int { nodes.count }

    /// The slot of `key`, if present.
    @inlinable
    func slot(of key: Key) -> Int32? {
        index[key]
    }

    /// The sketch hash of `key`.
    @inlinable
    func hash(of key: Key) -> UInt64 {
        keyHash.map { $0(key) } ?? FrequencySketch<Key>.spread(key.hashValue)
    }

    /// Records an access to `key` in the sketch and, if sampled, in the shadow LRU.
    @inlinable
    mutating func recordAccess(_ key: Key, hit: Bool) -> UInt64 {
        let hash = hash(of: key)
        sketch.record(hash: hash)
        if shadow.samples(hash) {
            sampledRequests += 1
            if hit { sampledHits += 1 }
            if shadow.access(hash) { shadowHits += 1 }
            blockRequests += 1
            if hit { blockHits += 1 }
            if blockRequests >= period { detectShift() }
            if sampledRequests >= period {
                adapt(early: false)
            } else if sampledRequests % earlyCheckInterval == 0 {
                adapt(early: true)
            }
        }
        return hash
    }

    /// Moves the entry at `slot` to the most recently used end of its region (a hit).
    @inlinable
    mutating func touch(_ slot: Int32) {
        switch nodes[Int(slot)].region {
        case .window:
            moveToFront(slot, of: .window)
        case .protected:
            moveToFront(slot, of: .protected)
        case .probation:
            unlink(slot)
            pushFront(slot, into: .protected)
            while lists[Int(Region.protected.rawValue)].count > protectedMaximum {
                let demoted = lists[Int(Region.protected.rawValue)].tail
                unlink(demoted)
                pushFront(demoted, into: .probation)
            }
        }
    }

    /// Inserts a new entry into the admission window, then evicts what no longer fits.
    /// `evicted` is called for each entry that leaves (the candidate or the victim).
    @inlinable
    mutating func insert(
        _ key: Key,
        value: Value,
        hash: UInt64,
        deadline: Int64,
        evicted: (Key, Value) -> Void
    ) {
        let slot = Int32(nodes.count)
        nodes.append(Node(key: key, value: value, hash: hash, deadline: deadline, prev: -1, next: -1, region: .window))
        index[key] = slot
        pushFront(slot, into: .window)
        evictIfNeeded(evicted)
    }

    /// Removes the entry at `slot` and returns it.
    @discardableResult
    @inlinable
    mutating func remove(_ slot: Int32) -> (key: Key, value: Value) {
        unlink(slot)
        let removed = nodes[Int(slot)]
        index[removed.key] = nil
        let last = Int32(nodes.count - 1)
        if slot != last {
            // Keep storage dense: move the last node into the hole and repoint its neighbours.
            let moved = nodes[Int(last)]
            nodes[Int(slot)] = moved
            index[moved.key] = slot
            if moved.prev >= 0 {
                nodes[Int(moved.prev)].next = slot
            } else {
                lists[Int(moved.region.rawValue)].head = slot
            }
            if moved.next >= 0 {
                nodes[Int(moved.next)].prev = slot
            } else {
                lists[Int(moved.region.rawValue)].tail = slot
            }
        }
        nodes.removeLast()
        return (removed.key, removed.value)
    }

    /// Removes every entry; the sketch keeps its history.
    @inlinable
    mutating func removeAll() {
        nodes.removeAll(keepingCapacity: true)
        index.removeAll(keepingCapacity: true)
        lists = [List](repeating: List(), count: 3)
    }

    // MARK: - Eviction and admission

    @inlinable
    mutating func evictIfNeeded(_ evicted: (Key, Value) -> Void) {
        while lists[Int(Region.window.rawValue)].count > windowMaximum {
            let candidate = lists[Int(Region.window.rawValue)].tail
            if nodes.count <= capacity {
                // The main region has room: the candidate moves in on probation.
                unlink(candidate)
                pushFront(candidate, into: .probation)
                promotions += 1
                continue
            }
            let victim = mainVictim()
            if victim < 0 || admits(candidate: candidate, over: victim) {
                unlink(candidate)
                pushFront(candidate, into: .probation)
                promotions += 1
                if victim >= 0 {
                    let entry = remove(victim)
                    evicted(entry.key, entry.value)
                } else {
                    break
                }
            } else {
                let entry = remove(candidate)
                evicted(entry.key, entry.value)
            }
        }
        while nodes.count > capacity {
            // The window was resized below its population, or the main region overflows.
            var victim = mainVictim()
            if victim < 0 { victim = lists[Int(Region.window.rawValue)].tail }
            let entry = remove(victim)
            evicted(entry.key, entry.value)
        }
    }

    /// The least recently used entry of probation, else of protected, else -1.
    @inlinable
    func mainVictim() -> Int32 {
        let probation = lists[Int(Region.probation.rawValue)].tail
        return probation >= 0 ? probation : lists[Int(Region.protected.rawValue)].tail
    }

    /// TinyLFU admission: the candidate must be seen often enough and more often than the victim.
    @inlinable
    func admits(candidate: Int32, over victim: Int32) -> Bool {
        let candidateFrequency = sketch.estimate(hash: nodes[Int(candidate)].hash)
        guard candidateFrequency >= admissionThreshold else { return false }
        let victimFrequency = sketch.estimate(hash: nodes[Int(victim)].hash)
        return candidateFrequency > victimFrequency + admissionMargin
    }

    // MARK: - Window adaptation

    /// Grows the window when plain LRU would have hit more often on the same sampled requests
    /// (a recency-heavy workload: the window is an LRU), and shrinks it when the
    /// frequency-guarded main region does better. Each step is proportional to the lead
    /// (`adaptationGain` times the lead, as a fraction of the capacity, at least `step`).
    ///
    /// The thresholds are asymmetric. Growing needs only a hint of a lead
    /// (half a standard deviation of the sampling noise): on recency-driven traces
    /// (`shifting`, `bursts`) LRU's lead is a point or two, below two standard deviations, and
    /// a rule that waited for two never grew the window there, so the promoter lost to LRU.
    /// Shrinking needs a lead of the main region of one standard deviation, so a window
    /// grown to fit a recency workload does not random-walk back down at parity, while a
    /// frequency workload, where the main region wins by far more, still shrinks it.
    ///
    /// `early` checks, between periods, act only on a lead of `earlyZScore` standard deviations
    /// and otherwise keep counting: when the cache first fills under short-lived reuse, LRU
    /// leads by twenty points, and waiting for the whole period lost those hits (`bursts`).
    @inlinable
    mutating func adapt(early: Bool) {
        guard nodes.count >= capacity else {
            resetSample()
            return
        }
        let n = Double(sampledRequests)
        let lead = Double(shadowHits - sampledHits) / n
        let p = Double(shadowHits + sampledHits) / (2 * n)
        let noise = (2 * Swift.max(p * (1 - p), 0.01) / n).squareRoot()
        if early && abs(lead) <= earlyZScore * noise { return }
        resetSample()
        let stride = Swift.max(step, Int(abs(lead) * adaptationGain * Double(capacity)))
        if lead > growthZScore * noise {
            setWindowMaximum(Swift.min(capacity, windowMaximum + stride))
        } else if lead < -shrinkZScore * noise {
            setWindowMaximum(Swift.max(1, windowMaximum - stride))
        }
    }

    @inlinable
    mutating func resetSample() {
        sampledRequests = 0
        sampledHits = 0
        shadowHits = 0
    }

    /// Compares the hit ratio of the block of sampled requests just ended with the previous
    /// block's. A fall of `shiftZScore` standard deviations means popularity moved at once
    /// (`shifting`: the Zipf ranks reshuffled): the sketch's counts then describe keys that are
    /// no longer read, and they kept the new hot keys out for most of a phase, since a
    /// candidate must outscore its victim. So the sketch is cleared and every protected entry
    /// is demoted to probation's cold end, where newcomers replace them as they earn counts.
    /// A scan also trips it; the admission threshold (two sightings) keeps the scan's one-off
    /// keys out of the main region afterwards.
    @inlinable
    mutating func detectShift() {
        defer {
            blockRequests = 0
            blockHits = 0
        }
        guard nodes.count >= capacity else { return }
        let n = Double(blockRequests)
        let ratio = Double(blockHits) / n
        if previousBlockRatio >= 0 {
            let noise = (2 * Swift.max(previousBlockRatio * (1 - previousBlockRatio), 0.01) / n).squareRoot()
            if ratio < previousBlockRatio - shiftZScore * noise {
                shifts += 1
                sketch.clear()
                demoteProtected()
            }
        }
        previousBlockRatio = ratio
    }

    /// Moves every protected entry, in order, to the least recently used end of probation.
    @inlinable
    mutating func demoteProtected() {
        var slot = lists[Int(Region.protected.rawValue)].head
        while slot >= 0 {
            let next = nodes[Int(slot)].next
            unlink(slot)
            pushBack(slot, into: .probation)
            slot = next
        }
    }

    @inlinable
    mutating func setWindowMaximum(_ target: Int) {
        windowMaximum = target
        protectedMaximum = Int(Double(capacity - windowMaximum) * 0.8)
        while lists[Int(Region.protected.rawValue)].count > protectedMaximum {
            let demoted = lists[Int(Region.protected.rawValue)].tail
            unlink(demoted)
            pushFront(demoted, into: .probation)
        }
    }

    // MARK: - Lists

    @inlinable
    mutating func moveToFront(_ slot: Int32, of region: Region) {
        guard lists[Int(region.rawValue)].head != slot else { return }
        unlink(slot)
        pushFront(slot, into: region)
    }

    @inlinable
    mutating func pushFront(_ slot: Int32, into region: Region) {
        let r = Int(region.rawValue)
        let head = lists[r].head
        nodes[Int(slot)].region = region
        nodes[Int(slot)].prev = -1
        nodes[Int(slot)].next = head
        if head >= 0 {
            nodes[Int(head)].prev = slot
        } else {
            lists[r].tail = slot
        }
        lists[r].head = slot
        lists[r].count += 1
    }

    @inlinable
    mutating func pushBack(_ slot: Int32, into region: Region) {
        let r = Int(region.rawValue)
        let tail = lists[r].tail
        nodes[Int(slot)].region = region
        nodes[Int(slot)].prev = tail
        nodes[Int(slot)].next = -1
        if tail >= 0 {
            nodes[Int(tail)].next = slot
        } else {
            lists[r].head = slot
        }
        lists[r].tail = slot
        lists[r].count += 1
    }

    @inlinable
    mutating func unlink(_ slot: Int32) {
        let node = nodes[Int(slot)]
        let r = Int(node.region.rawValue)
        if node.prev >= 0 {
            nodes[Int(node.prev)].next = node.next
        } else {
            lists[r].head = node.next
        }
        if node.next >= 0 {
            nodes[Int(node.next)].prev = node.prev
        } else {
            lists[r].tail = node.prev
        }
        lists[r].count -= 1
    }
}
