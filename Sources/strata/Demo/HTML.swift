import StrataSimulator

/// The pieces of the demo's HTML report: escaping, the two kinds of chart (inline SVG), and the
/// page's style and script.
enum HTML {
    /// `text` safe as an element's text or a quoted attribute's value.
    static func escaped(_ text: String) -> String { MissRatioChart.escaped(text) }

    /// `text` as a JSON string literal that is also safe inside a `<script>` element (no `<`,
    /// `>` or `&` to end it early or start a comment).
    static func jsonString(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "<", ">", "&", "\u{2028}", "\u{2029}":
                out += "\\u" + hex4(scalar.value)
            default:
                if scalar.value < 0x20 { out += "\\u" + hex4(scalar.value) } else { out.unicodeScalars.append(scalar) }
            }
        }
        return out + "\""
    }

    private static func hex4(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    /// Each tier's colour, the same in every chart and the tier table.
    static func color(of tier: String) -> String {
        switch tier {
        case "local": "#1f77b4"
        case "regional": "#2ca02c"
        case "global": "#9467bd"
        case "loader", "database": "#d62728"
        default: "#7f7f7f"
        }
    }

    /// A coordinate with at most two decimals (as the simulator's charts write them).
    static func number(_ value: Double) -> String { MissRatioChart.number(value) }

    static let chartWidth = 460.0
    static let chartHeight = 220.0
    static let margin = (left: 52.0, right: 18.0, top: 46.0, bottom: 40.0)

    /// One tier's latency histogram: the share of its reads in each bucket, on the bucket axis
    /// `range` (shared by all tiers), with p50 and p99 marked.
    static func histogram(
        tier: String, color: String, buckets: LatencyBuckets, range: ClosedRange<Int>, p50: Double?, p99: Double?
    ) -> String {
        let left = margin.left
        let right = chartWidth - margin.right
        let top = margin.top
        let bottom = chartHeight - margin.bottom
        let low = Double(range.lowerBound)
        let span = max(1, Double(range.upperBound - range.lowerBound))
        func x(_ position: Double) -> Double { left + (position - low) / span * (right - left) }
        let largest = buckets.counts.values.max() ?? 0
        let topShare = niceShare(buckets.total == 0 ? 0 : Double(largest) / Double(buckets.total))
        func y(_ share: Double) -> Double { bottom - share / topShare * (bottom - top) }

        let detail =
            "\(grouped(buckets.total)) reads answered" + (p50 == nil ? "" : ", p50 \(microseconds(p50))")
            + (p99 == nil ? "" : ", p99 \(microseconds(p99))")
        let title = "\(tier): \(detail)"
        var out =
            "<figure><svg class=\"histogram\" data-tier=\"\(escaped(tier))\" data-reads=\"\(buckets.total)\" "
            + "viewBox=\"0 0 \(number(chartWidth)) \(number(chartHeight))\" role=\"img\" "
            + "aria-label=\"\(escaped(title))\">\n"
        out += "<text class=\"chart-title\" x=\"\(number(left))\" y=\"16\">" + escaped(tier) + "</text>\n"
        out += "<text class=\"detail\" x=\"\(number(left))\" y=\"32\">" + escaped(detail) + "</text>\n"
        // Grid and the share axis.
        for step in 0...2 {
            let share = topShare * Double(step) / 2
            out += line(left, y(share), right, y(share), step == 0 ? "axis" : "grid")
            out +=
                "<text class=\"tick\" x=\"\(number(left - 6))\" y=\"\(number(y(share) + 4))\" text-anchor=\"end\">"
                + shareLabel(share) + "</text>\n"
        }
        // The latency axis: a tick at each power of ten in range, from 1 µs (the buckets below it
        // go down to 0.25 µs only).
        var decade = 1.0
        while decade <= 1e8 {
            let position = LatencyBuckets.position(micros: decade)
            if position >= low && position <= low + span {
                out += line(x(position), bottom, x(position), bottom + 4, "axis")
                out +=
                    "<text class=\"tick\" x=\"\(number(x(position)))\" y=\"\(number(bottom + 17))\" "
                    + "text-anchor=\"middle\">" + decadeLabel(decade) + "</text>\n"
            }
            decade *= 10
        }
        out +=
            "<text class=\"axis-label\" x=\"\(number((left + right) / 2))\" y=\"\(number(chartHeight - 6))\" "
            + "text-anchor=\"middle\">latency (log scale)</text>\n"
        if buckets.total == 0 {
            out +=
                "<text class=\"empty\" x=\"\(number((left + right) / 2))\" y=\"\(number((top + bottom) / 2))\" "
                + "text-anchor=\"middle\">no reads answered here</text>\n"
        }
        for (index, count) in buckets.counts.sorted(by: { $0.key < $1.key }) {
            let share = Double(count) / Double(buckets.total)
            let x0 = x(Double(index))
            let width = max(0.5, x(Double(index + 1)) - x0 - 0.5)
            let label =
                "\(microseconds(LatencyBuckets.lowerBound(index))) to \(microseconds(LatencyBuckets.lowerBound(index + 1))): "
                + "\(grouped(count)) reads (\(format(share * 100, 1))%)"
            out +=
                "<rect class=\"bar\" x=\"\(number(x0))\" y=\"\(number(y(share)))\" width=\"\(number(width))\" "
                + "height=\"\(number(bottom - y(share)))\" fill=\"\(color)\"><title>" + escaped(label)
                + "</title></rect>\n"
        }
        for (name, value) in [("p50", p50), ("p99", p99)] {
            guard let value else { continue }
            let markX = x(LatencyBuckets.position(micros: value))
            out += line(markX, top, markX, bottom, "marker")
            // The label beside the line, on its left near the right edge.
            let onLeft = markX > right - 24
            out +=
                "<text class=\"marker-label\" x=\"\(number(onLeft ? markX - 3 : markX + 3))\" "
                + "y=\"\(number(top + (name == "p50" ? 10 : 22)))\"\(onLeft ? " text-anchor=\"end\"" : "")>"
                + name + "</text>\n"
        }
        return out + "</svg></figure>\n"
    }

    /// One tier's hit ratio over the run: per interval (solid) and since the start (dashed), with
    /// a readout the page's script updates on hover.
    static func timeline(_ series: HitRatioSeries, color: String, seconds end: Double) -> String {
        let left = margin.left
        let right = chartWidth - margin.right
        let top = margin.top
        let bottom = chartHeight - margin.bottom
        func x(_ seconds: Double) -> Double { left + seconds / end * (right - left) }
        func y(_ ratio: Double) -> Double { bottom - ratio * (bottom - top) }
        let tier = DemoReport.label(of: series.tier)
        let final = series.cumulative.last.flatMap { $0 }
        let readout = final.map { "end: " + format($0 * 100, 1) + "% since the start" } ?? "no reads"
        var out =
            "<figure><svg class=\"timeline\" data-tier=\"\(escaped(tier))\" data-points=\"\(series.seconds.count)\" "
            + "data-left=\"\(number(left))\" data-right=\"\(number(right))\" data-seconds=\"\(format(end, 3))\" "
            + "viewBox=\"0 0 \(number(chartWidth)) \(number(chartHeight))\" role=\"img\" "
            + "aria-label=\"\(escaped("\(tier) tier hit ratio over the run"))\">\n"
        out += "<text class=\"chart-title\" x=\"\(number(left))\" y=\"16\">" + escaped("\(tier) tier") + "</text>\n"
        out += "<text class=\"readout\" x=\"\(number(left))\" y=\"32\">" + escaped(readout) + "</text>\n"
        for step in 0...4 {
            let ratio = Double(step) / 4
            out += line(left, y(ratio), right, y(ratio), step == 0 ? "axis" : "grid")
            out +=
                "<text class=\"tick\" x=\"\(number(left - 6))\" y=\"\(number(y(ratio) + 4))\" text-anchor=\"end\">"
                + "\(step * 25)%</text>\n"
        }
        let stepSeconds = niceStep(end / 6)
        var tick = 0.0
        while tick <= end + 1e-9 {
            out += line(x(tick), bottom, x(tick), bottom + 4, "axis")
            out +=
                "<text class=\"tick\" x=\"\(number(x(tick)))\" y=\"\(number(bottom + 17))\" text-anchor=\"middle\">"
                + number(tick) + " s</text>\n"
            tick += stepSeconds
        }
        out +=
            "<text class=\"axis-label\" x=\"\(number((left + right) / 2))\" y=\"\(number(chartHeight - 6))\" "
            + "text-anchor=\"middle\">time since the workload began</text>\n"
        for (kind, values) in [("cumulative", series.cumulative), ("interval", series.interval)] {
            var path = ""
            var drawing = false
            for (seconds, value) in zip(series.seconds, values) {
                guard let value else {
                    drawing = false
                    continue
                }
                path += (drawing ? " L" : (path.isEmpty ? "M" : " M")) + number(x(seconds)) + "," + number(y(value))
                drawing = true
            }
            out +=
                "<path class=\"\(kind)\" d=\"\(path.isEmpty ? "M0,0" : path)\" fill=\"none\" stroke=\"\(color)\"/>\n"
        }
        out +=
            "<line class=\"cursor\" x1=\"\(number(left))\" y1=\"\(number(top))\" x2=\"\(number(left))\" "
            + "y2=\"\(number(bottom))\" visibility=\"hidden\"/>\n"
        return out + "</svg></figure>\n"
    }

    /// A power of ten of microseconds as an axis label: "100 µs", "1 ms", "1 s".
    static func decadeLabel(_ micros: Double) -> String {
        let rounded = (micros * 10).rounded() / 10
        if rounded >= 1_000_000 { return number(rounded / 1_000_000) + " s" }
        if rounded >= 1000 { return number(rounded / 1000) + " ms" }
        return number(rounded) + " µs"
    }

    private static func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, _ kind: String) -> String {
        "<line class=\"\(kind)\" x1=\"\(number(x1))\" y1=\"\(number(y1))\" x2=\"\(number(x2))\" y2=\"\(number(y2))\"/>\n"
    }

    /// The top of a share axis: the first of 1%, 2%, 5%, 10%, 20%, 25%, 50%, 75% and 100% that
    /// holds `share`.
    static func niceShare(_ share: Double) -> Double {
        [0.01, 0.02, 0.05, 0.1, 0.2, 0.25, 0.5, 0.75].first { $0 >= share } ?? 1
    }

    /// A tick step of 1, 2 or 5 times a power of ten, at least `rough`.
    static func niceStep(_ rough: Double) -> Double {
        var power = 0.001
        while true {
            for factor in [1.0, 2.0, 5.0] where power * factor >= rough { return power * factor }
            power *= 10
        }
    }

    private static func shareLabel(_ share: Double) -> String {
        let percent = share * 100
        return (percent == percent.rounded() ? String(Int(percent)) : format(percent, 1)) + "%"
    }

    /// Runs first: records every script error on `<html data-script-errors>`, so a headless
    /// browser's DOM dump shows them.
    static let errorRecorder = """
        (function () {
          var root = document.documentElement;
          function record(message) {
            var before = root.getAttribute("data-script-errors");
            root.setAttribute("data-script-errors", (before ? before + " | " : "") + message);
          }
          window.addEventListener("error", function (event) {
            record(String(event.message) + " (line " + event.lineno + ")");
          });
          window.addEventListener("unhandledrejection", function (event) {
            record("unhandled rejection: " + String(event.reason));
          });
        })();
        """

    /// The hover readout on the hit-ratio charts. Checks the embedded series against the charts
    /// (a mismatch is an error) and marks the page ready.
    static let script = """
        (function () {
          "use strict";
          var data = JSON.parse(document.getElementById("strata-timeline").textContent);
          var charts = document.querySelectorAll("svg.timeline");
          if (charts.length !== data.tiers.length) {
            throw new Error(charts.length + " hit-ratio charts for " + data.tiers.length + " tiers");
          }
          function percent(value) { return value === null ? "no reads" : (value * 100).toFixed(1) + "%"; }
          charts.forEach(function (svg, index) {
            var series = data.tiers[index];
            if (svg.getAttribute("data-tier") !== series.tier ||
                Number(svg.getAttribute("data-points")) !== data.seconds.length) {
              throw new Error("the " + svg.getAttribute("data-tier") + " chart does not match its data");
            }
            var readout = svg.querySelector("text.readout");
            var cursor = svg.querySelector("line.cursor");
            var resting = readout.textContent;
            var left = Number(svg.getAttribute("data-left"));
            var right = Number(svg.getAttribute("data-right"));
            var end = Number(svg.getAttribute("data-seconds"));
            svg.addEventListener("mousemove", function (event) {
              var point = new DOMPoint(event.clientX, event.clientY).matrixTransform(svg.getScreenCTM().inverse());
              var seconds = Math.min(end, Math.max(0, (point.x - left) / (right - left) * end));
              var nearest = 0;
              data.seconds.forEach(function (value, i) {
                if (Math.abs(value - seconds) < Math.abs(data.seconds[nearest] - seconds)) { nearest = i; }
              });
              var x = left + data.seconds[nearest] / end * (right - left);
              cursor.setAttribute("x1", x);
              cursor.setAttribute("x2", x);
              cursor.setAttribute("visibility", "visible");
              readout.textContent = data.seconds[nearest].toFixed(2) + " s, " +
                data.requests[nearest].toLocaleString("en-US") + " requests: " +
                percent(series.interval[nearest]) + " in the interval, " +
                percent(series.cumulative[nearest]) + " since the start";
            });
            svg.addEventListener("mouseleave", function () {
              cursor.setAttribute("visibility", "hidden");
              readout.textContent = resting;
            });
          });
          document.documentElement.setAttribute("data-strata-charts", String(charts.length));
          document.documentElement.setAttribute("data-strata-script", "ready");
        })();
        """

    static let style = """
        :root { color-scheme: light; }
        body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
          margin: 0 auto; padding: 16px 24px 40px; max-width: 1000px; color: #1d2330; background: #fff; }
        h1 { font-size: 24px; margin: 8px 0 2px; }
        h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid #e3e6ec; padding-bottom: 4px; }
        .subtitle { color: #4a5468; margin: 0; }
        .note { color: #4a5468; margin: 0 0 8px; font-size: 13px; }
        .figures { display: grid; grid-template-columns: repeat(3, 1fr); gap: 10px; }
        .figure { border: 1px solid #e3e6ec; border-radius: 6px; padding: 8px 12px; }
        .figure .label { color: #4a5468; font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
        .figure .value { font-size: 22px; font-weight: 600; }
        .figure .detail { color: #4a5468; font-size: 12px; }
        .figure.bad .value { color: #c62828; }
        table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
        th, td { padding: 4px 10px; border-bottom: 1px solid #eef0f4; text-align: right; }
        th:first-child, .settings td { text-align: left; }
        thead th { font-weight: 600; color: #4a5468; font-size: 12px; }
        .swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 6px; }
        .charts { display: grid; grid-template-columns: repeat(2, 1fr); gap: 12px; }
        figure { margin: 0; border: 1px solid #e3e6ec; border-radius: 6px; padding: 4px; }
        svg { width: 100%; height: auto; display: block; font-size: 11px; fill: #1d2330; }
        svg .chart-title { font-size: 13px; font-weight: 600; }
        svg .readout, svg .detail, svg .axis-label, svg .empty { fill: #4a5468; }
        svg .axis { stroke: #1d2330; }
        svg .grid { stroke: #e3e6ec; }
        svg .marker { stroke: #1d2330; stroke-dasharray: 3 3; }
        svg .marker-label { font-size: 10px; }
        svg .cursor { stroke: #888; }
        svg path.interval { stroke-width: 2; }
        svg path.cumulative { stroke-width: 1.5; stroke-dasharray: 5 4; opacity: .6; }
        ul { padding-left: 20px; }
        """
}
