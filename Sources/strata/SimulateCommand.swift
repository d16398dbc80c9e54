import StrataSimulator

/// `strata simulate`: replays traces against LRU, the hot/cold promoter and Belady.
struct SimulateCommand: Subcommand {
    static let name = "simulate"
    static let summary = "replay key traces against LRU, hot/cold and Belady; print hit ratios"
    static let usage = """
        usage: strata simulate --capacity N [--json] TRACE...

        Replays each trace file (text, one integer key per line) against an LRU cache, the
        hot/cold promoter (HotSet) and Belady's optimal offline policy, all with N entries,
        and prints their hit ratios side by side, one row per trace. Every request counts,
        cold misses included.

        options:
          --capacity N   the number of entries of each simulated cache (required)
          --json         print one JSON object: trace file name -> policy -> hit ratio (%)
          -h, --help     show this help

        """

    let capacity: Int
    let json: Bool
    let paths: [String]

    init(arguments: [String]) throws(UsageError) {
        let parsed = try Arguments(arguments, flags: ["--json"], options: ["--capacity"])
        guard let capacity = try parsed.positiveInteger("--capacity") else {
            throw UsageError(message: "--capacity is required")
        }
        guard capacity < Int(Int32.max) else { throw UsageError(message: "--capacity is too large") }
        guard !parsed.positionals.isEmpty else { throw UsageError(message: "no trace files given") }
        self.capacity = capacity
        json = parsed.flags.contains("--json")
        paths = parsed.positionals
    }

    func run() async -> Int32 {
        let policies = SimulatedPolicy.allCases
        var results: [SimulationResult] = []
        for path in paths {
            let trace: [Int]
            do {
                trace = try TraceReader.load(path: path)
            } catch {
                printError("strata simulate: \(error)")
                return 1
            }
            let capacity = self.capacity
            // The policies are independent: replay them in parallel.
            let hits = await withTaskGroup(of: (SimulatedPolicy, Int).self) { group in
                for policy in policies {
                    group.addTask { (policy, CacheSimulator.hits(of: policy, trace: trace, capacity: capacity)) }
                }
                var hits: [SimulatedPolicy: Int] = [:]
                for await (policy, count) in group { hits[policy] = count }
                return hits
            }
            results.append(SimulationResult(trace: Self.fileName(path), requests: trace.count, hits: hits))
        }
        if json {
            print(SimulationReport.json(results, policies: policies), terminator: "")
        } else {
            print(SimulationReport.table(results, policies: policies, capacity: capacity), terminator: "")
        }
        return 0
    }

    static func fileName(_ path: String) -> String {
        path.split(separator: "/", omittingEmptySubsequences: true).last.map(String.init) ?? path
    }
}
