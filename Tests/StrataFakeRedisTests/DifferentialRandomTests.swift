import Glibc
import StrataServerTestSupport
import Testing

extension FakeRedisTestSuites {
    /// Seeded random command sequences over a small keyspace, mixing families (strings,
    /// counters, keys, hashes, lists, sets, sorted sets, bitmaps, SORT, set algebra, multi-pops,
    /// OBJECT ENCODING, COPY, streams, HyperLogLog, geo), run
    /// against the fake and a real redis-server in RESP2 and RESP3: every reply must match byte
    /// for byte (unordered only where Redis' own order is random). CI runs the fixed seeds;
    /// `STRATA_DIFF_SEED` and `STRATA_DIFF_COMMANDS` pick others, and scripts/conformance.py
    /// `--random N` runs millions.
    @Suite("Differential: randomized")
    struct DifferentialRandomTests {
        @Test(arguments: [15, 2026])
        func randomCommandsMatchRedis(seed: Int) throws {
            func environment(_ name: String) -> String? { getenv(name).map { String(cString: $0) } }
            let chosenSeed = environment("STRATA_DIFF_SEED").flatMap { UInt64($0) } ?? UInt64(seed)
            let count = environment("STRATA_DIFF_COMMANDS").flatMap { Int($0) } ?? 1500
            var generator = RandomCommandGenerator(seed: chosenSeed)
            let lines = (0..<count).map { _ in generator.next() }
            try assertSameBehaviour(lines.joined(separator: "\n"))
        }
    }
}

/// SplitMix64: a small seeded generator, the same sequence on every platform.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Differential script lines: commands whose replies depend only on the state (no SPOP,
/// RANDOMKEY, SCAN cursors or clocks), over six keys so types collide often.
struct RandomCommandGenerator {
    private var rng: SplitMix64

    init(seed: UInt64) { rng = SplitMix64(seed: seed) }

    private mutating func pick<T>(_ items: [T]) -> T { items[Int.random(in: 0..<items.count, using: &rng)] }
    private mutating func key() -> String { "k\(Int.random(in: 0..<6, using: &rng))" }
    private mutating func value() -> String {
        pick([
            "a", "b", "c", "\"\"", "1", "-7", "42", "3.5",
            String(repeating: "x", count: Int.random(in: 1...70, using: &rng)),
            "9223372036854775807", "-9223372036854775808", "1e3", "\" 1\"",
        ])
    }
    private mutating func number() -> String {
        pick([
            "0", "1", "-1", "2", "-2", "5", "100", "-100", "abc", "9223372036854775807", "-9223372036854775808",
            "99999999999999999999", "1.5",
        ])
    }
    private mutating func score() -> String {
        pick(["0", "1", "-1", "1.5", "-inf", "+inf", "(1", "(2", "abc", "nan", "1e308", "3"])
    }

    mutating func next() -> String {
        let k = key()
        switch Int.random(in: 0..<14, using: &rng) {
        case 0:
            return pick([
                "set \(k) \(value())", "get \(k)", "append \(k) \(value())", "strlen \(k)",
                "getrange \(k) \(number()) \(number())", "setrange \(k) \(pick(["0", "3", "-1", "20"])) \(value())",
                "getdel \(k)", "getset \(k) \(value())", "mset \(k) \(value()) \(key()) \(value())",
                "mget \(k) \(key()) \(key())", "setnx \(k) \(value())",
                "set \(k) \(value()) \(pick(["nx", "xx", "get", "keepttl"]))",
            ])
        case 1:
            return pick([
                "incr \(k)", "decr \(k)", "incrby \(k) \(number())", "decrby \(k) \(number())",
                "incrbyfloat \(k) \(pick(["1.5", "-0.25", "1e308", "abc", "0", "3"]))",
            ])
        case 2:
            return pick([
                "del \(k) \(key())", "exists \(k) \(key()) \(k)", "type \(k)", "rename \(k) \(key())",
                "renamenx \(k) \(key())", "persist \(k)", "touch \(k) \(key())", "unlink \(k)", "dbsize",
                "copy \(k) \(key())", "copy \(k) \(key()) replace", "object encoding \(k)", "~keys k*",
                "expire \(k) \(pick(["1000", "-1", "abc"])) \(pick(["nx", "xx"]))",
                // GT and LT depend on how far each server's clock moved: only the reply's type.
                "?expire \(k) \(pick(["1000", "-1", "abc"])) \(pick(["gt", "lt"]))",
            ])
        case 3:
            let f = pick(["f1", "f2", "f3", "n"])
            return pick([
                "hset \(k) \(f) \(value())", "hget \(k) \(f)", "hdel \(k) \(f) f2", "hlen \(k)",
                "hincrby \(k) \(f) \(number())", "hincrbyfloat \(k) \(f) \(pick(["1.5", "abc", "-2"]))",
                "hexists \(k) \(f)", "hstrlen \(k) \(f)", "hmget \(k) \(f) f1", "hsetnx \(k) \(f) v",
                "~hgetall \(k)", "~hkeys \(k)", "~hvals \(k)",
            ])
        case 4:
            return pick([
                "lpush \(k) \(value()) \(value())", "rpush \(k) \(value())", "lpop \(k)",
                "rpop \(k) \(pick(["0", "1", "3", "-1"]))", "llen \(k)", "lrange \(k) \(number()) \(number())",
                "lindex \(k) \(number())", "lset \(k) \(number()) v", "lrem \(k) \(number()) a",
                "ltrim \(k) 0 \(number())", "linsert \(k) \(pick(["before", "after"])) a z", "lpos \(k) a",
                "lmove \(k) \(key()) \(pick(["left", "right"])) \(pick(["left", "right"]))",
            ])
        case 5:
            let m = pick(["a", "b", "1", "2", "300"])
            return pick([
                "sadd \(k) \(m) \(value())", "srem \(k) \(m)", "scard \(k)", "sismember \(k) \(m)",
                "smismember \(k) \(m) a", "~smembers \(k)", "~sunion \(k) \(key())", "~sinter \(k) \(key())",
                "~sdiff \(k) \(key())", "sunionstore \(key()) \(k) \(key())", "smove \(k) \(key()) \(m)",
            ])
        case 6:
            let m = pick(["a", "b", "c", "d"])
            return pick([
                "zadd \(k) \(score()) \(m)",
                "zadd \(k) \(pick(["nx", "xx", "gt", "lt", "ch", "incr"])) \(score()) \(m)",
                "zincrby \(k) \(score()) \(m)", "zscore \(k) \(m)", "zrank \(k) \(m)", "zrem \(k) \(m)", "zcard \(k)",
                "zcount \(k) \(score()) \(score())", "zrange \(k) \(number()) \(number()) withscores",
                "zrangebyscore \(k) \(score()) \(score())", "zpopmin \(k)",
            ])
        case 7:
            return pick([
                "setbit \(k) \(pick(["0", "7", "13", "100", "-1"])) \(pick(["0", "1", "2"]))",
                "getbit \(k) \(pick(["0", "7", "13", "100"]))", "bitcount \(k)",
                "bitcount \(k) \(number()) \(number())",
                "bitcount \(k) \(number()) \(number()) bit", "bitpos \(k) \(pick(["0", "1"]))",
                "bitpos \(k) \(pick(["0", "1"])) \(number()) \(number()) \(pick(["bit", "byte"]))",
                "bitop \(pick(["and", "or", "xor"])) \(key()) \(k) \(key())", "bitop not \(key()) \(k)",
                "bitfield \(k) overflow \(pick(["wrap", "sat", "fail"])) \(pick(["incrby", "set"])) \(pick(["i8", "u4", "i64", "u63"])) \(pick(["0", "#1", "5"])) \(number()) get \(pick(["u8", "i16"])) 3",
            ])
        case 8:
            return pick([
                "sort \(k)", "sort \(k) alpha", "sort \(k) desc limit \(number()) \(number())", "~sort \(k) by nosort",
                "sort \(k) alpha store \(key())", "sort_ro \(k) alpha desc",
            ])
        case 9:
            return pick([
                "zunionstore \(key()) 2 \(k) \(key())", "zinterstore \(key()) 2 \(k) \(key()) weights 2 \(score())",
                "zunion 2 \(k) \(key()) aggregate \(pick(["min", "max", "sum"])) withscores",
                "zdiff 2 \(k) \(key()) withscores", "zintercard 2 \(k) \(key())", "sintercard 2 \(k) \(key())",
                "zrangestore \(key()) \(k) 0 \(number())",
                "lmpop 2 \(k) \(key()) \(pick(["left", "right"])) count \(pick(["1", "2", "0"]))",
                "zmpop 2 \(k) \(key()) \(pick(["min", "max"]))",
            ])
        case 10:
            // Streams with explicit IDs only (an automatic ID is the server's clock), no idle times.
            let g = pick(["g1", "g2"])
            let c = pick(["c1", "c2"])
            let ms = Int.random(in: 1...40, using: &rng)
            let id = pick(["0", "1", "1-1", "2-0", "5", "-", "+", "(1-1", "abc", "$", ">"])
            return pick([
                "xadd \(k) \(ms)-\(pick(["*", "0", "7"])) f \(value())",
                "xadd \(k) \(pick(["maxlen", "minid"])) \(pick(["~", "="])) \(pick(["0", "2", "9-0"])) \(ms)-* f v",
                "xlen \(k)", "xrange \(k) \(id) +", "xrevrange \(k) + \(id) count \(pick(["1", "0", "-1"]))",
                "xdel \(k) \(id) \(ms)-0", "xtrim \(k) maxlen \(pick(["0", "1", "-1"]))",
                "xread count 2 streams \(k) \(key()) \(id) 0",
                "xgroup create \(k) \(g) \(id) \(pick(["", "mkstream", "entriesread 2"]))",
                "xgroup setid \(k) \(g) \(id)", "xgroup destroy \(k) \(g)", "xgroup delconsumer \(k) \(g) \(c)",
                "xreadgroup group \(g) \(c) count 2 \(pick(["", "noack"])) streams \(k) \(pick([">", "0"]))",
                "xack \(k) \(g) \(id) \(ms)-0", "xpending \(k) \(g)",
                "xclaim \(k) \(g) \(c) 0 \(id) \(ms)-0 \(pick(["justid", "force"]))",
                "xautoclaim \(k) \(g) \(c) 0 \(id) count 2", "xinfo stream \(k)", "xinfo groups \(k)",
            ])
        case 11:
            // HyperLogLogs share the keyspace with strings: SETRANGE and APPEND corrupt them.
            let elements = (0..<pick([0, 1, 3, 40])).map { _ in "e\(Int.random(in: 0...3000, using: &rng))" }
            return pick([
                "pfadd \(k) \(elements.joined(separator: " "))", "pfcount \(k)", "pfcount \(k) \(key()) \(key())",
                "pfmerge \(k) \(key()) \(key())", "get \(k)",
                "setrange \(k) \(pick(["15", "17", "40"])) \(pick(["a", "~"]))",
            ])
        case 12:
            // Geo members share sorted sets with ZADD's scores.
            let lon = pick(["13.361389", "15.087269", "-0.127758", "179.9", "-180", "181"])
            let lat = pick(["38.115556", "37.502669", "51.507351", "85", "-85.05112878", "86"])
            let member = pick(["a", "b", "c"])
            let radius = pick(["0", "100", "2000", "20000"])
            return pick([
                "geoadd \(k) \(lon) \(lat) \(member)", "geopos \(k) \(member) b", "geohash \(k) \(member)",
                "geodist \(k) a \(member) km", "geosearch \(k) fromlonlat \(lon) \(lat) byradius \(radius) km withdist",
                "geosearch \(k) frommember \(member) bybox \(radius) \(radius) km asc withcoord",
                "georadiusbymember \(k) \(member) \(radius) km count 2",
                "geosearchstore \(key()) \(k) frommember \(member) byradius \(radius) km storedist",
            ])
        default:
            return "object encoding \(k)"
        }
    }
}
