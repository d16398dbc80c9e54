import StrataFakeRedis
import StrataRESP
import StrataServerTestSupport
import Testing

extension FakeRedisTestSuites {
    /// COMMAND INFO, DOCS, GETKEYS, GETKEYSANDFLAGS, LIST and COUNT against a real
    /// redis-server, in RESP2 and RESP3, for every command the fake serves.
    ///
    /// Redis lists a container's subcommands in its hash table's order, which changes from one
    /// process to the next, and lists the subcommands the fake does not serve: for a container,
    /// the fake's bytes are compared with Redis' RESP3 reply re-encoded with the served
    /// subcommands only, sorted by name. Every other entry is compared as Redis sent it. COMMAND,
    /// COUNT and LIST name every command, so they are held to the fake's own table.
    @Suite("Differential: COMMAND metadata")
    struct DifferentialCommandMetadataTests {
        /// The full names the fake serves (COMMAND LIST: commands and `container|sub`).
        private static func servedNames(_ c: RESPTestConnection) throws -> [String] {
            guard case .array(let names) = try c.command("COMMAND", "LIST") else { return [] }
            return names.compactMap {
                if case .bulkString(let bytes) = $0 { return String(decoding: bytes.array, as: UTF8.self) }
                return nil
            }
        }

        private static func text(_ value: RESPValue) -> String? {
            switch value {
            case .bulkString(let bytes): return String(decoding: bytes.array, as: UTF8.self)
            case .simpleString(let s): return s
            default: return nil
            }
        }

        /// An array's or a set's elements.
        private static func elements(_ value: RESPValue) -> [RESPValue]? {
            switch value {
            case .array(let values), .set(let values): return values
            default: return nil
            }
        }

        /// A COMMAND INFO entry with only the served subcommands, sorted by name.
        private static func normalizedInfo(_ entry: RESPValue, served: Set<String>) -> RESPValue {
            guard case .array(var fields) = entry, fields.count == 10 else { return entry }
            guard let subs = elements(fields[9]) else { return entry }
            let kept = subs.filter { sub in
                guard case .array(let f) = sub, let name = f.first.flatMap(text) else { return false }
                return served.contains(name)
            }
            let sorted = kept.map { normalizedInfo($0, served: served) }.sorted {
                guard case .array(let a) = $0, case .array(let b) = $1 else { return false }
                return (text(a[0]) ?? "") < (text(b[0]) ?? "")
            }
            if case .set = fields[9] { fields[9] = .set(sorted) } else { fields[9] = .array(sorted) }
            return .array(fields)
        }

        /// A COMMAND DOCS entry with only the served subcommands, sorted by name.
        private static func normalizedDocs(_ entry: RESPValue, served: Set<String>) -> RESPValue {
            guard case .map(let pairs) = entry else { return entry }
            return .map(
                pairs.map { pair in
                    guard text(pair.key) == "subcommands", case .map(let subs) = pair.value else { return pair }
                    let kept = subs.filter { served.contains(text($0.key) ?? "") }
                        .sorted { (text($0.key) ?? "") < (text($1.key) ?? "") }
                        .map { (key: $0.key, value: normalizedDocs($0.value, served: served)) }
                    return (key: pair.key, value: .map(kept))
                })
        }

        private static func encoded(_ value: RESPValue, resp3: Bool) -> [UInt8] {
            var encoder = RESPEncoder()
            encoder.write(value, version: resp3 ? .resp3 : .resp2)
            return encoder.buffer
        }

        /// For every served name, in both protocols: the fake's raw reply to `command` + name
        /// against Redis' (normalized by `normalize` where it has subcommands). Returns the
        /// names that differ, with both replies.
        private static func compareEveryCommand(
            _ command: [String], normalize: @escaping (RESPValue, Set<String>) -> RESPValue
        ) throws -> [String]? {
            try withDifferentialServers { fake, real in
                let f = try RESPTestConnection(port: fake.port)
                let r = try RESPTestConnection(port: real.port)
                let r3 = try RESPTestConnection(port: real.port)
                defer {
                    f.close()
                    r.close()
                    r3.close()
                }
                _ = try r3.command("HELLO", "3")
                let served = try servedNames(f)
                let servedSet = Set(served)
                var differences: [String] = []
                for resp3 in [false, true] {
                    _ = try f.command("HELLO", resp3 ? "3" : "2")
                    for name in served {
                        let fromFake = try f.commandBytes(command + [name])
                        var fromRedis = try (resp3 ? r3 : r).commandBytes(command + [name])
                        // Only a container's entry changes when normalized: compare it re-encoded.
                        try r3.send(command + [name])
                        let redis3 = try r3.readReply().value
                        let normalized = normalize(redis3, servedSet)
                        if encoded(normalized, resp3: true) != encoded(redis3, resp3: true) {
                            fromRedis = encoded(normalized, resp3: resp3)
                        }
                        if fromFake != fromRedis {
                            differences.append(
                                """
                                RESP\(resp3 ? 3 : 2) \(name):
                                  redis-server: \(String(decoding: fromRedis, as: UTF8.self).debugDescription)
                                  fake:         \(String(decoding: fromFake, as: UTF8.self).debugDescription)
                                """)
                        }
                    }
                }
                #expect(served.count > 250, "the fake's COMMAND LIST: \(served.count) names")
                return differences
            }
        }

        @Test func commandInfoOfEveryServedCommandAndSubcommand() throws {
            let differences = try Self.compareEveryCommand(["COMMAND", "INFO"]) { entries, served in
                guard case .array(let list) = entries else { return entries }
                return .array(list.map { Self.normalizedInfo($0, served: served) })
            }
            #expect(differences == [], "\((differences ?? []).joined(separator: "\n"))")
        }

        @Test func commandDocsOfEveryServedCommandAndSubcommand() throws {
            let differences = try Self.compareEveryCommand(["COMMAND", "DOCS"]) { entries, served in
                guard case .map(let pairs) = entries else { return entries }
                return .map(pairs.map { (key: $0.key, value: Self.normalizedDocs($0.value, served: served)) })
            }
            #expect(differences == [], "\((differences ?? []).joined(separator: "\n"))")
        }

        @Test func commandInfoAndDocsLookups() throws {
            try assertSameBehaviour(
                """
                command info get set
                command info GET nope Get
                command info client|id CLIENT|GETNAME
                command info client|nope
                command info get|x
                command info config|
                command info |
                command info a|b|c
                command info nope
                command docs get nope set
                command docs client|id Config|Get
                command docs client|nope nope
                command docs xinfo|stream
                command count x
                command list x
                """)
        }

        /// Command lines whose keys GETKEYS and GETKEYSANDFLAGS are asked for.
        private static let keyedLines = [
            "set k v", "set k v get", "set k v GET", "set k v ex 10 get", "get k", "get", "get k x", "mset a 1 b 2",
            "mset a 1 b", "msetnx a 1 b 2", "del a b c", "ping", "nosuch a", "client kill x", "client nosuch x",
            "config", "config get x", "object encoding k", "object help", "xinfo stream k full", "xinfo help",
            "xgroup create s g $ mkstream", "memory usage k", "sort k", "sort k by w get x store d",
            "sort k store d1 store d2", "sort k limit 0 1 store d", "sort k store", "sort k get store",
            "sort_ro k by x", "xread streams a b 0 0", "xread count 2 streams a 0", "xread streams a b 0",
            "xread streams a", "xread block 0 streams s streams 0 0", "xread streams streams 0",
            "xreadgroup group g c streams a b 0 0", "xreadgroup group g c noack streams a >",
            "xreadgroup group g c count 1 streams a", "zunionstore d 2 a b", "zunionstore d 2 a b weights 1 2",
            "zunionstore d 3 a b", "zunionstore d 0 a", "zunionstore d -1 a", "zunionstore d 2abc a b",
            "zunionstore d x a b", "zinterstore d 1 a", "zdiffstore d 2 a b", "zunion 2 a b", "zunion 3 a b",
            "zinter 1 a withscores", "zdiff 1 a", "zintercard 2 a b limit 1", "sintercard 2 a b",
            "sintercard 0 a", "lmpop 2 a b left", "lmpop 3 a b left", "lmpop 1x a left", "blmpop 0 2 a b left count 1",
            "zmpop 1 z min", "bzmpop 1 1 z max", "georadius k 0 0 1 m store d", "georadius k 0 0 1 m storedist d",
            "georadius k 0 0 1 m store d storedist e", "georadius k 0 0 1 m", "georadius k 0 0 1 m store",
            "georadiusbymember k m 1 km store d", "georadius_ro k 0 0 1 m",
            "geosearchstore d s frommember m byradius 1 m", "bitfield k get u8 0", "bitfield k get u8 0 set u8 0 1",
            "bitfield k overflow sat incrby u8 0 1", "bitfield k", "bitfield k get u8", "bitfield_ro k get u8 0",
            "blpop a b 0", "bzpopmin a 0", "brpoplpush a b 0", "lmove a b left right", "rename a b", "copy a b db 1",
            "bitop and d a b", "pfmerge d a b", "pfcount a b", "pfdebug getreg k", "xadd s * f v",
            "xautoclaim s g c 0 0", "spublish ch m", "ssubscribe a b", "sunsubscribe", "publish ch m", "subscribe a",
            "watch a b", "restore k 0 x", "lcs a b", "getex k persist", "getdel k", "smove a b m", "hset h f v",
            "exists a", "command getkeys get x", "command", "keys *", "scan 0", "xtrim s maxlen 1", "xgroup help",
            "zrangestore d s 0 1",
        ]

        @Test func getkeysAndGetkeysandflags() throws {
            var script = ["command getkeys", "command getkeysandflags", "command getkeysandflags get"]
            for line in Self.keyedLines {
                script.append("command getkeys \(line)")
                script.append("command getkeysandflags \(line)")
            }
            try assertSameBehaviour(script.joined(separator: "\n"))
        }

        @Test func commandListFilters() throws {
            try assertSameBehaviour(
                """
                ~command list filterby pattern x*
                ~command list filterby pattern XINFO*
                ~command list filterby pattern h?et
                ~command list filterby pattern xgroup|*
                ~command list filterby pattern nothing*
                ~command list filterby aclcat hash
                ~command list filterby aclcat STREAM
                ~command list filterby aclcat geo
                ~command list filterby aclcat hyperloglog
                ~command list filterby aclcat transaction
                ~command list filterby aclcat nosuch
                ~command list filterby aclcat @hash
                command list filterby module x
                command list filterby
                command list filterby pattern
                command list filterby pattern a b
                command list filterby foo x
                command list filterby pattern x* filterby aclcat hash
                command list foo
                """)
        }

        /// COMMAND, COUNT and LIST name every command, and the fake serves fewer than Redis:
        /// they are held to each other. COUNT is the number of COMMAND's entries, LIST their names
        /// and their subcommands' full names, and each entry of COMMAND is COMMAND INFO's.
        @Test func countListAndCommandAgree() throws {
            let server = try FakeRedisServer.start(.init())
            defer { server.stop() }
            for version in ["2", "3"] {
                let c = try RESPTestConnection(port: server.port)
                defer { c.close() }
                _ = try c.command("HELLO", version)
                guard case .array(let entries) = try c.command("COMMAND") else {
                    Issue.record("COMMAND is not an array")
                    return
                }
                #expect(try c.command("COMMAND", "COUNT") == .integer(entries.count))
                var names: [String] = []
                var expected: [String] = []
                for entry in entries {
                    guard case .array(let fields) = entry, fields.count == 10, let name = Self.text(fields[0]),
                        let subs = Self.elements(fields[9])
                    else {
                        Issue.record("malformed entry \(entry)")
                        continue
                    }
                    names.append(name)
                    expected.append(name)
                    for case .array(let sub) in subs { expected.append(Self.text(sub[0]) ?? "?") }
                }
                #expect(try Self.servedNames(c) == expected)
                let entryBytes = try c.commandBytes(["COMMAND", "INFO"] + names)
                let allBytes = try c.commandBytes(["COMMAND"])
                #expect(entryBytes == allBytes)
                // COMMAND DOCS: a map in RESP3, a flat array of names and entries in RESP2.
                var documented: [String] = []
                switch try c.command("COMMAND", "DOCS") {
                case .map(let pairs): documented = pairs.compactMap { Self.text($0.key) }
                case .array(let flat):
                    documented = stride(from: 0, to: flat.count, by: 2).compactMap { Self.text(flat[$0]) }
                default: Issue.record("COMMAND DOCS is neither a map nor an array")
                }
                #expect(documented == names)
            }
        }

        /// The command table (arity, key positions, flags) against Redis 7.0.15's COMMAND INFO.
        @Test func commandTableMatchesRedisMetadata() {
            #expect(FakeRedisEngineHarness.commandTableDisagreements() == [])
        }
    }
}
