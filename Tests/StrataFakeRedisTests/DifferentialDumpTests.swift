import Glibc
import StrataRESP
import StrataServerTestSupport
import Testing

extension FakeRedisTestSuites {
    /// DUMP and RESTORE against a real redis-server: DUMP's bytes for values whose encoding is
    /// deterministic and uncompressed, payloads moved from redis-server to the fake and back
    /// for every type and encoding, RESTORE's options and errors, corrupt payloads, and the
    /// `restore` keyspace event, in RESP2 and RESP3.
    @Suite("Differential: DUMP and RESTORE")
    struct DifferentialDumpTests {
        /// Small strings, integers at each width's edges, intsets and small listpacks: Redis
        /// writes them uncompressed, so the fake's DUMP must be the same bytes.
        @Test func dumpBytesEqualRedis() throws {
            try assertSameBehaviour(
                """
                dump missing
                set empty ""
                dump empty
                set s hello
                dump s
                set n 12345
                dump n
                set zero 0
                dump zero
                set a 127
                dump a
                set a 128
                dump a
                set a -128
                dump a
                set a -129
                dump a
                set a 32767
                dump a
                set a 32768
                dump a
                set a -32769
                dump a
                set a 2147483647
                dump a
                set a -2147483648
                dump a
                set a 2147483648
                dump a
                set a 12345678901234
                dump a
                set a -0
                dump a
                set a 007
                dump a
                set a 1.5
                dump a
                set a "twenty bytes exactly"
                dump a
                append ap 5
                dump ap
                sadd si 3 1 2
                dump si
                sadd si2 -70000 5
                dump si2
                sadd si3 5000000000 -1
                dump si3
                hset h f v
                dump h
                zadd z 1 a
                dump z
                rpush l a
                dump l
                rpush l2 1 -1
                dump l2
                """)
        }

        /// RESTORE's arguments and errors, checked before and after the payload.
        @Test func optionsAndErrors() throws {
            try assertSameBehaviour(
                """
                dump
                dump a b
                restore
                restore k
                restore k 0
                restore k abc xyz
                restore k -1 xyz
                restore k 0 xyz
                restore k 0 0123456789
                restore k 0 xyz foo
                restore k 0 xyz replace foo
                restore k 0 xyz idletime
                restore k 0 xyz idletime x
                restore k 0 xyz idletime -1
                restore k 0 xyz freq
                restore k 0 xyz freq -1
                restore k 0 xyz freq 256
                restore k 0 xyz freq x
                restore k 0 xyz idletime 1 freq 1
                restore k 0 xyz freq 1 idletime 1
                restore k 0 xyz replace absttl idletime 5
                set k v
                restore k abc xyz
                restore k -1 xyz
                restore k 0 xyz foo
                restore k 0 xyz idletime -1
                restore k 0 xyz replace
                get k
                command getkeys restore k 0 xyz
                """)
        }

        /// Each value is built on one server, dumped there and restored on the other under
        /// another key; the two must read back alike, with the same encoding.
        @Test(arguments: DumpCase.all, [Direction.realToFake, .fakeToReal])
        func payloadsMoveBetweenServers(_ value: DumpCase, _ direction: Direction) throws {
            try withBothServers { pair, _ in
                let (source, target) =
                    direction == .realToFake ? (pair.real, pair.fake) : (pair.fake, pair.real)
                for line in value.setup { try source.run(line) }
                let payload = try source.run(["dump", "k"]).value
                guard case .bulkString(let bytes) = payload else {
                    Issue.record("\(value.name): DUMP replied \(payload)")
                    return
                }
                let restored = try target.run([Array("restore".utf8), Array("copy".utf8), Array("0".utf8), bytes.array])
                #expect(
                    restored.value == .simpleString("OK"),
                    "\(value.name) \(direction): RESTORE replied \(restored.value)")
                for check in value.checks + ["type KEY", "object encoding KEY"] {
                    let words = check.split(separator: " ").map(String.init)
                    let original = try source.run(words.map { $0 == "KEY" ? "k" : $0 })
                    let copy = try target.run(words.map { $0 == "KEY" ? "copy" : $0 })
                    #expect(
                        value.normalized(original.value, check) == value.normalized(copy.value, check),
                        "\(value.name) \(direction): \(check): source \(original.value), restored \(copy.value)")
                }
            }
        }

        /// REPLACE and BUSYKEY, relative and absolute TTLs, TTLs in the past (no key, or the
        /// replaced key deleted), and the payload reused after each.
        @Test func replaceAndTTLs() throws {
            try withBothServers { pair, _ in
                try pair.same(["set", "src", "value"])
                let payload = try pair.realDump("src")
                func restore(_ key: String, _ ttl: String, _ options: String...) throws {
                    try pair.same(
                        [Array("restore".utf8), Array(key.utf8), Array(ttl.utf8), payload]
                            + options.map { Array($0.utf8) })
                }
                try restore("k", "0")
                try restore("k", "0")
                try pair.same(["get", "k"])
                try pair.same(["ttl", "k"])
                try restore("k", "0", "REPLACE")
                try restore("k", "100000", "replace")
                try pair.expectBoth(["pttl", "k"]) {
                    if case .integer(let n) = $0 { n > 98000 && n <= 100000 } else { false }
                }
                let inAMinute = String(Int(wallClockMilliseconds()) + 60000)
                try restore("k", inAMinute, "replace", "absttl")
                try pair.expectBoth(["pttl", "k"]) {
                    if case .integer(let n) = $0 { n > 58000 && n <= 60000 } else { false }
                }
                // A TTL already past: OK, and no key (the replaced one deleted).
                try restore("k", "1", "replace", "absttl")
                try pair.same(["exists", "k"])
                try restore("fresh", "1", "absttl")
                try pair.same(["exists", "fresh"])
                try restore("k", "0", "absttl")
                try pair.same(["ttl", "k"])
                // A key past its expiry counts as missing.
                try pair.same(["set", "gone", "x", "px", "1"])
                usleepMilliseconds(5)
                try restore("gone", "0")
                try pair.same(["get", "gone"])
            }
        }

        /// IDLETIME under an LRU policy, FREQ under an LFU one (each ignored under the other).
        @Test func idletimeAndFreq() throws {
            try withBothServers { pair, _ in
                try pair.same(["set", "src", "value"])
                let payload = try pair.realDump("src")
                func restore(_ key: String, _ options: String...) throws {
                    try pair.same(
                        [Array("restore".utf8), Array(key.utf8), Array("0".utf8), payload]
                            + options.map { Array($0.utf8) })
                }
                try restore("idle", "idletime", "1000")
                try pair.expectBoth(["object", "idletime", "idle"]) {
                    if case .integer(let n) = $0 { n >= 999 && n <= 1001 } else { false }
                }
                try restore("f", "freq", "100")
                try pair.same(["object", "freq", "f"])
                try pair.same(["config", "set", "maxmemory-policy", "allkeys-lfu"])
                try restore("f", "replace", "freq", "100")
                try pair.same(["object", "freq", "f"])
                try restore("g", "idletime", "50")
                try pair.same(["object", "freq", "g"])
                try pair.same(["object", "idletime", "g"])
                try pair.same(["config", "set", "maxmemory-policy", "noeviction"])
            }
        }

        /// Damaged payloads: a wrong checksum, a newer RDB version, a cut-off footer, and
        /// objects cut short, empty or of an unknown type behind a valid footer.
        @Test func corruptPayloads() throws {
            try withBothServers { pair, _ in
                try pair.same(["rpush", "src", "a", "b", "c"])
                let payload = try pair.realDump("src")
                @discardableResult
                func restore(_ bytes: [UInt8]) throws -> RESPValue {
                    try pair.same([
                        Array("restore".utf8), Array("k".utf8), Array("0".utf8), bytes, Array("replace".utf8),
                    ])
                }
                var flipped = payload
                flipped[flipped.count - 1] ^= 0x01
                try restore(flipped)
                var flippedBody = payload
                flippedBody[1] ^= 0x01
                try restore(flippedBody)
                try restore(Array(payload.dropLast()))
                try restore(Array(payload.prefix(9)))
                try restore([])
                try restore(withFooter([0x00, 0x05, 0x68, 0x69], version: 11))
                // Valid footers over bad objects.
                try restore(withFooter(Array(payload.dropLast(10).dropLast(3))))
                try restore(withFooter([0x00, 0x05, 0x68, 0x69]))
                try restore(withFooter([0x02, 0x00]))
                try restore(withFooter([0x0b, 0x08, 0x02, 0, 0, 0, 0, 0, 0, 0]))
                try restore(withFooter([0x07, 0x00]))
                try restore(withFooter([0x15, 0x00]))
                // Duplicates: refused in a set, a plain sorted set; a small hash keeps them in
                // Redis (the fake keeps the first, which is what HGET sees in Redis).
                try restore(
                    withFooter(
                        [0x05, 0x02, 0x01, 0x61] + Array(repeating: 0, count: 8) + [0x01, 0x61]
                            + Array(repeating: 0, count: 8)))
                try restore(withFooter([0x04, 0x02, 0x01, 0x61, 0x01, 0x62, 0x01, 0x61, 0x01, 0x63]))
                try pair.same(["hget", "k", "a"])
                try pair.same(["config", "set", "hash-max-listpack-entries", "1"])
                try restore(withFooter([0x04, 0x02, 0x01, 0x61, 0x01, 0x62, 0x01, 0x61, 0x01, 0x63]))
                try pair.same(["config", "set", "hash-max-listpack-entries", "512"])
                try restore(withFooter([0x02, 0x02, 0x01, 0x61, 0x01, 0x61]))
                // Well formed, built by the test: both load them.
                #expect(try restore(withFooter([0x00, 0x02, 0x68, 0x69])) == .simpleString("OK"))
                try pair.same(["get", "k"])
                #expect(try restore(withFooter([0x00, 0xC0, 0x85])) == .simpleString("OK"))
                try pair.same(["get", "k"])
                #expect(try restore(withFooter([0x01, 0x02, 0x01, 0x61, 0xC1, 0x39, 0x30])) == .simpleString("OK"))
                try pair.same(["lrange", "k", "0", "-1"])
                #expect(
                    try restore(withFooter([0x03, 0x01, 0x01, 0x61, 0x03, 0x31, 0x2E, 0x35])) == .simpleString("OK"))
                try pair.same(["zrange", "k", "0", "-1", "withscores"])
            }
        }

        /// Lengths no payload can hold (a compressed string claiming 2^62 bytes, a 2^62-byte
        /// string, a list of 2^62 elements) are refused without allocating for them. The fake
        /// alone: redis-server tries to allocate what they claim.
        @Test func hostileLengthsAreRefused() throws {
            let fake = try TestRedisServer.start(.fake)
            defer { fake.stop() }
            let c = try RESPTestConnection(port: fake.port)
            let huge: [UInt8] = [0x81, 0x40, 0, 0, 0, 0, 0, 0, 0]
            for object in [
                [0x00, 0xC3, 0x02] + huge + [0x00, 0x61],
                [0x00] + huge + [0x61],
                [0x01] + huge + [0x01, 0x61],
                [0x12] + huge + [0x02, 0x01, 0x61],
            ] {
                let reply = try c.run([Array("restore".utf8), Array("k".utf8), Array("0".utf8), withFooter(object)])
                #expect(reply.value == .simpleError("ERR Bad data format"), "\(object): \(reply.value)")
            }
            // A stream whose pending entry was delivered at Int64.min: idle times stay sane.
            let id: [UInt8] = Array(repeating: 0, count: 15) + [1]
            let stream: [UInt8] =
                [0x13, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x01, 0x67, 0x00, 0x00, 0x00, 0x01]
                + id + [0, 0, 0, 0, 0, 0, 0, 0x80, 0x01, 0x01, 0x01, 0x63] + Array(repeating: 0, count: 8) + [0x01] + id
            let restored = try c.run([Array("restore".utf8), Array("s".utf8), Array("0".utf8), withFooter(stream)])
            #expect(restored.value == .simpleString("OK"))
            #expect(!(try c.run(["xpending", "s", "g", "-", "+", "10"]).value.isError))
            #expect(try c.run(["ping"]).value == .simpleString("PONG"))
        }

        /// Seeded random damage (flipped, inserted and removed bytes, cut-off objects) to the
        /// fake's dumps of every case, behind a valid footer: RESTORE replies OK or `ERR Bad
        /// data format`, and a restored value can be read and dumped again. The fake alone:
        /// redis-server does not deep-sanitize, and crashes on some of these.
        @Test func damagedPayloadsNeverBreakTheFake() throws {
            let fake = try TestRedisServer.start(.fake)
            defer { fake.stop() }
            let c = try RESPTestConnection(port: fake.port)
            var objects: [[UInt8]] = []
            for value in DumpCase.all {
                try c.run(["flushall"])
                for line in value.setup { try c.run(line) }
                guard case .bulkString(let bytes) = try c.run(["dump", "k"]).value else { continue }
                objects.append(Array(bytes.array.dropLast(10)))
            }
            let seed: UInt64 = 0x5EED_D0D0
            var rng = SplitMix64(seed: seed)
            var loaded = 0
            for round in 0..<3000 {
                var object = objects[Int.random(in: 0..<objects.count, using: &rng)]
                for _ in 0..<Int.random(in: 1...3, using: &rng) where !object.isEmpty {
                    let at = Int.random(in: 0..<object.count, using: &rng)
                    switch Int.random(in: 0..<4, using: &rng) {
                    case 0: object[at] ^= UInt8(1 << Int.random(in: 0..<8, using: &rng))
                    case 1: object.insert(UInt8.random(in: 0...255, using: &rng), at: at)
                    case 2: object.remove(at: at)
                    default: object.removeSubrange(at...)
                    }
                }
                let reply = try c.run([
                    Array("restore".utf8), Array("k".utf8), Array("0".utf8), withFooter(object),
                    Array("replace".utf8),
                ]).value
                let accepted = reply == .simpleString("OK") || reply == .simpleError("ERR Bad data format")
                #expect(accepted, "seed \(seed) round \(round): \(showBytes(object)) -> \(reply)")
                guard reply == .simpleString("OK") else { continue }
                loaded += 1
                for read in [
                    "type k", "dump k", "object encoding k", "lrange k 0 -1", "smembers k", "hgetall k",
                    "zrange k 0 -1 withscores", "xrange k - +", "xinfo stream k full", "xinfo groups k",
                ] {
                    try c.run(read)
                }
                try c.run(["xadd", "k", "*", "f", "v"])
                try c.run(["rpush", "k", "x"])
                try c.run(["sadd", "k", "x"])
                try c.run(["zadd", "k", "1", "x"])
                try c.run(["hset", "k", "x", "y"])
            }
            // Damage inside strings and values often still loads: the reads above ran.
            print("note: \(loaded) of 3000 damaged payloads loaded")
            #expect(loaded > 300)
            #expect(try c.run(["ping"]).value == .simpleString("PONG"))
        }

        /// RESTORE publishes `restore` (generic class), after `new`; a restore whose TTL has
        /// passed publishes `del` for the key it replaced.
        @Test func keyspaceEvents() throws {
            try withBothServers { pair, proto in
                try pair.same(["config", "set", "notify-keyspace-events", "KEAn"])
                try pair.same(["set", "src", "v"])
                let payload = try pair.realDump("src")
                let listener = try pair.open()
                if proto == 3 { try listener.same(["hello", "3"], mask: true) }
                try listener.same(["psubscribe", "__key*__:*"])
                try pair.same([Array("restore".utf8), Array("k".utf8), Array("0".utf8), payload])
                // new and restore, each on the keyspace and the keyevent channel.
                for _ in 0..<4 { try listener.sameReply() }
                try pair.same(
                    [Array("restore".utf8), Array("k".utf8), Array("1".utf8), payload] + [
                        Array("replace".utf8), Array("absttl".utf8),
                    ])
                for _ in 0..<2 { try listener.sameReply() }
                try pair.same(["ping"])
                try listener.same(["ping"])
            }
        }

        /// A client blocked in BLPOP on the key is served by the restored list.
        @Test func blockedClientsAreServedByARestoredList() throws {
            try withBothServers { pair, _ in
                try pair.same(["rpush", "src", "x", "y"])
                let payload = try pair.realDump("src")
                let waiter = try pair.open()
                try waiter.send(["blpop", "k", "5"])
                usleepMilliseconds(50)
                try pair.same([Array("restore".utf8), Array("k".utf8), Array("0".utf8), payload])
                try waiter.sameReply()
                try pair.same(["lrange", "k", "0", "-1"])
            }
        }
    }
}

// MARK: Cases

/// Which way a payload travels.
enum Direction: String, CustomStringConvertible, Sendable {
    case realToFake
    case fakeToReal
    var description: String { rawValue }
}

/// A value to move between the servers: commands that build it under `k`, and the reads that
/// compare it (`KEY` stands for the key read).
struct DumpCase: CustomStringConvertible, Sendable {
    var name: String
    var setup: [String]
    var checks: [String]
    /// Reads whose order is the server's own (hashtable sets and hashes): compared as multisets
    /// of `pairSize`-element groups.
    var unorderedPairSize: Int? = nil

    var description: String { name }

    func normalized(_ value: RESPValue, _ check: String) -> [[UInt8]] {
        var encoder = RESPEncoder()
        let items: [RESPValue]
        switch value {
        case .array(let a), .set(let a): items = a
        case .map(let pairs): items = pairs.flatMap { [$0.key, $0.value] }
        default: items = []
        }
        guard let size = unorderedPairSize, check.hasPrefix("smembers") || check.hasPrefix("hgetall") else {
            encoder.write(value, version: .resp3)
            return [encoder.buffer]
        }
        var groups: [[UInt8]] = []
        let step = check.hasPrefix("hgetall") ? size : 1
        for start in stride(from: 0, to: items.count, by: step) {
            var e = RESPEncoder()
            for item in items[start..<min(items.count, start + step)] { e.write(item, version: .resp3) }
            groups.append(e.buffer)
        }
        return groups.sorted { $0.lexicographicallyPrecedes($1) }
    }

    static let strings = ["get KEY", "strlen KEY"]
    static let list = ["lrange KEY 0 -1", "llen KEY"]
    static let set = ["smembers KEY", "scard KEY"]
    static let hash = ["hgetall KEY", "hlen KEY"]
    static let zset = ["zrange KEY 0 -1 withscores", "zcard KEY"]

    static let stream = [
        "xrange KEY - +", "xlen KEY", "xinfo stream KEY", "xinfo groups KEY", "xpending KEY g",
        // The restored nodes take the next entry as the originals do.
        "xadd KEY 999-1 z 1", "xinfo stream KEY",
    ]
    static let streamSetup = [
        "xadd k 1-1 a 1 b 2", "xadd k 1-2 a 3 b 4", "xadd k 2-0 c 5", "xadd k 3-0 a 6 b 7", "xdel k 1-2",
        "xgroup create k g 0", "xreadgroup group g c count 2 streams k >", "xgroup createconsumer k g bob",
        "xgroup create k h 2-0 entriesread 1",
    ]

    static func repeated(_ command: String, _ count: Int, _ item: (Int) -> String) -> [String] {
        stride(from: 0, to: count, by: 50).map { start in
            command + " " + (start..<min(count, start + 50)).map(item).joined(separator: " ")
        }
    }

    static let all: [DumpCase] = [
        DumpCase(name: "int string", setup: ["set k 12345"], checks: strings),
        DumpCase(name: "big int string", setup: ["set k -9223372036854775808"], checks: strings),
        DumpCase(name: "short string", setup: ["set k hello"], checks: strings),
        DumpCase(
            name: "long compressible string", setup: ["set k " + String(repeating: "abcdefgh", count: 200)],
            checks: strings),
        DumpCase(
            name: "long string, little repetition",
            setup: ["set k " + (0..<300).map { String($0 * 7919 % 1000) }.joined(separator: "-")], checks: strings),
        DumpCase(
            name: "appended string", setup: ["set k abc", "append k " + String(repeating: "z", count: 70)],
            checks: strings),
        DumpCase(name: "small list", setup: ["rpush k a b 1 -2 300 70000 5000000000 -5000000000"], checks: list),
        DumpCase(
            name: "long list of many nodes", setup: repeated("rpush k", 1000, { "element-\($0)-" + String($0 * 31) }),
            checks: list),
        DumpCase(
            name: "list with large elements",
            setup: [
                "rpush k " + String(repeating: "x", count: 5000), "rpush k " + String(repeating: "y", count: 70000),
                "lpush k small",
            ],
            checks: list),
        DumpCase(name: "intset", setup: ["sadd k 5 -3 100000 2"], checks: set),
        DumpCase(name: "64-bit intset", setup: ["sadd k 9000000000 -9000000000 0"], checks: set),
        DumpCase(name: "hashtable set", setup: ["sadd k a b c 1 2"], checks: set, unorderedPairSize: 1),
        DumpCase(
            name: "large integer set", setup: repeated("sadd k", 600, { String($0 * 3) }), checks: set,
            unorderedPairSize: 1),
        DumpCase(name: "listpack hash", setup: ["hset k f v n 1 big 123456789 neg -7"], checks: hash),
        DumpCase(
            name: "hashtable hash (long value)", setup: ["hset k f v long " + String(repeating: "q", count: 100)],
            checks: hash, unorderedPairSize: 2),
        DumpCase(
            name: "hashtable hash (many fields)", setup: repeated("hset k", 600, { "f\($0) v\($0 % 7)" }), checks: hash,
            unorderedPairSize: 2),
        DumpCase(name: "listpack zset", setup: ["zadd k 1 a 2.5 b -3 c 0.1 d 1e20 e inf f -inf g 5 5"], checks: zset),
        DumpCase(
            name: "skiplist zset (long member)",
            setup: ["zadd k 1 a 2 " + String(repeating: "m", count: 80) + " -0.25 c inf d"], checks: zset),
        DumpCase(name: "stream", setup: streamSetup, checks: stream),
        DumpCase(
            name: "stream of many nodes, fields changing",
            setup: (1...250).map { $0 % 5 == 0 ? "xadd k \($0)-1 other \($0)" : "xadd k \($0)-1 f \($0) g \($0 % 3)" }
                + [
                    "xgroup create k g 0", "xreadgroup group g c count 7 streams k >", "xdel k 1-1",
                ], checks: stream),
        DumpCase(name: "empty stream with a group", setup: ["xgroup create k g $ mkstream"], checks: stream),
        DumpCase(
            name: "skiplist zset (many members)", setup: repeated("zadd k", 300, { "\(Double($0) / 3) m\($0)" }),
            checks: zset),
    ]
}

// MARK: Support

/// One connection to each server: commands are sent to both and their replies compared.
final class ConnectionPair {
    let real: RESPTestConnection
    let fake: RESPTestConnection
    private let servers: (real: TestRedisServer, fake: TestRedisServer)
    private var opened: [ConnectionPair] = []

    init(real: TestRedisServer, fake: TestRedisServer) throws {
        servers = (real, fake)
        self.real = try RESPTestConnection(port: real.port)
        self.fake = try RESPTestConnection(port: fake.port)
    }

    /// Another pair of connections, closed with this one.
    func open() throws -> ConnectionPair {
        let pair = try ConnectionPair(real: servers.real, fake: servers.fake)
        opened.append(pair)
        return pair
    }

    func close() {
        for pair in opened { pair.close() }
        real.close()
        fake.close()
    }

    /// Sends a command to both and records an issue unless the replies are the same bytes
    /// (or, with `mask`, only reads them: HELLO's IDs differ).
    @discardableResult
    func same(_ args: [[UInt8]], mask: Bool = false, sourceLocation: SourceLocation = #_sourceLocation) throws
        -> RESPValue
    {
        try real.send(binary: args)
        try fake.send(binary: args)
        let label = args.prefix(4).map { showBytes(Array($0.prefix(40))) }.joined(separator: " ")
        return try sameReply(mask: mask, label: label, sourceLocation: sourceLocation)
    }

    @discardableResult
    func same(_ words: [String], mask: Bool = false, sourceLocation: SourceLocation = #_sourceLocation) throws
        -> RESPValue
    {
        try same(words.map { Array($0.utf8) }, mask: mask, sourceLocation: sourceLocation)
    }

    /// Sends a command to both without reading the replies.
    func send(_ words: [String]) throws {
        try real.send(words)
        try fake.send(words)
    }

    /// Reads one reply from each and compares them.
    @discardableResult
    func sameReply(mask: Bool = false, label: String = "<recv>", sourceLocation: SourceLocation = #_sourceLocation)
        throws -> RESPValue
    {
        let fromReal = try real.readReply()
        let fromFake = try fake.readReply()
        if !mask && fromReal.bytes != fromFake.bytes {
            Issue.record(
                """
                \(label)
                  redis-server: \(showBytes(fromReal.bytes))
                  fake:         \(showBytes(fromFake.bytes))
                """, sourceLocation: sourceLocation)
        }
        return fromReal.value
    }

    /// Sends a command to both and checks each reply with `accept` (TTLs, idle times).
    func expectBoth(
        _ words: [String], sourceLocation: SourceLocation = #_sourceLocation, _ accept: (RESPValue) -> Bool
    ) throws {
        for (name, c) in [("redis-server", real), ("fake", fake)] {
            let value = try c.run(words).value
            #expect(
                accept(value), "\(name): \(words.joined(separator: " ")) replied \(value)",
                sourceLocation: sourceLocation)
        }
    }

    /// redis-server's DUMP of a key.
    func realDump(_ key: String) throws -> [UInt8] {
        guard case .bulkString(let bytes) = try real.run(["dump", key]).value else {
            throw TestSupportError("redis-server has no \(key) to dump")
        }
        return bytes.array
    }
}

extension RESPTestConnection {
    /// Sends a command and reads its reply.
    @discardableResult
    func run(_ args: [[UInt8]]) throws -> (value: RESPValue, bytes: [UInt8]) {
        try send(binary: args)
        return try readReply()
    }

    @discardableResult
    func run(_ words: [String]) throws -> (value: RESPValue, bytes: [UInt8]) {
        try run(words.map { Array($0.utf8) })
    }

    /// A command line split at spaces.
    @discardableResult
    func run(_ line: String) throws -> (value: RESPValue, bytes: [UInt8]) {
        try run(line.split(separator: " ").map(String.init))
    }
}

/// Runs `body` with a connection to each server, in RESP2 and then RESP3, on flushed servers.
/// Skipped with a note without redis-server, unless STRATA_REQUIRE_REDIS=1 (as
/// ``assertSameBehaviour(_:protocols:sourceLocation:)`` does).
func withBothServers(
    sourceLocation: SourceLocation = #_sourceLocation, _ body: (ConnectionPair, Int) throws -> Void
) throws {
    try withDifferentialServers(sourceLocation: sourceLocation) { fake, real in
        for proto in [2, 3] {
            let pair = try ConnectionPair(real: real, fake: fake)
            defer { pair.close() }
            try pair.same(["flushall"])
            if proto == 3 { try pair.same(["hello", "3"], mask: true) }
            try body(pair, proto)
        }
    }
}

/// An RDB object with a DUMP footer: the version and a CRC-64 computed bit by bit here, apart
/// from the fake's table-driven one (redis-server accepting the same payloads checks both).
func withFooter(_ object: [UInt8], version: UInt16 = 10) -> [UInt8] {
    var out = object
    out.append(UInt8(truncatingIfNeeded: version))
    out.append(UInt8(truncatingIfNeeded: version >> 8))
    var crc: UInt64 = 0
    for byte in out {
        for bit in 0..<8 {
            let top = (crc >> 63) ^ UInt64((byte >> bit) & 1)
            crc <<= 1
            if top == 1 { crc ^= 0xad93_d235_94c9_35a9 }
        }
    }
    // The reflected CRC's result is the bit-reversed register of this MSB-first form.
    var reflected: UInt64 = 0
    for bit in 0..<64 where crc & (1 << UInt64(bit)) != 0 { reflected |= 1 << UInt64(63 - bit) }
    for k in 0..<8 { out.append(UInt8(truncatingIfNeeded: reflected >> (8 * UInt64(k)))) }
    return out
}

/// The wall clock in milliseconds.
func wallClockMilliseconds() -> Int64 {
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    return Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
}

func usleepMilliseconds(_ ms: Int) { usleep(useconds_t(ms * 1000)) }
