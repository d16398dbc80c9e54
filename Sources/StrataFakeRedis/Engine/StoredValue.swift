/// A value in the keyspace. Aggregates are classes so commands change them in place.
enum StoredValue {
    /// An independent copy (COPY): aggregates are duplicated with their encodings.
    func copy() -> StoredValue {
        switch self {
        case .string: return self
        case .list(let l): return .list(ListValue(l.elements))
        case .hash(let h):
            let copy = HashValue()
            copy.table = h.table
            copy.isHashtable = h.isHashtable
            return .hash(copy)
        case .set(let s):
            let copy = SetValue()
            copy.table = s.table
            copy.isHashtable = s.isHashtable
            return .set(copy)
        case .sortedSet(let z): return .sortedSet(z.copy())
        case .stream(let x): return .stream(x.copy())
        }
    }

    case string(Bytes)
    case list(ListValue)
    case hash(HashValue)
    case set(SetValue)
    case sortedSet(SortedSetValue)
    case stream(StreamValue)

    /// The name TYPE replies with.
    var typeName: String {
        switch self {
        case .string: return "string"
        case .list: return "list"
        case .hash: return "hash"
        case .set: return "set"
        case .sortedSet: return "zset"
        case .stream: return "stream"
        }
    }
}

/// A list: a ring buffer, so pushes and pops at both ends are O(1).
final class ListValue {
    private var storage: [Bytes] = []
    private var head = 0
    private(set) var count = 0

    var isEmpty: Bool { count == 0 }

    init() {}

    init(_ elements: [Bytes]) {
        storage = elements
        count = elements.count
    }

    private var capacity: Int { storage.count }

    @inline(__always)
    private func physical(_ i: Int) -> Int {
        let p = head + i
        return p >= capacity ? p - capacity : p
    }

    private func grow() {
        var fresh: [Bytes] = []
        fresh.reserveCapacity(max(8, capacity * 2))
        for i in 0..<count { fresh.append(storage[physical(i)]) }
        let newCapacity = max(8, capacity * 2)
        while fresh.count < newCapacity { fresh.append([]) }
        storage = fresh
        head = 0
    }

    subscript(i: Int) -> Bytes {
        get { storage[physical(i)] }
        set { storage[physical(i)] = newValue }
    }

    func pushFront(_ element: Bytes) {
        if count == capacity { grow() }
        head = head == 0 ? capacity - 1 : head - 1
        storage[head] = element
        count += 1
    }

    func pushBack(_ element: Bytes) {
        if count == capacity { grow() }
        storage[physical(count)] = element
        count += 1
    }

    func popFront() -> Bytes? {
        guard count > 0 else { return nil }
        let element = storage[head]
        storage[head] = []
        head = head + 1 == capacity ? 0 : head + 1
        count -= 1
        return element
    }

    func popBack() -> Bytes? {
        guard count > 0 else { return nil }
        let p = physical(count - 1)
        let element = storage[p]
        storage[p] = []
        count -= 1
        return element
    }

    /// The elements in order.
    var elements: [Bytes] { (0..<count).map { self[$0] } }

    /// Replaces every element.
    func replace(with elements: [Bytes]) {
        storage = elements
        head = 0
        count = elements.count
    }
}

/// A hash: fields in insertion order while small, like Redis' listpack encoding.
final class HashValue {
    var table = SlotTable<Bytes>(keepsInsertionOrder: true)
    /// Redis would hold it as a hashtable now, not a listpack (it never converts back).
    var isHashtable = false
    var count: Int { table.count }
    var isEmpty: Bool { table.isEmpty }
}

/// A set of members.
final class SetValue {
    var table = SlotTable<Void>(keepsInsertionOrder: true)
    /// Redis would hold it as a hashtable now, not an intset (it never converts back).
    var isHashtable = false
    var count: Int { table.count }
    var isEmpty: Bool { table.isEmpty }

    func contains(_ member: Bytes) -> Bool { table.find(member) != nil }

    /// Adds a member; returns whether it was new.
    @discardableResult
    func add(_ member: Bytes) -> Bool {
        guard table.find(member) == nil else { return false }
        table.insert(member, ())
        return true
    }

    @discardableResult
    func remove(_ member: Bytes) -> Bool { table.remove(member) != nil }

    var members: [Bytes] { table.entries.map(\.key) }

    /// The members in the order Redis 7.0 walks them: an intset ascending by value, a
    /// hashtable in no particular order (the fake's own).
    var membersInRedisOrder: [Bytes] {
        isHashtable ? members : Self.sortedAsIntegers(members)
    }

    /// Integer members ascending by value, as an intset holds them.
    static func sortedAsIntegers(_ members: [Bytes]) -> [Bytes] {
        members.map { (Numbers.parseInteger($0) ?? 0, $0) }.sorted { $0.0 < $1.0 }.map(\.1)
    }
}

/// A sorted set: a score per member, and the members ordered by (score, member).
final class SortedSetValue {
    struct Element {
        var score: Double
        var member: Bytes
    }

    private(set) var scores: [Bytes: Double] = [:]
    /// Redis would hold it as a skiplist now, not a listpack (it never converts back).
    var isSkiplist = false
    /// Ordered by score, then by member bytes.
    private(set) var ordered: [Element] = []

    var count: Int { ordered.count }
    var isEmpty: Bool { ordered.isEmpty }

    func score(_ member: Bytes) -> Double? { scores[member] }

    /// The first index whose element is not before (score, member).
    private func lowerBound(_ score: Double, _ member: Bytes) -> Int {
        var low = 0
        var high = ordered.count
        while low < high {
            let mid = (low + high) / 2
            let e = ordered[mid]
            if e.score < score || (e.score == score && e.member.lexicographicallyPrecedes(member)) {
                low = mid + 1
            } else {
                high = mid
            }
        }
        return low
    }

    /// The rank (0-based, ascending) of a member, if present.
    func rank(_ member: Bytes) -> Int? {
        guard let score = scores[member] else { return nil }
        return lowerBound(score, member)
    }

    /// Sets a member's score; returns whether the member was new.
    @discardableResult
    func set(_ member: Bytes, score: Double) -> Bool {
        if let old = scores[member] {
            if old == score { return false }
            ordered.remove(at: lowerBound(old, member))
            scores[member] = score
            ordered.insert(Element(score: score, member: member), at: lowerBound(score, member))
            return false
        }
        scores[member] = score
        ordered.insert(Element(score: score, member: member), at: lowerBound(score, member))
        return true
    }

    @discardableResult
    func remove(_ member: Bytes) -> Bool {
        guard let score = scores.removeValue(forKey: member) else { return false }
        ordered.remove(at: lowerBound(score, member))
        return true
    }

    subscript(rank: Int) -> Element { ordered[rank] }

    /// An independent copy (COPY), with the same encoding.
    func copy() -> SortedSetValue {
        let z = SortedSetValue()
        z.scores = scores
        z.ordered = ordered
        z.isSkiplist = isSkiplist
        return z
    }

    /// The first rank whose score is above `min` (or at least `min` when inclusive).
    func firstRank(scoreAbove min: Double, inclusive: Bool) -> Int {
        var low = 0
        var high = ordered.count
        while low < high {
            let mid = (low + high) / 2
            let s = ordered[mid].score
            if inclusive ? s < min : s <= min { low = mid + 1 } else { high = mid }
        }
        return low
    }

    /// One past the last rank whose score is below `max` (or at most `max` when inclusive).
    func endRank(scoreBelow max: Double, inclusive: Bool) -> Int {
        var low = 0
        var high = ordered.count
        while low < high {
            let mid = (low + high) / 2
            let s = ordered[mid].score
            if inclusive ? s <= max : s < max { low = mid + 1 } else { high = mid }
        }
        return low
    }
}
