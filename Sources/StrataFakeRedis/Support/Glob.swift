/// Glob-style matching with Redis' rules (`stringmatchlen`): `*`, `?`, `[abc]`, `[^a-z]`,
/// and `\` to escape. Used by KEYS, SCAN MATCH, PSUBSCRIBE and PUBSUB CHANNELS.
enum Glob {
    /// Whether `string` matches `pattern`.
    static func matches(_ pattern: Bytes, _ string: Bytes, nocase: Bool = false) -> Bool {
        if pattern.count == 1 && pattern[0] == UInt8(ascii: "*") { return true }
        var skipLongerMatches = false
        return match(pattern[...], string[...], nocase: nocase, nesting: 0, skipLongerMatches: &skipLongerMatches)
    }

    private static func lower(_ c: UInt8) -> UInt8 {
        c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z") ? c | 0x20 : c
    }

    private static func match(
        _ patternIn: ArraySlice<UInt8>,
        _ stringIn: ArraySlice<UInt8>,
        nocase: Bool,
        nesting: Int,
        skipLongerMatches: inout Bool
    ) -> Bool {
        // Redis caps the recursion of '*' to avoid pathological patterns.
        if nesting > 1000 { return false }
        var pattern = patternIn
        var string = stringIn
        while let p = pattern.first {
            if string.isEmpty && p != UInt8(ascii: "*") { return false }
            switch p {
            case UInt8(ascii: "*"):
                while pattern.count > 1 && pattern[pattern.startIndex + 1] == UInt8(ascii: "*") {
                    pattern = pattern.dropFirst()
                }
                if pattern.count == 1 { return true }
                while true {
                    if match(
                        pattern.dropFirst(), string, nocase: nocase, nesting: nesting + 1,
                        skipLongerMatches: &skipLongerMatches)
                    {
                        return true
                    }
                    if skipLongerMatches { return false }
                    if string.isEmpty { break }
                    string = string.dropFirst()
                }
                skipLongerMatches = true
                return false
            case UInt8(ascii: "?"):
                string = string.dropFirst()
            case UInt8(ascii: "["):
                pattern = pattern.dropFirst()
                let negate = pattern.first == UInt8(ascii: "^")
                if negate { pattern = pattern.dropFirst() }
                var matched = false
                let c = string.first!
                while true {
                    guard let q = pattern.first else { break }
                    if q == UInt8(ascii: "\\") && pattern.count >= 2 {
                        pattern = pattern.dropFirst()
                        if pattern.first! == c { matched = true }
                    } else if q == UInt8(ascii: "]") {
                        break
                    } else if pattern.count >= 3 && pattern[pattern.startIndex + 1] == UInt8(ascii: "-") {
                        var start = q
                        var end = pattern[pattern.startIndex + 2]
                        var ch = c
                        if start > end { swap(&start, &end) }
                        if nocase {
                            start = lower(start)
                            end = lower(end)
                            ch = lower(ch)
                        }
                        pattern = pattern.dropFirst(2)
                        if ch >= start && ch <= end { matched = true }
                    } else {
                        if nocase {
                            if lower(q) == lower(c) { matched = true }
                        } else if q == c {
                            matched = true
                        }
                    }
                    pattern = pattern.dropFirst()
                }
                if pattern.isEmpty {
                    // No closing bracket: Redis treats the end of the pattern as its end.
                    if negate { matched = !matched }
                    if !matched { return false }
                    string = string.dropFirst()
                    return string.isEmpty
                }
                if negate { matched = !matched }
                if !matched { return false }
                string = string.dropFirst()
            case UInt8(ascii: "\\") where pattern.count >= 2:
                pattern = pattern.dropFirst()
                let q = pattern.first!
                if nocase ? lower(q) != lower(string.first!) : q != string.first! { return false }
                string = string.dropFirst()
            default:
                if nocase ? lower(p) != lower(string.first!) : p != string.first! { return false }
                string = string.dropFirst()
            }
            pattern = pattern.dropFirst()
            if string.isEmpty {
                while pattern.first == UInt8(ascii: "*") { pattern = pattern.dropFirst() }
                break
            }
        }
        return pattern.isEmpty && string.isEmpty
    }
}
