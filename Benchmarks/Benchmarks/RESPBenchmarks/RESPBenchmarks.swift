import Benchmark
import BenchmarkCorpora
import StrataRESP

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal, .cpuTotal],
        warmupIterations: 1,
        scalingFactor: .one,
        maxDuration: .seconds(3),
        maxIterations: 50
    )

    // Parsing: each corpus fed in 16 KiB reads. Divide wall clock by the corpus' value count for
    // the time per value; scripts/bench-resp.sh does that and compares with hiredis in one run.
    for corpus in RESPCorpus.allCases {
        let bytes = corpus.bytes()
        Benchmark("parse \(corpus.rawValue) (\(corpus.valueCount) values, 16 KiB reads)") { benchmark in
            for _ in benchmark.scaledIterations {
                blackHole(try RESPCorpus.parse(bytes))
            }
        }
    }

    // RESP3 doubles, in the forms Redis writes them (`%.17g`, `inf`, integral values).
    let doubles = doubleCorpus(count: 1_000_000)
    Benchmark("parse doubles (1000000 values, 16 KiB reads)") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try RESPCorpus.parse(doubles))
        }
    }

    // Attributes: 100 values, each after 1,000 consecutive one-pair attributes (they merge into one list).
    let attributes = attributeCorpus(values: 100, attributesPerValue: 1000)
    Benchmark("parse attributes (100 values after 1000 attributes each, 16 KiB reads)") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try RESPCorpus.parse(attributes))
        }
    }

    // Encoding a command into a warm, reused buffer: no allocation per command.
    Benchmark("encode SET key value (64-byte value)", configuration: .init(scalingFactor: .kilo)) { benchmark in
        var encoder = RESPEncoder(reservingCapacity: 4096)
        let value: [UInt8] = Array(repeating: 0x61, count: 64)
        for _ in benchmark.scaledIterations {
            encoder.reset()
            encoder.writeCommand("SET", "mykey", value)
            blackHole(encoder.buffer.count)
        }
    }

    Benchmark("encode SET integer-key value EX 60", configuration: .init(scalingFactor: .kilo)) { benchmark in
        var encoder = RESPEncoder(reservingCapacity: 4096)
        let value: [UInt8] = Array(repeating: 0x61, count: 64)
        var key = 0
        for _ in benchmark.scaledIterations {
            encoder.reset()
            encoder.writeCommand("SET", key, value, "EX", 60)
            key &+= 1
            blackHole(encoder.buffer.count)
        }
    }
}

/// `count` RESP3 doubles: `%.17g`-style fractions and exponents, integral values, and the odd `inf`.
func doubleCorpus(count: Int) -> [UInt8] {
    let forms = [
        "3.1415926535897931", "-1.4999999999999999e-07", "0.5", "12345", "-0", "1e+20", "inf", "-2.25",
        "0.10000000000000001", "98765.432100000005",
    ]
    var out: [UInt8] = []
    for i in 0..<count { out.append(contentsOf: ",\(forms[i % forms.count])\r\n".utf8) }
    return out
}

/// `values` integers, each preceded by `attributesPerValue` one-pair attributes.
func attributeCorpus(values: Int, attributesPerValue: Int) -> [UInt8] {
    var out: [UInt8] = []
    for i in 0..<values {
        for j in 0..<attributesPerValue { out.append(contentsOf: "|1\r\n+key\r\n:\(j)\r\n".utf8) }
        out.append(contentsOf: ":\(i)\r\n".utf8)
    }
    return out
}
