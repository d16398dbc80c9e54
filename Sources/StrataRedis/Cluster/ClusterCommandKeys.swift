import StrataRESP

/// The keys of a command known only by its encoding (`send(...)`, a command inside a pipeline),
/// found by Redis' key positions for the command name, and whether a command only reads (so it
/// may go to a replica).
///
/// Typed commands name their keys themselves (``RedisCommand/keys``); this table serves the rest.
/// A command it does not know is taken to name its key first (`CMD key ...`), which holds for most
/// commands; a wrong guess costs one `MOVED` redirection, which the cluster client follows.
enum ClusterCommandKeys {
    /// The byte ranges of the commands in an encoded buffer (`*N\r\n$len\r\n...`), in order.
    static func commandRanges(in buffer: [UInt8]) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        var index = 0
        func number() -> Int {
            index += 1  // the type byte
            var value = 0
            while index < buffer.count, buffer[index] != 0x0D {
                value = value &* 10 &+ Int(buffer[index] &- 0x30)
                index += 1
            }
            index += 2
            return value
        }
        while index < buffer.count {
            let start = index
            let count = number()
            for _ in 0..<count {
                let length = number()
                index += length + 2
            }
            ranges.append(start..<min(index, buffer.count))
        }
        return ranges
    }

    /// The arguments of one encoded command (`*N\r\n$len\r\nbytes\r\n...`), as slices of it.
    static func arguments(of encoded: ArraySlice<UInt8>) -> [ArraySlice<UInt8>] {
        var index = encoded.startIndex
        let end = encoded.endIndex
        func number() -> Int? {
            guard index < end else { return nil }
            index += 1  // the type byte
            var value = 0
            while index < end, encoded[index] != 0x0D {
                value = value &* 10 &+ Int(encoded[index] &- 0x30)
                index += 1
            }
            index += 2
            return value
        }
        guard let count = number() else { return [] }
        var arguments: [ArraySlice<UInt8>] = []
        arguments.reserveCapacity(count)
        for _ in 0..<count {
            guard let length = number(), index + length <= end else { break }
            arguments.append(encoded[index..<(index + length)])
            index += length + 2
        }
        return arguments
    }

    /// The keys of an encoded command.
    static func keys(of encoded: ArraySlice<UInt8>) -> [RedisKey] {
        let arguments = arguments(of: encoded)
        guard let first = arguments.first else { return [] }
        let name = String(decoding: first.prefix(32).map(uppercased), as: UTF8.self)
        return positions(name: name, arguments: arguments).map { RedisKey(bytes: Array(arguments[$0])) }
    }

    /// The name of an encoded command, upper-cased.
    static func name(of encoded: ArraySlice<UInt8>) -> String {
        RedisCommandClassifier.displayName(RedisCommandClassifier.leadingArguments(of: Array(encoded)))
    }

    private static func uppercased(_ byte: UInt8) -> UInt8 {
        byte >= 0x61 && byte <= 0x7A ? byte - 0x20 : byte
    }

    /// The positions of the key arguments of command `name`.
    static func positions(name: String, arguments: [ArraySlice<UInt8>]) -> [Int] {
        let count = arguments.count
        func integer(at index: Int) -> Int? {
            guard index < count else { return nil }
            return Int(String(decoding: arguments[index], as: UTF8.self))
        }
        func numbered(countAt index: Int) -> [Int] {
            guard let keys = integer(at: index), keys > 0 else { return [] }
            return Array((index + 1)..<min(count, index + 1 + keys))
        }
        if keyless.contains(name) { return [] }
        switch name {
        case "MGET", "DEL", "UNLINK", "EXISTS", "TOUCH", "WATCH", "SINTER", "SUNION", "SDIFF", "PFCOUNT", "PFMERGE",
            "SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE":
            return Array(1..<count)
        case "MSET", "MSETNX":
            return Array(stride(from: 1, to: count, by: 2))
        case "BLPOP", "BRPOP", "BZPOPMIN", "BZPOPMAX":
            return Array(1..<max(1, count - 1))
        case "RENAME", "RENAMENX", "RPOPLPUSH", "LMOVE", "SMOVE", "BRPOPLPUSH", "BLMOVE", "COPY", "ZRANGESTORE",
            "GEOSEARCHSTORE":
            return Array(1..<min(count, 3))
        case "BITOP":
            return Array(2..<max(2, count))
        case "EVAL", "EVALSHA", "EVAL_RO", "EVALSHA_RO", "FCALL", "FCALL_RO":
            return numbered(countAt: 2)
        case "ZUNION", "ZINTER", "ZDIFF", "SINTERCARD", "ZINTERCARD", "LMPOP", "ZMPOP":
            return numbered(countAt: 1)
        case "BLMPOP", "BZMPOP":
            return numbered(countAt: 2)
        case "ZUNIONSTORE", "ZINTERSTORE", "ZDIFFSTORE":
            return count > 1 ? [1] + numbered(countAt: 2) : []
        case "XREAD", "XREADGROUP":
            guard
                let streams = arguments.firstIndex(where: {
                    $0.count == 7 && String(decoding: $0.map(uppercased), as: UTF8.self) == "STREAMS"
                })
            else { return [] }
            let rest = count - streams - 1
            return Array((streams + 1)..<(streams + 1 + rest / 2))
        case "OBJECT", "MEMORY", "XINFO":
            return count > 2 ? [2] : []
        default:
            return count > 1 ? [1] : []
        }
    }

    /// Commands that name no key (they run on any node).
    private static let keyless: Set<String> = [
        "PING", "ECHO", "INFO", "DBSIZE", "FLUSHDB", "FLUSHALL", "TIME", "CLUSTER", "SCRIPT", "FUNCTION", "CONFIG",
        "CLIENT", "COMMAND", "PUBLISH", "PUBSUB", "RANDOMKEY", "SCAN", "KEYS", "LASTSAVE", "SAVE", "BGSAVE",
        "BGREWRITEAOF", "DEBUG", "ACL", "LATENCY", "SLOWLOG", "MODULE", "SWAPDB", "ROLE", "LOLWUT", "MEMORY DOCTOR",
        "WAIT", "WAITAOF", "HELLO", "AUTH", "SELECT", "READONLY", "READWRITE", "ASKING", "MULTI", "EXEC", "DISCARD",
        "UNWATCH", "RESET", "QUIT", "SUBSCRIBE", "PSUBSCRIBE", "UNSUBSCRIBE", "PUNSUBSCRIBE", "MONITOR", "SHUTDOWN",
        "REPLICAOF", "SLAVEOF", "FAILOVER",
    ]

    /// Keyless commands about the whole keyspace, which on a cluster would reach one primary only.
    static let wholeKeyspace: Set<String> = ["FLUSHALL", "FLUSHDB", "DBSIZE", "KEYS", "SCAN", "RANDOMKEY"]

    /// Commands that only read data, so a replica may answer them (with `READONLY`).
    static let readOnly: Set<String> = [
        "GET", "MGET", "STRLEN", "GETRANGE", "SUBSTR", "EXISTS", "TYPE", "TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME",
        "HGET", "HMGET", "HGETALL", "HKEYS", "HVALS", "HLEN", "HEXISTS", "HSTRLEN", "HRANDFIELD", "HSCAN", "LRANGE",
        "LINDEX", "LLEN", "LPOS", "SMEMBERS", "SISMEMBER", "SMISMEMBER", "SCARD", "SRANDMEMBER", "SINTER", "SUNION",
        "SDIFF", "SINTERCARD", "SSCAN", "ZRANGE", "ZRANGEBYSCORE", "ZREVRANGE", "ZREVRANGEBYSCORE", "ZRANGEBYLEX",
        "ZREVRANGEBYLEX", "ZSCORE", "ZMSCORE", "ZRANK", "ZREVRANK", "ZCARD", "ZCOUNT", "ZLEXCOUNT", "ZSCAN", "ZUNION",
        "ZINTER", "ZDIFF", "ZINTERCARD", "ZRANDMEMBER", "GETBIT", "BITCOUNT", "BITPOS", "PFCOUNT", "GEOPOS",
        "GEODIST", "GEOHASH", "GEOSEARCH", "XRANGE", "XREVRANGE", "XLEN", "DUMP", "OBJECT ENCODING", "OBJECT FREQ",
        "OBJECT IDLETIME", "OBJECT REFCOUNT", "EVAL_RO", "EVALSHA_RO", "FCALL_RO", "TOUCH",
    ]
}
