import StrataServerTestSupport
import Testing

extension FakeRedisTestSuites {
    /// ZUNION, ZINTER, ZDIFF and their STORE forms, ZINTERCARD, ZRANGESTORE, SINTERCARD and
    /// ZRANDMEMBER against a real redis-server: weights (nan, inf), aggregates, sets as inputs,
    /// missing and wrong-type keys, argument errors, and the stored encodings.
    @Suite("Differential: set algebra")
    struct DifferentialSetAlgebraTests {
        @Test func sortedSetAlgebra() throws {
            try assertSameBehaviour(
                """
                zadd a 1 x 2 y 3 z
                zadd b 10 y 20 z 30 w
                sadd s y w v
                zunion 2 a b
                zunion 2 a b withscores
                zunion 3 a b s withscores
                zunion 2 a b weights 2 0.5 withscores
                zunion 2 a b weights 1 inf withscores
                zunion 2 a b weights inf -inf withscores
                zunion 2 a b weights 1 nan
                zunion 2 a b weights 1
                zunion 2 a b weights 1 x
                zunion 2 a b aggregate min withscores
                zunion 2 a b aggregate max withscores
                zunion 2 a b aggregate avg
                zunion 2 a b aggregate
                zunion 2 a missing withscores
                zunion 0 a
                zunion -1 a
                zunion x a
                zunion 3 a b
                zunion 1 a foo
                zinter 2 a b withscores
                zinter 2 a b weights 1 2 aggregate max withscores
                zinter 3 a b s withscores
                zadd zero 0 y 0 z 0 w 0 q
                zinter 2 b zero weights 1 inf withscores
                zinter 2 zero b weights inf 1 withscores
                zinter 2 b zero weights 1 inf aggregate min withscores
                zinter 2 b zero weights 1 inf aggregate max withscores
                zunion 2 b zero weights 1 inf withscores
                zinter 2 a missing
                zintercard 2 a b
                zintercard 2 a b limit 1
                zintercard 2 a b limit 0
                zintercard 2 a b limit -1
                zintercard 2 a b withscores
                zintercard 0 a
                zdiff 2 a b withscores
                zdiff 2 b a
                zdiff 1 missing
                zdiff 2 a b weights 1 1
                zdiff 2 a b aggregate sum
                zunionstore u 2 a b
                zrange u 0 -1 withscores
                object encoding u
                zunionstore u 2 a b withscores
                zinterstore i 2 a b weights 1 -1
                zrange i 0 -1 withscores
                zinterstore i 2 a missing
                exists i
                zdiffstore d 2 a b
                zrange d 0 -1 withscores
                zdiffstore d 1 missing
                exists d
                set str v
                zunion 2 a str
                zunionstore str 1 a
                type str
                zinterstore a 2 a b
                zrange a 0 -1 withscores
                config set zset-max-listpack-entries 1
                zunionstore big 2 a b
                object encoding big
                config set zset-max-listpack-entries 128
                zadd r 1 a 2 b 3 c 4 d
                zrangestore dst r 0 1
                zrange dst 0 -1 withscores
                zrangestore dst r (1 +inf byscore limit 1 1
                zrange dst 0 -1 withscores
                zrangestore dst r [b [c bylex rev
                zrangestore dst r [c [b bylex rev
                zrange dst 0 -1
                zrangestore dst r 5 10
                exists dst
                zrangestore dst missing 0 -1
                zrangestore dst r 0 -1 withscores
                zrangestore dst str 0 -1
                zrangestore dst r
                """)
        }

        /// Sets of integers are intsets in Redis, which it walks in ascending order: SMEMBERS,
        /// SSCAN, and the set operations whose walk or result is an intset reply in that order.
        @Test func intsetOrder() throws {
            try assertSameBehaviour(
                """
                sadd a 30 -5 7 1000 0 -9223372036854775808 9223372036854775807
                smembers a
                sscan a 0
                sscan a 0 count 1
                sscan a 0 match *0*
                sadd b 7 30 99 -5
                sinter a b
                sinter b a
                sunion a b
                sdiff a b
                sdiff b a
                sunionstore u a b
                smembers u
                sadd c 5 x
                sinter c a
                config set set-max-intset-entries 3
                sadd d 3 1 2
                smembers d
                sunion d
                sadd d 4
                ~smembers d
                ~sunion a
                config set set-max-intset-entries 512
                """)
        }

        @Test func sintercardAndZrandmember() throws {
            try assertSameBehaviour(
                """
                sadd a 1 2 3 4
                sadd b 2 3 4 5
                sintercard 2 a b
                sintercard 2 a b limit 2
                sintercard 2 a b limit 0
                sintercard 2 a b limit -1
                sintercard 2 a b limit x
                sintercard 2 a missing
                sintercard 0 a
                sintercard x a
                sintercard 3 a b
                sintercard 1 a foo
                set str v
                sintercard 2 a str
                sintercard 2 missing str
                zadd z 1 a 2 b 3 c
                zrandmember missing
                zrandmember missing 5
                zrandmember z 0
                ~zrandmember z 5
                ?zrandmember z
                ?zrandmember z -5
                ?zrandmember z -5 withscores
                ?zrandmember z 2 withscores
                zrandmember z x
                zrandmember z 1 foo
                zrandmember z 1 withscores foo
                zrandmember z -9223372036854775808
                zrandmember z -9223372036854775807 withscores
                zrandmember str
                ~zrandmember z 3 withscores
                ~zrandmember z 10
                """)
        }
    }
}
