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

        /// `x`: an expired key says `expired` when a command finds it (lazy expiry) and when
        /// active expiry removes it, whoever asks.
        @Test func expiredEvents() throws {
            try assertSameBehaviour(
                """
                config set notify-keyspace-events KEx
                B: psubscribe __key*
                debug set-active-expire 0
                set k v
                pexpire k 1
                debug sleep 0.01
                get k
                B: 2|<recv>
                rpush l x
                pexpire l 1
                debug sleep 0.01
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
