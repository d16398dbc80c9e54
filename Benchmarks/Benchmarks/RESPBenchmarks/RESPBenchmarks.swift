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
