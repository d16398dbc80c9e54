import StrataServerTestSupport
import Testing

extension FakeRedisTestSuites {
    /// Streams against a real redis-server: XADD's IDs and trimming, ranges, XDEL, XTRIM, XREAD
    /// (blocking too), consumer groups with XREADGROUP, XACK, XPENDING, XCLAIM and XAUTOCLAIM,
    /// XINFO, errors and wrong types, in RESP2 and RESP3; clients blocked in XREAD and
    /// XREADGROUP woken by XADD; keyspace notifications.
    @Suite("Differential: streams")
    struct DifferentialStreamTests {
        @Test func addRangeDeleteTrim() throws {
            try assertSameBehaviour(
                """
                xadd s 1-1 a 1
                xadd s 1-2 b 2 c 3
                xadd s 1-2 x y
                xadd s 0-0 x y
                xadd s 2 d 4
                xadd s 2-* e 5
                xadd s 5-1 odd
                xadd s abc x y
                xadd s 18446744073709551615-18446744073709551615 x y
                xadd s * x y
                xadd s 18446744073709551615-* x y
                ? xadd auto * a 1
                xadd new nomkstream * a 1
                exists new
                type s
                object encoding s
                xlen s
                xrange s - +
                xrange s - + count 2
                xrange s - + count 0
                xrange s (1-1 (2-1
                xrange s (- +
                xrange s (18446744073709551615-18446744073709551615 +
                xrange s - (0-0
                xrange s 5 1
                xrevrange s + - count 3
                xrevrange s (2-1 -
                xdel s 1-1 1-2 9-9
                xdel s abc
                xlen s
                xadd t maxlen 2 1-1 a 1
                xadd t maxlen 2 1-2 a 2
                xadd t maxlen = 2 1-3 a 3
                xrange t - +
                xadd t minid 1-3 1-4 a 4
                xadd t maxlen -1 1-5 a 5
                xadd t maxlen 1 minid 1 1-5 a 5
                xadd t maxlen 1 limit 10 1-5 a 5
                xadd t maxlen ~ 1 limit -1 1-5 a 5
                xtrim t maxlen 1
                xtrim t minid 9
                xtrim t foo 1
                xtrim missing maxlen 0
                xrange t - +
                xsetid t 9-9
                xadd t 9-9 a 1
                xsetid t 1-1
                xinfo stream t
                set str v
                xadd str * a 1
                xlen str
                xrange str - +
                xread streams str 0
                xlen
                xrange s -
                """)
        }

        /// An automatic ID after a top item whose sequence is the largest moves to the next
        /// millisecond (the top item's time is in the future, so the clock does not help).
        @Test func automaticIDAfterTheLargestSequence() throws {
            try assertSameBehaviour(
                """
                xadd s 2577343934890-18446744073709551615 f v
                xadd s * f2 v2
                xrange s - +
                xadd s 2577343934891-* f3 v3
                xadd t 2577343934890-18446744073709551615 f v
                xadd t 2577343934890-* f v
                """)
        }

        @Test func approximateTrimmingFollowsTheNodes() throws {
            try assertSameBehaviour(
                """
                config set stream-node-max-entries 3
                xadd s 1-1 a 1
                xadd s 1-2 a 2
                xadd s 1-3 a 3
                xadd s 1-4 a 4
                xadd s 1-5 b 5
                xadd s 1-6 a 6 c 7
                xadd s 1-7 a 7
                xinfo stream s
                xadd s maxlen ~ 2 1-8 a 8
                xlen s
                xinfo stream s
                xtrim s maxlen ~ 1 limit 2
                xtrim s minid ~ 1-8
                xdel s 1-8
                xinfo stream s
                config set stream-node-max-entries 100
                config set stream-node-max-bytes 60
                xadd b 1-1 field valuevaluevaluevalue
                xadd b 1-2 field valuevaluevaluevalue
                xadd b 1-3 other valuevaluevaluevalue
                xinfo stream b
                xtrim b maxlen ~ 1
                xlen b
                config set stream-node-max-bytes 4096
                """)
        }

        @Test func readAndGroups() throws {
            try assertSameBehaviour(
                """
                xadd s 1-1 a 1
                xadd s 2-1 b 2
                xadd s 3-1 c 3
                xread count 1 streams s 0
                xread streams s missing 0 0
                xread streams s $
                xread block 10 streams s $
                xread streams s
                xread streams s >
                xread block -1 streams s 0
                xgroup create s g 0
                xgroup create s g 0
                xgroup create missing g 0
                xgroup create s g2 $ entriesread 3
                xgroup create s g3 0 entriesread -5
                xgroup createconsumer s g alice
                xgroup createconsumer s nogroup alice
                xreadgroup group g alice count 1 streams s >
                xreadgroup group g bob streams s >
                xreadgroup group g alice streams s >
                xreadgroup group g alice streams s 0
                xreadgroup group g alice streams s $
                xreadgroup group nogroup alice streams s >
                xreadgroup group g carol noack streams s 0
                xreadgroup group g alice block 10 streams s >
                xpending s g
                ? xpending s g - + 10
                xpending s g - + 0
                xpending s g idle 100000 - + 10
                xpending s nogroup
                xpending nokey g
                xclaim nokey g c abc 1-1
                xautoclaim nokey g c 0 0
                xautoclaim nokey g c 0 abc
                xtrim nokey minid abc
                xack s g 1-1 9-9
                xack s g abc
                xinfo groups s
                ? xinfo consumers s g
                xdel s 2-1
                xclaim s g eve 0 2-1 3-1 justid
                xclaim s g eve 0 3-1 retrycount 5 justid
                xclaim s g eve 0 3-1 idle abc
                xclaim s g eve 0 3-1 foo
                xpending s g
                xgroup setid s g 0 entriesread 0
                xreadgroup group g dave streams s >
                xautoclaim s g frank 0 0 count 1
                xautoclaim s g frank 0 0 justid
                xautoclaim s g frank 0 0 count 0
                ? xpending s g - + 10 frank
                ? xinfo stream s full
                xgroup delconsumer s g frank
                xgroup destroy s g
                xgroup destroy s g
                xinfo groups s
                xinfo stream missing
                xinfo foo s
                xgroup foo s
                multi
                xread block 0 streams s $
                xreadgroup group g2 x block 0 streams s >
                exec
                """)
        }

        @Test func blockedReadersAreServedByXadd() throws {
            try assertSameBehaviour(
                """
                # B's PING after each blocking command gives the blocking client time to block first.
                A: 0| xread block 0 streams s1 $
                B: ping
                B: xadd s1 1-1 a 1
                A: <recv>
                B: xadd s2 1-1 a 1
                A: 0| xread block 0 count 1 streams s2 s3 $ $
                B: ping
                B: xadd s3 5-1 b 2
                A: <recv>
                B: xgroup create q g $ mkstream
                A: 0| xreadgroup group g alice block 0 streams q >
                B: ping
                C: 0| xreadgroup group g bob block 0 streams q >
                B: ping
                B: xadd q 1-1 x 1
                A: <recv>
                B: xadd q 2-1 x 2
                C: <recv>
                B: xpending q g
                A: 0| xreadgroup group g alice block 0 streams q >
                B: ping
                B: xgroup destroy q g
                A: <recv>
                A: 0| xread block 0 streams s4 0
                B: ping
                B: lpush s4 x
                B: del s4
                B: xadd s4 1-1 a 1
                A: <recv>
                B: xgroup create u g $ mkstream
                A: 0| xreadgroup group g c block 0 streams u >
                B: ping
                B: del u
                A: <recv>
                B: xgroup create u g $ mkstream
                A: 0| xreadgroup group g c block 0 streams u >
                B: ping
                B: set u x
                A: <recv>
                B: del u
                B: xgroup create u g $ mkstream
                A: 0| xreadgroup group g c block 0 streams u >
                B: ping
                B: flushall
                A: <recv>
                B: xgroup create u g $ mkstream
                A: 0| xreadgroup group g c block 0 streams u >
                B: ping
                B: swapdb 0 1
                A: <recv>
                B: swapdb 0 1
                B: xgroup create u2 g $ mkstream
                A: 0| xreadgroup group g c block 0 streams u >
                B: ping
                B: rename u2 u
                B: xadd u 1-1 a 1
                A: <recv>
                A: 0| xread block 50 streams s5 $
                A: <recv>
                """)
        }

        /// A stream that arrives under a key by RENAME, MOVE or COPY serves the clients blocked
        /// on that key (Redis' dbAdd signals streams as ready, as lists and sorted sets).
        @Test func blockedReadersAreServedByRenameMoveAndCopy() throws {
            try assertSameBehaviour(
                """
                B: xgroup create q{t} g $ mkstream
                A: 0| xreadgroup group g alice block 0 streams q{t} >
                B: ping
                B: xgroup create q2{t} g $ mkstream
                B: xadd q2{t} 100 f1 v1
                B: rename q2{t} q{t}
                A: <recv>
                A: 0| xreadgroup group g alice block 0 streams q{t} >
                B: ping
                B: xadd q3{t} 200 f2 v2
                B: rename q3{t} q{t}
                A: <recv>
                A: 0| xread block 0 streams r{t} $
                B: ping
                B: xadd r2{t} 1-1 a 1
                B: copy r2{t} r{t}
                A: <recv>
                A: 0| xread block 0 streams m 0
                B: ping
                B: select 1
                B: xadd m 1-1 a 1
                B: move m 0
                A: <recv>
                """)
        }

        @Test func notificationsAndWatch() throws {
            try assertSameBehaviour(
                """
                config set notify-keyspace-events KEA
                D: psubscribe __keyevent*
                xadd s maxlen 1 1-1 a 1
                D: 1|<recv>
                xadd s maxlen 1 2-1 a 1
                D: 2|<recv>
                xdel s 2-1
                D: 1|<recv>
                xgroup create s g 0
                D: 1|<recv>
                xgroup createconsumer s g c
                D: 1|<recv>
                xadd s 3-1 a 1
                D: 1|<recv>
                xreadgroup group g c2 streams s >
                D: 1|<recv>
                xgroup delconsumer s g c2
                D: 1|<recv>
                xgroup setid s g 0
                D: 1|<recv>
                xtrim s maxlen 0
                D: 1|<recv>
                xgroup destroy s g
                D: 1|<recv>
                xsetid s 9-9
                D: 1|<recv>
                B: watch s
                xadd s 10-1 a 1
                D: 1|<recv>
                B: multi
                B: xlen s
                B: exec
                config set notify-keyspace-events ""
                """)
        }
    }
}
