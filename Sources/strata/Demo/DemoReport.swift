import StrataTiers

/// What `strata demo` prints.
struct DemoReport {
    let options: DemoCommand.Options
    let serverDescription: String
    let tally: WorkerTally
    let statistics: [TieredCacheStatistics]
    let databaseLoads: Int
    let stampedeGets: Int
    let stampedeLoads: Int
    /// Each primary's traffic, when the regional tier is on a cluster.
    var cluster: ClusterReport? = nil
    let elapsed: Duration
    /// The tiers' counters sampled during the workload (for the HTML report), first at 0 requests.
    var timeline: [DemoSample] = []

    /// The tiers' counters summed over the instances, nearest first.
    var tiers: [TierStatistics] { DemoTimeline.sum(statistics) }

    /// Latency percentile (µs) of reads answered by `source`.
    func percentile(_ p: Double, of source: TierSource) -> Double? {
        guard let samples = tally.latencies[source]?.sorted(), !samples.isEmpty else { return nil }
        let index = min(samples.count - 1, max(0, Int((p / 100 * Double(samples.count)).rounded(.up)) - 1))
        return Double(samples[index]) / 1000
    }

    var sources: [TierSource] {
        ([.local] + tiers.map { .redis($0.name) } + [.loader, .failSafe]).filter { tally.latencies[$0] != nil }
    }

    /// One line per option the demo turned on, saying what it did.
    var optionLines: [String] {
        var lines: [String] = []
        if options.staleWhileRevalidate > 0 {
            let stale = tiers.filter { $0.name != "loader" }.map { "\($0.name) \(grouped($0.staleServed))" }
            lines.append(
                "Stale-while-rev.: \(options.staleWhileRevalidate) s window; reads served stale while one refresh ran: "
                    + stale.joined(separator: ", "))
        }
        if let global = tiers.first(where: { $0.name == "global" }),
            let regional = tiers.first(where: { $0.name == "regional" })
        {
            lines.append(
                "Global tier:      \(grouped(global.hits)) regional misses answered by the global tier; "
                    + "\(grouped(regional.backfills)) backfills into the regional tier")
        }
        if options.lock {
            lines.append("Load lock:        on (one database call per key across instances; see the stampede)")
        }
        return lines
    }

    var throughput: Double { Double(tally.reads + tally.writes) / elapsed.seconds }

    var databaseCallsAvoided: Double {
        tally.reads == 0 ? 0 : 1 - Double(databaseLoads) / Double(tally.reads)
    }

    var text: String {
        var lines: [String] = []
        lines.append(
            "Strata demo: \(options.instances) app instances, \(grouped(options.keys)) keys (Zipf \(options.zipf)), "
                + "\(grouped(options.requests)) requests (\(format(options.writePercent, 1))% writes), "
                + "database latency \(format(options.dbLatencyMilliseconds, 1)) ms")
        lines.append("Redis: \(serverDescription)")
        lines.append("")
        lines.append("tier       hit ratio      reads answered     p50         p99")
        for tier in tiers where tier.name != "loader" {
            let source: TierSource = tier.name == "local" ? .local : .redis(tier.name)
            lines.append(
                pad(tier.name, 10) + pad(format(tier.hitRatio * 100, 1) + "%", 10, right: true)
                    + pad(grouped(tally.latencies[source]?.count ?? 0), 19, right: true)
                    + pad(microseconds(percentile(50, of: source)), 12, right: true)
                    + pad(microseconds(percentile(99, of: source)), 12, right: true))
        }
        lines.append(
            pad("database", 10) + pad("-", 10, right: true)
                + pad(grouped(tally.latencies[.loader]?.count ?? 0), 19, right: true)
                + pad(microseconds(percentile(50, of: .loader)), 12, right: true)
                + pad(microseconds(percentile(99, of: .loader)), 12, right: true))
        lines.append("")
        lines.append(
            "Database calls:   \(grouped(databaseLoads)) for \(grouped(tally.reads)) reads "
                + "(\(format(databaseCallsAvoided * 100, 2))% avoided)")
        lines.append(
            "Stampede:         \(grouped(stampedeGets)) concurrent gets of one cold key -> \(stampedeLoads) database "
                + "call\(stampedeLoads == 1 ? "" : "s")\(options.lock ? "" : " (no cross-process lock: one per instance)")"
        )
        lines += optionLines
        let invalidations = tiers.first { $0.name == "local" }?.invalidationsReceived ?? 0
        lines.append(
            "Writes:           \(grouped(tally.writes)) written through; \(grouped(invalidations)) invalidations reached "
                + "other instances' local tiers")
        lines.append(
            "Stale reads:      \(tally.stale) (a version older than one written through the cache "
                + "\(options.staleWindowMilliseconds) ms or more before the read began)")
        let failures = tiers.reduce(0) { $0 + $1.errors + $1.failedWrites } + tally.errors
        lines.append("Errors:           \(failures)")
        if let cluster { lines += cluster.lines }
        lines.append("Throughput:       \(grouped(Int(throughput))) requests/s over \(format(elapsed.seconds, 2)) s")
        return lines.joined(separator: "\n")
    }

    var json: String {
        func number(_ value: Double?) -> String { value.map { format($0, 3) } ?? "null" }
        var tierObjects: [String] = []
        for tier in tiers {
            let source: TierSource = tier.name == "local" ? .local : tier.name == "loader" ? .loader : .redis(tier.name)
            tierObjects.append(
                "\"\(tier.name == "loader" ? "database" : tier.name)\": {\"hitRatio\": \(number(tier.hitRatio)), "
                    + "\"hits\": \(tier.hits), \"misses\": \(tier.misses), \"loads\": \(tier.loads), "
                    + "\"readsAnswered\": \(tally.latencies[source]?.count ?? 0), "
                    + "\"p50Microseconds\": \(number(percentile(50, of: source))), "
                    + "\"p99Microseconds\": \(number(percentile(99, of: source))), "
                    + "\"invalidationsReceived\": \(tier.invalidationsReceived), \"staleServed\": \(tier.staleServed), "
                    + "\"errors\": \(tier.errors + tier.failedWrites)}")
        }
        return "{\"instances\": \(options.instances), \"keys\": \(options.keys), \"requests\": \(options.requests), "
            + "\"reads\": \(tally.reads), \"writes\": \(tally.writes), "
            + "\"tiers\": {\(tierObjects.joined(separator: ", "))}, "
            + "\"databaseCalls\": \(databaseLoads), \"databaseCallsAvoidedPercent\": \(number(databaseCallsAvoided * 100)), "
            + "\"stampede\": {\"gets\": \(stampedeGets), \"databaseCalls\": \(stampedeLoads)}, "
            + "\"staleReads\": \(tally.stale), \"staleWindowMilliseconds\": \(options.staleWindowMilliseconds), "
            + "\"errors\": \(tally.errors), \"seconds\": \(number(elapsed.seconds)), "
            + "\"requestsPerSecond\": \(number(throughput))"
            + (cluster.map { ", \"cluster\": \($0.json)" } ?? "") + "}"
    }

}

/// A latency in microseconds as the reports print it (`-` when unknown, ms from 1,000 µs).
func microseconds(_ value: Double?) -> String {
    guard let value else { return "-" }
    return value >= 1000 ? format(value / 1000, 2) + " ms" : format(value, 0) + " µs"
}

/// `text` padded with spaces to `width`, on the left when `right` (right-aligned).
func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
    let padding = String(repeating: " ", count: max(0, width - text.count))
    return right ? padding + text : text + padding
}
