import StrataRESP
import StrataServerTestSupport
import Testing

extension FakeRedisTestSuites {
    /// SLOWLOG, INFO commandstats / errorstats / latencystats, MONITOR and CLIENT PAUSE against
    /// a real redis-server.
    /// Timestamps, durations, client addresses and entry IDs differ between servers: entries
    /// are compared by position, arguments (redacted and truncated), and client name; statistics
    /// by field names and call counts.
    @Suite("Differential: slowlog, command statistics and MONITOR")
    struct DifferentialIntrospectionTests {
        /// Runs `body` against each server (fake first) and returns what it produced.
        private func onBothServers<T: Equatable>(
            _ body: (TestRedisServer) throws -> T, sourceLocation: SourceLocation = #_sourceLocation
        ) throws -> (fake: T, real: T)? {
            try withDifferentialServers(sourceLocation: sourceLocation) { fake, real in
                (try body(fake), try body(real))
            }
        }

        private static func text(_ value: RESPValue) -> String {
            switch value {
            case .bulkString(let bytes), .verbatimString(_, let bytes): return String(decoding: bytes, as: UTF8.self)
            case .simpleString(let s), .simpleError(let s): return s
            case .integer(let n): return String(n)
            default: return "\(value)"
            }
        }

        /// SLOWLOG GET's entries without what differs between servers: one line per entry with
        /// its ID relative to the newest, its arguments, whether the address is the client's own,
        /// and the client name.
        private static func entries(_ reply: RESPValue, address: String, other: String = "") -> [String] {
            guard case .array(let entries) = reply else { return ["not an array: \(reply)"] }
            var newest: Int?
            return entries.map { entry in
                guard case .array(let fields) = entry, fields.count == 6,
                    case .integer(let id) = fields[0], case .integer(let time) = fields[1],
                    case .integer(let micros) = fields[2], case .array(let args) = fields[3]
                else { return "malformed entry: \(entry)" }
                if newest == nil { newest = id }
                let shown = args.map { Self.text($0) }.joined(separator: " ")
                let from = Self.text(fields[4])
                let own = from == address ? "own-address" : from == other ? "other-address" : "unknown:\(from)"
                let sane = time > 1_600_000_000 && micros >= 0 ? "" : " (bad time \(time) or duration \(micros))"
                return "\(newest! - id) [\(shown)] \(own) name=\(Self.text(fields[5]))\(sane)"
            }
        }

        /// `ip:port` of a connection as the server sees it (CLIENT INFO's addr).
        private static func address(_ c: RESPTestConnection) throws -> String {
            let info = text(try c.command("CLIENT", "INFO"))
            let field = info.split(separator: " ").first { $0.hasPrefix("addr=") } ?? ""
            return String(field.dropFirst(5))
        }

        @Test func entriesRecordArgumentsRedactionsAndTruncation() throws {
            let long = String(repeating: "x", count: 140)
            let many = (0..<40).map { "m\($0)" }
            let result = try onBothServers { server -> [String] in
                let c = try RESPTestConnection(port: server.port)
                defer { c.close() }
                let address = try Self.address(c)
                _ = try c.command("CONFIG", "SET", "slowlog-log-slower-than", "0")
                _ = try c.command("SLOWLOG", "RESET")
                for line: [String] in [
                    ["SET", "k", "v"], ["set", "k2", long], ["RPUSH", "l"] + many, ["MULTI"], ["INCR", "n"],
                    ["GET", "k"], ["EXEC"], ["AUTH", "secret"], ["AUTH", "user", "secret"],
                    ["HELLO", "2", "AUTH", "default", "pw", "SETNAME", "hello-name"],
                    ["CONFIG", "SET", "requirepass", ""], ["CONFIG", "SET", "masterauth", "pw", "maxmemory", "0"],
                    ["ACL", "SETUSER", "someone", "on", ">pw"], ["ACL", "DELUSER", "someone"],
                    ["SLOWLOG", "NOSUCH"], ["SLOWLOG", "GET", "1", "2"], ["SLOWLOG", "GET", "-2"], ["GET"],
                    ["NOSUCHCOMMAND", "x"], ["CLIENT", "SETNAME", "named"], ["INCR", "k"], ["PING"],
                ] {
                    try c.send(line)
                    _ = try c.readReply()
                }
                let all = Self.entries(try c.command("SLOWLOG", "GET", "-1"), address: address)
                let len = Self.text(try c.command("SLOWLOG", "LEN"))
                let two = Self.entries(try c.command("SLOWLOG", "GET", "2"), address: address)
                let standard = Self.entries(try c.command("SLOWLOG", "GET"), address: address)
                let none = Self.entries(try c.command("SLOWLOG", "GET", "0"), address: address)
                return all + ["len \(len)"] + two + standard + none
            }
            guard let result else { return }
            #expect(result.fake == result.real)
        }

        @Test func blockedCommandIsLoggedWhenServed() throws {
            let result = try onBothServers { server -> [String] in
                let a = try RESPTestConnection(port: server.port)
                let b = try RESPTestConnection(port: server.port)
                defer {
                    a.close()
                    b.close()
                }
                _ = try a.command("CONFIG", "SET", "slowlog-log-slower-than", "0")
                _ = try a.command("SLOWLOG", "RESET")
                _ = try a.command("CONFIG", "RESETSTAT")
                try a.send(["BLPOP", "queue", "0"])
                // Wait until the server has the client blocked before pushing.
                while Self.text(try b.command("INFO", "clients")).contains("blocked_clients:0") {}
                _ = try b.command("RPUSH", "queue", "x")
                _ = try a.readReply()
                let (fromA, fromB) = (try Self.address(a), try Self.address(b))
                return Self.entries(try b.command("SLOWLOG", "GET", "4"), address: fromB, other: fromA)
                    + (try Self.statistics(b, "commandstats")) + (try Self.statistics(b, "latencystats"))
            }
            guard let result else { return }
            #expect(result.fake == result.real)
        }

        @Test func lengthLimitAndDisabling() throws {
            try assertSameBehaviour(
                """
                config set slowlog-log-slower-than 0
                config set slowlog-max-len 10
                slowlog reset
                ping
                slowlog len
                ping
                ping
                ping
                ping
                ping
                ping
                ping
                ping
                ping
                ping
                ping
                slowlog len
                ? slowlog get 3
                ? slowlog get
                config set slowlog-max-len 0
                ping
                slowlog len
                config set slowlog-max-len 128
                config set slowlog-log-slower-than -1
                slowlog reset
                ping
                slowlog len
                config set slowlog-log-slower-than 100000000
                ping
                slowlog len
                slowlog get x
                slowlog get -1
                slowlog get 1 2
                slowlog len x
                slowlog nosuch
                slowlog
                slowlog help
                config set slowlog-log-slower-than 10000
                config set slowlog-max-len 128
                slowlog reset
                """)
        }

        /// INFO commandstats lines with the timings masked, sorted (servers list commands in
        /// their own dictionary order); errorstats as they are; latencystats' field names and
        /// percentile labels.
        private static func statistics(_ c: RESPTestConnection, _ section: String) throws -> [String] {
            // INFO itself is left out: the tests poll with it a varying number of times.
            let lines = text(try c.command("INFO", section)).split(separator: "\r\n").map(String.init).filter {
                !$0.hasPrefix("cmdstat_info:") && !$0.hasPrefix("latency_percentiles_usec_info:")
            }
            return lines.map { line in
                guard let colon = line.firstIndex(of: ":") else { return line }
                let name = line[..<colon]
                let fields = line[line.index(after: colon)...].split(separator: ",").map { field in
                    let parts = field.split(separator: "=", maxSplits: 1)
                    let masked = ["usec", "usec_per_call"].contains(String(parts[0])) || name.hasPrefix("latency_")
                    return masked ? "\(parts[0])=*" : String(field)
                }
                return "\(name):\(fields.joined(separator: ","))"
            }.sorted()
        }

        @Test func commandErrorAndLatencyStatistics() throws {
            let result = try onBothServers { server -> [String] in
                let c = try RESPTestConnection(port: server.port)
                defer { c.close() }
                _ = try c.command("CONFIG", "RESETSTAT")
                for line: [String] in [
                    ["SET", "k", "v"], ["GET", "k"], ["GET", "k"], ["GET"], ["LPUSH", "k", "x"], ["INCR", "k"],
                    ["NOSUCH"], ["CLIENT", "NOSUCH"], ["CLIENT", "ID", "extra"], ["CONFIG", "GET", "maxmemory"],
                    ["MULTI"], ["SET", "a", "1"], ["INCR", "k"], ["EXEC"], ["MULTI"], ["GET"], ["EXEC"],
                    ["AUTH", "wrong"], ["AUTH", "u", "p"], ["XADD", "s", "0-0", "f", "v"], ["BLPOP", "empty", "0.01"],
                ] {
                    try c.send(line)
                    _ = try c.readReply()
                }
                // The timed-out BLPOP is counted when it times out.
                while Self.text(try c.command("INFO", "clients")).contains("blocked_clients:1") {}
                let before =
                    try Self.statistics(c, "commandstats") + Self.statistics(c, "errorstats")
                    + Self.statistics(c, "latencystats")
                _ = try c.command("CONFIG", "SET", "latency-tracking-info-percentiles", "50 99.9999 0")
                let percentiles = try Self.statistics(c, "latencystats")
                _ = try c.command("CONFIG", "SET", "latency-tracking-info-percentiles", "50 99 99.9")
                _ = try c.command("CONFIG", "RESETSTAT")
                let after = try Self.statistics(c, "commandstats") + Self.statistics(c, "errorstats")
                let sections = Self.text(try c.command("INFO", "all")).split(separator: "\r\n").filter {
                    $0.hasPrefix("# ") && $0 != "# Modules"
                }.map(String.init)
                let defaults = Self.text(try c.command("INFO")).split(separator: "\r\n").filter {
                    $0.hasPrefix("# ") && $0 != "# Modules"
                }.map(String.init)
                return before + ["--"] + percentiles + ["--"] + after + ["--"] + sections + ["--"] + defaults
            }
            guard let result else { return }
            #expect(result.fake == result.real)
        }

        /// A MONITOR line with its timestamp checked and masked, and the client address named.
        private static func monitorLine(_ value: RESPValue, names: [String: String]) -> String {
            guard case .simpleString(let line) = value else { return "not a status reply: \(value)" }
            let parts = line.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: false)
            guard parts.count == 4, parts[1].hasPrefix("["), parts[2].hasSuffix("]") else {
                return "malformed: \(line)"
            }
            let stamp = parts[0].split(separator: ".")
            let wellFormed =
                stamp.count == 2 && stamp[0].count >= 10 && stamp[1].count == 6
                && stamp.allSatisfy { $0.allSatisfy(\.isNumber) }
            let address = String(parts[2].dropLast())
            return
                "\(wellFormed ? "T" : "bad time \(parts[0])") \(parts[1]) \(names[address] ?? "unknown \(address)")] \(parts[3])"
        }

        @Test func monitorShowsOtherClientsCommandsQuotedAsRedisDoes() throws {
            let result = try onBothServers { server -> [String] in
                let monitor = try RESPTestConnection(port: server.port)
                let a = try RESPTestConnection(port: server.port)
                let b = try RESPTestConnection(port: server.port)
                defer {
                    monitor.close()
                    a.close()
                    b.close()
                }
                let names = [try Self.address(a): "A", try Self.address(b): "B", try Self.address(monitor): "M"]
                var replies = [Self.text(try monitor.command("MONITOR"))]
                try b.send(["BLPOP", "queue", "0"])
                // B blocked before A's commands: its line comes first.
                var lines = [Self.monitorLine(try monitor.readReply().value, names: names)]
                for line: [String] in [
                    ["SET", "k", "v"], ["set", "a b", "q\"\\\n\r\t\u{07}\u{08}\u{01}\u{7F}é"], ["SELECT", "3"],
                    ["GET", "k"],
                    ["SELECT", "0"], ["MULTI"], ["INCR", "n"], ["MONITOR"], ["EXEC"], ["AUTH", "pw"],
                    ["HELLO", "2", "AUTH", "default", "pw"], ["CONFIG", "SET", "maxmemory", "0"], ["CONFIG", "HELP"],
                    ["SLOWLOG", "LEN"], ["CLIENT", "LIST"], ["CLIENT", "ID"], ["ACL", "DRYRUN", "default", "GET", "k"],
                    ["ACL", "WHOAMI"], ["GET"], ["NOSUCH"], ["SET", "12", "34"],
                    ["RPUSH", "queue", "x"], ["PUBLISH", "ch", "m"], ["ECHO", "end"],
                ] {
                    try a.send(line)
                    let reply = Self.text(try a.readReply().value)
                    // Connection IDs and addresses differ between servers.
                    replies.append(["CLIENT", "HELLO"].contains(line[0]) ? "\(line[0]) reply" : reply)
                }
                replies.append(Self.text(try b.readReply().value))
                while lines.last?.hasSuffix("\"ECHO\" \"end\"") != true && lines.count < 50 {
                    lines.append(Self.monitorLine(try monitor.readReply().value, names: names))
                }
                // What a monitor itself may do.
                for line: [String] in [["GET", "k"], ["PUBLISH", "ch", "m"], ["PING"]] {
                    try monitor.send(line)
                    let reply = try monitor.readReply().value
                    lines.append(Self.text(reply).hasPrefix("+") ? "line" : Self.text(reply))
                }
                lines.append(Self.monitorLine(try monitor.readReply().value, names: names))
                let list = Self.text(try a.command("CLIENT", "LIST")).split(separator: "\n").compactMap { entry in
                    entry.split(separator: " ").first { $0.hasPrefix("flags=") }.map(String.init)
                }.sorted()
                lines.append(Self.text(try monitor.command("RESET")))
                _ = try a.command("SET", "after", "reset")
                lines.append(Self.text(try monitor.command("PING")))
                return replies + lines + list
            }
            guard let result else { return }
            #expect(result.fake == result.real)
        }

        @Test func monitorRefusalsAndReset() throws {
            try assertSameBehaviour(
                """
                monitor
                0|monitor
                get k
                set k v
                publish ch m
                ping
                * <recv>
                reset
                set k v
                B: multi
                B: monitor
                B: exec
                """)
        }

        /// `blocked_clients` of INFO clients.
        private static func blockedClients(_ c: RESPTestConnection) throws -> Int {
            let info = text(try c.command("INFO", "clients"))
            let line = info.split(separator: "\r\n").first { $0.hasPrefix("blocked_clients:") } ?? ""
            return Int(line.dropFirst("blocked_clients:".count)) ?? -1
        }

        @Test func pauseWriteHoldsWritesUntilUnpaused() throws {
            let result = try onBothServers { server -> [String] in
                let a = try RESPTestConnection(port: server.port)
                let b = try RESPTestConnection(port: server.port)
                let c = try RESPTestConnection(port: server.port)
                defer {
                    a.close()
                    b.close()
                    c.close()
                }
                var out: [String] = []
                out.append(Self.text(try a.command("CLIENT", "PAUSE", "100000", "WRITE")))
                try b.send(["SET", "k", "v"])
                try b.send(["GET", "k"])
                try waitUntil { try Self.blockedClients(a) == 1 }
                out.append(Self.text(try a.command("GET", "k")))
                let list = Self.text(try a.command("CLIENT", "LIST")).split(separator: "\n").map { line in
                    line.split(separator: " ").filter { $0.hasPrefix("flags=") || $0.hasPrefix("cmd=") }
                        .joined(separator: " ")
                }
                out += list
                for line: [String] in [["MULTI"], ["GET", "k"], ["EXEC"], ["PUBSUB", "NUMPAT"]] {
                    try a.send(line)
                    out.append(Self.text(try a.readReply().value))
                }
                // A transaction with a write is held at the write, while queueing.
                out.append(Self.text(try c.command("MULTI")))
                try c.send(["SET", "other", "1"])
                try waitUntil { try Self.blockedClients(a) == 2 }
                // A later PAUSE keeps the later end and takes the new mode.
                out.append(Self.text(try a.command("CLIENT", "PAUSE", "10", "WRITE")))
                out.append(Self.text(try a.command("PING")))
                out.append(Self.text(try a.command("CLIENT", "UNPAUSE")))
                out.append(Self.text(try b.readReply().value))
                out.append(Self.text(try b.readReply().value))
                out.append(Self.text(try c.readReply().value))
                out.append(Self.text(try c.command("EXEC")))
                out.append(String(try Self.blockedClients(a)))
                return out
            }
            guard let result else { return }
            #expect(result.fake == result.real)
        }

        @Test func pauseAllHoldsEveryCommandUntilItsTimeout() throws {
            let result = try onBothServers { server -> [String] in
                let a = try RESPTestConnection(port: server.port)
                let b = try RESPTestConnection(port: server.port)
                defer {
                    a.close()
                    b.close()
                }
                let monitor = try RESPTestConnection(port: server.port)
                defer { monitor.close() }
                var out = [Self.text(try a.command("SET", "k", "v"))]
                out.append(Self.text(try monitor.command("MONITOR")))
                out.append(Self.text(try a.command("CLIENT", "PAUSE", "3000", "ALL")))
                // Held, UNPAUSE included, until the pause times out; then served in order. A
                // monitor is never paused: it sees both held (and its own INFO line after each).
                try b.send(["GET", "k"])
                try a.send(["CLIENT", "UNPAUSE"])
                try waitUntil {
                    let held = try Self.blockedClients(monitor)
                    _ = try monitor.readReply()
                    return held == 2
                }
                out.append(Self.text(try b.readReply().value))
                out.append(Self.text(try a.readReply().value))
                return out
            }
            guard let result else { return }
            #expect(result.fake == result.real)
        }

        @Test func pauseArguments() throws {
            try assertSameBehaviour(
                """
                client pause
                client pause x
                client pause -1
                client pause 10 foo
                client pause 10 write x
                client unpause x
                client pause 0 write
                client pause 0 all
                client unpause
                client unpause
                set k v
                """)
        }

        /// Commands redis-py's own suite calls that the fake lacked: SUBSTR, ZLEXCOUNT, ROLE,
        /// LATENCY LATEST/HISTORY/RESET (no events at threshold 0), MODULE LIST, and MEMORY
        /// USAGE's replies that do not depend on the allocator (a missing key, bad arguments).
        /// TTL, PTTL, EXPIRETIME, PEXPIRETIME, TYPE and EXISTS leave a key's access time alone
        /// (Redis' LOOKUP_NOTOUCH); TOUCH and GET do not. The idle times are compared as "at
        /// least 2 s" on both servers, since the two clocks tick at different moments, after
        /// 3.1 s: Redis reads idle time from a clock of whole seconds that its cron refreshes,
        /// which a busy machine delays.
        @Test func lookupsThatDoNotTouchTheKey() throws {
            try withBothServers { pair, _ in
                try pair.same(["set", "foo", "bar", "px", "100000"])
                try pair.same(["set", "bar", "baz"])
                usleepMilliseconds(3_100)
                for command in ["ttl", "pttl", "expiretime", "pexpiretime", "type", "exists"] {
                    _ = try pair.real.command(command, "foo")
                    _ = try pair.fake.command(command, "foo")
                }
                _ = try pair.real.command("exists", "bar")
                _ = try pair.fake.command("exists", "bar")
                for key in ["foo", "bar"] {
                    let real = try pair.real.command("object", "idletime", key)
                    let fake = try pair.fake.command("object", "idletime", key)
                    #expect(
                        Self.atLeastTwo(fake) == Self.atLeastTwo(real),
                        "OBJECT IDLETIME \(key): redis-server \(real), fake \(fake)")
                }
                try pair.same(["touch", "foo"])
                try pair.same(["object", "idletime", "foo"])
            }
        }

        private static func atLeastTwo(_ reply: RESPValue) -> Bool {
            if case .integer(let n) = reply { return n >= 2 }
            return false
        }

        @Test func commandsRedisPyCalls() throws {
            try assertSameBehaviour(
                """
                set s "Hello World"
                substr s 0 4
                substr s -5 -1
                substr s 5 1
                substr missing 0 1
                substr s 0
                substr s a 1
                rpush l x
                substr l 0 1
                zadd z 0 a 0 b 0 c 0 d 0 e
                zlexcount z - +
                zlexcount z [b [d
                zlexcount z (b (d
                zlexcount z (b [b
                zlexcount z [d [b
                zlexcount z + -
                zlexcount z a b
                zlexcount missing - +
                zlexcount l - +
                zadd mixed 1 a 2 b 1 c 3 d
                zlexcount mixed [a [c
                zlexcount mixed [b +
                zlexcount z -
                role
                role x
                latency latest
                latency history command
                latency reset
                latency reset command fork
                latency history
                latency help
                latency help xxx
                module list
                module list x
                memory usage missing
                memory usage missing samples 5
                memory usage s samples
                memory usage s samples x
                memory usage s samples -1
                memory usage s foo 1
                memory usage
                ? memory stats
                select 3
                set k v ex 100
                ? memory stats
                flushall
                ? memory stats
                memory stats x
                """)
        }

        /// CLIENT REPLY OFF drops every reply until ON (whose OK is sent); SKIP drops the next
        /// command's reply only and is ignored while OFF. LOLWUT without a version, or with one
        /// Redis has no art for, prints the server's version.
        @Test func clientReplyAndLolwut() throws {
            try assertSameBehaviour(
                """
                0|client reply off
                0|set a 1
                0|get a
                0|nope
                client reply on
                get a
                0|client reply skip
                0|set b 2
                get b
                0|client reply skip
                client reply on
                client reply foo
                client reply
                0|client reply off
                0|client reply skip
                0|ping
                client reply on
                0|client reply skip
                0|client reply skip
                0|ping
                ping
                lolwut
                lolwut version 7
                lolwut version 1 x
                lolwut version abc
                lolwut x y
                """)
        }

        /// ACL CAT (the categories; a category's list names commands the fake does not serve,
        /// so only its errors are compared), GENPASS (random: only the reply's type), DRYRUN with Redis'
        /// verbose texts, HELP.
        @Test func aclCatGenpassDryrunHelp() throws {
            try assertSameBehaviour(
                """
                acl cat
                acl cat nope
                ? acl genpass
                ? acl genpass 5
                ? acl genpass 4096
                acl genpass 0
                acl genpass 4097
                acl genpass x
                acl help
                acl setuser u1 on nopass ~a* +set +get
                acl dryrun u1 get b
                acl dryrun u1 get a1
                acl dryrun u1 GET a1
                acl dryrun u1 del a
                acl dryrun u1 client id
                acl dryrun u1 client
                acl dryrun u1 client foo
                acl dryrun u1 set a
                acl dryrun u1 mset a 1 b 2
                acl dryrun nobody get k
                acl dryrun default nope k
                acl dryrun default get k
                acl dryrun u1
                acl deluser u1
                acl getuser u1
                acl getuser default
                acl getuser
                """)
        }
    }
}
