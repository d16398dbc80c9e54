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
