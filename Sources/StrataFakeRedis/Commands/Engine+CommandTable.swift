// The commands the fake serves: name, arity (negative: at least), flags and key positions as
// in Redis 7.0's command table, and the handler. COMMAND INFO answers Redis 7.0.15's own entries
// (CommandMetadata); a test holds this table to them. One exception: SSUBSCRIBE and SUNSUBSCRIBE
// have no keys here, where Redis' legacy positions (1, -1, 1) name their shard channels (key
// specs flagged not_key): ACL key patterns and tracking must not apply to channels.

extension Engine {
    /// The commands Redis 7.0 flags `denyoom` (those the fake serves): refused when maxmemory is
    /// reached and nothing can be evicted.
    static let denyOOMCommands: Set<String> = [
        "append", "bitfield", "bitop", "blmove", "brpoplpush", "copy", "decr", "decrby", "geoadd", "georadius",
        "georadiusbymember", "geosearchstore", "getset", "hincrby", "hincrbyfloat", "hmset", "hset", "hsetnx", "incr",
        "incrby", "incrbyfloat", "linsert", "lmove", "lpush", "lpushx", "lset", "mset", "msetnx", "pfadd", "pfdebug",
        "pfmerge", "psetex", "restore", "restore-asking", "rpoplpush", "rpush", "rpushx", "sadd", "sdiffstore", "set",
        "setbit", "setex", "setnx", "setrange", "sinterstore", "sort", "sunionstore", "xadd", "xgroup|create",
        "xgroup|createconsumer", "xsetid", "zadd", "zdiffstore", "zincrby", "zinterstore", "zrangestore",
        "zunionstore",
    ]

    /// The flags given, plus `denyoom` where Redis has it.
    private static func withDenyOOM(_ fullName: String, _ flags: CommandFlags) -> CommandFlags {
        denyOOMCommands.contains(fullName) ? flags.union(.denyOOM) : flags
    }

    /// A command with its key positions (first, last, step).
    private static func cmd(
        _ name: String, _ arity: Int, _ flags: CommandFlags = [], keys: (Int, Int, Int) = (1, 1, 1),
        _ handler: @escaping CommandSpec.Handler
    ) -> CommandSpec {
        CommandSpec(name, arity: arity, withDenyOOM(name, flags), keys: keys, handler)
    }

    /// A command without keys.
    private static func plain(
        _ name: String, _ arity: Int, _ flags: CommandFlags = [],
        _ handler: @escaping CommandSpec.Handler
    ) -> CommandSpec {
        cmd(name, arity, flags, keys: (0, 0, 0), handler)
    }

    /// A subcommand, by default without keys.
    private static func sub(
        _ container: String, _ name: String, _ arity: Int, _ flags: CommandFlags = [],
        keys: (Int, Int, Int) = (0, 0, 0),
        _ handler: @escaping CommandSpec.Handler
    ) -> CommandSpec {
        CommandSpec(
            name, arity: arity, withDenyOOM("\(container)|\(name)", flags), keys: keys, container: container, handler)
    }

    static var commandSpecs: [CommandSpec] {
        let r: CommandFlags = [.readonly]
        let rf: CommandFlags = [.readonly, .fast]
        let w: CommandFlags = [.write]
        let wf: CommandFlags = [.write, .fast]
        /// Writes after reading source keys (see ``CommandFlags/readsSources``).
        let ws: CommandFlags = [.write, .readsSources]
        let wsf: CommandFlags = [.write, .readsSources, .fast]
        let all = (1, -1, 1)
        return [
            // Strings
            cmd("get", 2, rf, { $0.getCommand($1, $2) }),
            cmd("set", -3, w, { $0.setCommand($1, $2) }),
            cmd("setnx", 3, wf, { $0.setnxCommand($1, $2) }),
            cmd("setex", 4, w, { $0.setexCommand($1, $2) }),
            cmd("psetex", 4, w, { $0.psetexCommand($1, $2) }),
            cmd("getset", 3, wsf, { $0.getsetCommand($1, $2) }),
            cmd("getdel", 2, wsf, { $0.getdelCommand($1, $2) }),
            cmd("getex", -2, wsf, { $0.getexCommand($1, $2) }),
            cmd("mget", -2, rf, keys: all, { $0.mgetCommand($1, $2) }),
            cmd("mset", -3, w, keys: (1, -1, 2), { $0.msetCommand($1, $2) }),
            cmd("msetnx", -3, w, keys: (1, -1, 2), { $0.msetnxCommand($1, $2) }),
            cmd("incr", 2, wf, { $0.incrCommand($1, $2) }),
            cmd("decr", 2, wf, { $0.decrCommand($1, $2) }),
            cmd("incrby", 3, wf, { $0.incrbyCommand($1, $2) }),
            cmd("decrby", 3, wf, { $0.decrbyCommand($1, $2) }),
            cmd("incrbyfloat", 3, wf, { $0.incrbyfloatCommand($1, $2) }),
            cmd("append", 3, wf, { $0.appendCommand($1, $2) }),
            cmd("strlen", 2, rf, { $0.strlenCommand($1, $2) }),
            cmd("getrange", 4, r, { $0.getrangeCommand($1, $2) }),
            cmd("substr", 4, r, { $0.getrangeCommand($1, $2) }),
            cmd("setrange", 4, w, { $0.setrangeCommand($1, $2) }),
            cmd("lcs", -3, r, keys: (1, 2, 1), { $0.lcsCommand($1, $2) }),
            // Bitmaps
            cmd("setbit", 4, w, { $0.setbitCommand($1, $2) }),
            cmd("getbit", 3, rf, { $0.getbitCommand($1, $2) }),
            cmd("bitcount", -2, r, { $0.bitcountCommand($1, $2) }),
            cmd("bitpos", -3, r, { $0.bitposCommand($1, $2) }),
            cmd("bitop", -4, ws, keys: (2, -1, 1), { $0.bitopCommand($1, $2) }),
            cmd("bitfield", -2, w, { $0.bitfieldCommand($1, $2) }),
            cmd("bitfield_ro", -2, rf, { $0.bitfieldROCommand($1, $2) }),
            // Geo
            cmd("geoadd", -5, w, { $0.geoaddCommand($1, $2) }),
            cmd("geopos", -2, r, { $0.geoposCommand($1, $2) }),
            cmd("geohash", -2, r, { $0.geohashCommand($1, $2) }),
            cmd("geodist", -4, r, { $0.geodistCommand($1, $2) }),
            cmd("georadius", -6, ws, { $0.georadiusCommand($1, $2) }),
            cmd("georadius_ro", -6, r, { $0.georadiusROCommand($1, $2) }),
            cmd("georadiusbymember", -5, ws, { $0.georadiusbymemberCommand($1, $2) }),
            cmd("georadiusbymember_ro", -5, r, { $0.georadiusbymemberROCommand($1, $2) }),
            cmd("geosearch", -7, r, { $0.geosearchCommand($1, $2) }),
            cmd("geosearchstore", -8, ws, keys: (1, 2, 1), { $0.geosearchstoreCommand($1, $2) }),
            // HyperLogLog
            cmd("pfadd", -2, wf, { $0.pfaddCommand($1, $2) }),
            cmd("pfcount", -2, r, keys: all, { $0.pfcountCommand($1, $2) }),
            cmd("pfmerge", -2, ws, keys: all, { $0.pfmergeCommand($1, $2) }),
            cmd("pfdebug", 3, [.write, .admin], keys: (2, 2, 1), { $0.pfdebugCommand($1, $2) }),
            plain("pfselftest", 1, [.admin], { $0.pfselftestCommand($1, $2) }),
            // Keys
            cmd("del", -2, w, keys: all, { $0.delCommand($1, $2) }),
            cmd("unlink", -2, wf, keys: all, { $0.delCommand($1, $2) }),
            cmd("exists", -2, rf, keys: all, { $0.existsCommand($1, $2) }),
            cmd("touch", -2, rf, keys: all, { $0.touchCommand($1, $2) }),
            cmd("expire", -3, wf, { $0.expireCommand($1, $2) }),
            cmd("pexpire", -3, wf, { $0.pexpireCommand($1, $2) }),
            cmd("expireat", -3, wf, { $0.expireatCommand($1, $2) }),
            cmd("pexpireat", -3, wf, { $0.pexpireatCommand($1, $2) }),
            cmd("expiretime", 2, rf, { $0.expiretimeCommand($1, $2) }),
            cmd("pexpiretime", 2, rf, { $0.pexpiretimeCommand($1, $2) }),
            cmd("ttl", 2, rf, { $0.ttlCommand($1, $2) }),
            cmd("pttl", 2, rf, { $0.pttlCommand($1, $2) }),
            cmd("persist", 2, wf, { $0.persistCommand($1, $2) }),
            cmd("type", 2, rf, { $0.typeCommand($1, $2) }),
            plain("keys", 2, r, { $0.keysCommand($1, $2) }),
            plain("scan", -2, r, { $0.scanCommand($1, $2) }),
            cmd("rename", 3, w, keys: (1, 2, 1), { $0.renameCommand($1, $2) }),
            cmd("renamenx", 3, wf, keys: (1, 2, 1), { $0.renamenxCommand($1, $2) }),
            cmd("move", 3, wf, { $0.moveCommand($1, $2) }),
            plain("randomkey", 1, r, { $0.randomkeyCommand($1, $2) }),
            plain("dbsize", 1, rf, { $0.dbsizeCommand($1, $2) }),
            plain("flushdb", -1, w, { $0.flushdbCommand($1, $2) }),
            plain("flushall", -1, w, { $0.flushallCommand($1, $2) }),
            plain("select", 2, [.fast], { $0.selectCommand($1, $2) }),
            cmd("copy", -3, ws, keys: (1, 2, 1), { $0.copyCommand($1, $2) }),
            cmd("dump", 2, r, { $0.dumpCommand($1, $2) }),
            cmd("restore", -4, w, { $0.restoreCommand($1, $2) }),
            cmd("sort", -2, ws, { $0.sortCommand($1, $2) }),
            cmd("sort_ro", -2, r, { $0.sortROCommand($1, $2) }),
            plain("swapdb", 3, wf, { $0.swapdbCommand($1, $2) }),
            CommandSpec(
                container: "object",
                subcommands: [
                    sub("object", "encoding", 3, r, keys: (2, 2, 1), { $0.objectEncodingCommand($1, $2) }),
                    sub("object", "freq", 3, r, keys: (2, 2, 1), { $0.objectFreqCommand($1, $2) }),
                    sub("object", "idletime", 3, r, keys: (2, 2, 1), { $0.objectIdletimeCommand($1, $2) }),
                    sub("object", "refcount", 3, r, keys: (2, 2, 1), { $0.objectRefcountCommand($1, $2) }),
                    sub("object", "help", 2, [], { $0.objectHelpCommand($1, $2) }),
                ]),
            // Hashes
            cmd("hset", -4, wf, { $0.hsetCommand($1, $2) }),
            cmd("hmset", -4, wf, { $0.hsetCommand($1, $2) }),
            cmd("hsetnx", 4, wf, { $0.hsetnxCommand($1, $2) }),
            cmd("hget", 3, rf, { $0.hgetCommand($1, $2) }),
            cmd("hmget", -3, rf, { $0.hmgetCommand($1, $2) }),
            cmd("hdel", -3, wf, { $0.hdelCommand($1, $2) }),
            cmd("hlen", 2, rf, { $0.hlenCommand($1, $2) }),
            cmd("hstrlen", 3, rf, { $0.hstrlenCommand($1, $2) }),
            cmd("hexists", 3, rf, { $0.hexistsCommand($1, $2) }),
            cmd("hincrby", 4, wf, { $0.hincrbyCommand($1, $2) }),
            cmd("hincrbyfloat", 4, wf, { $0.hincrbyfloatCommand($1, $2) }),
            cmd("hgetall", 2, r, { $0.hgetallCommand($1, $2) }),
            cmd("hkeys", 2, r, { $0.hkeysCommand($1, $2) }),
            cmd("hvals", 2, r, { $0.hvalsCommand($1, $2) }),
            cmd("hrandfield", -2, r, { $0.hrandfieldCommand($1, $2) }),
            cmd("hscan", -3, r, { $0.hscanCommand($1, $2) }),
            // Lists
            cmd("lpush", -3, wf, { $0.lpushCommand($1, $2) }),
            cmd("rpush", -3, wf, { $0.rpushCommand($1, $2) }),
            cmd("lpushx", -3, wf, { $0.lpushxCommand($1, $2) }),
            cmd("rpushx", -3, wf, { $0.rpushxCommand($1, $2) }),
            cmd("lpop", -2, wf, { $0.lpopCommand($1, $2) }),
            cmd("rpop", -2, wf, { $0.rpopCommand($1, $2) }),
            cmd("llen", 2, rf, { $0.llenCommand($1, $2) }),
            cmd("lindex", 3, r, { $0.lindexCommand($1, $2) }),
            cmd("lset", 4, w, { $0.lsetCommand($1, $2) }),
            cmd("lrange", 4, r, { $0.lrangeCommand($1, $2) }),
            cmd("ltrim", 4, w, { $0.ltrimCommand($1, $2) }),
            cmd("lrem", 4, w, { $0.lremCommand($1, $2) }),
            cmd("linsert", 5, w, { $0.linsertCommand($1, $2) }),
            cmd("lpos", -3, r, { $0.lposCommand($1, $2) }),
            cmd("lmove", 5, w, keys: (1, 2, 1), { $0.lmoveCommand($1, $2) }),
            cmd("rpoplpush", 3, w, keys: (1, 2, 1), { $0.rpoplpushCommand($1, $2) }),
            cmd("blpop", -3, [.write, .blocking], keys: (1, -2, 1), { $0.blpopCommand($1, $2) }),
            cmd("brpop", -3, [.write, .blocking], keys: (1, -2, 1), { $0.brpopCommand($1, $2) }),
            cmd("blmove", 6, [.write, .blocking], keys: (1, 2, 1), { $0.blmoveCommand($1, $2) }),
            cmd("brpoplpush", 4, [.write, .blocking], keys: (1, 2, 1), { $0.brpoplpushCommand($1, $2) }),
            plain("lmpop", -4, w, { $0.lmpopCommand($1, $2) }),
            plain("blmpop", -5, [.write, .blocking], { $0.blmpopCommand($1, $2) }),
            // Sets
            cmd("sadd", -3, wf, { $0.saddCommand($1, $2) }),
            cmd("srem", -3, wf, { $0.sremCommand($1, $2) }),
            cmd("scard", 2, rf, { $0.scardCommand($1, $2) }),
            cmd("sismember", 3, rf, { $0.sismemberCommand($1, $2) }),
            cmd("smismember", -3, rf, { $0.smismemberCommand($1, $2) }),
            cmd("smembers", 2, r, { $0.smembersCommand($1, $2) }),
            cmd("spop", -2, wf, { $0.spopCommand($1, $2) }),
            cmd("srandmember", -2, r, { $0.srandmemberCommand($1, $2) }),
            cmd("smove", 4, wf, keys: (1, 2, 1), { $0.smoveCommand($1, $2) }),
            cmd("sunion", -2, r, keys: all, { $0.sunionCommand($1, $2) }),
            cmd("sinter", -2, r, keys: all, { $0.sinterCommand($1, $2) }),
            cmd("sdiff", -2, r, keys: all, { $0.sdiffCommand($1, $2) }),
            cmd("sunionstore", -3, ws, keys: all, { $0.sunionstoreCommand($1, $2) }),
            cmd("sinterstore", -3, ws, keys: all, { $0.sinterstoreCommand($1, $2) }),
            cmd("sdiffstore", -3, ws, keys: all, { $0.sdiffstoreCommand($1, $2) }),
            cmd("sscan", -3, r, { $0.sscanCommand($1, $2) }),
            plain("sintercard", -3, r, { $0.sintercardCommand($1, $2) }),
            // Sorted sets
            cmd("zadd", -4, wf, { $0.zaddCommand($1, $2) }),
            cmd("zincrby", 4, wf, { $0.zincrbyCommand($1, $2) }),
            cmd("zscore", 3, rf, { $0.zscoreCommand($1, $2) }),
            cmd("zmscore", -3, rf, { $0.zmscoreCommand($1, $2) }),
            cmd("zcard", 2, rf, { $0.zcardCommand($1, $2) }),
            cmd("zrem", -3, wf, { $0.zremCommand($1, $2) }),
            cmd("zrank", 3, rf, { $0.zrankCommand($1, $2) }),
            cmd("zrevrank", 3, rf, { $0.zrevrankCommand($1, $2) }),
            cmd("zcount", 4, rf, { $0.zcountCommand($1, $2) }),
            cmd("zlexcount", 4, rf, { $0.zlexcountCommand($1, $2) }),
            cmd("zrange", -4, r, { $0.zrangeCommand($1, $2) }),
            cmd("zrangestore", -5, ws, keys: (1, 2, 1), { $0.zrangestoreCommand($1, $2) }),
            cmd("zrevrange", -4, r, { $0.zrevrangeCommand($1, $2) }),
            cmd("zrangebyscore", -4, r, { $0.zrangebyscoreCommand($1, $2) }),
            cmd("zrevrangebyscore", -4, r, { $0.zrevrangebyscoreCommand($1, $2) }),
            cmd("zrangebylex", -4, r, { $0.zrangebylexCommand($1, $2) }),
            cmd("zrevrangebylex", -4, r, { $0.zrevrangebylexCommand($1, $2) }),
            cmd("zremrangebyrank", 4, w, { $0.zremrangebyrankCommand($1, $2) }),
            cmd("zremrangebyscore", 4, w, { $0.zremrangebyscoreCommand($1, $2) }),
            cmd("zremrangebylex", 4, w, { $0.zremrangebylexCommand($1, $2) }),
            cmd("zpopmin", -2, wf, { $0.zpopminCommand($1, $2) }),
            cmd("zpopmax", -2, wf, { $0.zpopmaxCommand($1, $2) }),
            cmd("zunionstore", -4, ws, { $0.zunionstoreCommand($1, $2) }),
            cmd("zinterstore", -4, ws, { $0.zinterstoreCommand($1, $2) }),
            cmd("zdiffstore", -4, ws, { $0.zdiffstoreCommand($1, $2) }),
            plain("zunion", -3, r, { $0.zunionCommand($1, $2) }),
            plain("zinter", -3, r, { $0.zinterCommand($1, $2) }),
            plain("zdiff", -3, r, { $0.zdiffCommand($1, $2) }),
            plain("zintercard", -3, r, { $0.zintercardCommand($1, $2) }),
            cmd("zrandmember", -2, r, { $0.zrandmemberCommand($1, $2) }),
            plain("zmpop", -4, w, { $0.zmpopCommand($1, $2) }),
            plain("bzmpop", -5, [.write, .blocking], { $0.bzmpopCommand($1, $2) }),
            cmd("bzpopmin", -3, [.write, .blocking, .fast], keys: (1, -2, 1), { $0.bzpopminCommand($1, $2) }),
            cmd("bzpopmax", -3, [.write, .blocking, .fast], keys: (1, -2, 1), { $0.bzpopmaxCommand($1, $2) }),
            cmd("zscan", -3, r, { $0.zscanCommand($1, $2) }),
            // Streams
            cmd("xadd", -5, wf, { $0.xaddCommand($1, $2) }),
            cmd("xlen", 2, rf, { $0.xlenCommand($1, $2) }),
            cmd("xrange", -4, r, { $0.xrangeCommand($1, $2) }),
            cmd("xrevrange", -4, r, { $0.xrevrangeCommand($1, $2) }),
            cmd("xdel", -3, wf, { $0.xdelCommand($1, $2) }),
            cmd("xtrim", -4, w, { $0.xtrimCommand($1, $2) }),
            cmd("xsetid", -3, wf, { $0.xsetidCommand($1, $2) }),
            plain("xread", -4, [.readonly, .blocking], { $0.xreadCommand($1, $2) }),
            plain("xreadgroup", -7, [.write, .readsSources, .blocking], { $0.xreadgroupCommand($1, $2) }),
            cmd("xack", -4, wsf, { $0.xackCommand($1, $2) }),
            cmd("xpending", -3, r, { $0.xpendingCommand($1, $2) }),
            cmd("xclaim", -6, wsf, { $0.xclaimCommand($1, $2) }),
            cmd("xautoclaim", -6, wsf, { $0.xautoclaimCommand($1, $2) }),
            CommandSpec(
                container: "xgroup",
                subcommands: [
                    sub("xgroup", "create", -5, w, keys: (2, 2, 1), { $0.xgroupCreateCommand($1, $2) }),
                    sub("xgroup", "setid", -5, w, keys: (2, 2, 1), { $0.xgroupSetidCommand($1, $2) }),
                    sub("xgroup", "destroy", 4, w, keys: (2, 2, 1), { $0.xgroupDestroyCommand($1, $2) }),
                    sub("xgroup", "createconsumer", 5, w, keys: (2, 2, 1), { $0.xgroupCreateconsumerCommand($1, $2) }),
                    sub("xgroup", "delconsumer", 5, w, keys: (2, 2, 1), { $0.xgroupDelconsumerCommand($1, $2) }),
                    sub("xgroup", "help", 2, [], { $0.xgroupHelpCommand($1, $2) }),
                ]),
            CommandSpec(
                container: "xinfo",
                subcommands: [
                    sub("xinfo", "stream", -3, r, keys: (2, 2, 1), { $0.xinfoStreamCommand($1, $2) }),
                    sub("xinfo", "groups", 3, r, keys: (2, 2, 1), { $0.xinfoGroupsCommand($1, $2) }),
                    sub("xinfo", "consumers", 4, r, keys: (2, 2, 1), { $0.xinfoConsumersCommand($1, $2) }),
                    sub("xinfo", "help", 2, [], { $0.xinfoHelpCommand($1, $2) }),
                ]),
            // Pub/sub
            plain("subscribe", -2, [.pubsubContext], { $0.subscribeCommand($1, $2) }),
            plain("psubscribe", -2, [.pubsubContext], { $0.psubscribeCommand($1, $2) }),
            plain("unsubscribe", -1, [.pubsubContext], { $0.unsubscribeCommand($1, $2) }),
            plain("punsubscribe", -1, [.pubsubContext], { $0.punsubscribeCommand($1, $2) }),
            plain("publish", 3, [.fast], { $0.publishCommand($1, $2) }),
            plain("ssubscribe", -2, [.pubsubContext], { $0.ssubscribeCommand($1, $2) }),
            plain("sunsubscribe", -1, [.pubsubContext], { $0.sunsubscribeCommand($1, $2) }),
            cmd("spublish", 3, [.fast], { $0.spublishCommand($1, $2) }),
            CommandSpec(
                container: "pubsub",
                subcommands: [
                    sub("pubsub", "channels", -2, [], { $0.pubsubChannelsCommand($1, $2) }),
                    sub("pubsub", "numsub", -2, [], { $0.pubsubNumsubCommand($1, $2) }),
                    sub("pubsub", "numpat", 2, [], { $0.pubsubNumpatCommand($1, $2) }),
                    sub("pubsub", "shardchannels", -2, [], { $0.pubsubShardchannelsCommand($1, $2) }),
                    sub("pubsub", "shardnumsub", -2, [], { $0.pubsubShardnumsubCommand($1, $2) }),
                    sub("pubsub", "help", 2, [], { $0.pubsubHelpCommand($1, $2) }),
                ]),
            // Transactions
            plain("multi", 1, [.noQueue, .fast], { $0.multiCommand($1, $2) }),
            plain("exec", 1, [.noQueue], { $0.execCommand($1, $2) }),
            plain("discard", 1, [.noQueue, .fast], { $0.discardCommand($1, $2) }),
            cmd("watch", -2, [.noQueue, .fast], keys: all, { $0.watchCommand($1, $2) }),
            plain("unwatch", 1, [.fast], { $0.unwatchCommand($1, $2) }),
            // Connection
            plain("ping", -1, [.pubsubContext, .fast], { $0.pingCommand($1, $2) }),
            plain("echo", 2, [.fast], { $0.echoCommand($1, $2) }),
            plain("auth", -2, [.noAuth, .fast], { $0.authCommand($1, $2) }),
            plain("hello", -1, [.noAuth, .fast], { $0.helloCommand($1, $2) }),
            plain("reset", 1, [.noAuth, .noQueue, .pubsubContext, .fast], { $0.resetCommand($1, $2) }),
            plain("quit", -1, [.noAuth, .noQueue, .pubsubContext, .fast], { $0.pingCommand($1, $2) }),
            CommandSpec(
                container: "client",
                subcommands: [
                    sub("client", "id", 2, [], { $0.clientIDCommand($1, $2) }),
                    sub("client", "setname", 3, [], { $0.clientSetnameCommand($1, $2) }),
                    sub("client", "getname", 2, [], { $0.clientGetnameCommand($1, $2) }),
                    sub("client", "list", -2, [.admin], { $0.clientListCommand($1, $2) }),
                    sub("client", "info", 2, [], { $0.clientInfoCommand($1, $2) }),
                    sub("client", "kill", -3, [.admin], { $0.clientKillCommand($1, $2) }),
                    sub("client", "tracking", -3, [], { $0.clientTrackingCommand($1, $2) }),
                    sub("client", "caching", 3, [], { $0.clientCachingCommand($1, $2) }),
                    sub("client", "getredir", 2, [], { $0.clientGetredirCommand($1, $2) }),
                    sub("client", "trackinginfo", 2, [], { $0.clientTrackinginfoCommand($1, $2) }),
                    sub("client", "no-evict", 3, [.admin], { $0.clientNoEvictCommand($1, $2) }),
                    sub("client", "reply", 3, [], { $0.clientReplyCommand($1, $2) }),
                    sub("client", "unblock", -3, [.admin], { $0.clientUnblockCommand($1, $2) }),
                    sub("client", "pause", -3, [.admin], { $0.clientPauseCommand($1, $2) }),
                    sub("client", "unpause", 2, [.admin], { $0.clientUnpauseCommand($1, $2) }),
                ]),
            CommandSpec(
                container: "acl",
                subcommands: [
                    sub("acl", "whoami", 2, [], { $0.aclWhoamiCommand($1, $2) }),
                    sub("acl", "setuser", -3, [.admin], { $0.aclSetuserCommand($1, $2) }),
                    sub("acl", "deluser", -3, [.admin], { $0.aclDeluserCommand($1, $2) }),
                    sub("acl", "users", 2, [.admin], { $0.aclUsersCommand($1, $2) }),
                    sub("acl", "cat", -2, [], { $0.aclCatCommand($1, $2) }),
                    sub("acl", "genpass", -2, [], { $0.aclGenpassCommand($1, $2) }),
                    sub("acl", "dryrun", -4, [.admin], { $0.aclDryrunCommand($1, $2) }),
                    sub("acl", "help", 2, [], { $0.aclHelpCommand($1, $2) }),
                    sub("acl", "getuser", 3, [.admin], { $0.aclGetuserCommand($1, $2) }),
                ]),
            // Cluster
            CommandSpec(
                container: "cluster",
                subcommands: [
                    sub("cluster", "shards", 2, [], { $0.clusterShardsCommand($1, $2) }),
                    sub("cluster", "slots", 2, [], { $0.clusterSlotsCommand($1, $2) }),
                    sub("cluster", "nodes", 2, [], { $0.clusterNodesCommand($1, $2) }),
                    sub("cluster", "info", 2, [], { $0.clusterInfoCommand($1, $2) }),
                    sub("cluster", "myid", 2, [], { $0.clusterMyidCommand($1, $2) }),
                    sub("cluster", "keyslot", 3, [], { $0.clusterKeyslotCommand($1, $2) }),
                    sub("cluster", "countkeysinslot", 3, [], { $0.clusterCountkeysinslotCommand($1, $2) }),
                    sub("cluster", "getkeysinslot", 4, [], { $0.clusterGetkeysinslotCommand($1, $2) }),
                ]),
            plain("asking", 1, [.fast], { $0.askingCommand($1, $2) }),
            plain("readonly", 1, [.fast], { $0.readonlyCommand($1, $2) }),
            plain("readwrite", 1, [.fast], { $0.readwriteCommand($1, $2) }),
            // Server
            plain("info", -1, [], { $0.infoCommand($1, $2) }),
            plain("time", 1, [.fast], { $0.timeCommand($1, $2) }),
            plain("lastsave", 1, [.fast], { $0.lastsaveCommand($1, $2) }),
            plain("role", 1, [.fast], { $0.roleCommand($1, $2) }),
            plain("lolwut", -1, [.readonly, .fast], { $0.lolwutCommand($1, $2) }),
            CommandSpec(
                container: "latency",
                subcommands: [
                    sub("latency", "latest", 2, [.admin], { $0.latencyLatestCommand($1, $2) }),
                    sub("latency", "history", 3, [.admin], { $0.latencyHistoryCommand($1, $2) }),
                    sub("latency", "reset", -2, [.admin], { $0.latencyResetCommand($1, $2) }),
                    sub("latency", "help", 2, [], { $0.latencyHelpCommand($1, $2) }),
                ]),
            CommandSpec(
                container: "module",
                subcommands: [sub("module", "list", 2, [.admin], { $0.moduleListCommand($1, $2) })]),
            CommandSpec(
                container: "memory",
                subcommands: [
                    sub("memory", "usage", -3, [.readonly], keys: (2, 2, 1), { $0.memoryUsageCommand($1, $2) }),
                    sub("memory", "stats", 2, [], { $0.memoryStatsCommand($1, $2) }),
                    sub("memory", "malloc-stats", 2, [], { $0.memoryMallocStatsCommand($1, $2) }),
                ]),
            plain("wait", 3, [], { $0.waitCommand($1, $2) }),
            plain("debug", -2, [.admin], { $0.debugCommand($1, $2) }),
            plain("monitor", 1, [.admin], { $0.monitorCommand($1, $2) }),
            CommandSpec(
                container: "command", arity: -1,
                subcommands: [
                    sub("command", "count", 2, [], { $0.commandCountCommand($1, $2) }),
                    sub("command", "docs", -2, [], { $0.commandDocsCommand($1, $2) }),
                    sub("command", "info", -2, [], { $0.commandInfoCommand($1, $2) }),
                    sub("command", "list", -2, [], { $0.commandListCommand($1, $2) }),
                    sub("command", "getkeys", -4, [], { $0.commandGetkeysCommand($1, $2) }),
                    sub("command", "getkeysandflags", -4, [], { $0.commandGetkeysandflagsCommand($1, $2) }),
                    sub("command", "help", 2, [], { $0.commandHelpCommand($1, $2) }),
                ], whenAlone: { engine, c, args in engine.commandCommand(c, args) }),
            CommandSpec(
                container: "slowlog",
                subcommands: [
                    sub("slowlog", "get", -2, [.admin], { $0.slowlogGetCommand($1, $2) }),
                    sub("slowlog", "len", 2, [.admin], { $0.slowlogLenCommand($1, $2) }),
                    sub("slowlog", "reset", 2, [.admin], { $0.slowlogResetCommand($1, $2) }),
                    sub("slowlog", "help", 2, [], { $0.slowlogHelpCommand($1, $2) }),
                ]),
            CommandSpec(
                container: "config",
                subcommands: [
                    sub("config", "get", -3, [.admin], { $0.configGetCommand($1, $2) }),
                    sub("config", "set", -4, [.admin], { $0.configSetCommand($1, $2) }),
                    sub("config", "resetstat", 2, [.admin], { $0.configResetstatCommand($1, $2) }),
                    sub("config", "rewrite", 2, [.admin], { $0.configRewriteCommand($1, $2) }),
                    sub("config", "help", 2, [], { $0.configHelpCommand($1, $2) }),
                ]),
        ]
    }
}
