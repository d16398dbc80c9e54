// INFO commandstats and latencystats, and CONFIG RESETSTAT's part in them (Redis 7.0 format).

extension Engine {
    /// Every command and subcommand, containers included.
    var allCommandSpecs: [CommandSpec] {
        commands.all.flatMap { spec in [spec] + spec.subcommands.values.sorted { $0.name < $1.name } }
    }

    /// `cmdstat_<name>:calls=..,usec=..,usec_per_call=..,rejected_calls=..,failed_calls=..` for
    /// every command called, refused or failed since the start or the last CONFIG RESETSTAT.
    func commandStatisticsFields() -> [(String, String)] {
        allCommandSpecs.filter { $0.calls > 0 || $0.rejectedCalls > 0 || $0.failedCalls > 0 }.map { spec in
            let perCall = spec.calls == 0 ? 0 : Double(spec.microseconds) / Double(spec.calls)
            return (
                "cmdstat_\(spec.fullName)",
                "calls=\(spec.calls),usec=\(spec.microseconds),usec_per_call=\(Self.fixed(perCall, digits: 2)),"
                    + "rejected_calls=\(spec.rejectedCalls),failed_calls=\(spec.failedCalls)"
            )
        }
    }

    /// `latency_percentiles_usec_<name>:p50=..,p99=..,p99.9=..` (the configured percentiles).
    func latencyStatisticsFields() -> [(String, String)] {
        allCommandSpecs.compactMap { spec in
            guard let histogram = spec.latency else { return nil }
            let values = config.latencyPercentiles.map { p in
                let label = p == p.rounded() ? String(Int(p)) : String(p)
                let microseconds = Double(histogram.value(atPercentile: p)) / 1000
                return "p\(label)=\(Self.fixed(microseconds, digits: 3))"
            }
            return ("latency_percentiles_usec_\(spec.fullName)", values.joined(separator: ","))
        }
    }

    /// Forgets the commands' statistics, the error counts and the server counters.
    func resetCommandStatistics() {
        statistics = EngineStatistics()
        errorStatistics = [:]
        for spec in allCommandSpecs { spec.resetStatistics() }
    }

    /// A non-negative number with `digits` decimals, as C's `%.Nf` prints it.
    static func fixed(_ value: Double, digits: Int) -> String {
        var scale = 1
        for _ in 0..<digits { scale *= 10 }
        let scaled = Int((value * Double(scale)).rounded())
        let fraction = String(scaled % scale)
        return "\(scaled / scale).\(String(repeating: "0", count: digits - fraction.count))\(fraction)"
    }
}
