extension RESPValue: CustomStringConvertible {
    /// A readable rendering in the style of `redis-cli`, for logs and test failures.
    public var description: String {
        var out = ""
        render(into: &out, limit: Int.max)
        return out
    }

    /// The rendering, cut after about 80 characters; used in error messages.
    var shortDescription: String {
        var out = ""
        render(into: &out, limit: 80)
        return out
    }

    private func render(into out: inout String, limit: Int) {
        guard out.utf8.count < limit else {
            if !out.hasSuffix("…") { out += "…" }
            return
        }
        switch self {
        case .simpleString(let s): out += "simple string \"\(s)\""
        case .simpleError(let s): out += "error \"\(s)\""
        case .integer(let i): out += "integer \(i)"
        case .bulkString(let b): out += Self.quoted(b, limit: limit)
        case .null: out += "null"
        case .nullBulkString: out += "null bulk string"
        case .nullArray: out += "null array"
        case .boolean(let b): out += b ? "true" : "false"
        case .double(let d): out += "double \(d)"
        case .bigNumber(let s): out += "big number \(s)"
        case .bulkError(let b): out += "error \(Self.quoted(b, limit: limit))"
        case .verbatimString(let format, let b): out += "verbatim \(format) \(Self.quoted(b, limit: limit))"
        case .array(let a): Self.renderList("array", a, into: &out, limit: limit)
        case .set(let a): Self.renderList("set", a, into: &out, limit: limit)
        case .push(let a): Self.renderList("push", a, into: &out, limit: limit)
        case .map(let pairs): Self.renderPairs("map", pairs, into: &out, limit: limit)
        case .attributed(let value, let attributes):
            Self.renderPairs("attributes", attributes, into: &out, limit: limit)
            out += " "
            value.render(into: &out, limit: limit)
        }
    }

    private static func renderList(_ name: String, _ values: [RESPValue], into out: inout String, limit: Int) {
        out += "\(name) ["
        for (i, value) in values.enumerated() {
            if i > 0 { out += ", " }
            value.render(into: &out, limit: limit)
            if out.utf8.count >= limit { break }
        }
        out += "]"
    }

    private static func renderPairs(
        _ name: String,
        _ pairs: [(key: RESPValue, value: RESPValue)],
        into out: inout String,
        limit: Int
    ) {
        out += "\(name) {"
        for (i, pair) in pairs.enumerated() {
            if i > 0 { out += ", " }
            pair.key.render(into: &out, limit: limit)
            out += ": "
            pair.value.render(into: &out, limit: limit)
            if out.utf8.count >= limit { break }
        }
        out += "}"
    }

    /// Bytes as a quoted string, escaping what is not printable ASCII.
    private static func quoted(_ bytes: RESPBytes, limit: Int) -> String {
        var out = "\""
        for byte in bytes.prefix(min(limit, 4096)) {
            switch byte {
            case 0x22: out += "\\\""
            case 0x5C: out += "\\\\"
            case 0x0A: out += "\\n"
            case 0x0D: out += "\\r"
            case 0x09: out += "\\t"
            case 0x20..<0x7F: out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = String(byte, radix: 16)
                out += byte < 0x10 ? "\\x0\(hex)" : "\\x\(hex)"
            }
        }
        if bytes.count > min(limit, 4096) { out += "…" }
        return out + "\""
    }
}
