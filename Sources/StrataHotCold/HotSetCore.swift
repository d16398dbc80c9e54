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
/// the best of the three blocks before it), the sketch forgets its counts and the protected segment is demoted to
/// probation: yesterday's hot keys no longer outrank today's, and leave as newcomers win.
///
/// Storage is contiguous and index-linked, in buffers this non-copyable value owns (so no
/// access pays for a uniqueness check), allocated once for `capacity` entries; the index is a
/// table of its own keyed by the sketch hash, so a read hashes its key once, for both.
///
/// Not thread-safe: ``HotSet`` keeps it inside a `StrataMutex` (StrataSync).
@usableFromInline
struct HotSetCore<Key: Hashable, Value>: ~Copyable {
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

    /// Room for `capacity + 1` nodes; the first `count` are initialized. Dense: a removed node's
    /// slot is filled by the last node.
    @usableFromInline let nodes: UnsafeMutablePointer<Node>
    @usableFromInline var count = 0
    /// The index: an open-addressing table with linear probing (see `HotSetCore+Index.swift`).
    /// Each entry packs the low 32 bits of a key's sketch hash and its node's slot.
    @usableFromInline let table: UnsafeMutablePointer<UInt64>
    @usableFromInline let tableMask: Int
    /// The window, probation and protected lists, by `Region.rawValue`.
    @usableFromInline let lists: UnsafeMutablePointer<List>
    /// Hits not yet replayed into the sketch, the shadow and the lists: their keys' hashes and
    /// slots, `bufferedReads` of `readBufferCapacity`. Slots stay valid until the replay
    /// because every operation that moves or removes a node replays the buffer first.
    @usableFromInline let readHashes: UnsafeMutablePointer<UInt64>
    @usableFromInline let readSlots: UnsafeMutablePointer<Int32>
    @usableFromInline var bufferedReads = 0
    @usableFromInline static var readBufferCapacity: Int { 64 }
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

    // Window adaptation: compare the hits on sampled requests with a shadow LRU's.
    @usableFromInline var shadow: ShadowLRU
    @usableFromInline var sampledRequests = 0
    @usableFromInline var sampledHits = 0
    @usableFromInline var shadowHits = 0
    // Shift detection: the hit ratio of consecutive blocks of `period` sampled requests.
    @usableFromInline var blockRequests = 0
    @usableFromInline var blockHits = 0
    /// The hit ratios of the last three blocks since the last shift, newest first (-1: none).
    @usableFromInline var recentBlockRatios: (Double, Double, Double) = (-1, -1, -1)
    /// The sampled requests of a block: a sixth of the adaptation period, so a shift is seen
    /// early in a phase of new popularity.
    @usableFromInline let blockLength: Int
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
    /// How far a block's hit ratio must fall below the best of the three blocks before it, in
    /// standard deviations, to count as a shift of popularity.
    @usableFromInline let shiftZScore = 3.75

    /// Creates an engine for `capacity` entries.
    ///
    /// The tuning was chosen on the reference traces (see `strata simulate`): a window of 1%
    /// to start with, a shadow of about 1,000 sampled keys, an adaptation period of 1.6
    /// shadow-lengths of sampled requests, window steps of 10% of the capacity.
    @inlinable
    init(capacity: Int, admissionThreshold: Int = 2) {
        precondition(capacity > 0, "capacity must be positive")
        precondition(capacity < Int(Int32.max), "capacity must fit in Int32")
        self.capacity = capacity
        self.admissionThreshold = admissionThreshold
        sketch = FrequencySketch(capacity: capacity)
        windowMaximum = Swift.max(1, capacity / 100)
        protectedMaximum = Int(Double(capacity - windowMaximum) * 0.8)
        shadow = ShadowLRU(cacheCapacity: capacity, budget: 1024)
        period = Swift.max(1, shadow.capacity * 8 / 5)
        blockLength = Swift.max(1, period / 6)
        step = Swift.max(1, capacity / 10)
        // One more than the capacity: an insert lands before the eviction it causes.
        nodes = .allocate(capacity: capacity + 1)
        let positions = Self.tablePositions(forCapacity: capacity + 1)
        table = .allocate(capacity: positions)
        table.initialize(repeating: Self.emptyEntry, count: positions)
        tableMask = positions - 1
        lists = .allocate(capacity: 3)
        lists.initialize(repeating: List(), count: 3)
        readHashes = .allocate(capacity: Self.readBufferCapacity)
        readSlots = .allocate(capacity: Self.readBufferCapacity)
    }

    @inlinable
    deinit {
        nodes.deinitialize(count: count)
        nodes.deallocate()
        table.deallocate()
        lists.deallocate()
        readHashes.deallocate()
        readSlots.deallocate()
    }

    /// The slot of `key`, whose sketch hash is `hash`, or -1.
    ///
    /// `mutating` though it changes nothing: the engine is a few hundred bytes, and a
    /// borrowing call from inside the lock copied all of it (a `memcpy` per read).
    @inlinable
    mutating func find(_ key: Key, hash: UInt64) -> Int32 {
        probe(key, hash: hash).slot
    }

    /// The keys held, in slot order.
    @inlinable
    var keys: [Key] {
        (0..<count).map { nodes[$0].key }
    }

    /// Records a hit on `slot`, whose key's sketch hash is `hash`: buffered, and replayed (sketch,
    /// shadow, recency) when the buffer fills or before anything else changes the engine, in
    /// the order the reads came. The read path itself only appends two words.
    @inlinable
    mutating func recordHit(slot: Int32, hash: UInt64) {
        readHashes[bufferedReads] = hash
        readSlots[bufferedReads] = slot
        bufferedReads += 1
        if bufferedReads == Self.readBufferCapacity { drainReads() }
    }

    /// Records a miss on the key whose sketch hash is `hash`, after the buffered hits.
    @inlinable
    mutating func recordMiss(hash: UInt64) {
        drainReads()
        recordAccess(hash: hash, hit: false)
    }

    /// Replays the buffered hits, oldest first: exactly what each would have done at once, as
    /// nothing that reads the lists or the sketch ran in between.
    @inlinable
    mutating func drainReads() {
        var index = 0
        while index < bufferedReads {
            recordAccess(hash: readHashes[index], hit: true)
            touch(readSlots[index])
            index += 1
        }
        bufferedReads = 0
    }

    /// Records an access to the key whose sketch hash is `hash` in the sketch and, if sampled,
    /// in the shadow LRU.
    @inlinable
    mutating func recordAccess(hash: UInt64, hit: Bool) {
        sketch.recordInPlace(hash: hash)
        if shadow.samples(hash) {
            sampledRequests += 1
            if hit { sampledHits += 1 }
            if shadow.access(hash) { shadowHits += 1 }
            blockRequests += 1
            if hit { blockHits += 1 }
            if blockRequests >= blockLength { detectShift() }
            if sampledRequests >= period {
                adapt(early: false)
            } else if sampledRequests % earlyCheckInterval == 0 {
                adapt(early: true)
            }
        }
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
        precondition(count <= capacity, "the engine holds at most capacity entries between operations")
        drainReads()
        let slot = Int32(count)
        (nodes + count).initialize(
            to: Node(key: key, value: value, hash: hash, deadline: deadline, prev: -1, next: -1, region: .window))
        count += 1
        tableInsert(slot, hash: hash)
        pushFront(slot, into: .window)
        evictIfNeeded(evicted)
    }

    /// Removes the entry at `slot` and returns it.
    @discardableResult
    @inlinable
    mutating func remove(_ slot: Int32) -> (key: Key, value: Value) {
        drainReads()
        unlink(slot)
        tableRemove(at: tablePosition(of: slot, hash: nodes[Int(slot)].hash))
        let removed = (nodes + Int(slot)).move()
        count -= 1
        let last = Int32(count)
        if slot != last {
            // Keep storage dense: move the last node into the hole and repoint its neighbours.
            let moved = (nodes + Int(last)).move()
            (nodes + Int(slot)).initialize(to: moved)
            table[tablePosition(of: last, hash: moved.hash)] = Self.entry(hash: moved.hash, slot: slot)
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
        return (removed.key, removed.value)
    }

    /// Removes every entry; the sketch keeps its history.
    @inlinable
    mutating func removeAll() {
        drainReads()
        nodes.deinitialize(count: count)
        count = 0
        table.update(repeating: Self.emptyEntry, count: tableMask + 1)
        lists.update(repeating: List(), count: 3)
    }

    // MARK: - Eviction and admission

    @inlinable
    mutating func evictIfNeeded(_ evicted: (Key, Value) -> Void) {
        while lists[Int(Region.window.rawValue)].count > windowMaximum {
            let candidate = lists[Int(Region.window.rawValue)].tail
            if count <= capacity {
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
        while count > capacity {
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
        guard count >= capacity else {
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

    /// Compares the hit ratio of the block of sampled requests just ended with the best of the
    /// three blocks before it (since the last shift). Short blocks see a shift early in a phase;
    /// the best of three also catches a fall that straddles two blocks, which a comparison with
    /// the previous block alone missed for a whole phase on some seeds of `shifting`. A fall of
    /// `shiftZScore` standard deviations means popularity moved at once
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
        guard count >= capacity else { return }
        let n = Double(blockRequests)
        let ratio = Double(blockHits) / n
        let recent = recentBlockRatios
        let reference = Swift.max(recent.0, recent.1, recent.2)
        recentBlockRatios = (ratio, recent.0, recent.1)
        if reference >= 0 {
            let noise = (2 * Swift.max(reference * (1 - reference), 0.01) / n).squareRoot()
            if ratio < reference - shiftZScore * noise {
                shifts += 1
                sketch.clear()
                demoteProtected()
                recentBlockRatios = (ratio, -1, -1)
            }
        }
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

    /// Moves `slot`, in `region`'s list, to its most recently used end: the hit path, written
    /// out (not `unlink` then `pushFront`) as the region and the count stay.
    @inlinable
    mutating func moveToFront(_ slot: Int32, of region: Region) {
        let list = lists + Int(region.rawValue)
        let head = list.pointee.head
        guard head != slot else { return }
        let node = nodes + Int(slot)
        let prev = node.pointee.prev  // not -1: the slot is not the head
        let next = node.pointee.next
        nodes[Int(prev)].next = next
        if next >= 0 {
            nodes[Int(next)].prev = prev
        } else {
            list.pointee.tail = prev
        }
        node.pointee.prev = -1
        node.pointee.next = head
        nodes[Int(head)].prev = slot
        list.pointee.head = slot
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

    /// Takes `slot` out of its region's list, reading only the node's links and region (not a
    /// copy of the whole node, key and value included).
    @inlinable
    mutating func unlink(_ slot: Int32) {
        let node = nodes + Int(slot)
        let prev = node.pointee.prev
        let next = node.pointee.next
        let list = lists + Int(node.pointee.region.rawValue)
        if prev >= 0 {
            nodes[Int(prev)].next = next
        } else {
            list.pointee.head = next
        }
        if next >= 0 {
            nodes[Int(next)].prev = prev
        } else {
            list.pointee.tail = prev
        }
        list.pointee.count -= 1
    }
}
