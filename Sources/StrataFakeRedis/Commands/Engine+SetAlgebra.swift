// ZUNION, ZINTER, ZDIFF (and their STORE forms), ZINTERCARD, SINTERCARD and ZRANDMEMBER
// (Redis 7.0 t_zset.c and t_set.c). Sets count as sorted sets whose scores are all 1.

extension Engine {
    private enum ZsetOperation {
        case union, intersection, difference
    }

    /// The members and scores of a sorted set or a set (scores 1), for the algebra.
    private func zsetOperand(_ value: StoredValue) -> [(member: Bytes, score: Double)]? {
        switch value {
        case .sortedSet(let z): return (0..<z.count).map { (z[$0].member, z[$0].score) }
        case .set(let s): return s.members.map { ($0, 1.0) }
        default: return nil
        }
    }

    /// Redis' zunionInterDiffGenericCommand. `numkeysIndex` is where numkeys is; `destination`
    /// is set for the STORE forms; `cardinalityOnly` for ZINTERCARD.
    private func zsetAlgebra(
        _ c: Client, _ args: Arguments, numkeysIndex: Int, _ operation: ZsetOperation, destination: Bytes?,
        cardinalityOnly: Bool = false
    ) {
        guard let setCount = Numbers.parseInteger(args[numkeysIndex]) else { return c.addNotInteger() }
        guard setCount >= 1 else {
            return c.addError("ERR at least 1 input key is needed for '\(c.lastCommand)' command")
        }
        guard setCount <= args.count - (numkeysIndex + 1) else { return c.addSyntaxError() }
        let db = database(c)
        var sources: [[(member: Bytes, score: Double)]?] = []
        var j = numkeysIndex + 1
        for _ in 0..<setCount {
            if let slot = lookup(db, args[j]) {
                guard let operand = zsetOperand(db.value(at: slot)) else { return c.addWrongType() }
                sources.append(operand)
            } else {
                sources.append(nil)
            }
            j += 1
        }
        var weights = [Double](repeating: 1, count: setCount)
        enum Aggregate { case sum, min, max }
        var aggregate = Aggregate.sum
        var withScores = false
        var limit = 0
        while j < args.count {
            let remaining = args.count - j
            if operation != .difference && !cardinalityOnly && remaining >= setCount + 1 && args.is(j, "weights") {
                j += 1
                for i in 0..<setCount {
                    guard let w = Numbers.parseDouble(args[j]) else {
                        return c.addError("ERR weight value is not a float")
                    }
                    weights[i] = w
                    j += 1
                }
            } else if operation != .difference && !cardinalityOnly && remaining >= 2 && args.is(j, "aggregate") {
                if args.is(j + 1, "sum") {
                    aggregate = .sum
                } else if args.is(j + 1, "min") {
                    aggregate = .min
                } else if args.is(j + 1, "max") {
                    aggregate = .max
                } else {
                    return c.addSyntaxError()
                }
                j += 2
            } else if remaining >= 1 && destination == nil && !cardinalityOnly && args.is(j, "withscores") {
                withScores = true
                j += 1
            } else if cardinalityOnly && remaining >= 2 && args.is(j, "limit") {
                guard let n = positiveCount(c, args[j + 1], "ERR LIMIT can't be negative") else { return }
                limit = n
                j += 2
            } else {
                return c.addSyntaxError()
            }
        }
        func combine(_ a: Double, _ b: Double) -> Double {
            switch aggregate {
            case .sum:
                let s = a + b
                return s.isNaN ? 0 : s  // inf + -inf is 0 by Redis' convention
            case .min: return Swift.min(a, b)
            case .max: return Swift.max(a, b)
            }
        }
        func weighted(_ score: Double, _ i: Int) -> Double {
            let s = score * weights[i]
            return s.isNaN ? 0 : s
        }
        let result = SortedSetValue()
        switch operation {
        case .union:
            var scores: [Bytes: Double] = [:]
            var order: [Bytes] = []
            for (i, source) in sources.enumerated() {
                for (member, score) in source ?? [] {
                    let s = weighted(score, i)
                    if let current = scores[member] {
                        scores[member] = combine(current, s)
                    } else {
                        scores[member] = s
                        order.append(member)
                    }
                }
            }
            for member in order { result.set(member, score: scores[member]!) }
        case .intersection:
            guard !sources.contains(where: { $0 == nil || $0!.isEmpty }) else { break }
            // Redis walks the smallest input and looks the members up in the others.
            let indexed = sources.enumerated().map { ($0.offset, $0.element!) }.sorted { $0.1.count < $1.1.count }
            let lookups = indexed.map { (index, operand) in
                (index, Dictionary(operand.map { ($0.member, $0.score) }, uniquingKeysWith: { a, _ in a }))
            }
            var count = 0
            for (member, score) in indexed[0].1 {
                var total = weighted(score, indexed[0].0)
                var everywhere = true
                for (index, scores) in lookups.dropFirst() {
                    guard let other = scores[member] else {
                        everywhere = false
                        break
                    }
                    // Only the first input's product has nan turned to 0 here, as in Redis: a
                    // later nan makes a sum 0 and is ignored by MIN and MAX.
                    total = combine(total, other * weights[index])
                }
                guard everywhere else { continue }
                if cardinalityOnly {
                    count += 1
                    if limit > 0 && count >= limit { break }
                } else {
                    result.set(member, score: total)
                }
            }
            if cardinalityOnly { return c.addInteger(count) }
        case .difference:
            guard let first = sources[0] else { break }
            let others = sources.dropFirst().compactMap { $0 }.map { Set($0.map(\.member)) }
            for (member, score) in first where !others.contains(where: { $0.contains(member) }) {
                result.set(member, score: score)
            }
        }
        if cardinalityOnly { return c.addInteger(0) }
        if let destination {
            var deleted = false
            if let slot = lookupForWrite(db, destination) {
                db.delete(at: slot)
                deleted = true
            }
            if result.isEmpty {
                if deleted { signalModifiedKey(db.id, destination) }
                return c.addInteger(0)
            }
            let longest = (0..<result.count).map { result[$0].member.count }.max() ?? 0
            result.isSkiplist = result.count > config.zsetMaxListpackEntries || longest > config.zsetMaxListpackValue
            db.add(destination, .sortedSet(result))
            signalKeyAsReady(db.id, destination)
            signalModifiedKey(db.id, destination)
            return c.addInteger(result.count)
        }
        c.addArrayHeader(withScores && !c.resp3 ? result.count * 2 : result.count)
        for i in 0..<result.count {
            let element = result[i]
            if withScores && c.resp3 { c.addArrayHeader(2) }
            c.addBulk(element.member)
            if withScores { c.addDouble(element.score) }
        }
    }

    func zunionstoreCommand(_ c: Client, _ args: Arguments) {
        zsetAlgebra(c, args, numkeysIndex: 2, .union, destination: args[1])
    }
    func zinterstoreCommand(_ c: Client, _ args: Arguments) {
        zsetAlgebra(c, args, numkeysIndex: 2, .intersection, destination: args[1])
    }
    func zdiffstoreCommand(_ c: Client, _ args: Arguments) {
        zsetAlgebra(c, args, numkeysIndex: 2, .difference, destination: args[1])
    }
    func zunionCommand(_ c: Client, _ args: Arguments) {
        zsetAlgebra(c, args, numkeysIndex: 1, .union, destination: nil)
    }
    func zinterCommand(_ c: Client, _ args: Arguments) {
        zsetAlgebra(c, args, numkeysIndex: 1, .intersection, destination: nil)
    }
    func zdiffCommand(_ c: Client, _ args: Arguments) {
        zsetAlgebra(c, args, numkeysIndex: 1, .difference, destination: nil)
    }
    func zintercardCommand(_ c: Client, _ args: Arguments) {
        zsetAlgebra(c, args, numkeysIndex: 1, .intersection, destination: nil, cardinalityOnly: true)
    }

    /// SINTERCARD numkeys key [key ...] [LIMIT limit].
    func sintercardCommand(_ c: Client, _ args: Arguments) {
        guard let numkeys = Numbers.parseInteger(args[1]), numkeys > 0 else {
            return c.addError("ERR numkeys should be greater than 0")
        }
        guard numkeys <= args.count - 2 else {
            return c.addError("ERR Number of keys can't be greater than number of args")
        }
        var limit = 0
        var j = 2 + numkeys
        while j < args.count {
            guard args.is(j, "limit"), j + 1 < args.count else { return c.addSyntaxError() }
            guard let n = positiveCount(c, args[j + 1], "ERR LIMIT can't be negative") else { return }
            limit = n
            j += 2
        }
        let db = database(c)
        var sets: [SetValue] = []
        var empty = false
        for k in 2..<(2 + numkeys) {
            switch findSet(db, args[k]) {
            case .wrongType: return c.addWrongType()
            case .missing: empty = true
            case .found(_, let s): sets.append(s)
            }
        }
        if empty { return c.addInteger(0) }
        sets.sort { $0.count < $1.count }
        var count = 0
        for member in sets[0].members where sets.dropFirst().allSatisfy({ $0.contains(member) }) {
            count += 1
            if limit > 0 && count >= limit { break }
        }
        c.addInteger(count)
    }

    /// ZRANDMEMBER key [count [WITHSCORES]], as HRANDFIELD: a positive count picks distinct
    /// members, a negative one allows repeats.
    func zrandmemberCommand(_ c: Client, _ args: Arguments) {
        var count: Int?
        var withScores = false
        if args.count >= 3 {
            guard let n = negatableCount(c, args[2]) else { return }
            count = n
            if args.count == 4 {
                guard args.is(3, "withscores") else { return c.addSyntaxError() }
                withScores = true
                guard n >= -(Int.max / 2) && n <= Int.max / 2 else { return c.addError("ERR value is out of range") }
            } else if args.count > 4 {
                return c.addSyntaxError()
            }
        }
        var zset: SortedSetValue?
        switch findSortedSet(database(c), args[1]) {
        case .wrongType: return c.addWrongType()
        case .missing: break
        case .found(_, let z): zset = z
        }
        let size = zset?.count ?? 0
        guard let count else {
            if let zset, size > 0 { c.addBulk(zset[Int.random(in: 0..<size, using: &rng)].member) } else { c.addNull() }
            return
        }
        let unique = count >= 0
        let picks = unique ? min(count, size) : (size == 0 ? 0 : -count)
        let order = unique ? Array((0..<size).shuffled(using: &rng).prefix(picks)) : []
        let each = withScores ? 2 * Self.smallestBulkReply : Self.smallestBulkReply
        if !unique && refuseReplyOverLimit(c, atLeast: Self.replyBytes(picks, each: each)) { return }
        let start = c.out.buffer.count
        let nested = withScores && c.resp3
        c.addArrayHeader(withScores && !nested ? picks * 2 : picks)
        for i in 0..<picks {
            let element = zset![unique ? order[i] : Int.random(in: 0..<size, using: &rng)]
            if nested { c.addArrayHeader(2) }
            c.addBulk(element.member)
            if withScores { c.addDouble(element.score) }
            if replyPassedLimit(c, since: start) { return }
        }
    }
}
