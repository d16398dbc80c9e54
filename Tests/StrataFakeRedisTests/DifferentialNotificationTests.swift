import StrataServerTestSupport
import Testing

extension FakeRedisTestSuites {
    /// Keyspace notifications against a real redis-server, class by class: a subscriber on one
    /// connection, commands on another, the messages compared in order. Expiry is made
    /// deterministic with `PEXPIRE 1` and a short DEBUG SLEEP (the server's clock moves on while
    /// it sleeps), and active expiry is switched off (DEBUG SET-ACTIVE-EXPIRE 0) where the
    /// expiry must be the lazy one.
    @Suite("Differential: keyspace notification classes")
    struct DifferentialNotificationTests {
        /// `n`: a key added to the keyspace says `new`, before the command's own event.
        @Test func newKeyEvents() throws {
            try assertSameBehaviour(
                """
                config set notify-keyspace-events KEAn
                config get notify-keyspace-events
                B: psubscribe __key*
                set k v
                B: 4|<recv>
                set k v2
                B: 2|<recv>
                mset a 1 b 2
                B: 8|<recv>
                rpush l x
                lpush l y
                B: 6|<recv>
                hset h f v
                sadd s m
                zadd z 1 m
                B: 12|<recv>
                xadd x 1-1 f v
                B: 4|<recv>
                setbit bits 1 1
                pfadd hll a
                B: 8|<recv>
                copy k k2
                B: 4|<recv>
                rename k2 k3
                B: 6|<recv>
                rename k3 k
                B: 6|<recv>
                smove s s2 m
                B: 8|<recv>
                sunionstore u s2
                B: 4|<recv>
                lmove l l3 left right
                B: 4|<recv>
                incr n
                B: 4|<recv>
                # Only n: nothing for an existing key.
                config set notify-keyspace-events En
                set k v3
                set fresh 1
                B: 1|<recv>
                config set notify-keyspace-events ""
                """)
        }

        /// `m`: a read that finds no key says `keymiss` (not part of `A`).
        @Test func keyMissEvents() throws {
            try assertSameBehaviour(
                """
                config set notify-keyspace-events KEm
                config get notify-keyspace-events
                B: psubscribe __key*
                get missing
                B: 2|<recv>
                set k v
                get k
                mget k nope1 nope2
                B: 4|<recv>
                exists nope3
                hget nope4 f
                B: 4|<recv>
                config set notify-keyspace-events Em
                strlen nope5
                lrange nope6 0 -1
                B: 2|<recv>
                # The same lookups count keyspace hits and misses; OBJECT counts them without
                # an event.
                @keyspace_hits,keyspace_misses info stats
                object encoding nope7
                object encoding k
                @keyspace_hits,keyspace_misses info stats
                config set notify-keyspace-events ""
                """)
        }

        /// `m` from write commands that read a source key as Redis 7.0 does (lookupKeyRead
        /// rather than lookupKeyWrite): SET GET, GETSET, GETDEL, GETEX, COPY's source, SORT's key
        /// and BY/GET patterns, PFCOUNT, PFMERGE, the set and sorted-set *STORE sources, BITOP,
        /// a BITFIELD of GETs only, the geo STORE searches and XREADGROUP/XCLAIM/XAUTOCLAIM/XACK.
        /// The write lookups of the others say nothing; a marker message proves it.
        @Test func keyMissEventsFromWriteCommands() throws {
            try assertSameBehaviour(
                """
                config set notify-keyspace-events Em
                B: psubscribe __keyevent@0__:keymiss
                set m1 v get
                set m2 v nx get
                set m3 v xx get
                getset m4 v
                getdel m5
                getex m6
                getex m7 persist
                B: 7|<recv>
                copy m8 dst
                sort m9
                sort m10 store out
                sort_ro m11
                B: 4|<recv>
                rpush lst 2 1
                sort lst by w_* get o_*
                B: 4|<recv>
                sort lst by w_* get o_* get # store out
                B: 4|<recv>
                pfcount m12
                pfcount m13 m14
                pfmerge m15 m16
                B: 5|<recv>
                sinterstore d m17 m18
                sunionstore d m19
                sdiffstore d m20
                zunionstore d 1 m21
                zinterstore d 1 m22
                zdiffstore d 1 m23
                zrangestore d m24 0 -1
                B: 8|<recv>
                bitop and d m25 m26
                bitfield m27 get u8 0
                geosearchstore d m28 fromlonlat 0 0 byradius 1 km
                georadius m29 0 0 1 km store d
                georadiusbymember m30 x 1 km store d
                B: 6|<recv>
                xreadgroup group g c streams m31 >
                xclaim m32 g c 0 0-1
                xautoclaim m33 g c 0 0
                xack m34 g 0-1
                B: 4|<recv>
                # Write lookups: no event.
                bitfield m35 set u8 0 1
                incr m36
                append m37 x
                lmove m38 d left left
                smove m39 d x
                spop m40
                hincrby m41 f 1
                expire m42 10
                rename m43 x
                setrange m44 0 x
                lmpop 1 m45 left
                zmpop 1 m46 min
                xsetid m47 1-1
                del m48
                msetnx m49 v
                lset m50 0 x
                publish __keyevent@0__:keymiss marker
                B: <recv>
                # Hits and misses are counted by the same lookups.
                config resetstat
                set k v
                set k v2 get
                getdel k
                getex k
                copy lst lst2
                sort lst
                pfmerge p1 p2
                @keyspace_hits,keyspace_misses info stats
                B: 3|<recv>
                config set notify-keyspace-events ""
                """)
        }

        /// XREAD looks every key up twice (once for its ID, once to serve it), so a missing
        /// stream says `keymiss` twice, blocking or not; XINFO once.
        @Test func keyMissEventsFromStreamReads() throws {
            try assertSameBehaviour(
                """
                config set notify-keyspace-events Em
                B: psubscribe __keyevent@0__:keymiss
                xread streams m1 0
                B: 2|<recv>
                xread streams m2 m3 0 0
                B: 4|<recv>
                xread block 10 streams m4 $
                B: 2|<recv>
                xinfo stream m5
                B: <recv>
                xadd s 1-1 f v
                xread streams s m6 0 0
                B: 2|<recv>
                config set notify-keyspace-events ""
                """)
        }

        /// `x`: an expired key says `expired` when a command finds it (lazy expiry) and when
        /// active expiry removes it, whoever asks.
        ///
        /// PEXPIREs of 100 ms, not 1: Redis deletes the key at once, as a `del`, when the
        /// deadline (from the time the command started) has passed by the time it checks (the
        /// clock read afresh), which a busy machine's preemption made happen within 1 ms.
        @Test func expiredEvents() throws {
            try assertSameBehaviour(
                """
                config set notify-keyspace-events KEx
                B: psubscribe __key*
                debug set-active-expire 0
                set k v
                pexpire k 100
                debug sleep 0.15
                get k
                B: 2|<recv>
                rpush l x
                pexpire l 100
                debug sleep 0.15
                rpush l y
                B: 2|<recv>
                config set notify-keyspace-events KEA
                set s v px 1
                B: 4|<recv>
                debug sleep 0.01
                set s v2
                B: 4|<recv>
                config set notify-keyspace-events KEx
                debug set-active-expire 1
                set a v px 1
                B: 2|<recv>
                @expired_keys info stats
                config set notify-keyspace-events ""
                """)
        }
    }
}
