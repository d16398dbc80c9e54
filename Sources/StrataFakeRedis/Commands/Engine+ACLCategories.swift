// ACL categories, as redis-server 7.0.15 reports them (COMMAND's ACL categories field), for
// the commands the fake serves: ACL CAT lists them. The fake enforces only @all (Engine+ACL).

extension Engine {
    /// Redis 7.0's categories in ACL CAT's order, each with the commands of it that the fake
    /// serves (full names, `container|sub` for subcommands).
    static let aclCategories: [(name: String, commands: [String])] = {
        var table: [(name: String, commands: [String])] = []
        for token in aclCategoryText.split(whereSeparator: { $0 == " " || $0 == "\n" }) {
            if token.hasSuffix(":") {
                table.append((String(token.dropLast()), []))
            } else {
                table[table.count - 1].commands.append(String(token))
            }
        }
        return table
    }()

    /// `category: command ...`, generated from redis-server 7.0.15's COMMAND reply.
    private static let aclCategoryText = """
        keyspace: copy dbsize del dump exists expire expireat expiretime flushall flushdb keys move object|encoding
            object|freq object|help object|idletime object|refcount persist pexpire pexpireat pexpiretime pttl
            randomkey rename renamenx restore scan swapdb touch ttl type unlink
        read: bitcount bitfield_ro bitpos dbsize dump exists expiretime geodist geohash geopos georadius_ro
            georadiusbymember_ro geosearch get getbit getrange hexists hget hgetall hkeys hlen hmget hrandfield
            hscan hstrlen hvals keys lcs lindex llen lolwut lpos lrange memory|usage mget object|encoding
            object|freq object|idletime object|refcount pexpiretime pfcount pttl randomkey scan scard sdiff sinter
            sintercard sismember smembers smismember sort_ro srandmember sscan strlen substr sunion touch ttl type
            xinfo|consumers xinfo|groups xinfo|stream xlen xpending xrange xread xrevrange zcard zcount zdiff zinter
            zintercard zlexcount zmscore zrandmember zrange zrangebylex zrangebyscore zrank zrevrange zrevrangebylex
            zrevrangebyscore zrevrank zscan zscore zunion
        write: append bitfield bitop blmove blmpop blpop brpop brpoplpush bzmpop bzpopmax bzpopmin copy decr decrby
            del expire expireat flushall flushdb geoadd georadius georadiusbymember geosearchstore getdel getex
            getset hdel hincrby hincrbyfloat hmset hset hsetnx incr incrby incrbyfloat linsert lmove lmpop lpop
            lpush lpushx lrem lset ltrim move mset msetnx persist pexpire pexpireat pfadd pfdebug pfmerge psetex
            rename renamenx restore rpop rpoplpush rpush rpushx sadd sdiffstore set setbit setex setnx setrange
            sinterstore smove sort spop srem sunionstore swapdb unlink xack xadd xautoclaim xclaim xdel
            xgroup|create xgroup|createconsumer xgroup|delconsumer xgroup|destroy xgroup|setid xreadgroup xsetid
            xtrim zadd zdiffstore zincrby zinterstore zmpop zpopmax zpopmin zrangestore zrem zremrangebylex
            zremrangebyrank zremrangebyscore zunionstore
        set: sadd scard sdiff sdiffstore sinter sintercard sinterstore sismember smembers smismember smove sort
            sort_ro spop srandmember srem sscan sunion sunionstore
        sortedset: bzmpop bzpopmax bzpopmin sort sort_ro zadd zcard zcount zdiff zdiffstore zincrby zinter
            zintercard zinterstore zlexcount zmpop zmscore zpopmax zpopmin zrandmember zrange zrangebylex
            zrangebyscore zrangestore zrank zrem zremrangebylex zremrangebyrank zremrangebyscore zrevrange
            zrevrangebylex zrevrangebyscore zrevrank zscan zscore zunion zunionstore
        list: blmove blmpop blpop brpop brpoplpush lindex linsert llen lmove lmpop lpop lpos lpush lpushx lrange
            lrem lset ltrim rpop rpoplpush rpush rpushx sort sort_ro
        hash: hdel hexists hget hgetall hincrby hincrbyfloat hkeys hlen hmget hmset hrandfield hscan hset hsetnx
            hstrlen hvals
        string: append decr decrby get getdel getex getrange getset incr incrby incrbyfloat lcs mget mset msetnx
            psetex set setex setnx setrange strlen substr
        bitmap: bitcount bitfield bitfield_ro bitop bitpos getbit setbit
        hyperloglog: pfadd pfcount pfdebug pfmerge pfselftest
        geo: geoadd geodist geohash geopos georadius georadius_ro georadiusbymember georadiusbymember_ro geosearch
            geosearchstore
        stream: xack xadd xautoclaim xclaim xdel xgroup|create xgroup|createconsumer xgroup|delconsumer
            xgroup|destroy xgroup|help xgroup|setid xinfo|consumers xinfo|groups xinfo|help xinfo|stream xlen
            xpending xrange xread xreadgroup xrevrange xsetid xtrim
        pubsub: psubscribe publish pubsub|channels pubsub|numpat pubsub|numsub pubsub|shardchannels
            pubsub|shardnumsub punsubscribe spublish ssubscribe subscribe sunsubscribe unsubscribe
        admin: acl|deluser acl|setuser acl|users client|kill client|list client|no-evict client|pause client|unblock
            client|unpause config|get config|resetstat config|rewrite config|set debug lastsave latency|history
            latency|latest latency|reset module|list monitor pfdebug pfselftest role slowlog|get slowlog|len
            slowlog|reset
        fast: append asking auth bitfield_ro bzpopmax bzpopmin dbsize decr decrby discard echo exists expire
            expireat expiretime get getbit getdel getex getset hdel hello hexists hget hincrby hincrbyfloat hlen
            hmget hmset hset hsetnx hstrlen incr incrby incrbyfloat lastsave llen lolwut lpop lpush lpushx mget move
            multi persist pexpire pexpireat pexpiretime pfadd ping pttl publish quit readonly readwrite renamenx
            reset role rpop rpush rpushx sadd scard select setnx sismember smismember smove spop spublish srem
            strlen swapdb time touch ttl type unlink unwatch watch xack xadd xautoclaim xclaim xdel xlen xsetid zadd
            zcard zcount zincrby zlexcount zmscore zpopmax zpopmin zrank zrem zrevrank zscore
        slow: acl acl|deluser acl|setuser acl|users acl|whoami bitcount bitfield bitop bitpos blmove blmpop blpop
            brpop brpoplpush bzmpop client client|caching client|getname client|getredir client|id client|info
            client|kill client|list client|no-evict client|pause client|reply client|setname client|tracking
            client|trackinginfo client|unblock client|unpause cluster cluster|countkeysinslot cluster|getkeysinslot
            cluster|info cluster|keyslot cluster|myid cluster|nodes cluster|shards cluster|slots command
            command|count command|docs command|getkeys command|help command|info command|list config config|get
            config|help config|resetstat config|rewrite config|set copy debug del dump exec flushall flushdb geoadd
            geodist geohash geopos georadius georadius_ro georadiusbymember georadiusbymember_ro geosearch
            geosearchstore getrange hgetall hkeys hrandfield hscan hvals info keys latency latency|history
            latency|latest latency|reset lcs lindex linsert lmove lmpop lpos lrange lrem lset ltrim memory
            memory|usage module module|list monitor mset msetnx object object|encoding object|freq object|help
            object|idletime object|refcount pfcount pfdebug pfmerge pfselftest psetex psubscribe pubsub
            pubsub|channels pubsub|help pubsub|numpat pubsub|numsub pubsub|shardchannels pubsub|shardnumsub
            punsubscribe randomkey rename restore rpoplpush scan sdiff sdiffstore set setbit setex setrange sinter
            sintercard sinterstore slowlog slowlog|get slowlog|help slowlog|len slowlog|reset smembers sort sort_ro
            srandmember sscan ssubscribe subscribe substr sunion sunionstore sunsubscribe unsubscribe wait xgroup
            xgroup|create xgroup|createconsumer xgroup|delconsumer xgroup|destroy xgroup|help xgroup|setid xinfo
            xinfo|consumers xinfo|groups xinfo|help xinfo|stream xpending xrange xread xreadgroup xrevrange xtrim
            zdiff zdiffstore zinter zintercard zinterstore zmpop zrandmember zrange zrangebylex zrangebyscore
            zrangestore zremrangebylex zremrangebyrank zremrangebyscore zrevrange zrevrangebylex zrevrangebyscore
            zscan zunion zunionstore
        blocking: blmove blmpop blpop brpop brpoplpush bzmpop bzpopmax bzpopmin xread xreadgroup
        dangerous: acl|deluser acl|setuser acl|users client|kill client|list client|no-evict client|pause
            client|unblock client|unpause config|get config|resetstat config|rewrite config|set debug flushall
            flushdb info keys lastsave latency|history latency|latest latency|reset module|list monitor pfdebug
            pfselftest restore role slowlog|get slowlog|len slowlog|reset sort sort_ro swapdb
        connection: asking auth client|caching client|getname client|getredir client|id client|info client|kill
            client|list client|no-evict client|pause client|reply client|setname client|tracking client|trackinginfo
            client|unblock client|unpause command command|count command|docs command|getkeys command|help
            command|info command|list echo hello ping quit readonly readwrite reset select wait
        transaction: discard exec multi unwatch watch
        scripting:
        """
}
