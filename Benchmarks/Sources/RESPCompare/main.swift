// Times RESPParser on each corpus and prints JSON:
// {"corpus": {"nsPerValue": ..., "gbPerSecond": ...}, ...}. Time is the thread's CPU time, so
// being descheduled on a shared machine does not count, and the best of several runs is kept.
//
//   swift run -c release RESPCompare [RUNS] [CORPUS...]
import BenchmarkCorpora
import Glibc

/// The calling thread's CPU time in seconds.
func threadCPUTime() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

let arguments = CommandLine.arguments.dropFirst()
let runs = arguments.first.flatMap { Int($0) } ?? 5
let selected = arguments.dropFirst().compactMap(RESPCorpus.init(rawValue:))
let corpora = selected.isEmpty ? RESPCorpus.allCases : selected

var results: [String] = []
for corpus in corpora {
    let bytes = corpus.bytes()
    var seconds = Double.infinity
    for _ in 0..<runs {
        let start = threadCPUTime()
        let count = try RESPCorpus.parse(bytes)
        seconds = min(seconds, threadCPUTime() - start)
        precondition(count == corpus.valueCount, "parsed \(count) values, expected \(corpus.valueCount)")
    }
    let nsPerValue = seconds * 1e9 / Double(corpus.valueCount)
    let gbPerSecond = Double(bytes.count) / seconds / 1e9
    results.append(
        "\"\(corpus.rawValue)\": {\"nsPerValue\": \(nsPerValue), \"gbPerSecond\": \(gbPerSecond), \"bytes\": \(bytes.count)}"
    )
}
print("{" + results.joined(separator: ", ") + "}")
