import StrataServerTestSupport
import Testing

extension FakeRedisTestSuites {
    /// Keys that have expired but were not yet removed, in the newer command families: each key
    /// gets `PEXPIRE 100`, a DEBUG SLEEP lets its time pass (active expiry is off, so only the
    /// command itself can find it expired), and the replies must match redis-server's. (Not
    /// `PEXPIRE 1`: a server preempted within the command deletes such a key at once, as a DEL,
    /// and counts no expiry in INFO.)
    @Suite("Differential: expired keys in the newer families")
    struct DifferentialExpiredKeyTests {
        @Test func expiredKeysAreMissing() throws {
            try assertSameBehaviour(
                """
                debug set-active-expire 0
                setbit b 7 1
                pfadd h a b c
                xadd x 1-1 f v
                xgroup create x g 0
                rpush l 3 1 2
                rpush src a
                zadd z 1 m
                set s v
                set n 10
                pexpire b 100
                pexpire h 100
                pexpire x 100
                pexpire l 100
                pexpire src 100
                pexpire z 100
                pexpire s 100
                pexpire n 100
                debug sleep 0.15
                getbit b 7
                bitcount b
                bitpos b 1
                bitfield_ro b get u8 0
                bitop or dest b
                exists dest
                pfcount h
                xlen x
                xrange x - +
                xinfo stream x
                xreadgroup group g c streams x >
                xread streams x 0
                sort l
                sort_ro l
                sort l store dest2
                exists dest2
                copy z zc
                exists zc
                object encoding s
                object freq s
                object idletime n
                object refcount n
                lmove src dst left right
                exists dst
                blmove src dst left right 0.01
                incr n
                append s x
                get s
                dbsize
                @expired_keys info stats
                debug set-active-expire 1
                """)
        }

        /// A WATCHed key that expires before EXEC: Redis 7.0 aborts the transaction; one already
        /// expired when WATCHed does not. (Half a second leaves WATCH ample time to come first.)
        @Test func watchedKeyThatExpires() throws {
            try assertSameBehaviour(
                """
                debug set-active-expire 0
                set w v px 500
                watch w
                debug sleep 0.55
                multi
                get w
                exec
                set w2 v px 1
                debug sleep 0.02
                watch w2
                multi
                ping
                exec
                debug set-active-expire 1
                """)
        }
    }
}
