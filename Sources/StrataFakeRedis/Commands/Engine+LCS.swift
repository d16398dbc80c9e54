// LCS key1 key2 [LEN] [IDX] [MINMATCHLEN len] [WITHMATCHLEN] (Redis 7.0 t_string.c): the
// longest common subsequence by the same dynamic programme and the same backward walk, so the
// subsequence and the match ranges are the ones Redis picks.

extension Engine {
    func lcsCommand(_ c: Client, _ args: Arguments) {
        let db = database(c)
        var strings: [Bytes] = []
        for j in 1...2 {
            switch findString(db, args[j]) {
            case .wrongType: return c.addError("ERR The specified keys must contain string values")
            case .missing: strings.append([])
            case .found(_, let s): strings.append(s)
            }
        }
        var minMatchLength = 0
        var getIndexes = false
        var getLength = false
        var withMatchLength = false
        var j = 3
        while j < args.count {
            if args.is(j, "idx") {
                getIndexes = true
            } else if args.is(j, "len") {
                getLength = true
            } else if args.is(j, "withmatchlen") {
                withMatchLength = true
            } else if args.is(j, "minmatchlen") && j + 1 < args.count {
                guard let n = Numbers.parseInteger(args[j + 1]) else { return c.addNotInteger() }
                minMatchLength = max(0, n)
                j += 1
            } else {
                return c.addSyntaxError()
            }
            j += 1
        }
        if getIndexes && getLength {
            return c.addError("ERR If you want both the length and indexes, please just use IDX.")
        }
        let a = strings[0]
        let b = strings[1]
        let (cells, overflow) = (a.count + 1).multipliedReportingOverflow(by: b.count + 1)
        guard !overflow, cells <= maxStringLength / 4 else {
            return c.addError("ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len")
        }
        let width = b.count + 1
        var table = [UInt32](repeating: 0, count: cells)
        if !a.isEmpty && !b.isEmpty {
            for i in 1...a.count {
                for k in 1...b.count {
                    table[i * width + k] =
                        a[i - 1] == b[k - 1]
                        ? table[(i - 1) * width + k - 1] + 1
                        : max(table[(i - 1) * width + k], table[i * width + k - 1])
                }
            }
        }
        let length = Int(table[a.count * width + b.count])
        if getLength { return c.addInteger(length) }

        // Walk back from the end, collecting the subsequence and the ranges of contiguous matches.
        var result = Bytes(repeating: 0, count: length)
        var ranges: [(aStart: Int, aEnd: Int, bStart: Int, bEnd: Int)] = []
        var index = length
        var i = a.count
        var k = b.count
        let unset = a.count
        var aStart = unset
        var aEnd = 0
        var bStart = 0
        var bEnd = 0
        while i > 0 && k > 0 {
            var emit = false
            if a[i - 1] == b[k - 1] {
                result[index - 1] = a[i - 1]
                if aStart == unset {
                    aStart = i - 1
                    aEnd = i - 1
                    bStart = k - 1
                    bEnd = k - 1
                } else if aStart == i && bStart == k {
                    aStart -= 1
                    bStart -= 1
                } else {
                    emit = true
                }
                if aStart == 0 || bStart == 0 { emit = true }
                index -= 1
                i -= 1
                k -= 1
            } else {
                if table[(i - 1) * width + k] > table[i * width + k - 1] { i -= 1 } else { k -= 1 }
                if aStart != unset { emit = true }
            }
            if emit {
                if minMatchLength == 0 || aEnd - aStart + 1 >= minMatchLength {
                    ranges.append((aStart, aEnd, bStart, bEnd))
                }
                aStart = unset
            }
        }
        guard getIndexes else { return c.addBulk(result) }
        c.addMapHeader(2)
        c.addBulk("matches")
        c.addArrayHeader(ranges.count)
        for range in ranges {
            c.addArrayHeader(withMatchLength ? 3 : 2)
            c.addArrayHeader(2)
            c.addInteger(range.aStart)
            c.addInteger(range.aEnd)
            c.addArrayHeader(2)
            c.addInteger(range.bStart)
            c.addInteger(range.bEnd)
            if withMatchLength { c.addInteger(range.aEnd - range.aStart + 1) }
        }
        c.addBulk("len")
        c.addInteger(length)
    }
}
