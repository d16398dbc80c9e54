// SORT and SORT_RO (Redis 7.0 sort.c): lists, sets and sorted sets, numerically or ALPHA
// (byte order, as strcoll in the C locale), BY and GET patterns with `*` and `->field`, LIMIT,
// ASC|DESC and STORE.

extension Engine {
    func sortCommand(_ c: Client, _ args: Arguments) { sortGeneric(c, args, readOnly: false) }
    func sortROCommand(_ c: Client, _ args: Arguments) { sortGeneric(c, args, readOnly: true) }

    /// Redis' lookupKeyByPattern: `#` is the element itself; otherwise the first `*` becomes the
    /// element, and `key->field` reads a hash field. Nil for a missing key, a pattern without
    /// `*`, or a value of the wrong type.
    private func lookupByPattern(_ db: Database, _ pattern: Bytes, _ element: Bytes) -> Bytes? {
        if pattern == [UInt8(ascii: "#")] { return element }
        guard let star = pattern.firstIndex(of: UInt8(ascii: "*")) else { return nil }
        var keyEnd = pattern.count
        var field: Bytes?
        var i = star + 1
        while i + 1 < pattern.count {
            if pattern[i] == UInt8(ascii: "-") && pattern[i + 1] == UInt8(ascii: ">") && i + 2 < pattern.count {
                keyEnd = i
                field = Array(pattern[(i + 2)...])
                break
            }
            i += 1
        }
        let key = Array(pattern[..<star]) + element + Array(pattern[(star + 1)..<keyEnd])
        guard let slot = lookup(db, key) else { return nil }
        switch db.value(at: slot) {
        case .string(let s): return field == nil ? s : nil
        case .hash(let h): return field.flatMap { h.table.value($0) }
        default: return nil
        }
    }

    private func sortGeneric(_ c: Client, _ args: Arguments, readOnly: Bool) {
        let db = database(c)
        var descending = false
        var alpha = false
        var limitStart = 0
        var limitCount = -1
        var by: Bytes?
        var dontSort = false
        var gets: [Bytes] = []
        var store: Bytes?
        var j = 2
        while j < args.count {
            let left = args.count - j - 1
            if args.is(j, "asc") {
                descending = false
            } else if args.is(j, "desc") {
                descending = true
            } else if args.is(j, "alpha") {
                alpha = true
            } else if args.is(j, "limit") && left >= 2 {
                guard let start = Numbers.parseInteger(args[j + 1]), let count = Numbers.parseInteger(args[j + 2])
                else { return c.addNotInteger() }
                limitStart = start
                limitCount = count
                j += 2
            } else if args.is(j, "store") && left >= 1 && !readOnly {
                store = args[j + 1]
                j += 1
            } else if args.is(j, "by") && left >= 1 {
                if args[j + 1].contains(UInt8(ascii: "*")) {
                    by = args[j + 1]
                } else {
                    dontSort = true
                }
                j += 1
            } else if args.is(j, "get") && left >= 1 {
                gets.append(args[j + 1])
                j += 1
            } else {
                return c.addSyntaxError()
            }
            j += 1
        }
        // The options first, then the key's type, as Redis checks them.
        var elements: [Bytes] = []
        var isList = false
        var isSet = false
        var isSortedSet = false
        if let slot = lookup(db, args[1]) {
            switch db.value(at: slot) {
            case .list(let l):
                elements = l.elements
                isList = true
            case .set(let s):
                elements = s.members
                isSet = true
            case .sortedSet(let z):
                elements = (0..<z.count).map { z[$0].member }
                isSortedSet = true
                // Redis converts a listpack sorted set to a skiplist for good before sorting it.
                z.isSkiplist = true
            default: return c.addWrongType()
            }
        }
        // A set has no order of its own to keep when storing: Redis sorts it ALPHA then.
        if isSet && dontSort && store != nil {
            dontSort = false
            alpha = true
            by = nil
        }
        let count = elements.count
        var start = limitStart < 0 ? 0 : limitStart
        var end = limitCount < 0 ? count - 1 : start &+ limitCount &- 1
        if start >= count {
            start = count - 1
            end = count - 2
        }
        if end >= count { end = count - 1 }

        if dontSort {
            // The collection's own order (DESC reverses a list's or a sorted set's).
            if descending && (isList || isSortedSet) { elements.reverse() }
        } else {
            struct Item {
                var element: Bytes
                var score: Double
                var compare: Bytes?
            }
            var items: [Item] = []
            items.reserveCapacity(count)
            for element in elements {
                var item = Item(element: element, score: 0, compare: nil)
                let weight = by.map { lookupByPattern(db, $0, element) } ?? element
                if alpha {
                    if by != nil { item.compare = weight }
                } else if let weight {
                    guard let score = Numbers.parseSortScore(weight) else {
                        return c.addError("ERR One or more scores can't be converted into double")
                    }
                    item.score = score
                }
                items.append(item)
            }
            // Byte order up to the first NUL, as strcoll in the C locale.
            func collate(_ a: Bytes, _ b: Bytes) -> Int {
                let x = a.prefix { $0 != 0 }
                let y = b.prefix { $0 != 0 }
                if x.elementsEqual(y) { return 0 }
                return x.lexicographicallyPrecedes(y) ? -1 : 1
            }
            func binary(_ a: Bytes, _ b: Bytes) -> Int {
                a == b ? 0 : (a.lexicographicallyPrecedes(b) ? -1 : 1)
            }
            let storing = store != nil
            func compare(_ a: Item, _ b: Item) -> Int {
                if !alpha {
                    if a.score != b.score { return a.score < b.score ? -1 : 1 }
                    return binary(a.element, b.element)
                }
                if by != nil {
                    switch (a.compare, b.compare) {
                    case (nil, nil): return 0
                    case (nil, _): return -1
                    case (_, nil): return 1
                    case (let x?, let y?): return storing ? binary(x, y) : collate(x, y)
                    }
                }
                return storing ? binary(a.element, b.element) : collate(a.element, b.element)
            }
            items.sort { descending ? compare($0, $1) > 0 : compare($0, $1) < 0 }
            elements = items.map(\.element)
        }

        let selected = end >= start ? Array(elements[start...end]) : []
        var output: [Bytes?] = []
        output.reserveCapacity(selected.count * max(1, gets.count))
        for element in selected {
            if gets.isEmpty {
                output.append(element)
            } else {
                for pattern in gets { output.append(lookupByPattern(db, pattern, element)) }
            }
        }
        if let store {
            if output.isEmpty {
                deleteKey(db, store)
            } else {
                let list = ListValue(output.map { $0 ?? [] })
                db.set(store, .list(list))
                signalKeyAsReady(db.id, store)
                signalModifiedKey(db.id, store)
            }
            return c.addInteger(output.count)
        }
        c.addArrayHeader(output.count)
        for value in output {
            if let value { c.addBulk(value) } else { c.addNull() }
        }
    }
}
