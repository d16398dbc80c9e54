// Sorted sets (Redis 7.0 t_zset.c): ZADD with its options, the ZRANGE family, scores, ranks.

extension Engine {
    /// A score bound of BYSCORE: `1.5`, `(1.5` (exclusive), `-inf`, `+inf`.
    struct ScoreBound {
        var value: Double
        var exclusive: Bool

        init?(_ bytes: Bytes) {
            var body = bytes
            exclusive = bytes.first == UInt8(ascii: "(")
            if exclusive { body.removeFirst() }
            guard let v = Numbers.parseRangeDouble(body) else { return nil }
            value = v
        }
    }

    /// A lexicographic bound of BYLEX: `[a`, `(a`, `-`, `+`.
    enum LexBound {
        case minimum
        case maximum
        case inclusive(Bytes)
        case exclusive(Bytes)

        init?(_ bytes: Bytes) {
            guard let first = bytes.first else { return nil }
            switch first {
            case UInt8(ascii: "+") where bytes.count == 1: self = .maximum
            case UInt8(ascii: "-") where bytes.count == 1: self = .minimum
            case UInt8(ascii: "["): self = .inclusive(Array(bytes.dropFirst()))
            case UInt8(ascii: "("): self = .exclusive(Array(bytes.dropFirst()))
            default: return nil
            }
        }

        /// Whether `member` is at or above this lower bound.
        func admitsFromBelow(_ member: Bytes) -> Bool {
            switch self {
            case .minimum: return true
            case .maximum: return false
            case .inclusive(let b): return !member.lexicographicallyPrecedes(b)
            case .exclusive(let b): return b.lexicographicallyPrecedes(member)
            }
        }

        /// Whether `member` is at or below this upper bound.
        func admitsFromAbove(_ member: Bytes) -> Bool {
            switch self {
            case .minimum: return false
            case .maximum: return true
            case .inclusive(let b): return !b.lexicographicallyPrecedes(member)
            case .exclusive(let b): return member.lexicographicallyPrecedes(b)
            }
        }
    }

    private func deleteIfEmpty(_ db: Database, _ key: Bytes, _ zset: SortedSetValue) {
        if zset.isEmpty, let slot = db.slot(key) { db.delete(at: slot) }
    }

    /// ZADD and ZINCRBY (Redis' zaddGenericCommand).
    private func zaddGeneric(_ c: Client, _ args: Arguments, incrementOnly: Bool) {
        var nx = false
        var xx = false
        var gt = false
        var lt = false
        var ch = false
        var incr = incrementOnly
        var scoreIndex = 2
        if !incrementOnly {
            while scoreIndex < args.count {
                if args.is(scoreIndex, "nx") {
                    nx = true
                } else if args.is(scoreIndex, "xx") {
                    xx = true
                } else if args.is(scoreIndex, "ch") {
                    ch = true
                } else if args.is(scoreIndex, "incr") {
                    incr = true
                } else if args.is(scoreIndex, "gt") {
                    gt = true
                } else if args.is(scoreIndex, "lt") {
                    lt = true
                } else {
                    break
                }
                scoreIndex += 1
            }
        }
        let elements = args.count - scoreIndex
        guard elements > 0, elements % 2 == 0 else { return c.addSyntaxError() }
        let pairs = elements / 2
        if nx && xx { return c.addError("ERR XX and NX options at the same time are not compatible") }
        if (gt && nx) || (lt && nx) || (gt && lt) {
            return c.addError("ERR GT, LT, and/or NX options at the same time are not compatible")
        }
        if incr && pairs > 1 { return c.addError("ERR INCR option supports a single increment-element pair") }
        var scores: [Double] = []
        for j in 0..<pairs {
            guard let score = Numbers.parseDouble(args[scoreIndex + j * 2]) else {
                return c.addError("ERR value is not a valid float")
            }
            scores.append(score)
        }
        let db = database(c)
        let key = args[1]
        var zset: SortedSetValue?
        switch findSortedSet(db, key) {
        case .wrongType: return c.addWrongType()
        case .found(_, let z): zset = z
        case .missing:
            if !xx {
                let z = SortedSetValue()
                db.add(key, .sortedSet(z))
                zset = z
            }
        }
        var added = 0
        var updated = 0
        var processed = 0
        var lastScore = 0.0
        if let zset {
            for j in 0..<pairs {
                var score = scores[j] == 0 ? 0 : scores[j]  // -0 is stored as 0, as Redis' listpack does
                let member = args[scoreIndex + 1 + j * 2]
                if let current = zset.score(member) {
                    if nx { continue }
                    if incr {
                        score += current
                        if score.isNaN {
                            if added > 0 || updated > 0 { signalModifiedKey(db.id, key) }
                            deleteIfEmpty(db, key, zset)
                            return c.addError("ERR resulting score is not a number (NaN)")
                        }
                    }
                    if (lt && score >= current) || (gt && score <= current) { continue }
                    lastScore = score
                    processed += 1
                    if score != current {
                        zset.set(member, score: score)
                        updated += 1
                    }
                } else if !xx {
                    zset.set(member, score: score)
                    lastScore = score
                    added += 1
                    processed += 1
                }
            }
            noteSortedSetWrite(zset, args, from: scoreIndex + 1, by: 2)
            deleteIfEmpty(db, key, zset)
        }
        if incr {
            if processed > 0 { c.addDouble(lastScore) } else { c.addNull() }
        } else {
            c.addInteger(ch ? added + updated : added)
        }
        if added > 0 || updated > 0 { signalModifiedKey(db.id, key) }
        if added > 0 { signalKeyAsReady(db.id, key) }
    }

    func zaddCommand(_ c: Client, _ args: Arguments) { zaddGeneric(c, args, incrementOnly: false) }
    func zincrbyCommand(_ c: Client, _ args: Arguments) { zaddGeneric(c, args, incrementOnly: true) }

    func zscoreCommand(_ c: Client, _ args: Arguments) {
        switch findSortedSet(database(c), args[1]) {
        case .wrongType: c.addWrongType()
        case .missing: c.addNull()
        case .found(_, let z):
            if let score = z.score(args[2]) { c.addDouble(score) } else { c.addNull() }
        }
    }

    func zmscoreCommand(_ c: Client, _ args: Arguments) {
        var zset: SortedSetValue?
        switch findSortedSet(database(c), args[1]) {
        case .wrongType: return c.addWrongType()
        case .missing: break
        case .found(_, let z): zset = z
        }
        c.addArrayHeader(args.count - 2)
        for j in 2..<args.count {
            if let score = zset?.score(args[j]) { c.addDouble(score) } else { c.addNull() }
        }
    }

    func zcardCommand(_ c: Client, _ args: Arguments) {
        switch findSortedSet(database(c), args[1]) {
        case .wrongType: c.addWrongType()
        case .missing: c.addInteger(0)
        case .found(_, let z): c.addInteger(z.count)
        }
    }

    func zremCommand(_ c: Client, _ args: Arguments) {
        let db = database(c)
        switch findSortedSet(db, args[1]) {
        case .wrongType: c.addWrongType()
        case .missing: c.addInteger(0)
        case .found(_, let z):
            var removed = 0
            for j in 2..<args.count where z.remove(args[j]) {
                removed += 1
                if z.isEmpty { break }
            }
            deleteIfEmpty(db, args[1], z)
            if removed > 0 { signalModifiedKey(db.id, args[1]) }
            c.addInteger(removed)
        }
    }

    private func rankGeneric(_ c: Client, _ args: Arguments, reverse: Bool) {
        switch findSortedSet(database(c), args[1]) {
        case .wrongType: c.addWrongType()
        case .missing: c.addNull()
        case .found(_, let z):
            guard let rank = z.rank(args[2]) else { return c.addNull() }
            c.addInteger(reverse ? z.count - 1 - rank : rank)
        }
    }

    func zrankCommand(_ c: Client, _ args: Arguments) { rankGeneric(c, args, reverse: false) }
    func zrevrankCommand(_ c: Client, _ args: Arguments) { rankGeneric(c, args, reverse: true) }

    func zcountCommand(_ c: Client, _ args: Arguments) {
        guard let min = ScoreBound(args[2]), let max = ScoreBound(args[3]) else {
            return c.addError("ERR min or max is not a float")
        }
        switch findSortedSet(database(c), args[1]) {
        case .wrongType: c.addWrongType()
        case .missing: c.addInteger(0)
        case .found(_, let z):
            let start = z.firstRank(scoreAbove: min.value, inclusive: !min.exclusive)
            let end = z.endRank(scoreBelow: max.value, inclusive: !max.exclusive)
            c.addInteger(Swift.max(0, end - start))
        }
    }

    /// ZLEXCOUNT: from the first member at or above min to the last at or below max, as Redis
    /// counts by rank (zzlFirstInLexRange/zzlLastInLexRange).
    func zlexcountCommand(_ c: Client, _ args: Arguments) {
        guard let min = LexBound(args[2]), let max = LexBound(args[3]) else {
            return c.addError("ERR min or max not valid string range item")
        }
        switch findSortedSet(database(c), args[1]) {
        case .wrongType: c.addWrongType()
        case .missing: c.addInteger(0)
        case .found(_, let z):
            let n = z.count
            guard n > 0, !lexRangeIsEmpty(min, max), min.admitsFromBelow(z[n - 1].member),
                max.admitsFromAbove(z[0].member),
                let first = (0..<n).first(where: { min.admitsFromBelow(z[$0].member) }),
                max.admitsFromAbove(z[first].member),
                let last = (0..<n).reversed().first(where: { max.admitsFromAbove(z[$0].member) }),
                min.admitsFromBelow(z[last].member)
            else { return c.addInteger(0) }
            c.addInteger(last - first + 1)
        }
    }

    enum RangeType {
        case auto
        case rank
        case score
        case lex
    }

    /// The ZRANGE family (Redis' zrangeGenericCommand). `keyIndex` is where the key is.
    private func zrangeGeneric(
        _ c: Client, _ args: Arguments, type fixedType: RangeType, reverse fixedReverse: Bool?,
        destination: Bytes? = nil
    ) {
        // ZRANGESTORE dst src min max ...: everything one argument further.
        let k = destination == nil ? 1 : 2
        var type = fixedType
        var reverse = fixedReverse
        var withScores = false
        var offset = 0
        var limit = -1
        var limited = false
        var j = k + 3
        while j < args.count {
            let left = args.count - j - 1
            if destination == nil && args.is(j, "withscores") {
                withScores = true
            } else if args.is(j, "limit") && left >= 2 {
                guard let o = Numbers.parseInteger(args[j + 1]), let l = Numbers.parseInteger(args[j + 2]) else {
                    return c.addNotInteger()
                }
                offset = o
                limit = l
                limited = true
                j += 2
            } else if fixedReverse == nil && reverse == nil && args.is(j, "rev") {
                reverse = true
            } else if type == .auto && args.is(j, "bylex") {
                type = .lex
            } else if type == .auto && args.is(j, "byscore") {
                type = .score
            } else {
                return c.addSyntaxError()
            }
            j += 1
        }
        let isReverse = reverse ?? false
        if type == .auto { type = .rank }
        if limited && limit != -1 && type == .rank {
            return c.addError(
                "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX")
        }
        if withScores && type == .lex {
            return c.addError("ERR syntax error, WITHSCORES not supported in combination with BYLEX")
        }
        var minIndex = k + 1
        var maxIndex = k + 2
        if isReverse && (type == .score || type == .lex) { swap(&minIndex, &maxIndex) }

        var rankRange: (Int, Int) = (0, 0)
        var scoreRange: (ScoreBound, ScoreBound)?
        var lexRange: (LexBound, LexBound)?
        switch type {
        case .rank, .auto:
            guard let start = Numbers.parseInteger(args[minIndex]), let end = Numbers.parseInteger(args[maxIndex])
            else {
                return c.addNotInteger()
            }
            rankRange = (start, end)
        case .score:
            guard let min = ScoreBound(args[minIndex]), let max = ScoreBound(args[maxIndex]) else {
                return c.addError("ERR min or max is not a float")
            }
            scoreRange = (min, max)
        case .lex:
            guard let min = LexBound(args[minIndex]), let max = LexBound(args[maxIndex]) else {
                return c.addError("ERR min or max not valid string range item")
            }
            lexRange = (min, max)
        }

        let db = database(c)
        let zset: SortedSetValue
        switch findSortedSet(db, args[k]) {
        case .wrongType: return c.addWrongType()
        case .missing:
            guard destination != nil else { return c.addRaw(SharedReply.emptyArray) }
            zset = SortedSetValue()
        case .found(_, let z): zset = z
        }

        var ranks: [Int] = []
        let length = zset.count
        switch type {
        case .rank, .auto:
            var (start, end) = rankRange
            if start < 0 { start += length }
            if end < 0 { end += length }
            if start < 0 { start = 0 }
            if start <= end && start < length {
                if end >= length { end = length - 1 }
                ranks = isReverse ? (start...end).map { length - 1 - $0 } : Array(start...end)
            }
        case .score:
            let (min, max) = scoreRange!
            if offset > 0 && offset >= length { break }
            let first = zset.firstRank(scoreAbove: min.value, inclusive: !min.exclusive)
            let end = zset.endRank(scoreBelow: max.value, inclusive: !max.exclusive)
            if first < end {
                ranks = isReverse ? Array((first..<end).reversed()) : Array(first..<end)
            }
            ranks = applyLimit(ranks, offset: offset, limit: limit)
        case .lex:
            let (min, max) = lexRange!
            if offset > 0 && offset >= length { break }
            ranks = applyLimit(lexRanks(zset, min, max, reverse: isReverse), offset: offset, limit: limit)
        }

        if let destination {
            // Redis' zrangeResultEmitCountForStore: the stored set replaces the destination.
            let result = SortedSetValue()
            for rank in ranks { result.set(zset[rank].member, score: zset[rank].score) }
            var deleted = false
            if let slot = lookupForWrite(db, destination) {
                db.delete(at: slot)
                deleted = true
            }
            if result.isEmpty {
                if deleted { signalModifiedKey(db.id, destination) }
                return c.addInteger(0)
            }
            let longest = ranks.map { zset[$0].member.count }.max() ?? 0
            result.isSkiplist = result.count > config.zsetMaxListpackEntries || longest > config.zsetMaxListpackValue
            db.add(destination, .sortedSet(result))
            signalKeyAsReady(db.id, destination)
            signalModifiedKey(db.id, destination)
            return c.addInteger(result.count)
        }
        if withScores && !c.resp3 {
            c.addArrayHeader(ranks.count * 2)
        } else {
            c.addArrayHeader(ranks.count)
        }
        for rank in ranks {
            let element = zset[rank]
            if withScores && c.resp3 { c.addArrayHeader(2) }
            c.addBulk(element.member)
            if withScores { c.addDouble(element.score) }
        }
    }

    /// The ranks a BYLEX range selects, walked the way Redis walks them: meant for members of
    /// equal score, and on mixed scores it gives what Redis gives (checks on the first and last
    /// element, then a scan from one end that stops at the first member out of range).
    private func lexRanks(_ zset: SortedSetValue, _ min: LexBound, _ max: LexBound, reverse: Bool) -> [Int] {
        let length = zset.count
        guard length > 0, !lexRangeIsEmpty(min, max) else { return [] }
        guard min.admitsFromBelow(zset[length - 1].member), max.admitsFromAbove(zset[0].member) else { return [] }
        var ranks: [Int] = []
        if !reverse {
            guard var i = (0..<length).first(where: { min.admitsFromBelow(zset[$0].member) }) else { return [] }
            while i < length && max.admitsFromAbove(zset[i].member) {
                ranks.append(i)
                i += 1
            }
        } else {
            guard var i = (0..<length).reversed().first(where: { max.admitsFromAbove(zset[$0].member) }) else {
                return []
            }
            while i >= 0 && min.admitsFromBelow(zset[i].member) {
                ranks.append(i)
                i -= 1
            }
        }
        return ranks
    }

    /// Whether a lex range cannot hold anything (min above max, or equal with an exclusive end).
    private func lexRangeIsEmpty(_ min: LexBound, _ max: LexBound) -> Bool {
        func order(_ b: LexBound) -> (Int, Bytes, Bool) {
            switch b {
            case .minimum: return (0, [], false)
            case .maximum: return (2, [], false)
            case .inclusive(let v): return (1, v, false)
            case .exclusive(let v): return (1, v, true)
            }
        }
        let (a, av, aex) = order(min)
        let (b, bv, bex) = order(max)
        if a != b { return a > b }
        if a != 1 { return false }
        if bv.lexicographicallyPrecedes(av) { return true }
        return av == bv && (aex || bex)
    }

    /// LIMIT offset count: a negative offset yields nothing, a negative count everything left.
    private func applyLimit(_ ranks: [Int], offset: Int, limit: Int) -> [Int] {
        if offset < 0 { return [] }
        let rest = ranks.dropFirst(offset)
        return limit < 0 ? Array(rest) : Array(rest.prefix(limit))
    }

    func zrangeCommand(_ c: Client, _ args: Arguments) { zrangeGeneric(c, args, type: .auto, reverse: nil) }
    func zrangestoreCommand(_ c: Client, _ args: Arguments) {
        zrangeGeneric(c, args, type: .auto, reverse: nil, destination: args[1])
    }
    func zrevrangeCommand(_ c: Client, _ args: Arguments) { zrangeGeneric(c, args, type: .rank, reverse: true) }
    func zrangebyscoreCommand(_ c: Client, _ args: Arguments) {
        zrangeGeneric(c, args, type: .score, reverse: false)
    }
    func zrevrangebyscoreCommand(_ c: Client, _ args: Arguments) {
        zrangeGeneric(c, args, type: .score, reverse: true)
    }
    func zrangebylexCommand(_ c: Client, _ args: Arguments) { zrangeGeneric(c, args, type: .lex, reverse: false) }
    func zrevrangebylexCommand(_ c: Client, _ args: Arguments) { zrangeGeneric(c, args, type: .lex, reverse: true) }

    /// ZREMRANGEBYRANK, ZREMRANGEBYSCORE, ZREMRANGEBYLEX: the range is checked before the key.
    private func zremrangeGeneric(_ c: Client, _ args: Arguments, _ type: RangeType) {
        var rankRange = (0, 0)
        var scoreRange: (ScoreBound, ScoreBound)?
        var lexRange: (LexBound, LexBound)?
        switch type {
        case .score:
            guard let min = ScoreBound(args[2]), let max = ScoreBound(args[3]) else {
                return c.addError("ERR min or max is not a float")
            }
            scoreRange = (min, max)
        case .lex:
            guard let min = LexBound(args[2]), let max = LexBound(args[3]) else {
                return c.addError("ERR min or max not valid string range item")
            }
            lexRange = (min, max)
        default:
            guard let start = Numbers.parseInteger(args[2]), let end = Numbers.parseInteger(args[3]) else {
                return c.addNotInteger()
            }
            rankRange = (start, end)
        }
        let db = database(c)
        let zset: SortedSetValue
        switch findSortedSet(db, args[1]) {
        case .wrongType: return c.addWrongType()
        case .missing: return c.addInteger(0)
        case .found(_, let z): zset = z
        }
        let length = zset.count
        var ranks: [Int] = []
        switch type {
        case .score:
            let (min, max) = scoreRange!
            let first = zset.firstRank(scoreAbove: min.value, inclusive: !min.exclusive)
            let end = zset.endRank(scoreBelow: max.value, inclusive: !max.exclusive)
            if first < end { ranks = Array(first..<end) }
        case .lex:
            let (min, max) = lexRange!
            ranks = lexRanks(zset, min, max, reverse: false)
        default:
            var (start, end) = rankRange
            if start < 0 { start += length }
            if end < 0 { end += length }
            if start < 0 { start = 0 }
            if start <= end && start < length {
                if end >= length { end = length - 1 }
                ranks = Array(start...end)
            }
        }
        let members = ranks.map { zset[$0].member }
        for member in members { zset.remove(member) }
        deleteIfEmpty(db, args[1], zset)
        if !members.isEmpty { signalModifiedKey(db.id, args[1]) }
        c.addInteger(members.count)
    }

    func zremrangebyrankCommand(_ c: Client, _ args: Arguments) { zremrangeGeneric(c, args, .rank) }
    func zremrangebyscoreCommand(_ c: Client, _ args: Arguments) { zremrangeGeneric(c, args, .score) }
    func zremrangebylexCommand(_ c: Client, _ args: Arguments) { zremrangeGeneric(c, args, .lex) }

    /// ZPOPMIN and ZPOPMAX.
    private func zpopGeneric(_ c: Client, _ args: Arguments, max: Bool) {
        var count = 1
        let hasCount = args.count == 3
        if args.count > 3 { return c.addSyntaxError() }
        if hasCount {
            guard let n = positiveCount(c, args[2]) else { return }
            count = n
        }
        let db = database(c)
        switch findSortedSet(db, args[1]) {
        case .wrongType: c.addWrongType()
        case .missing: c.addRaw(SharedReply.emptyArray)
        // As Redis' genericZpopCommand, a count of 0 is answered after the type check.
        case .found where count == 0: c.addRaw(SharedReply.emptyArray)
        case .found(_, let z):
            // With a count, RESP3 gets [member, score] pairs; otherwise a flat array.
            let n = Swift.min(count, z.count)
            let nested = hasCount && c.resp3
            c.addArrayHeader(nested ? n : n * 2)
            for _ in 0..<n {
                let element = z[max ? z.count - 1 : 0]
                z.remove(element.member)
                if nested { c.addArrayHeader(2) }
                c.addBulk(element.member)
                c.addDouble(element.score)
            }
            deleteIfEmpty(db, args[1], z)
            if n > 0 { signalModifiedKey(db.id, args[1]) }
        }
    }

    func zpopminCommand(_ c: Client, _ args: Arguments) { zpopGeneric(c, args, max: false) }
    func zpopmaxCommand(_ c: Client, _ args: Arguments) { zpopGeneric(c, args, max: true) }

    func zscanCommand(_ c: Client, _ args: Arguments) {
        guard let cursor = parseCursor(args[2]) else { return c.addError("ERR invalid cursor") }
        guard let (pattern, _, _) = parseScanOptions(c, args, from: 3, allowType: false) else { return }
        var items: [Bytes] = []
        switch findSortedSet(database(c), args[1]) {
        case .wrongType: return c.addWrongType()
        case .missing: break
        case .found(_, let z):
            // Returned whole, in score order (a cursor over ranks would skip under concurrent changes).
            _ = cursor
            for rank in 0..<z.count {
                let e = z[rank]
                if pattern.map({ Glob.matches($0, e.member) }) ?? true {
                    items.append(e.member)
                    items.append(Array(Numbers.formatDouble(e.score).utf8))
                }
            }
        }
        c.addArrayHeader(2)
        c.addBulk("0")
        c.addBulkArray(items)
    }
}
