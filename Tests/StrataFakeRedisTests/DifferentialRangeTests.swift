import StrataServerTestSupport
import Testing

extension FakeRedisTestSuites {
    /// Counts, indexes, offsets, durations and floats at the edges of their ranges (64-bit
    /// extremes, overflowing millisecond arithmetic, inf and nan), against a real redis-server:
    /// the fake must neither trap nor hang on them, and must answer with Redis' own replies.
    /// Replies too large to build are in ``FakeServerOutputLimitTests``.
    @Suite("Differential: range checks")
    struct DifferentialRangeTests {
        @Test func stringRanges() throws {
            try assertSameBehaviour(
                """
                set str hello
                getrange str -9223372036854775808 9223372036854775807
                getrange str 9223372036854775807 -9223372036854775808
                getrange str -1 -9223372036854775808
                getrange str -9223372036854775808 -9223372036854775808
                getrange str 9223372036854775807 9223372036854775807
                getrange missing -9223372036854775808 9223372036854775807
                setrange str 536870912 x
                setrange str 536870911 ""
                setrange str 9223372036854775807 x
                setrange str 9223372036854775807 ""
                setrange str -1 x
                setrange str -9223372036854775808 x
                setrange str 9223372036854775808 x
                setrange missing 536870912 x
                setrange missing 9223372036854775807 ""
                get str
                append str ""
                strlen str
                """)
        }

        @Test func counterOverflow() throws {
            try assertSameBehaviour(
                """
                set int 10
                incrby int 9223372036854775807
                incrby int -9223372036854775808
                decrby int -9223372036854775808
                decrby int 9223372036854775807
                decrby int 9223372036854775807
                incrby int 9223372036854775808
                set max 9223372036854775807
                incr max
                decr max
                set min -9223372036854775808
                decr min
                incr min
                incrby min -1
                set f 1.5
                incrbyfloat f inf
                incrbyfloat f -inf
                incrbyfloat f nan
                incrbyfloat f 1e4932
                incrbyfloat f 1.18e4932
                incrbyfloat f 1e5000
                set f 1.5
                incrbyfloat f 1.18e4932
                incrbyfloat f 1.18e4932
                set f inf
                incrbyfloat f 1
                set f nan
                incrbyfloat f 1
                get f
                hset h a 1 b 2 c x f 9223372036854775807
                hincrby h f 1
                hincrby h a 9223372036854775807
                hincrby h a -9223372036854775808
                hincrby h c 1
                hincrbyfloat h a inf
                hincrbyfloat h a -inf
                hincrbyfloat h a nan
                hincrbyfloat h a 1.18e4932
                hincrbyfloat h a 1.18e4932
                hincrbyfloat h c 1
                hset h i inf
                hincrbyfloat h i 1
                hget h a
                hget h i
                """)
        }

        @Test func expiryOverflow() throws {
            try assertSameBehaviour(
                """
                set str hello
                expire str 9223372036854775807
                expire str -9223372036854775808
                expire str 9223372036854775
                expire str 9223372036854776
                expire str -9223372036854775
                expire str -9223372036854776
                pexpire str 9223372036854775807
                pexpire str 9223372036854775000
                expireat str 9223372036854775807
                expireat str 9223372036854775
                pexpireat str 9223372036854775807
                ttl str
                pttl str
                pexpiretime str
                expiretime str
                expire str 100 gt
                pexpireat str 9223372036854775807 lt
                ttl str
                pexpire str -9223372036854775808
                exists str
                set str hello
                pexpireat str -9223372036854775808
                exists str
                set k v ex 9223372036854775807
                set k v ex 9223372036854775
                set k v ex 9223372036854776
                set k v px 9223372036854775807
                set k v px 9223372036854775000
                set k v exat 9223372036854775807
                set k v exat 9223372036854775
                set k v ex -9223372036854775808
                set k v px 9223372036854775808
                set k v pxat 9223372036854775807
                expiretime k
                pexpiretime k
                set k v pxat 9223372036854775306
                expiretime k
                set k v pxat 9223372036854775307
                expiretime k
                setex k 9223372036854775807 v
                setex k 9223372036854775 v
                setex k -9223372036854775808 v
                psetex k 9223372036854775807 v
                psetex k 9223372036854775000 v
                psetex k -9223372036854775808 v
                set str hello
                getex str ex 9223372036854775807
                getex str ex 9223372036854775
                getex str px 9223372036854775807
                getex str exat 9223372036854775807
                getex str ex -9223372036854775808
                getex str pxat 9223372036854775807
                pexpiretime str
                getex str pxat 1
                exists str
                """)
        }

        @Test func listIndexes() throws {
            try assertSameBehaviour(
                """
                rpush l a b c a b c a
                lrange l 0 9223372036854775807
                lrange l -9223372036854775808 -1
                lrange l -9223372036854775808 -9223372036854775808
                lrange l 9223372036854775807 -9223372036854775808
                lrange l 9223372036854775807 9223372036854775807
                lindex l -9223372036854775808
                lindex l 9223372036854775807
                lset l -9223372036854775808 x
                lset l 9223372036854775807 x
                lpos l a rank -9223372036854775808
                lpos l a rank -9223372036854775808 count 1
                lpos l a rank -9223372036854775808 count 2 maxlen 5
                lpos l b rank -9223372036854775808 maxlen 1
                lpos l a rank 9223372036854775807
                lpos l a rank -9223372036854775807
                lpos l a count -1
                lpos l a count -9223372036854775808
                lpos l a count 9223372036854775807
                lpos l a maxlen -1
                lpos l a maxlen 9223372036854775807 count 0 rank -1
                lpos l a rank -9223372036854775807 count 9223372036854775807 maxlen 9223372036854775807
                lpop l -1
                lpop l -9223372036854775808
                rpop l 9223372036854775808
                lrem l -9223372036854775808 zz
                lrem l 9223372036854775807 zz
                lrem l -9223372036854775808 a
                lrange l 0 -1
                lrem l 9223372036854775807 b
                lrange l 0 -1
                rpush l a b c d e
                ltrim l -9223372036854775808 9223372036854775807
                lrange l 0 -1
                ltrim l 9223372036854775807 -9223372036854775808
                exists l
                rpush l a b c
                lpop l 9223372036854775807
                """)
        }

        @Test func randomCounts() throws {
            try assertSameBehaviour(
                """
                hset h a 1 b 2 c 3
                sadd s a b c
                hrandfield h -9223372036854775808
                hrandfield h -9223372036854775808 withvalues
                hrandfield h -9223372036854775807 withvalues
                hrandfield h 9223372036854775807 withvalues
                hrandfield h -4611686018427387904 withvalues
                hrandfield h 4611686018427387904 withvalues
                hrandfield h 9223372036854775808
                hrandfield missing -9223372036854775808
                hrandfield missing -9223372036854775807
                hrandfield missing -4611686018427387904 withvalues
                hrandfield missing -4611686018427387903 withvalues
                hrandfield h -9223372036854775808 foo
                hrandfield h 1 foo
                ~ hrandfield h 9223372036854775807
                ~ hrandfield h 4611686018427387903 withvalues
                ? hrandfield h -5
                ? hrandfield h -5 withvalues
                srandmember s -9223372036854775808
                srandmember s 9223372036854775808
                srandmember missing -9223372036854775808
                srandmember missing -9223372036854775807
                ~ srandmember s 9223372036854775807
                ? srandmember s -5
                spop s -1
                spop s -9223372036854775808
                spop missing 9223372036854775807
                ~ spop s 9223372036854775807
                exists s
                """)
        }

        @Test func sortedSetBounds() throws {
            try assertSameBehaviour(
                """
                zadd z 1 a 2 b 3 c -inf m inf n
                zadd z nan x
                zadd z incr nan a
                zincrby z nan a
                zincrby z inf a
                zincrby z -inf a
                zadd z incr -inf a
                zscore z a
                zadd z 1e309 a
                zadd z -1e309 a
                zadd z 1.7976931348623157e308 big
                zincrby z 1.7976931348623157e308 big
                zscore z big
                zrange z 0 9223372036854775807
                zrange z -9223372036854775808 9223372036854775807
                zrange z -9223372036854775808 -9223372036854775808
                zrange z 0 -1 rev withscores
                zrange z -inf +inf byscore limit 0 -9223372036854775808
                zrange z -inf +inf byscore limit -9223372036854775808 1
                zrange z -inf +inf byscore limit 9223372036854775807 9223372036854775807
                zrange z -inf +inf byscore limit 1 9223372036854775807 withscores
                zrange z +inf -inf byscore rev limit 1 9223372036854775807
                zrange z 0 -1 limit 0 1
                zrange z 0 -1 byscore limit 0 9223372036854775808
                zrangebyscore z nan 1
                zrangebyscore z (nan 1
                zrangebyscore z -inf (inf
                zrangebyscore z (-inf +inf withscores
                zrangebyscore z -inf inf limit -1 -1
                zrangebyscore z 1e309 -1e309
                zrangebyscore z -1e309 1e309
                zrangebyscore z "" 5
                zrangebyscore z " 1" 5
                zrangebyscore z ( 5
                zrangebyscore z 0x1 5
                zrangebyscore z 1e-400 (1e400
                zcount z "1 " 5
                zcount z -inf +inf
                zcount z (nan +inf
                zcount z (-inf (inf
                zremrangebyrank z 9223372036854775807 -9223372036854775808
                zremrangebyrank z -9223372036854775808 -9223372036854775808
                zpopmin z -1
                zpopmin z -9223372036854775808
                zpopmax z 9223372036854775807
                zpopmin z 9223372036854775808
                exists z
                zadd zl 0 a 0 b 0 c
                zrange zl - + bylex limit 1 9223372036854775807
                zrange zl - + bylex limit -9223372036854775808 9223372036854775807
                zrangebylex zl + - limit 0 -9223372036854775808
                zrevrangebylex zl + - limit 9223372036854775807 1
                """)
        }

        @Test func scanCounts() throws {
            try assertSameBehaviour(
                """
                set k v
                hset h f v
                sadd s m
                zadd z 1 m
                scan 0 count 0
                scan 0 count -1
                scan 0 count -9223372036854775808
                scan 0 count 9223372036854775808
                ~ scan 0 count 9223372036854775807
                scan 18446744073709551616
                scan -18446744073709551616
                hscan h 0 count 9223372036854775807
                hscan h 0 count 0
                hscan h 18446744073709551616
                sscan s 0 count 9223372036854775807
                sscan s 0 count -1
                zscan z 0 count 9223372036854775807
                zscan z 0 count -9223372036854775808
                """)
        }

        @Test func databasesAndClients() throws {
            try assertSameBehaviour(
                """
                set str v
                move str 9223372036854775807
                move str 2147483648
                move str -2147483649
                move str -1
                select 9223372036854775807
                select 2147483648
                select -2147483649
                select -1
                select 9223372036854775808
                client kill id 0
                client kill id -1
                client kill id 9223372036854775807
                client kill id 9223372036854775808
                client kill id -9223372036854775808
                client unblock 9223372036854775808
                client unblock -1
                client unblock -9223372036854775808
                client unblock 9223372036854775807 error
                client tracking on redirect 9223372036854775808
                client tracking on redirect 9223372036854775807
                client tracking on redirect -9223372036854775808
                % client list id 9223372036854775807
                client list id 9223372036854775808
                hello 9223372036854775808
                hello -9223372036854775808
                hello -1
                """)
        }

        @Test func waitAndDebugArguments() throws {
            try assertSameBehaviour(
                """
                wait -1 0
                wait 9223372036854775807 -1
                wait 0 -9223372036854775808
                wait 9223372036854775808 0
                wait 0 9223372036854775808
                wait 0 abc
                wait abc abc
                wait 0 9223372036854775807
                debug sleep inf
                debug sleep -inf
                debug sleep nan
                debug sleep 1e300
                debug sleep -1e300
                debug sleep 1e4000
                debug sleep -1
                debug sleep abc
                debug sleep ""
                debug sleep 0
                debug sleep 0.001
                debug set-active-expire abc
                debug set-active-expire 99999999999999999999
                debug set-active-expire 1
                ping
                """)
        }

        @Test func blockingTimeouts() throws {
            try assertSameBehaviour(
                """
                blpop missing -inf
                blpop missing inf
                blpop missing +inf
                blpop missing nan
                blpop missing -1e300
                blpop missing 1e300
                blpop missing 1e4000
                blpop missing 9223372036854776
                blpop missing 9223372036854775807
                blpop missing -9223372036854775808
                brpop missing -0.0011
                brpop missing -0.002
                blpop missing 0x
                blpop missing ""
                A: 0| blpop q1 -0.0001
                B: rpush q1 x
                A: <recv>
                blpop missing 0.0001
                blpop missing 0.001
                brpop missing 0.0015
                A: 0| brpop q3 9223372036854775
                B: rpush q3 x
                A: <recv>
                A: 0| blpop q4 9223372036854775.807
                B: rpush q4 x
                A: <recv>
                A: 0| blpop q5 1e10
                B: rpush q5 x
                A: <recv>
                A: 0| blpop q6 1e15
                B: rpush q6 x
                A: <recv>
                A: 0| brpop q7 -0.001
                B: rpush q7 x
                A: <recv>
                """)
        }
    }
}
