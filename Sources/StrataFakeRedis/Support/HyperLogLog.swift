import Glibc

/// Redis 7.0's HyperLogLog (hyperloglog.c), byte for byte: the value is a string with a 16-byte
/// header ("HYLL", the encoding, three unused bytes, the cached cardinality in little endian
/// whose top bit marks it stale) followed by 16384 six-bit registers, either dense (12288
/// bytes) or sparse (run-length opcodes ZERO `00xxxxxx`, XZERO `01xxxxxx yyyyyyyy` and VAL
/// `1vvvvvxx`). Elements hash with MurmurHash64A (seed 0xadc83b19); the estimate is Otmar
/// Ertl's, as in Redis. The sparse form is edited exactly as Redis edits it (split the opcode
/// covering the register, then merge equal neighbouring VALs), so GET returns Redis' bytes.
enum HyperLogLog {
    static let headerSize = 16
    static let registerCount = 16384
    static let denseSize = headerSize + (registerCount * 6 + 7) / 8
    private static let p = 14
    private static let q = 64 - p
    private static let sparseValueMax = 32
    private static let sparseValueMaxLength = 4
    private static let sparseZeroMaxLength = 64
    private static let sparseXZeroMaxLength = 16384
    static let dense: UInt8 = 0
    static let sparse: UInt8 = 1

    // MARK: Hashing

    /// MurmurHash64A, as Redis computes it (little-endian words).
    static func murmurHash64A(_ key: Bytes, seed: UInt64) -> UInt64 {
        let m: UInt64 = 0xc6a4_a793_5bd1_e995
        let r: UInt64 = 47
        // C computes `len * m` with `len` an int converted to uint64.
        var h = seed ^ (UInt64(bitPattern: Int64(Int32(truncatingIfNeeded: key.count))) &* m)
        let whole = key.count - key.count & 7
        var i = 0
        while i < whole {
            var k: UInt64 = 0
            for b in 0..<8 { k |= UInt64(key[i + b]) << UInt64(8 * b) }
            k = k &* m
            k ^= k >> r
            k = k &* m
            h ^= k
            h = h &* m
            i += 8
        }
        let rest = key.count & 7
        if rest > 0 {
            for b in stride(from: rest - 1, through: 0, by: -1) { h ^= UInt64(key[whole + b]) << UInt64(8 * b) }
            h = h &* m
        }
        h ^= h >> r
        h = h &* m
        h ^= h >> r
        return h
    }

    /// The register an element falls in and the length of its `000...1` pattern.
    static func patternLength(_ element: Bytes) -> (index: Int, count: UInt8) {
        var hash = murmurHash64A(element, seed: 0xadc8_3b19)
        let index = Int(hash & UInt64(registerCount - 1))
        hash >>= UInt64(p)
        hash |= UInt64(1) << UInt64(q)
        var count: UInt8 = 1
        var bit: UInt64 = 1
        while hash & bit == 0 {
            count += 1
            bit <<= 1
        }
        return (index, count)
    }

    // MARK: Objects

    /// A new, empty HyperLogLog: sparse, one XZERO opcode for all registers, cache valid at 0.
    static func create() -> Bytes {
        var s = Bytes(repeating: 0, count: headerSize)
        s[0] = UInt8(ascii: "H")
        s[1] = UInt8(ascii: "Y")
        s[2] = UInt8(ascii: "L")
        s[3] = UInt8(ascii: "L")
        s[4] = sparse
        var left = registerCount
        while left > 0 {
            let run = min(left, sparseXZeroMaxLength)
            appendXZero(&s, run)
            left -= run
        }
        return s
    }

    /// Redis' isHLLObjectOrReply checks (type aside).
    static func isValid(_ s: Bytes) -> Bool {
        guard s.count >= headerSize, s[0] == UInt8(ascii: "H"), s[1] == UInt8(ascii: "Y"),
            s[2] == UInt8(ascii: "L"), s[3] == UInt8(ascii: "L"), s[4] <= sparse
        else { return false }
        return s[4] != dense || s.count == denseSize
    }

    static func invalidateCache(_ s: inout Bytes) { s[15] |= 0x80 }

    /// The cached cardinality, or nil when stale.
    static func cachedCardinality(_ s: Bytes) -> UInt64? {
        guard s[15] & 0x80 == 0 else { return nil }
        var card: UInt64 = 0
        for i in 0..<8 { card |= UInt64(s[8 + i]) << UInt64(8 * i) }
        return card
    }

    static func storeCardinality(_ s: inout Bytes, _ card: UInt64) {
        for i in 0..<8 { s[8 + i] = UInt8(truncatingIfNeeded: card >> UInt64(8 * i)) }
    }

    // MARK: Dense registers

    @inline(__always)
    static func denseRegister(_ s: Bytes, _ index: Int) -> UInt8 {
        let byte = headerSize + index * 6 / 8
        let fb = index * 6 & 7
        let b0 = UInt16(s[byte])
        let b1 = byte + 1 < s.count ? UInt16(s[byte + 1]) : 0
        return UInt8(truncatingIfNeeded: (b0 >> UInt16(fb) | b1 << UInt16(8 - fb)) & 63)
    }

    @inline(__always)
    static func setDenseRegister(_ s: inout Bytes, _ index: Int, _ value: UInt8) {
        let byte = headerSize + index * 6 / 8
        let fb = index * 6 & 7
        let v = UInt16(value)
        s[byte] = s[byte] & ~UInt8(truncatingIfNeeded: 63 << UInt16(fb)) | UInt8(truncatingIfNeeded: v << UInt16(fb))
        if byte + 1 < s.count {
            s[byte + 1] =
                s[byte + 1] & ~UInt8(truncatingIfNeeded: 63 >> UInt16(8 - fb))
                | UInt8(truncatingIfNeeded: v >> UInt16(8 - fb))
        }
    }

    // MARK: Sparse opcodes

    private enum Opcode {
        case zero(Int)
        case xzero(Int)
        case value(UInt8, Int)

        var span: Int {
            switch self {
            case .zero(let n), .xzero(let n): return n
            case .value(_, let n): return n
            }
        }

        var size: Int {
            if case .xzero = self { return 2 }
            return 1
        }
    }

    private static func opcode(_ s: Bytes, _ i: Int) -> Opcode {
        let b = s[i]
        if b & 0xC0 == 0 { return .zero(Int(b & 0x3F) + 1) }
        if b & 0x80 != 0 { return .value((b >> 2 & 0x1F) + 1, Int(b & 3) + 1) }
        let low = i + 1 < s.count ? Int(s[i + 1]) : 0
        return .xzero((Int(b & 0x3F) << 8 | low) + 1)
    }

    private static func valueByte(_ value: UInt8, _ length: Int) -> UInt8 {
        (value - 1) << 2 | UInt8(length - 1) | 0x80
    }

    private static func appendXZero(_ s: inout Bytes, _ length: Int) {
        let l = length - 1
        s.append(UInt8(l >> 8) | 0x40)
        s.append(UInt8(l & 0xFF))
    }

    /// Zero registers as ZERO or XZERO.
    private static func appendZeros(_ s: inout Bytes, _ length: Int) {
        if length > sparseZeroMaxLength { appendXZero(&s, length) } else { s.append(UInt8(length - 1)) }
    }

    /// Sparse to dense; false when the sparse form is corrupt.
    static func sparseToDense(_ s: inout Bytes) -> Bool {
        guard s[4] == sparse else { return true }
        var out = Bytes(repeating: 0, count: denseSize)
        for i in 0..<headerSize { out[i] = s[i] }
        out[4] = dense
        var index = 0
        var i = headerSize
        while i < s.count {
            let op = opcode(s, i)
            // A run past the last register is corruption (Redis 7.0.15 checks every opcode).
            if index + op.span > registerCount { return false }
            if case .value(let v, let n) = op {
                for r in index..<index + n { setDenseRegister(&out, r, v) }
            }
            index += op.span
            i += op.size
        }
        guard index == registerCount else { return false }
        s = out
        return true
    }

    /// Raises register `index` to `count` if lower. 1: changed, 0: not, -1: corrupt. May turn
    /// the sparse form dense (a value over 32, or past `sparseMaxBytes`).
    static func set(_ s: inout Bytes, _ index: Int, _ count: UInt8, sparseMaxBytes: Int) -> Int {
        if s[4] == dense {
            guard count > denseRegister(s, index) else { return 0 }
            setDenseRegister(&s, index, count)
            return 1
        }
        if Int(count) > sparseValueMax { return promote(&s, index, count) }
        // Find the opcode covering the register.
        var i = headerSize
        var first = 0
        var previous: Int?
        var op = Opcode.zero(0)
        var found = false
        while i < s.count {
            op = opcode(s, i)
            if index <= first + op.span - 1 {
                found = true
                break
            }
            previous = i
            i += op.size
            first += op.span
        }
        guard found, op.span > 0 else { return -1 }
        var replacement: Bytes = []
        let last = first + op.span - 1
        switch op {
        case .value(let current, let length):
            if current >= count { return 0 }
            if length == 1 {
                s[i] = valueByte(count, 1)
                mergeValues(&s, from: previous ?? headerSize)
                invalidateCache(&s)
                return 1
            }
            if index != first { replacement.append(valueByte(current, index - first)) }
            replacement.append(valueByte(count, 1))
            if index != last { replacement.append(valueByte(current, last - index)) }
        case .zero(let length) where length == 1:
            s[i] = valueByte(count, 1)
            mergeValues(&s, from: previous ?? headerSize)
            invalidateCache(&s)
            return 1
        case .zero, .xzero:
            if index != first { appendZeros(&replacement, index - first) }
            replacement.append(valueByte(count, 1))
            if index != last { appendZeros(&replacement, last - index) }
        }
        let delta = replacement.count - op.size
        if delta > 0 && s.count + delta > sparseMaxBytes { return promote(&s, index, count) }
        // A corrupt value may end in half an XZERO: Redis reads the string's terminator as its
        // second byte, and the terminator it writes back cuts the new sequence's last byte.
        let missing = max(0, i + op.size - s.count)
        s.replaceSubrange(i..<min(i + op.size, s.count), with: replacement.dropLast(missing))
        mergeValues(&s, from: previous ?? headerSize)
        invalidateCache(&s)
        return 1
    }

    private static func promote(_ s: inout Bytes, _ index: Int, _ count: UInt8) -> Int {
        guard sparseToDense(&s) else { return -1 }
        if count > denseRegister(s, index) { setDenseRegister(&s, index, count) }
        return 1
    }

    /// Merges adjacent VAL opcodes of equal value, scanning up to five opcodes from `start`.
    private static func mergeValues(_ s: inout Bytes, from start: Int) {
        var i = start
        var scans = 5
        while i < s.count && scans > 0 {
            scans -= 1
            let b = s[i]
            if b & 0xC0 == 0x40 {
                i += 2
                continue
            }
            if b & 0xC0 == 0 {
                i += 1
                continue
            }
            if i + 1 < s.count, s[i + 1] & 0x80 != 0 {
                let v1 = b >> 2 & 0x1F
                let v2 = s[i + 1] >> 2 & 0x1F
                let length = Int(b & 3) + Int(s[i + 1] & 3) + 2
                if v1 == v2 && length <= sparseValueMaxLength {
                    s[i + 1] = valueByte(v1 + 1, length)
                    s.remove(at: i)
                    continue
                }
            }
            i += 1
        }
    }

    /// Adds an element; 1 when a register changed, 0 when not, -1 for a corrupt value.
    static func add(_ s: inout Bytes, _ element: Bytes, sparseMaxBytes: Int) -> Int {
        let (index, count) = patternLength(element)
        return set(&s, index, count, sparseMaxBytes: sparseMaxBytes)
    }

    // MARK: Counting and merging

    /// Raises `max` (one byte per register) to this value's registers; false when corrupt.
    static func merge(into max: inout [UInt8], _ s: Bytes) -> Bool {
        if s[4] == dense {
            for r in 0..<registerCount {
                let v = denseRegister(s, r)
                if v > max[r] { max[r] = v }
            }
            return true
        }
        var index = 0
        var i = headerSize
        while i < s.count {
            let op = opcode(s, i)
            if index + op.span > registerCount { return false }
            if case .value(let v, let n) = op {
                for r in index..<index + n where v > max[r] { max[r] = v }
            }
            index += op.span
            i += op.size
        }
        return index == registerCount
    }

    /// The histogram of register values; nil for a corrupt sparse value.
    static func histogram(_ s: Bytes) -> [Int]? {
        var histogram = [Int](repeating: 0, count: 64)
        if s[4] == dense {
            for r in 0..<registerCount { histogram[Int(denseRegister(s, r))] += 1 }
            return histogram
        }
        var index = 0
        var i = headerSize
        while i < s.count {
            let op = opcode(s, i)
            switch op {
            case .zero(let n), .xzero(let n): histogram[0] += n
            case .value(let v, let n): histogram[Int(v)] += n
            }
            index += op.span
            i += op.size
        }
        return index == registerCount ? histogram : nil
    }

    static func histogram(registers: [UInt8]) -> [Int] {
        var histogram = [Int](repeating: 0, count: 64)
        for v in registers { histogram[Int(v)] += 1 }
        return histogram
    }

    private static func sigma(_ x: Double) -> Double {
        if x == 1 { return .infinity }
        var x = x
        var y = 1.0
        var z = x
        var previous: Double
        repeat {
            x *= x
            previous = z
            z += x * y
            y += y
        } while previous != z
        return z
    }

    private static func tau(_ x: Double) -> Double {
        if x == 0 || x == 1 { return 0 }
        var x = x
        var y = 1.0
        var z = 1 - x
        var previous: Double
        repeat {
            x = sqrt(x)
            previous = z
            y *= 0.5
            z -= pow(1 - x, 2) * y
        } while previous != z
        return z / 3
    }

    /// Ertl's estimate from the register histogram, rounded as llroundl does.
    static func estimate(_ histogram: [Int]) -> UInt64 {
        let m = Double(registerCount)
        var z = m * tau((m - Double(histogram[q + 1])) / m)
        for j in stride(from: q, through: 1, by: -1) {
            z += Double(histogram[j])
            z *= 0.5
        }
        z += m * sigma(Double(histogram[0]) / m)
        let alpha = 0.721347520444481703680
        let e = (alpha * m * m / z).rounded(.toNearestOrAwayFromZero)
        return UInt64(e)
    }

    // MARK: Debugging

    /// PFDEBUG DECODE's text: `z:N`, `Z:N` and `v:value,N` opcodes separated by spaces.
    static func describeSparse(_ s: Bytes) -> String {
        var parts: [String] = []
        var i = headerSize
        while i < s.count {
            let op = opcode(s, i)
            switch op {
            case .zero(let n): parts.append("z:\(n)")
            case .xzero(let n): parts.append("Z:\(n)")
            case .value(let v, let n): parts.append("v:\(v),\(n)")
            }
            i += op.size
        }
        return parts.joined(separator: " ")
    }

    /// Register access over random values, and sparse and dense forms fed the same elements
    /// agreeing register for register. A failure's description, or nil.
    static func selfTest(using rng: inout some RandomNumberGenerator) -> String? {
        var dense = Bytes(repeating: 0, count: denseSize)
        for _ in 0..<5 {
            var expected = [UInt8](repeating: 0, count: registerCount)
            for r in 0..<registerCount {
                let v = UInt8.random(in: 0...63, using: &rng)
                expected[r] = v
                setDenseRegister(&dense, r, v)
            }
            for r in 0..<registerCount where denseRegister(dense, r) != expected[r] {
                return "Register \(r) should be \(expected[r]) but is \(denseRegister(dense, r))"
            }
        }
        var sparseForm = create()
        var denseForm = create()
        guard sparseToDense(&denseForm) else { return "Sparse to dense conversion failed" }
        for j in 0..<2000 {
            let element = Array("selftest-\(j)-\(UInt32.random(in: 0...UInt32.max, using: &rng))".utf8)
            _ = add(&sparseForm, element, sparseMaxBytes: 1 << 30)
            _ = add(&denseForm, element, sparseMaxBytes: 1 << 30)
        }
        var converted = sparseForm
        guard sparseToDense(&converted) else { return "Corrupt sparse form" }
        for r in 0..<registerCount where denseRegister(converted, r) != denseRegister(denseForm, r) {
            return "Sparse and dense registers \(r) differ"
        }
        return nil
    }
}
