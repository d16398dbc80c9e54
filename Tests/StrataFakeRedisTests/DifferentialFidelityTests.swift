import StrataServerTestSupport
import Testing

extension FakeRedisTestSuites {
    /// CONFIG, OBJECT, COPY, SWAPDB, COMMAND GETKEYS and bitmaps against a real redis-server,
    /// in RESP2 and RESP3, with wrong types, wrong arity, bad and out-of-range arguments, and
    /// the encoding conversions as values grow.
    @Suite("Differential: config, object, bitmaps")
    struct DifferentialFidelityTests {
        @Test func configGetAndSet() throws {
            try assertSameBehaviour(
                """
                config get maxmemory
                config get hash-max-listpack-entries
                config get hash-max-ziplist-entries
                config get set-max-intset-entries
                config get zset-max-ziplist-value
                config get list-max-ziplist-size
                config get lfu-log-factor
                config get notify-keyspace-events
                config get tracking-table-max-keys
                config get client-output-buffer-limit
                config get nothing-like-this
                ~config get hash-max-*-entries
                ~config get maxmemory* lfu-*
                config get
                config set
                config set maxmemory
                config set nope 1
                config set maxmemory-policy nope
                config set maxmemory-policy ALLKEYS-LRU
                config get maxmemory-policy
                config set maxmemory-policy noeviction
                config set hash-max-listpack-entries abc
                config set hash-max-listpack-entries -1
                config set hash-max-listpack-entries 9223372036854775808
                config set hash-max-ziplist-entries 64
                config get hash-max-listpack-entries
                config set hash-max-listpack-entries 512
                config set hash-max-listpack-value 1kb
                config get hash-max-listpack-value
                config set hash-max-listpack-value 1tb
                config set hash-max-listpack-value -1
                config set hash-max-listpack-value 64
                config set activerehashing maybe
                config set activerehashing YES
                config set maxmemory 1mb
                config get maxmemory
                config set maxmemory 1gb
                config get maxmemory
                config set maxmemory 0
                config set proto-max-bulk-len 10
                config set databases 4
                config set dir /tmp
                config set lfu-log-factor 5 lfu-log-factor 6
                config set lfu-log-factor 5 lfu-decay-time x
                config get lfu-log-factor
                config set lfu-log-factor 10
                config set notify-keyspace-events KEA
                config get notify-keyspace-events
                config set notify-keyspace-events Kgx$
                config get notify-keyspace-events
                config set notify-keyspace-events KEmn
                config get notify-keyspace-events
                config set notify-keyspace-events KEAn
                config get notify-keyspace-events
                config set notify-keyspace-events q
                config set notify-keyspace-events ""
                config set save "100 x"
                config set client-output-buffer-limit "normal 1 2"
                config set client-output-buffer-limit "nobody 0 0 0"
                config set client-output-buffer-limit "normal 1mb x 0"
                config set maxmemory-clients 5%
                config get maxmemory-clients
                config set maxmemory-clients x
                config set maxmemory-clients 200%
                config set maxmemory-clients 100%
                config set maxmemory-clients -5%
                config set maxmemory 10000001 maxmemory-clients 200% client-query-buffer-limit invalid
                config set maxmemory-clients 0
                config resetstat
                config help
                config rewrite
                config nope
                """)
        }

        /// A hard limit set with CONFIG SET closes a client whose reply passes it, without the
        /// reply, as Redis does; lifting it lets the same reply through.
        @Test func clientOutputBufferLimitTakesEffect() throws {
            try assertSameBehaviour(
                """
                config set client-output-buffer-limit "normal 1mb 0 0"
                setrange k 2000000 x
                B: 0|get k
                B: <eof>
                config set client-output-buffer-limit "normal 0 0 0"
                C: strlen k
                """)
        }

        @Test func objectEncodingsAndConversions() throws {
            try assertSameBehaviour(
                """
                set int 12345
                set neg -5
                set big 9223372036854775807
                set bigger 9223372036854775808
                set lead 012
                set embstr hello
                set edge44 01234567890123456789012345678901234567890123
                set raw45 012345678901234567890123456789012345678901234
                object encoding int
                object encoding neg
                object encoding big
                object encoding bigger
                object encoding lead
                object encoding embstr
                object encoding edge44
                object encoding raw45
                object encoding missing
                append int 6
                object encoding int
                append fresh 7
                object encoding fresh
                setrange embstr 0 H
                object encoding embstr
                incr counter
                object encoding counter
                incrbyfloat fl 1.5
                object encoding fl
                incrbyfloat fl 1.5
                object encoding fl
                copy embstr copied
                object encoding copied
                rename embstr renamed
                object encoding renamed
                rpush l a
                object encoding l
                sadd si 1 2 3
                object encoding si
                sadd si x
                object encoding si
                srem si x
                object encoding si
                sadd ss a
                object encoding ss
                hset h f v
                object encoding h
                hset h long 01234567890123456789012345678901234567890123456789012345678901234
                object encoding h
                hset h2 f 1
                hincrbyfloat h2 f 1e70
                object encoding h2
                zadd z 1 a
                object encoding z
                zadd z 2 01234567890123456789012345678901234567890123456789012345678901234
                object encoding z
                config set hash-max-listpack-entries 2
                hset h3 a 1 b 2
                object encoding h3
                hset h3 c 3
                object encoding h3
                hdel h3 c
                object encoding h3
                config set hash-max-listpack-entries 512
                config set zset-max-listpack-entries 1
                zadd z2 1 a
                object encoding z2
                zadd z2 2 b
                object encoding z2
                config set zset-max-listpack-entries 128
                config set set-max-intset-entries 2
                sadd s2 1 2
                object encoding s2
                sadd s2 3
                object encoding s2
                config set set-max-intset-entries 512
                sadd s3 1
                smove s3 s4 1
                object encoding s4
                sadd s5 1 x
                sinterstore s6 s5 s5
                object encoding s6
                sdiffstore s7 s5 si
                object encoding s7
                object encoding
                object encoding a b
                object nope x
                object help
                object
                """)
        }

        @Test func objectRefcountIdletimeAndFreq() throws {
            try assertSameBehaviour(
                """
                set small 100
                set large 10000
                set text abc
                object refcount small
                object refcount large
                object refcount text
                object refcount missing
                object idletime text
                object idletime missing
                object freq text
                config set maxmemory-policy allkeys-lfu
                object idletime text
                set fresh v
                object freq fresh
                get fresh
                object freq fresh
                object freq missing
                config set maxmemory-policy volatile-lru
                object refcount small
                config set maxmemory 100mb
                set small2 100
                object refcount small2
                config set maxmemory 0
                config set maxmemory-policy noeviction
                object freq fresh
                """)
        }

        @Test func copyAndSwapdb() throws {
            try assertSameBehaviour(
                """
                set a 1 ex 1000
                copy a b
                get b
                ttl b
                copy a b
                copy a b replace
                copy missing b
                copy a a
                copy a a db 1
                select 1
                get a
                select 0
                copy a b db 16
                copy a b db -1
                copy a b db x
                copy a b db
                copy a b foo
                copy a b replace replace
                rpush l x y
                copy l l2
                rpush l z
                lrange l2 0 -1
                hset h f v
                copy h h2
                hset h2 g w
                hlen h
                sadd s m
                copy s s2
                smembers s2
                zadd z 1 m
                copy z z2
                zadd z2 2 n
                zcard z
                copy a
                swapdb 0 1
                dbsize
                get a
                swapdb 0 1
                get a
                swapdb 0 0
                swapdb 0 16
                swapdb -1 0
                swapdb x 0
                swapdb 0 x
                swapdb 0 9999999999
                swapdb 0
                """)
        }

        @Test func swapdbDirtiesWatchers() throws {
            try assertSameBehaviour(
                """
                set k 1
                watch k
                B: swapdb 0 1
                multi
                get k
                exec
                """)
        }

        @Test func sort() throws {
            try assertSameBehaviour(
                """
                rpush l 3 1 2 10 -1.5 1e2
                sort l
                sort l desc
                sort l alpha
                sort l alpha desc
                sort l limit 1 2
                sort l limit 0 -1
                sort l limit -5 2
                sort l limit 100 5
                sort l limit 2 0
                sort l limit x 1
                sort l limit 1
                sort l store dst
                lrange dst 0 -1
                sort l store dst limit 100 1
                exists dst
                rpush w b a c
                sort w
                sort w alpha desc
                sadd s 5 3 9
                sort s
                sort s desc limit 0 2
                zadd z 1 c 2 a 3 b
                object encoding z
                sort z alpha
                object encoding z
                sort z by nosort
                sort z by nosort desc
                sort z by nosort limit 1 1
                set w_b 2
                set w_a 1
                set w_c 3
                sort w by w_*
                sort w by w_* desc
                sort w by w_* get #
                sort w by w_* get # get w_*
                sort w by w_* get missing_*
                sort w by nosort
                sort w by nosort desc
                sort w by nosort limit 1 5
                sort w by missing_*
                sort w by missing_* alpha
                hset h_a f 30
                hset h_b f 10
                hset h_c f 20
                sort w by h_*->f
                sort w by h_*->f get h_*->f get #
                sort w by h_*->missing alpha
                sort w by w_* alpha
                sort w get w_* store dst
                lrange dst 0 -1
                sort w get h_* store dst
                lrange dst 0 -1
                sort w get *
                sort missing
                sort missing store dst
                exists dst
                set str x
                sort str
                sort str foo
                sort l foo
                sort l by
                sort l get
                sort l store
                rpush bad 1 x 2
                sort bad
                sort bad alpha
                sort bad by nosort
                sort_ro l
                sort_ro l desc limit 0 2
                sort_ro l store dst
                sort_ro str
                sort
                # Last: Redis 7.0 does not clear errno before strtod, so after an ERANGE every
                # numeric SORT fails until some system call happens to reset it.
                rpush inf 1e400
                sort inf
                """)
        }

        @Test func keyspaceNotifications() throws {
            try assertSameBehaviour(
                """
                config set notify-keyspace-events KEA
                B: psubscribe *
                set k v
                B: 2|<recv>
                set k v ex 100
                B: 4|<recv>
                set k v keepttl
                B: 2|<recv>
                setex k 100 v
                getex k persist
                B: 6|<recv>
                incr n
                incrbyfloat n 1.5
                append n 0
                B: 6|<recv>
                del k n missing
                B: 4|<recv>
                rpush l a b
                B: 2|<recv>
                lmove l l2 left right
                B: 4|<recv>
                lmove l2 l2 right left
                B: 4|<recv>
                lpop l
                B: 4|<recv>
                hset h f v
                hincrby h n 1
                hdel h f n
                B: 8|<recv>
                sadd s a b
                smove s t a
                B: 6|<recv>
                sinterstore u s missing
                sunionstore u s t
                sinterstore u s missing
                B: 4|<recv>
                zadd z incr 1 a
                zadd z 2 incr
                zpopmin z
                zrem z incr
                B: 10|<recv>
                rename l2 l3
                B: 4|<recv>
                expire l3 100
                expire l3 -1
                B: 4|<recv>
                mset a 1 b 2
                copy a c
                B: 6|<recv>
                setbit bits 1 1
                bitop not bits2 bits
                bitop and bits2 missing
                B: 6|<recv>
                rpush sorted 2 1
                sort sorted store sorted2
                B: 4|<recv>
                config set notify-keyspace-events Kl
                rpush l x
                set k v
                lpop l
                B: 2|<recv>
                config set notify-keyspace-events Eg
                set k v
                del k
                B: 1|<recv>
                config set notify-keyspace-events ""
                set k v
                publish done now
                B: <recv>
                """)
        }

        /// A blocked BLPOP that is served by a push says `lpop`, and `del` when it empties the list.
        @Test func keyspaceNotificationsForServedBlockedPops() throws {
            try assertSameBehaviour(
                """
                config set notify-keyspace-events KEA
                B: psubscribe __keyevent*
                C: 0|blpop q 0
                rpush q x
                C: <recv>
                B: 3|<recv>
                config set notify-keyspace-events ""
                """)
        }

        @Test func lcs() throws {
            try assertSameBehaviour(
                """
                mset a ohmytext b mynewtext
                lcs a b
                lcs a b len
                lcs a b idx
                lcs a b idx minmatchlen 4
                lcs a b idx withmatchlen
                lcs a b idx minmatchlen -5 withmatchlen
                lcs a b len idx
                lcs a b minmatchlen
                lcs a b minmatchlen x
                lcs a b foo
                lcs a missing
                lcs missing missing idx
                lcs a a idx withmatchlen
                mset x abcabcabc y cbacbacba
                lcs x y idx withmatchlen
                lcs y x
                set n 12345
                set m 2x4y5
                lcs n m idx
                rpush l a
                lcs a l
                lcs l missing
                lcs a
                """)
        }

        @Test func bitfield() throws {
            try assertSameBehaviour(
                """
                bitfield bf set u8 0 255 get u8 0
                bitfield bf incrby u8 0 10
                bitfield bf overflow sat incrby u8 0 300
                bitfield bf overflow fail incrby u8 0 1 get u8 0
                bitfield bf overflow wrap incrby u8 0 1
                bitfield bf set i8 #1 -128 get i8 #1 incrby i8 #1 -1
                bitfield bf overflow sat incrby i8 #1 -1000 incrby i8 #1 5000
                bitfield bf overflow fail set i8 #1 200 set u4 100 16 set u4 100 15
                bitfield bf get u4 100 get i4 100 get u1 0 get i1 0
                bitfield bf set i64 0 -1 get i64 0 get u63 0 incrby i64 0 -9223372036854775807
                bitfield bf overflow wrap incrby i64 0 -10
                bitfield bf overflow sat incrby i64 0 9223372036854775807 incrby i64 0 9223372036854775807
                bitfield bf set u63 64 9223372036854775807 incrby u63 64 1
                bitfield bf overflow sat set u63 64 -1 get u63 64
                bitfield bf set i16 3 -300 get i16 3 get u16 3
                bitfield bf get u8 10000
                get bf
                strlen bf
                bitfield bf
                bitfield bf get u64 0
                bitfield bf get i65 0
                bitfield bf get x8 0
                bitfield bf get i0 0
                bitfield bf get u8 -1
                bitfield bf get u8 abc
                bitfield bf get u8 #-1
                bitfield bf get u8 4294967296
                bitfield bf get i64 #9223372036854775807
                bitfield bf set u8 0 x
                bitfield bf overflow nope get u8 0
                bitfield bf overflow
                bitfield bf get u8
                bitfield bf nope u8 0
                bitfield missing get u8 0 get i8 100
                exists missing
                bitfield_ro bf get u4 0 get i8 #2
                bitfield_ro bf set u4 0 1
                bitfield_ro missing incrby u4 0 1
                set s foobar
                bitfield s get u8 0 get i16 8
                lpush l x
                bitfield l get u8 0
                bitfield l set u8 0 1
                bitfield_ro l get u8 0
                bitfield_ro l set u8 0 1
                set ttl v ex 1000
                bitfield ttl set u8 0 1
                ttl ttl
                object encoding ttl
                """)
        }

        @Test func commandGetkeysAndHelp() throws {
            try assertSameBehaviour(
                """
                command getkeys set a b
                command getkeys mset a 1 b 2
                command getkeys get a
                command getkeys rename a b
                command getkeys copy a b
                command getkeys bitop and d s1 s2
                command getkeys get
                command getkeys get a b
                command getkeys ping
                command getkeys nope a
                command getkeys config get x
                command help
                """)
        }

        @Test func bitmaps() throws {
            try assertSameBehaviour(
                """
                setbit b 7 1
                setbit b 7 0
                setbit b 100 1
                getbit b 100
                getbit b 1000000
                getbit missing 5
                get b
                strlen b
                setbit b -1 1
                setbit b 1 2
                setbit b 1 -1
                setbit b 1 x
                setbit b 4294967296 1
                setbit b 4294967295 x
                setbit b abc 1
                getbit b -1
                getbit b x
                setbit
                getbit b
                bitcount b
                bitcount b 0 -1
                bitcount b 0 0 bit
                bitcount b 1 0
                bitcount b 0
                bitcount b 0 1 nope
                bitcount b x 1
                bitcount missing
                bitcount missing x
                set s foobar
                bitcount s
                bitcount s 1 1
                bitcount s 5 30 bit
                bitcount s -5 -1 bit
                bitcount s -1 -5
                bitcount s -9223372036854775808 9223372036854775807
                bitcount s 9223372036854775807 9223372036854775807 bit
                bitpos s 1
                bitpos s 0
                bitpos s 1 2
                bitpos s 0 0 -1 bit
                bitpos s 1 7 15 bit
                bitpos s 0 100
                bitpos s 1 -1
                bitpos s 0 1 2 byte
                bitpos s 1 1 2 nope
                bitpos missing 0
                bitpos missing 1
                bitpos s 2
                bitpos s x
                bitpos s 1 x
                bitpos s 1 0 x
                !*3\\r\\n$3\\r\\nset\\r\\n$2\\r\\nff\\r\\n$2\\r\\n\\xff\\xff\\r\\n
                bitpos ff 0
                bitpos ff 0 0 -1
                bitpos ff 0 0 1 bit
                set empty ""
                bitpos empty 0
                bitpos empty 1
                bitcount empty
                bitop and dest s b
                get dest
                bitop or dest s b
                get dest
                bitop xor dest s missing
                bitop not dest s
                get dest
                bitop not dest s b
                bitop nope dest s
                bitop and dest missing other
                exists dest
                lpush l x
                setbit l 0 1
                getbit l 0
                bitcount l
                bitpos l 1
                bitop and dest s l
                set ttl v ex 1000
                bitop or ttl s
                ttl ttl
                object encoding dest
                setbit fresh 3 1
                object encoding fresh
                """)
        }
    }
}
