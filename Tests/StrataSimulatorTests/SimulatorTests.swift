import StrataSimulator
import StrataTestSupport
import Testing

@Suite(.cpuBound)
struct SimulatorTests {
    @Test func lruCountsEveryRequest() {
        // capacity 2: 1 2 1 3 1 2 -> hits on the second 1 and the third 1.
        #expect(CacheSimulator.hits(of: .lru, trace: [1, 2, 1, 3, 1, 2], capacity: 2) == 2)
    }

    @Test(arguments: [
        ([1, 2, 3, 1, 2, 3], 2, 2),  // keep 1 (or 2) through the loop: bypass 3
        ([1, 2, 3, 4, 1, 2, 3, 4], 3, 3),
        ([1, 1, 1, 1], 1, 3),
        ([1, 2, 1, 2, 3, 3, 3], 1, 3),  // 2 is bypassed twice; 3 replaces 1
    ])
    func beladyIsOptimalOnSmallTraces(trace: [Int], capacity: Int, expected: Int) {
        #expect(CacheSimulator.hits(of: .belady, trace: trace, capacity: capacity) == expected)
    }

    @Test func beladyBoundsTheOnlinePolicies() {
        let trace = Traces.zipf(keys: 5_000, alpha: 0.8, count: 50_000, seed: 9)
        let belady = CacheSimulator.hits(of: .belady, trace: trace, capacity: 200)
        #expect(CacheSimulator.hits(of: .lru, trace: trace, capacity: 200) < belady)
        #expect(CacheSimulator.hits(of: .hotCold, trace: trace, capacity: 200) < belady)
    }

    @Test func hotColdResultsAreReproducible() {
        let trace = Traces.zipf(keys: 5_000, alpha: 0.9, count: 30_000, seed: 4)
        let first = CacheSimulator.hits(of: .hotCold, trace: trace, capacity: 300)
        #expect(CacheSimulator.hits(of: .hotCold, trace: trace, capacity: 300) == first)
    }

    @Test func reportsATableAndJSON() {
        let result = SimulationResult(trace: "a.txt", requests: 3, hits: [.lru: 1, .hotCold: 2, .belady: 2])
        let table = SimulationReport.table([result], policies: SimulatedPolicy.allCases, capacity: 2)
        #expect(table.contains("capacity 2"))
        #expect(table.contains("33.33%") && table.contains("66.67%"))
        let json = SimulationReport.json([result], policies: SimulatedPolicy.allCases)
        #expect(json == "{\n  \"a.txt\": {\"LRU\": 33.33, \"HotCold\": 66.67, \"Belady\": 66.67}\n}\n")
        let quoted = SimulationReport.json(
            [SimulationResult(trace: "a\"b", requests: 0, hits: [.lru: 0])], policies: [.lru])
        #expect(quoted.contains("\"a\\\"b\": {\"LRU\": 0.00}"))
    }
}

@Suite(.cpuBound)
struct TraceParserTests {
    func parse(_ text: String, chunk: Int) -> (keys: [Int], error: String?) {
        var parser = TraceParser()
        var keys: [Int] = []
        let bytes = Array(text.utf8)
        var start = 0
        while start < bytes.count {
            let end = min(bytes.count, start + chunk)
            let error = bytes[start..<end].withUnsafeBytes { parser.consume($0, into: &keys) }
            if let error { return (keys, error) }
            start = end
        }
        let error = parser.finish(into: &keys)
        return (keys, error)
    }

    @Test(arguments: [1, 2, 3, 7, 1_000])
    func parsesInAnyChunking(chunk: Int) {
        let result = parse("1\n22\r\n-3\n\n+4\n 5 \n9223372036854775807", chunk: chunk)
        #expect(result.error == nil)
        #expect(result.keys == [1, 22, -3, 4, 5, Int.max])
    }

    @Test(arguments: [
        ("1\nx\n", "line 2"),
        ("1\n2\n-\n", "line 3"),
        ("99999999999999999999\n", "line 1"),
        ("1.5\n", "line 1"),
    ])
    func rejectsWhatIsNotAnIntegerPerLine(text: String, line: String) {
        let result = parse(text, chunk: 2)
        #expect(result.error?.hasPrefix(line + ":") == true)
    }
}
