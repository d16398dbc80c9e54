// libFuzzer entry point for RESPParser, compiled together with the StrataRESP
// sources by scripts/fuzz.sh (swiftc -sanitize=fuzzer,address).
//
// Beyond "no crash, no hang, no unbounded allocation", each input checks two
// oracles:
//  1. chunking does not matter: the input parsed whole and parsed in pieces
//     (sizes taken from the input itself) gives the same values, or the same
//     error at the same offset;
//  2. what parses re-encodes to bytes that parse back to the same values.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRESPParser(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    // Small limits, so the fuzzer reaches them with short inputs.
    let limits = RESPParser.Limits(
        maxBulkLength: 4096, maxAggregateLength: 64, maxDepth: 16, maxLineLength: 512, maxInlineLength: 256)
    for mode in [RESPParser.Mode.values, .commands] {
        let whole = run(bytes, chunkSizes: [max(1, bytes.count)], mode: mode, limits: limits)
        let seed = bytes.first.map { Int($0) } ?? 1
        let pieces = run(bytes, chunkSizes: [1, seed % 7 + 1, seed % 31 + 2], mode: mode, limits: limits)
        guard whole.values == pieces.values, whole.error == pieces.error else {
            fatalError("chunking changed the result: \(whole) vs \(pieces)")
        }
        for version in RESPVersion.allCases where mode == .values {
            var encoder = RESPEncoder()
            for value in whole.values { encoder.write(value, version: version) }
            let again = run(encoder.buffer, chunkSizes: [encoder.buffer.count + 1], mode: .values, limits: .default)
            guard again.error == nil, again.values.count == whole.values.count else {
                fatalError("re-encoded values do not parse back: \(again) from \(whole.values)")
            }
            if version == .resp3 {
                for (a, b) in zip(again.values, whole.values) where a != normalized(b) {
                    fatalError("re-encoding changed \(b) into \(a)")
                }
            }
        }
    }
    return 0
}

/// What RESP3 encoding does to a value: RESP2 nulls become `_`, attributes in a row merge.
private func normalized(_ value: RESPValue) -> RESPValue {
    switch value {
    case .nullBulkString, .nullArray: return .null
    case .array(let values): return .array(values.map(normalized))
    case .set(let values): return .set(values.map(normalized))
    case .push(let values): return .push(values.map(normalized))
    case .map(let pairs): return .map(pairs.map { (key: normalized($0.key), value: normalized($0.value)) })
    case .attributed(let inner, let attributes):
        let pairs = attributes.map { (key: normalized($0.key), value: normalized($0.value)) }
        if case .attributed(let innermost, let more) = normalized(inner) {
            return .attributed(innermost, attributes: pairs + more)
        }
        return .attributed(normalized(inner), attributes: pairs)
    default: return value
    }
}

private struct Outcome: CustomStringConvertible {
    var values: [RESPValue] = []
    var error: RESPProtocolError?
    var description: String { "\(values.count) values, error: \(error.map(String.init(describing:)) ?? "none")" }
}

private func run(_ bytes: [UInt8], chunkSizes: [Int], mode: RESPParser.Mode, limits: RESPParser.Limits) -> Outcome {
    var parser = RESPParser(mode: mode, limits: limits)
    var outcome = Outcome()
    var offset = 0
    var i = 0
    do {
        while offset < bytes.count {
            let end = min(bytes.count, offset + chunkSizes[i % chunkSizes.count])
            parser.append(contentsOf: bytes[offset..<end])
            while let value = try parser.next() { outcome.values.append(value) }
            offset = end
            i += 1
        }
    } catch {
        outcome.error = error
    }
    return outcome
}
