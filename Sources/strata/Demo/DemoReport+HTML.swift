import StrataTiers

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `strata demo --html PATH`: the report as one self-contained page (inline CSS, inline SVG, a
/// small inline script; nothing loaded from anywhere else).
///
/// The structure is fixed so tests can check it: sections `#headline`, `#tiers`, `#histograms`
/// (an `svg.histogram` per tier, `data-tier` naming it, the database last), `#hit-ratios` (an
/// `svg.timeline` per cache tier), `#notes`, `#cluster` (with `--cluster` only) and `#settings`.
/// The charts are drawn here, so the page reads the same without scripts; the script only adds
/// the hover readout on the hit-ratio charts. It marks `<html data-strata-script="ready">` when
/// it has wired every chart, and any script error lands in `data-script-errors`.
extension DemoReport {
    /// The whole page.
    var html: String {
        var body = ""
        body += "<header>\n<h1>Strata demo</h1>\n<p class=\"subtitle\">" + HTML.escaped(summaryLine) + "</p>\n"
        body += "</header>\n"
        body += headlineSection
        body += tierTableSection
        body += histogramSection
        body += hitRatioSection
        body += notesSection
        if let cluster { body += clusterSection(cluster) }
        body += settingsSection
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Strata demo report</title>
            <script>\(HTML.errorRecorder)</script>
            <style>\(HTML.style)</style>
            </head>
            <body>
            \(body)<script type="application/json" id="strata-timeline">\(timelineJSON)</script>
            <script>\(HTML.script)</script>
            </body>
            </html>

            """
    }

    /// The first line of the text report, without the prefix.
    var summaryLine: String {
        "\(options.instances) app instances, \(grouped(options.keys)) keys (Zipf \(options.zipf)), "
            + "\(grouped(options.requests)) requests (\(format(options.writePercent, 1))% writes), "
            + "database latency \(format(options.dbLatencyMilliseconds, 1)) ms"
    }

    /// Errors of every kind: the workers', and the tiers' failed operations.
    var failures: Int { tiers.reduce(0) { $0 + $1.errors + $1.failedWrites } + tally.errors }

    /// The source whose reads a tier's latency histogram shows (the loader's: the database's).
    static func source(of tier: String) -> TierSource {
        tier == "local" ? .local : tier == "loader" ? .loader : .redis(tier)
    }

    /// What the page calls a tier.
    static func label(of tier: String) -> String { tier == "loader" ? "database" : tier }

    private var headlineSection: String {
        let figures: [(id: String, label: String, value: String, detail: String)] = [
            ("throughput", "Throughput", grouped(Int(throughput)) + " req/s", "over \(format(elapsed.seconds, 2)) s"),
            (
                "avoided", "Database calls avoided", format(databaseCallsAvoided * 100, 2) + "%",
                "\(grouped(databaseLoads)) calls for \(grouped(tally.reads)) reads"
            ),
            (
                "stampede", "Stampede", "\(stampedeLoads) database call\(stampedeLoads == 1 ? "" : "s")",
                "for \(grouped(stampedeGets)) concurrent gets of one cold key"
            ),
            (
                "stale", "Stale reads", grouped(tally.stale),
                "older than a write \(options.staleWindowMilliseconds) ms before the read"
            ),
            ("errors", "Errors", grouped(failures), "workers' and tiers' failed operations"),
            ("writes", "Writes", grouped(tally.writes), "written through the cache"),
        ]
        var out = "<section id=\"headline\">\n<h2>Headline</h2>\n<div class=\"figures\">\n"
        for figure in figures {
            let bad = (figure.id == "stale" || figure.id == "errors") && figure.value != "0"
            out +=
                "<div class=\"figure\(bad ? " bad" : "")\" id=\"figure-\(figure.id)\"><div class=\"label\">"
                + HTML.escaped(figure.label) + "</div><div class=\"value\">" + HTML.escaped(figure.value)
                + "</div><div class=\"detail\">" + HTML.escaped(figure.detail) + "</div></div>\n"
        }
        return out + "</div>\n</section>\n"
    }

    private var tierTableSection: String {
        var out = "<section id=\"tiers\">\n<h2>Tiers</h2>\n<table>\n<thead><tr>"
        for heading in [
            "tier", "hit ratio", "reads answered", "p50", "p99", "served stale", "backfills", "invalidations",
            "errors",
        ] {
            out += "<th>" + HTML.escaped(heading) + "</th>"
        }
        out += "</tr></thead>\n<tbody>\n"
        for tier in tiers {
            let source = Self.source(of: tier.name)
            let isDatabase = tier.name == "loader"
            let cells = [
                isDatabase ? "-" : format(tier.hitRatio * 100, 1) + "%",
                grouped(tally.latencies[source]?.count ?? 0),
                microseconds(percentile(50, of: source)),
                microseconds(percentile(99, of: source)),
                isDatabase ? "-" : grouped(tier.staleServed),
                isDatabase ? "-" : grouped(tier.backfills),
                isDatabase ? "-" : grouped(tier.invalidationsReceived),
                grouped(tier.errors + tier.failedWrites),
            ]
            out += "<tr data-tier=\"\(HTML.escaped(Self.label(of: tier.name)))\"><th>"
            out += "<span class=\"swatch\" style=\"background:\(HTML.color(of: tier.name))\"></span>"
            out += HTML.escaped(Self.label(of: tier.name)) + "</th>"
            for cell in cells { out += "<td>" + HTML.escaped(cell) + "</td>" }
            out += "</tr>\n"
        }
        return out + "</tbody>\n</table>\n</section>\n"
    }

    private var histogramSection: String {
        let histograms = tiers.map { tier in
            LatencyBuckets(tally.latencies[Self.source(of: tier.name)] ?? [])
        }
        // One axis for every tier, so their latencies compare at a glance.
        let occupied = histograms.filter { !$0.counts.isEmpty }
        var range = 0...4
        if let lowest = occupied.map(\.lowest).min(), let highest = occupied.map(\.highest).max() {
            // From the power of ten below the fastest read, so the axis starts at a labelled tick.
            let decade = max(1, pow(10, log10(LatencyBuckets.lowerBound(lowest)).rounded(.down)))
            range = min(lowest, Int(LatencyBuckets.position(micros: decade).rounded(.down)))...(highest + 1)
        }
        var out = "<section id=\"histograms\">\n<h2>Read latency by the tier that answered</h2>\n"
        out +=
            "<p class=\"note\">Each read's latency as the app saw it, by the tier that answered it; "
            + "buckets a quarter of a power of two wide, log scale; dashed lines at p50 and p99.</p>\n"
        out += "<div class=\"charts\">\n"
        for (tier, buckets) in zip(tiers, histograms) {
            let source = Self.source(of: tier.name)
            out += HTML.histogram(
                tier: Self.label(of: tier.name), color: HTML.color(of: tier.name), buckets: buckets, range: range,
                p50: percentile(50, of: source), p99: percentile(99, of: source))
        }
        return out + "</div>\n</section>\n"
    }

    /// The cache tiers (not the loader) with their hit ratios at each sample.
    var hitRatioSeries: [HitRatioSeries] {
        guard let names = timeline.first?.tiers.map(\.name) else { return [] }
        return names.indices.filter { names[$0] != "loader" }.map { index in
            var series = HitRatioSeries(tier: names[index])
            var previous: TierStatistics?
            for sample in timeline {
                let tier = sample.tiers[index]
                series.seconds.append(sample.seconds)
                series.cumulative.append(tier.hits + tier.misses == 0 ? nil : tier.hitRatio)
                let hits = tier.hits - (previous?.hits ?? 0)
                let reads = hits + tier.misses - (previous?.misses ?? 0)
                series.interval.append(previous == nil || reads <= 0 ? nil : Double(hits) / Double(reads))
                previous = tier
            }
            return series
        }
    }

    private var hitRatioSection: String {
        let every = timeline.count > 1 ? timeline[1].requests - timeline[0].requests : 0
        var out = "<section id=\"hit-ratios\">\n<h2>Hit ratios over the run</h2>\n"
        out +=
            "<p class=\"note\">Each tier's hit ratio in each interval of \(grouped(every)) requests (solid) and "
            + "since the start (dashed), summed over the instances. Hover over a chart for the figures.</p>\n"
        out += "<div class=\"charts\">\n"
        let end = max(timeline.last?.seconds ?? 0, 0.001)
        for series in hitRatioSeries {
            out += HTML.timeline(series, color: HTML.color(of: series.tier), seconds: end)
        }
        return out + "</div>\n</section>\n"
    }

    private var notesSection: String {
        var lines = optionLines
        let invalidations = tiers.first { $0.name == "local" }?.invalidationsReceived ?? 0
        lines.append(
            "Writes: \(grouped(tally.writes)) written through; \(grouped(invalidations)) invalidations reached "
                + "other instances' local tiers")
        var out = "<section id=\"notes\">\n<h2>What the options did</h2>\n<ul>\n"
        for line in lines {
            // The text report aligns its labels with spaces; a page does not need them.
            let words = line.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
            out += "<li>" + HTML.escaped(words) + "</li>\n"
        }
        return out + "</ul>\n</section>\n"
    }

    private func clusterSection(_ cluster: ClusterReport) -> String {
        let total = max(1, cluster.nodes.reduce(0) { $0 + $1.commands })
        var out = "<section id=\"cluster\">\n<h2>Cluster</h2>\n<p>"
        out += HTML.escaped(
            "\(cluster.nodes.count) primaries; \(cluster.slotMoves) slot moves during the run; the clients read the "
                + "topology \(cluster.topologyReads) times and followed \(cluster.movedReplies) MOVED and "
                + "\(cluster.askReplies) ASK replies, with \(cluster.retries) retries (all instances)")
        out += "</p>\n<table>\n<thead><tr><th>primary</th><th>commands</th><th>share</th><th>keys</th></tr></thead>\n"
        out += "<tbody>\n"
        for node in cluster.nodes {
            out += "<tr><th>" + HTML.escaped(node.node) + "</th><td>" + grouped(node.commands) + "</td><td>"
            out += format(Double(node.commands) * 100 / Double(total), 1) + "%</td><td>" + grouped(node.keys)
            out += "</td></tr>\n"
        }
        return out + "</tbody>\n</table>\n</section>\n"
    }

    private var settingsSection: String {
        let settings: [(String, String)] = [
            ("Redis", serverDescription),
            ("app instances", grouped(options.instances)),
            ("concurrent tasks per instance", grouped(options.concurrency)),
            ("keys", grouped(options.keys) + " (Zipf \(options.zipf))"),
            ("requests", grouped(options.requests)),
            ("writes", format(options.writePercent, 1) + "%"),
            ("database latency", format(options.dbLatencyMilliseconds, 1) + " ms"),
            ("local tier", "\(grouped(options.localCapacity)) entries per instance, TTL \(options.localTTL) s"),
            ("regional tier TTL", "\(options.redisTTL) s"),
            ("global tier", options.twoTiers ? "TTL \(options.globalTTL) s" : "none (--one-tier)"),
            (
                "stale-while-revalidate",
                options.staleWhileRevalidate > 0 ? "\(options.staleWhileRevalidate) s" : "off"
            ),
            ("cross-process load lock", options.lock ? "on" : "off"),
            ("stale window", "\(options.staleWindowMilliseconds) ms"),
            ("seed", String(options.seed)),
        ]
        var out = "<section id=\"settings\">\n<h2>Settings</h2>\n<table class=\"settings\">\n<tbody>\n"
        for (name, value) in settings {
            let lines = value.split(separator: "\n").map { HTML.escaped(String($0)) }
            out += "<tr><th>" + HTML.escaped(name) + "</th><td>" + lines.joined(separator: "<br>") + "</td></tr>\n"
        }
        return out + "</tbody>\n</table>\n</section>\n"
    }

    /// The hit-ratio series for the page's script, as JSON safe inside a `<script>` element.
    var timelineJSON: String {
        func numbers(_ values: [Double?], _ decimals: Int) -> String {
            "[" + values.map { $0.map { format($0, decimals) } ?? "null" }.joined(separator: ",") + "]"
        }
        let tiers = hitRatioSeries.map { series in
            "{\"tier\":" + HTML.jsonString(Self.label(of: series.tier)) + ",\"interval\":"
                + numbers(series.interval, 4) + ",\"cumulative\":" + numbers(series.cumulative, 4) + "}"
        }
        return "{\"seconds\":" + numbers(timeline.map(\.seconds), 3) + ",\"requests\":["
            + timeline.map { String($0.requests) }.joined(separator: ",") + "],\"tiers\":["
            + tiers.joined(separator: ",") + "]}"
    }
}

/// One cache tier's hit ratio at each timeline sample: over the interval that ended there (nil
/// when the tier saw no reads in it, or at the first sample) and since the start.
struct HitRatioSeries {
    var tier: String
    var seconds: [Double] = []
    var interval: [Double?] = []
    var cumulative: [Double?] = []
}

/// Latencies counted in buckets a quarter of a power of two wide (as `LatencyHistogram` in
/// StrataTiers), bucket `i` holding `2^(i/4)` to `2^((i+1)/4)` microseconds, from 0.25 µs.
struct LatencyBuckets {
    /// Reads per occupied bucket.
    var counts: [Int: Int] = [:]
    var total = 0

    init(_ nanoseconds: [Int64]) {
        for sample in nanoseconds {
            counts[Self.bucket(nanoseconds: sample), default: 0] += 1
        }
        total = nanoseconds.count
    }

    static func bucket(nanoseconds: Int64) -> Int {
        let micros = max(0.25, Double(nanoseconds) / 1000)
        return Int((4 * log2(micros)).rounded(.down))
    }

    /// Where `micros` falls on the bucket axis (bucket `i` spans `i` to `i + 1`).
    static func position(micros: Double) -> Double { 4 * log2(max(0.25, micros)) }

    /// The lower bound of bucket `index`, in microseconds.
    static func lowerBound(_ index: Int) -> Double { pow(2, Double(index) / 4) }

    var lowest: Int { counts.keys.min() ?? 0 }
    var highest: Int { counts.keys.max() ?? 0 }
}
