/// Formats ``SimulationResult``s as a text table or as JSON.
public enum SimulationReport {
    /// One row per trace: name, request count, then each policy's hit ratio in percent.
    public static func table(_ results: [SimulationResult], policies: [SimulatedPolicy], capacity: Int) -> String {
        let nameWidth = Swift.max(5, results.map(\.trace.count).max() ?? 0)
        var lines = ["capacity \(capacity)"]
        var header = pad("trace", nameWidth) + "  " + leftPad("requests", 10)
        for policy in policies { header += "  " + leftPad(policy.rawValue, 8) }
        lines.append(header)
        for result in results {
            var line = pad(result.trace, nameWidth) + "  " + leftPad(String(result.requests), 10)
            for policy in policies {
                line += "  " + leftPad(result.hitRatioPercent(policy).map { percent($0) + "%" } ?? "-", 8)
            }
            lines.append(line)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// One JSON object: trace name -> policy name -> hit ratio in percent (two decimals).
    public static func json(_ results: [SimulationResult], policies: [SimulatedPolicy]) -> String {
        let traces = results.map { result in
            let fields = policies.compactMap { policy in
                result.hitRatioPercent(policy).map { "\(quoted(policy.rawValue)): \(percent($0))" }
            }
            return "  \(quoted(result.trace)): {" + fields.joined(separator: ", ") + "}"
        }
        return "{\n" + traces.joined(separator: ",\n") + "\n}\n"
    }

    /// `value` with exactly two decimals, rounded half away from zero.
    static func percent(_ value: Double) -> String {
        let hundredths = Int((value * 100).rounded())
        let fraction = hundredths % 100
        return "\(hundredths / 100)." + (fraction < 10 ? "0" : "") + "\(fraction)"
    }

    static func quoted(_ string: String) -> String {
        var out = "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    private static func pad(_ string: String, _ width: Int) -> String {
        string + String(repeating: " ", count: Swift.max(0, width - string.count))
    }

    private static func leftPad(_ string: String, _ width: Int) -> String {
        String(repeating: " ", count: Swift.max(0, width - string.count)) + string
    }
}

extension SimulationReport {
    /// Per trace: a row per capacity with each policy's miss ratio in percent.
    public static func table(_ curves: [MissRatioCurve]) -> String {
        var lines: [String] = []
        for curve in curves {
            let policies = curve.policies
            lines.append("\(curve.trace) (\(curve.requests) requests): miss ratio by capacity")
            var header = leftPad("capacity", 10)
            for policy in policies { header += "  " + leftPad(policy.rawValue, 8) }
            lines.append(header)
            for (index, capacity) in curve.capacities.enumerated() {
                var line = leftPad(String(capacity), 10)
                for policy in policies {
                    line += "  " + leftPad(percent(curve.missRatio(policy, at: index) * 100) + "%", 8)
                }
                lines.append(line)
            }
            lines.append("")
        }
        return lines.joined(separator: "\n")
    }

    /// One JSON object: trace name -> {"requests", "capacities", policy name -> miss ratios in
    /// percent (two decimals), one per capacity}.
    public static func json(_ curves: [MissRatioCurve]) -> String {
        let traces = curves.map { curve in
            var fields = [
                "\"requests\": \(curve.requests)",
                "\"capacities\": [\(curve.capacities.map(String.init).joined(separator: ", "))]",
            ]
            for policy in curve.policies {
                let ratios = curve.capacities.indices.map { percent(curve.missRatio(policy, at: $0) * 100) }
                fields.append("\(quoted(policy.rawValue)): [\(ratios.joined(separator: ", "))]")
            }
            return "  \(quoted(curve.trace)): {" + fields.joined(separator: ", ") + "}"
        }
        return "{\n" + traces.joined(separator: ",\n") + "\n}\n"
    }
}
