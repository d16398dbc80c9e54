import StrataRESP

/// A small, fast, seeded random number generator (SplitMix64), so randomized tests repeat exactly.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension String {
    /// The string's UTF-8 bytes.
    var bytes: [UInt8] { Array(utf8) }
}

/// Feeds `bytes` to a parser in the given chunk sizes (cycled) and collects every value.
func parseInChunks(
    _ bytes: [UInt8],
    sizes: [Int],
    mode: RESPParser.Mode = .values,
    limits: RESPParser.Limits = .default
) throws -> [RESPValue] {
    var parser = RESPParser(mode: mode, limits: limits)
    var values: [RESPValue] = []
    var offset = 0
    var i = 0
    while offset < bytes.count {
        let size = max(1, sizes[i % sizes.count])
        let end = min(bytes.count, offset + size)
        parser.append(contentsOf: bytes[offset..<end])
        while let value = try parser.next() { values.append(value) }
        offset = end
        i += 1
    }
    while let value = try parser.next() { values.append(value) }
    return values
}

/// Parses `bytes` and returns the error it throws, or nil.
func parseError(
    _ bytes: [UInt8],
    mode: RESPParser.Mode = .values,
    limits: RESPParser.Limits = .default
) -> RESPProtocolError? {
    do {
        _ = try parseInChunks(bytes, sizes: [bytes.count], mode: mode, limits: limits)
        return nil
    } catch let error as RESPProtocolError {
        return error
    } catch {
        return nil
    }
}
