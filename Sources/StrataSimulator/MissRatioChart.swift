#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Draws miss-ratio curves as one self-contained SVG document: a panel per trace, miss ratio
/// (0-100%) over capacity on a logarithmic axis, a line per policy.
///
/// ```swift
/// let svg = MissRatioChart.svg([curve])
/// try svg.write(toFile: "mrc.svg")  // or any other way of writing a String
/// ```
public enum MissRatioChart {
    /// The colour and dash pattern of each policy's line (Belady, the bound, dashed).
    static func style(_ policy: SimulatedPolicy) -> (color: String, dash: String?) {
        switch policy {
        case .lru: ("#1f77b4", nil)
        case .hotCold: ("#d62728", nil)
        case .belady: ("#555555", "6 4")
        }
    }

    static let width = 720.0
    static let panelHeight = 380.0
    static let margin = (left: 70.0, right: 150.0, top: 50.0, bottom: 60.0)

    /// The SVG document for `curves`, one panel each, stacked.
    public static func svg(_ curves: [MissRatioCurve]) -> String {
        let height = panelHeight * Double(max(1, curves.count))
        var out =
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            + "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(number(width))\" height=\"\(number(height))\" "
            + "viewBox=\"0 0 \(number(width)) \(number(height))\" font-family=\"sans-serif\" font-size=\"12\">\n"
            + "<title>Miss-ratio curves</title>\n"
            + "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        for (index, curve) in curves.enumerated() {
            out += panel(curve, top: panelHeight * Double(index))
        }
        out += "</svg>\n"
        return out
    }

    static func panel(_ curve: MissRatioCurve, top: Double) -> String {
        let left = margin.left
        let right = width - margin.right
        let plotTop = top + margin.top
        let bottom = top + panelHeight - margin.bottom
        let capacities = curve.capacities
        let low = Self.log(Double(capacities.first ?? 1))
        let high = max(low + 1e-9, Self.log(Double(capacities.last ?? 10)))
        func x(_ capacity: Int) -> Double {
            capacities.count == 1
                ? (left + right) / 2 : left + (Self.log(Double(capacity)) - low) / (high - low) * (right - left)
        }
        func y(_ ratio: Double) -> Double { bottom - ratio * (bottom - plotTop) }

        var out = "<g class=\"panel\">\n"
        out +=
            "<text x=\"\(number(left))\" y=\"\(number(top + 28))\" font-size=\"15\" font-weight=\"bold\">"
            + escaped("\(curve.trace): miss ratio by capacity (\(grouped(curve.requests)) requests)") + "</text>\n"
        // Grid and axes: every 10% across, every capacity along.
        for step in 0...10 {
            let ratio = Double(step) / 10
            let lineY = y(ratio)
            out +=
                "<line x1=\"\(number(left))\" y1=\"\(number(lineY))\" x2=\"\(number(right))\" y2=\"\(number(lineY))\" "
                + "stroke=\"\(step == 0 ? "#000" : "#e5e5e5")\"/>\n"
            out +=
                "<text x=\"\(number(left - 8))\" y=\"\(number(lineY + 4))\" text-anchor=\"end\">\(step * 10)%</text>\n"
        }
        for capacity in capacities {
            let lineX = x(capacity)
            out +=
                "<line x1=\"\(number(lineX))\" y1=\"\(number(plotTop))\" x2=\"\(number(lineX))\" y2=\"\(number(bottom))\" "
                + "stroke=\"#f0f0f0\"/>\n"
            out +=
                "<text x=\"\(number(lineX))\" y=\"\(number(bottom + 18))\" text-anchor=\"middle\">"
                + escaped(short(capacity)) + "</text>\n"
        }
        out +=
            "<line x1=\"\(number(left))\" y1=\"\(number(plotTop))\" x2=\"\(number(left))\" y2=\"\(number(bottom))\" "
            + "stroke=\"#000\"/>\n"
        out +=
            "<text x=\"\(number((left + right) / 2))\" y=\"\(number(bottom + 42))\" text-anchor=\"middle\">"
            + "capacity (entries, log scale)</text>\n"
        out +=
            "<text transform=\"translate(\(number(left - 52)) \(number((plotTop + bottom) / 2))) rotate(-90)\" "
            + "text-anchor=\"middle\">miss ratio</text>\n"
        // A line per policy, a dot per capacity with its exact figure as a tooltip, a legend entry.
        for (rank, policy) in curve.policies.enumerated() {
            let (color, dash) = style(policy)
            let points = capacities.indices.map { index in
                "\(number(x(capacities[index]))),\(number(y(curve.missRatio(policy, at: index))))"
            }
            out +=
                "<polyline class=\"policy\" data-policy=\"\(escaped(policy.rawValue))\" fill=\"none\" "
                + "stroke=\"\(color)\" stroke-width=\"2\"" + (dash.map { " stroke-dasharray=\"\($0)\"" } ?? "")
                + " points=\"\(points.joined(separator: " "))\"/>\n"
            for index in capacities.indices {
                let ratio = curve.missRatio(policy, at: index)
                out +=
                    "<circle cx=\"\(number(x(capacities[index])))\" cy=\"\(number(y(ratio)))\" r=\"3\" fill=\"\(color)\">"
                    + "<title>"
                    + escaped("\(policy.rawValue), \(grouped(capacities[index])) entries: \(percent(ratio)) misses")
                    + "</title></circle>\n"
            }
            let legendY = plotTop + 10 + Double(rank) * 22
            out +=
                "<line x1=\"\(number(right + 16))\" y1=\"\(number(legendY))\" x2=\"\(number(right + 46))\" "
                + "y2=\"\(number(legendY))\" stroke=\"\(color)\" stroke-width=\"2\""
                + (dash.map { " stroke-dasharray=\"\($0)\"" } ?? "") + "/>\n"
            out +=
                "<text x=\"\(number(right + 52))\" y=\"\(number(legendY + 4))\">" + escaped(policy.rawValue)
                + "</text>\n"
        }
        out += "</g>\n"
        return out
    }

    /// `value` with at most two decimals, no exponent.
    package static func number(_ value: Double) -> String {
        let hundredths = Int((value * 100).rounded())
        let sign = hundredths < 0 ? "-" : ""
        let magnitude = abs(hundredths)
        let fraction = magnitude % 100
        if fraction == 0 { return sign + "\(magnitude / 100)" }
        return sign + "\(magnitude / 100)." + (fraction < 10 ? "0" : "") + "\(fraction)"
    }

    static func percent(_ ratio: Double) -> String { SimulationReport.percent(ratio * 100) + "%" }

    /// 1500 -> "1.5k", 200000 -> "200k", 2000000 -> "2m".
    static func short(_ capacity: Int) -> String {
        if capacity >= 1_000_000 && capacity % 100_000 == 0 { return trimmed(Double(capacity) / 1e6) + "m" }
        if capacity >= 1_000 && capacity % 100 == 0 { return trimmed(Double(capacity) / 1e3) + "k" }
        return String(capacity)
    }

    static func trimmed(_ value: Double) -> String {
        let tenths = Int((value * 10).rounded())
        return tenths % 10 == 0 ? "\(tenths / 10)" : "\(tenths / 10).\(tenths % 10)"
    }

    static func grouped(_ value: Int) -> String {
        let digits = String(value)
        var out = ""
        for (index, character) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { out += "," }
            out.append(character)
        }
        return out
    }

    /// `text` safe as an XML or HTML element's text or a quoted attribute's value (also the
    /// demo's HTML report's escaping).
    package static func escaped(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }

    static func log(_ value: Double) -> Double { log10(value) }
}
