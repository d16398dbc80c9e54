import StrataRESP
import StrataServerTestSupport
import Testing

/// A script of commands, run against the fake and a real redis-server, whose replies must
/// agree byte for byte (after the few normalizations a line asks for).
///
/// One line per step:
///
///     [CONN:] [N|] [mode] body
///
/// - `CONN:` names the connection (`A:` by default; `B:`, `C:` ... open more).
/// - `N|` is how many replies to read (default 1; `0|` for a command that blocks).
/// - `mode`: `~` compares aggregates as unordered, `?` compares only the shape (type and
///   size, for random replies), `%` masks IDs (CLIENT ID, HELLO's `id`, `id=` in CLIENT
///   LIST), `*` only checks that a reply came (INFO, TIME), `@f1,f2` keeps only the lines
///   `f1:...` and `f2:...` of a text reply (INFO fields that both servers fill alike).
/// - `body`: a command with shell-like quoting (`set k "a b"`), `>text` sent as an inline
///   line, `!bytes` sent raw with `\r \n \t \xHH \\` escapes, `<recv>` to read without
///   sending, `<eof>` to expect the server to close the connection. `$B` in a command is
///   the CLIENT ID of connection B on that server.
///
/// Lines starting with `#` are comments. After the last line every open connection sends a
/// PING, which catches stray or missing bytes.
struct DifferentialScript {
    enum Mode: Equatable {
        case exact
        case unordered
        case shape
        case maskIDs
        case anyReply
        case fields([String])
    }

    enum Body {
        case command([String])
        case inline(String)
        case raw([UInt8])
        case receive
        case expectClose
    }

    struct Step {
        var line: Int
        var text: String
        var connection: String
        var replies: Int
        var mode: Mode
        var body: Body
    }

    var steps: [Step] = []

    init(_ text: String) {
        for (number, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var line = rawLine.drop { $0 == " " }
            if line.isEmpty || line.hasPrefix("#") { continue }
            let original = String(line)
            // A mode written before the connection (`% A: hello 3`) counts too.
            var leadingMode: Character?
            if let first = line.first, "~?%*".contains(first),
                line.dropFirst().drop(while: { $0 == " " }).dropFirst().first == ":"
            {
                leadingMode = first
                line = line.dropFirst().drop { $0 == " " }
            }
            var connection = "A"
            if line.count >= 2, let first = line.first, first.isUppercase,
                line[line.index(after: line.startIndex)] == ":"
            {
                connection = String(first)
                line = line.dropFirst(2).drop { $0 == " " }
            }
            var replies = 1
            if let bar = line.firstIndex(of: "|"), let n = Int(line[..<bar]) {
                replies = n
                line = line[line.index(after: bar)...].drop { $0 == " " }
            }
            var mode = Mode.exact
            if let leadingMode { line = "\(leadingMode)" + line }
            switch line.first {
            case "~": mode = .unordered
            case "?": mode = .shape
            case "%": mode = .maskIDs
            case "*": mode = .anyReply
            default: break
            }
            if mode != .exact { line = line.dropFirst().drop { $0 == " " } }
            if line.first == "@", let space = line.firstIndex(of: " ") {
                mode = .fields(line.dropFirst().prefix { $0 != " " }.split(separator: ",").map(String.init))
                line = line[space...].drop { $0 == " " }
            }
            let body: Body
            if line == "<recv>" {
                body = .receive
            } else if line == "<eof>" {
                body = .expectClose
                replies = 0
            } else if line.hasPrefix(">") {
                body = .inline(String(line.dropFirst()))
            } else if line.hasPrefix("!") {
                body = .raw(Self.unescape(String(line.dropFirst())))
            } else {
                body = .command(Self.split(String(line)))
            }
            steps.append(
                Step(line: number + 1, text: original, connection: connection, replies: replies, mode: mode, body: body)
            )
        }
    }

    /// Shell-like splitting: blanks separate words; "..." and '...' quote, with \ escapes in "...".
    static func split(_ line: String) -> [String] {
        var words: [String] = []
        var current = ""
        var inWord = false
        var quote: Character?
        var escape = false
        for ch in line {
            if escape {
                switch ch {
                case "n": current.append("\n")
                case "r": current.append("\r")
                case "t": current.append("\t")
                default: current.append(ch)
                }
                escape = false
            } else if let q = quote {
                if ch == "\\" && q == "\"" {
                    escape = true
                } else if ch == q {
                    quote = nil
                } else {
                    current.append(ch)
                }
            } else if ch == "\"" || ch == "'" {
                quote = ch
                inWord = true
            } else if ch == " " {
                if inWord { words.append(current) }
                current = ""
                inWord = false
            } else {
                current.append(ch)
                inWord = true
            }
        }
        if inWord { words.append(current) }
        return words
    }

    static func unescape(_ text: String) -> [UInt8] {
        var out: [UInt8] = []
        let bytes = Array(text.utf8)
        var i = 0
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "\\") && i + 1 < bytes.count {
                let next = bytes[i + 1]
                switch next {
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "x") where i + 3 < bytes.count:
                    out.append(UInt8(String(decoding: bytes[(i + 2)...(i + 3)], as: UTF8.self), radix: 16) ?? 0)
                    i += 2
                default: out.append(next)
                }
                i += 2
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        return out
    }
}

extension RESPValue {
    /// A verbatim string as a bulk string (INFO replies in RESP3), anything else unchanged.
    fileprivate var replacingVerbatim: RESPValue {
        if case .verbatimString(_, let bytes) = self { return .bulkString(bytes) }
        return self
    }
}

/// What one step produced on one server.
enum StepOutcome: Equatable, CustomStringConvertible {
    case replies([[UInt8]])
    case closed([UInt8])
    case failure(String)

    var description: String {
        switch self {
        case .replies(let replies): return replies.map(showBytes).joined(separator: " | ")
        case .closed(let rest): return "<closed after \(showBytes(rest))>"
        case .failure(let text): return "<\(text)>"
        }
    }
}

/// Bytes with CR, LF and non-printables escaped, for failure messages.
func showBytes(_ bytes: [UInt8]) -> String {
    var out = ""
    for b in bytes {
        switch b {
        case 0x0D: out += "\\r"
        case 0x0A: out += "\\n"
        case 0x20..<0x7F: out.unicodeScalars.append(Unicode.Scalar(b))
        default: out += "\\x" + (b < 16 ? "0" : "") + String(b, radix: 16)
        }
    }
    return out
}

/// Runs scripts against one server.
final class ScriptRunner {
    let server: TestRedisServer
    private var connections: [String: RESPTestConnection] = [:]
    private var closed: Set<String> = []
    private var ids: [String: String] = [:]

    init(server: TestRedisServer) { self.server = server }

    /// A connection by name, opened on first use; its CLIENT ID is asked at once (later it
    /// may be subscribed or unauthenticated).
    private func connection(_ name: String) throws -> RESPTestConnection {
        if let c = connections[name] { return c }
        let c = try RESPTestConnection(port: server.port)
        connections[name] = c
        if case .integer(let n) = try c.command("CLIENT", "ID") { ids[name] = String(n) }
        return c
    }

    /// The CLIENT ID of a connection.
    private func id(of name: String) throws -> String {
        _ = try connection(name)
        guard let id = ids[name] else { throw TestSupportError("no CLIENT ID for connection \(name)") }
        return id
    }

    func run(_ step: DifferentialScript.Step) -> StepOutcome {
        do {
            let c = try connection(step.connection)
            switch step.body {
            case .command(let words):
                var resolved: [String] = []
                for word in words {
                    if word.count == 2, word.hasPrefix("$"), let name = word.last, name.isUppercase {
                        resolved.append(try id(of: String(name)))
                    } else {
                        resolved.append(word)
                    }
                }
                try c.send(resolved)
            case .inline(let text): try c.send(bytes: Array((text + "\r\n").utf8))
            case .raw(let bytes): try c.send(bytes: bytes)
            case .receive: break
            case .expectClose:
                let rest = try c.readUntilClosed()
                closed.insert(step.connection)
                return .closed(rest)
            }
            var replies: [[UInt8]] = []
            for _ in 0..<step.replies {
                replies.append(normalize(try c.readReply(), step.mode))
            }
            return .replies(replies)
        } catch let failure as RESPTestConnection.Failure {
            if case .closed = failure { closed.insert(step.connection) }
            return .failure("\(failure)")
        } catch {
            return .failure("\(error)")
        }
    }

    /// A PING on every connection still open, for the end of a script.
    func finalPings() -> [String: StepOutcome] {
        var outcomes: [String: StepOutcome] = [:]
        for name in connections.keys.sorted() where !closed.contains(name) {
            outcomes[name] = run(
                DifferentialScript.Step(
                    line: 0, text: "PING", connection: name, replies: 1, mode: .exact, body: .command(["PING"])))
        }
        return outcomes
    }

    func closeAll() {
        for c in connections.values { c.close() }
        connections.removeAll()
    }

    private func normalize(_ reply: (value: RESPValue, bytes: [UInt8]), _ mode: DifferentialScript.Mode) -> [UInt8] {
        switch mode {
        case .exact: return reply.bytes
        case .anyReply: return Array("<\(reply.value.typeIdentifier)>".utf8)
        case .shape: return Array(shape(reply.value).utf8)
        case .unordered:
            var encoder = RESPEncoder()
            encoder.write(sorted(reply.value), version: .resp3)
            return encoder.buffer
        case .maskIDs:
            var encoder = RESPEncoder()
            encoder.write(maskIDs(reply.value), version: .resp3)
            return encoder.buffer
        case .fields(let names):
            guard case .bulkString(let bytes) = reply.value.replacingVerbatim else { return reply.bytes }
            let kept = String(decoding: bytes, as: UTF8.self).split(separator: "\r\n").filter { line in
                names.contains { line.hasPrefix($0 + ":") }
            }
            return Array(kept.joined(separator: "\n").utf8)
        }
    }

    private func shape(_ value: RESPValue) -> String {
        switch value {
        case .array(let a), .set(let a), .push(let a): return "\(value.typeIdentifier)[\(a.count)]"
        case .map(let m): return "map[\(m.count)]"
        default: return "\(value.typeIdentifier)"
        }
    }

    private func sorted(_ value: RESPValue) -> RESPValue {
        func key(_ v: RESPValue) -> [UInt8] {
            var e = RESPEncoder()
            e.write(v, version: .resp3)
            return e.buffer
        }
        switch value {
        case .array(let a): return .array(a.map(sorted).sorted { key($0).lexicographicallyPrecedes(key($1)) })
        case .set(let a): return .set(a.map(sorted).sorted { key($0).lexicographicallyPrecedes(key($1)) })
        case .push(let a): return .push(a.map(sorted).sorted { key($0).lexicographicallyPrecedes(key($1)) })
        case .map(let pairs):
            return .map(
                pairs.map { (key: $0.key, value: sorted($0.value)) }.sorted {
                    key($0.key).lexicographicallyPrecedes(key($1.key))
                })
        default: return value
        }
    }

    private func maskIDs(_ value: RESPValue) -> RESPValue {
        switch value {
        case .integer: return .integer(0)
        case .map(let pairs):
            return .map(
                pairs.map { pair in
                    pair.key == "id" || pair.key == "redirect"
                        ? (key: pair.key, value: .integer(0)) : (key: pair.key, value: maskIDs(pair.value))
                })
        case .array(let a):
            var out = a
            for i in out.indices {
                if i > 0, a[i - 1] == "id" || a[i - 1] == "redirect", case .integer = a[i] { out[i] = .integer(0) }
            }
            return .array(out)
        case .bulkString(let bytes), .verbatimString(_, let bytes):
            // CLIENT LIST/INFO lines: keep the field names and the fields both servers agree on.
            let text = String(decoding: bytes, as: UTF8.self)
            guard text.hasPrefix("id=") || text.hasPrefix("txt:id=") else { return value }
            let kept = ["name", "db", "sub", "psub", "multi", "flags", "resp", "redir", "user"]
            let lines = text.split(separator: "\n").map { line in
                line.split(separator: " ").filter { field in
                    kept.contains { field.hasPrefix($0 + "=") }
                }.joined(separator: " ")
            }
            return .bulkString(lines.joined(separator: "\n"))
        default: return value
        }
    }
}

/// Starts the fake and a real server and runs `body` with them (fake first), stopping both
/// afterwards. Without redis-server the test is skipped with a note (`nil`), unless
/// STRATA_REQUIRE_REDIS=1, which records an issue.
func withDifferentialServers<T>(
    sourceLocation: SourceLocation = #_sourceLocation, _ body: (TestRedisServer, TestRedisServer) throws -> T
) throws -> T? {
    if let reason = TestRedisServer.realServerUnavailable {
        if TestRedisServer.realServerRequired {
            Issue.record("STRATA_REQUIRE_REDIS=1 but \(reason)", sourceLocation: sourceLocation)
        } else {
            print("note: differential test skipped: \(reason)")
        }
        return nil
    }
    let fake = try TestRedisServer.start(.fake)
    defer { fake.stop() }
    let real = try TestRedisServer.start(.real)
    defer { real.stop() }
    return try body(fake, real)
}

/// Starts the fake and a real server, runs a script on both in each protocol, and records an
/// issue for every step where they disagree. Without redis-server the test is skipped with a
/// note, unless STRATA_REQUIRE_REDIS=1.
func assertSameBehaviour(
    _ script: String, protocols: [Int] = [2, 3], sourceLocation: SourceLocation = #_sourceLocation
) throws {
    try withDifferentialServers(sourceLocation: sourceLocation) { fake, real in
        try runScript(script, protocols: protocols, fake: fake, real: real, sourceLocation: sourceLocation)
    }
}

/// The body of ``assertSameBehaviour(_:protocols:sourceLocation:)``, on started servers.
private func runScript(
    _ script: String, protocols: [Int], fake: TestRedisServer, real: TestRedisServer, sourceLocation: SourceLocation
) throws {
    let parsed = DifferentialScript(script)
    for proto in protocols {
        var steps = parsed.steps
        if proto == 3 {
            steps.insert(
                DifferentialScript.Step(
                    line: 0, text: "hello 3", connection: "A", replies: 1, mode: .maskIDs,
                    body: .command(["hello", "3"])), at: 0)
        }
        for server in [fake, real] {
            let c = try RESPTestConnection(port: server.port)
            _ = try c.command("FLUSHALL")
        }
        let fakeRunner = ScriptRunner(server: fake)
        let realRunner = ScriptRunner(server: real)
        defer {
            fakeRunner.closeAll()
            realRunner.closeAll()
        }
        for step in steps {
            let started = ContinuousClock.now
            let fromReal = realRunner.run(step)
            let fromFake = fakeRunner.run(step)
            if ContinuousClock.now - started > .seconds(1) {
                print(
                    "note: slow differential step (\(ContinuousClock.now - started)): RESP\(proto) line \(step.line): \(step.text)"
                )
            }
            if fromReal != fromFake {
                Issue.record(
                    """
                    RESP\(proto) line \(step.line): \(step.text)
                      redis-server: \(fromReal)
                      fake:         \(fromFake)
                    """, sourceLocation: sourceLocation)
            }
        }
        let realPings = realRunner.finalPings()
        let fakePings = fakeRunner.finalPings()
        if realPings != fakePings {
            Issue.record(
                "RESP\(proto) final PINGs differ (stray or missing bytes): redis-server \(realPings), fake \(fakePings)",
                sourceLocation: sourceLocation)
        }
    }
}
