/// LZF decompression (liblzf's lzf_d.c format), for the compressed strings of RDB payloads:
/// Redis compresses strings longer than 20 bytes when that saves space.
enum LZF {
    /// The `length` bytes `compressed` expands to; `nil` when the data is malformed or does not
    /// expand to exactly `length` bytes.
    static func decompress(_ compressed: ArraySlice<UInt8>, length: Int) -> Bytes? {
        // No input byte expands to more than 88 (a 3-byte back reference copies at most 264), so
        // a larger claimed length is malformed: refused before anything is allocated for it.
        guard length >= 0, length / 88 <= compressed.count else { return nil }
        var out: Bytes = []
        out.reserveCapacity(length)
        var i = compressed.startIndex
        let end = compressed.endIndex
        while i < end {
            let control = Int(compressed[i])
            i += 1
            if control < 32 {
                // A literal run of control + 1 bytes.
                let run = control + 1
                guard end - i >= run, out.count + run <= length else { return nil }
                out.append(contentsOf: compressed[i..<(i + run)])
                i += run
            } else {
                // A back reference: length in the top 3 bits (7 means one more byte follows).
                var count = control >> 5
                if count == 7 {
                    guard i < end else { return nil }
                    count += Int(compressed[i])
                    i += 1
                }
                guard i < end else { return nil }
                let distance = ((control & 0x1f) << 8) + Int(compressed[i]) + 1
                i += 1
                count += 2
                guard distance <= out.count, out.count + count <= length else { return nil }
                var from = out.count - distance
                for _ in 0..<count {
                    out.append(out[from])
                    from += 1
                }
            }
        }
        return out.count == length ? out : nil
    }
}
