import Glibc
import StrataSimulator

/// `strata simulate`: replays traces against LRU, the hot/cold promoter and Belady.
struct SimulateCommand: Subcommand {
    static let name = "simulate"
    static let summary = "replay key traces against LRU, hot/cold and Belady; print hit ratios"
    static let usage = """
        usage: strata simulate --capacity N [--json] TRACE...
               strata simulate --capacities LIST [--svg FILE] [--json] TRACE...

        Replays each trace file (text, one integer key per line) against an LRU cache, the
        hot/cold promoter (HotSet) and Belady's optimal offline policy, all with N entries,
        and prints their hit ratios side by side, one row per trace. Every request counts,
        cold misses included.

        With --capacities, it replays every trace at every capacity and prints each policy's
        miss ratio per capacity: the miss-ratio curve, which tells how big a cache must be for
        the misses you can afford. --svg draws the curves (a panel per trace) into FILE.

        options:
          --capacity N        the number of entries of each simulated cache
          --capacities LIST   several capacities, e.g. 1k,2k,5k,10k,20k,50k,100k,200k
                              (k: thousand, m: million)
          --svg FILE          with --capacities: write the curves as an SVG image
          --json              print JSON: trace -> policy -> hit ratio (%), or with
                              --capacities trace -> {capacities, policy -> miss ratios (%)}
          -h, --help          show this help

        """

    let capacity: Int
    /// Several capacities: a miss-ratio curve per trace.
    let capacities: [Int]?
    let svgPath: String?
    let json: Bool
    let paths: [String]

    init(arguments: [String]) throws(UsageError) {
        let parsed = try Arguments(arguments, flags: ["--json"], options: ["--capacity", "--capacities", "--svg"])
        if let list = parsed.options["--capacities"] {
            guard parsed.options["--capacity"] == nil else {
                throw UsageError(message: "give --capacity or --capacities, not both")
            }
            guard let capacities = MissRatioCurve.parseCapacities(list) else {
                throw UsageError(message: "--capacities takes positive numbers such as 1k,10k,100k or 500,2m")
            }
            self.capacities = capacities
            capacity = capacities[0]
        } else {
            guard let capacity = try parsed.positiveInteger("--capacity") else {
                throw UsageError(message: "--capacity (or --capacities) is required")
            }
            guard capacity < Int(Int32.max) else { throw UsageError(message: "--capacity is too large") }
            self.capacity = capacity
            capacities = nil
        }
        svgPath = parsed.options["--svg"]
        guard svgPath == nil || capacities != nil else { throw UsageError(message: "--svg needs --capacities") }
        guard !parsed.positionals.isEmpty else { throw UsageError(message: "no trace files given") }
        json = parsed.flags.contains("--json")
        paths = parsed.positionals
    }

    func run() async -> Int32 {
        if let capacities { return await runCurves(capacities) }
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

    /// Replays every trace at every capacity; prints the curves, draws them when asked.
    func runCurves(_ capacities: [Int]) async -> Int32 {
        var curves: [MissRatioCurve] = []
        for path in paths {
            let trace: [Int]
            do {
                trace = try TraceReader.load(path: path)
            } catch {
                printError("strata simulate: \(error)")
                return 1
            }
            curves.append(
                await MissRatioCurve.compute(
                    trace: Self.fileName(path), keys: trace, capacities: capacities, policies: SimulatedPolicy.allCases)
            )
        }
        if let svgPath {
            do {
                try Self.write(MissRatioChart.svg(curves), to: svgPath)
            } catch {
                printError("strata simulate: \(error)")
                return 1
            }
        }
        print(json ? SimulationReport.json(curves) : SimulationReport.table(curves), terminator: "")
        if let svgPath, !json { print("wrote \(svgPath)") }
        return 0
    }

    /// Writes `text` to the file at `path`, replacing it.
    static func write(_ text: String, to path: String) throws(UsageError) {
        guard let file = fopen(path, "w") else {
            throw UsageError(message: "cannot write \(path): \(String(cString: strerror(errno)))")
        }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBufferPointer { fwrite($0.baseAddress, 1, $0.count, file) }
        let closed = fclose(file)
        guard written == bytes.count, closed == 0 else { throw UsageError(message: "cannot write \(path)") }
    }

    static func fileName(_ path: String) -> String {
        path.split(separator: "/", omittingEmptySubsequences: true).last.map(String.init) ?? path
    }
}
