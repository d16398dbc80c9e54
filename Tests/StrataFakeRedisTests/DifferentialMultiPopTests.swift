import StrataServerTestSupport
import Testing

extension FakeRedisTestSuites {
    /// LMPOP, ZMPOP and the blocking moves and pops (BLMOVE, BRPOPLPUSH, BLMPOP, BZPOPMIN,
    /// BZPOPMAX, BZMPOP) against a real redis-server: immediate answers, argument errors, wrong
    /// types, timeouts, clients served by a later write, MULTI, and what WATCH and keyspace
    /// notifications see.
    @Suite("Differential: multi-pops and blocking moves")
    struct DifferentialMultiPopTests {
        /// A count of 0 answers an empty array only after the key's type is checked.
        @Test func popsWithACountOfZero() throws {
            try assertSameBehaviour(
                """
                set s x
                zpopmin s 0
                zpopmax s 0
                zpopmin s -1
                zpopmin missing 0
                lpop s 0
                rpop s 0
                spop s 0
                zadd z 1 a
                zpopmin z 0
                zpopmax z 0
                rpush l a
                lpop l 0
                exists z l
                """)
        }

        @Test func lmpopAndZmpop() throws {
            try assertSameBehaviour(
                """
                rpush l a b c d
                lmpop 1 l left
                lmpop 1 l right count 2
                lmpop 2 missing l left count 10
                exists l
                lmpop 2 missing other left
                lmpop x l left
                lmpop 0 l left
                lmpop -1 l left
                lmpop 1 l
                lmpop 1 l up
                lmpop 2 l left
                lmpop 1 l left count 0
                lmpop 1 l left count -1
                lmpop 1 l left count x
                lmpop 1 l left count 2 count 3
                lmpop 1 l left count
                lmpop 1 l left foo
                lmpop 9999999999 l left
                set s x
                rpush l2 y
                lmpop 2 s l2 left
                lmpop 2 l2 s left
                zadd z 1 a 2 b 3 c
                zmpop 1 z min
                zmpop 1 z max count 5
                zmpop 1 z min
                zmpop 1 z middle
                zmpop 1 z min count 0
                zmpop 1 s min
                zadd z2 1.5 x
                bzpopmin z2 0
                bzpopmax z2 0.01
                zadd z3 1 a 2 b
                bzpopmax missing z3 0
                bzpopmin s 0
                bzpopmin z3 x
                bzpopmin z3 -1
                bzmpop 0.01 1 z3 min count 3
                bzmpop 0.01 1 z3 min
                bzmpop x 1 z3 min
                bzmpop 0 0 z3 min
                blmpop 0.01 1 l left
                rpush l3 a b c
                blmpop 0 1 l3 right count 2
                blmpop x 1 l3 left
                blmpop 0 0 l3 left
                rpush src a b
                blmove src dst left right 0
                brpoplpush src dst 0
                lrange dst 0 -1
                blmove src dst left right 0.01
                blmove src dst up right 0
                blmove src dst left right x
                blmove s dst left right 0
                rpush src2 a
                blmove src2 s left right 0
                lrange src2 0 -1
                multi
                blmove nothing dst left right 0
                brpoplpush nothing dst 0
                blmpop 0 1 nothing left
                bzpopmin nothing 0
                bzmpop 0 1 nothing max
                exec
                """)
        }

        @Test func blockedClientsAreServed() throws {
            try assertSameBehaviour(
                """
                A: 0| blmove q1 d1 right left 0
                B: rpush q1 x y
                A: <recv>
                B: lrange q1 0 -1
                B: lrange d1 0 -1
                A: 0| brpoplpush q2 d2 0
                B: lpush q2 z
                A: <recv>
                B: exists q2
                A: 0| blmpop 0 2 q3 q4 left count 2
                B: rpush q4 1 2 3
                A: <recv>
                B: lrange q4 0 -1
                A: 0| bzpopmin z1 z2 0
                B: zadd z2 5 m 1 n
                A: <recv>
                B: zrange z2 0 -1 withscores
                A: 0| bzmpop 0 1 z3 max count 5
                B: zadd z3 1 a 2 b
                A: <recv>
                B: exists z3
                A: 0| bzpopmax z4 0
                C: 0| blpop z4 0
                B: zadd z4 1 a
                A: <recv>
                B: client unblock $C
                C: <recv>
                B: rpush l5 x
                C: 0| blpop l5 0
                C: <recv>
                A: 0| blmove q6 d6 left left 0
                B: set d6 str
                B: rpush q6 v
                A: <recv>
                B: lrange q6 0 -1
                A: 0| blmove q7 q8 left left 0
                C: 0| blpop q8 0
                B: rpush q7 v
                A: <recv>
                C: <recv>
                A: 0| bzpopmin timeout 0.05
                A: <recv>
                A: 0| blmove timeout2 d left left 0.05
                A: <recv>
                """)
        }

        @Test func notificationsAndWatchForServedMoves() throws {
            try assertSameBehaviour(
                """
                config set notify-keyspace-events KEA
                D: psubscribe __keyevent*
                lmpop 1 missing left
                rpush l a
                D: 1|<recv>
                lmpop 1 l left
                D: 2|<recv>
                zadd z 1 a 2 b
                D: 1|<recv>
                zmpop 1 z max
                bzpopmin z 0
                D: 3|<recv>
                A: 0| blmove q d left right 0
                B: rpush q v
                A: <recv>
                D: 4|<recv>
                C: watch d
                A: 0| brpoplpush q2 d 0
                B: rpush q2 w
                A: <recv>
                D: 4|<recv>
                C: multi
                C: get x
                C: exec
                config set notify-keyspace-events ""
                """)
        }
    }
}
