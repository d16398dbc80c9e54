import StrataServerTestSupport
import Testing

extension FakeRedisTestSuites {
    /// `maxmemory` against a real redis-server where the outcome does not depend on how memory
    /// is counted: a limit of one byte is always exceeded, so under noeviction every `denyoom`
    /// command is refused, and under an evicting policy every key the policy may evict goes
    /// (in TTL order for volatile-ttl) before the OOM error. The fake's memory is approximate
    /// (Engine+Maxmemory); FakeServerMaxmemoryTests covers the limits in between.
    @Suite("Differential: maxmemory")
    struct DifferentialMaxmemoryTests {
        /// noeviction: `denyoom` commands get the OOM error, others run; inside MULTI every
        /// queued command is refused (EXECABORT follows), and EXEC of a queued `denyoom` command
        /// is aborted.
        @Test func noevictionRefusesDenyOOMCommands() throws {
            try assertSameBehaviour(
                """
                set a 1
                set b 2
                rpush l x
                config set maxmemory-policy noeviction
                config set maxmemory 1
                config get maxmemory
                set c 3
                setnx c 3
                get a
                incr a
                append a x
                lpush l y
                rpush l y
                lpop l
                sadd s m
                hset h f v
                zadd z 1 m
                xadd x * f v
                pfadd p a
                setbit a 1 1
                copy a a2
                sort l store l2
                rpoplpush l l3
                expire b 100
                getdel a
                del a b
                exists a b
                ping
                @evicted_keys info stats
                config get maxmemory-policy
                multi
                get b
                set b 1
                exec
                multi
                get b
                discard
                config set maxmemory 0
                multi
                set q 1
                B: config set maxmemory 1
                exec
                multi
                get q
                B: config set maxmemory 1
                exec
                config set maxmemory 0
                set c 3
                get c
                """)
        }

        /// allkeys-*: every key is evicted (with `evicted` events and evicted_keys), then the
        /// `denyoom` command is refused; tracking clients and WATCH hear of evicted keys.
        @Test(arguments: ["allkeys-lru", "allkeys-lfu", "allkeys-random"])
        func allkeysPoliciesEvictEverything(policy: String) throws {
            try assertSameBehaviour(
                """
                config set notify-keyspace-events Ee
                B: psubscribe __keyevent@*__:evicted
                config set maxmemory-policy \(policy)
                set k v
                % C: hello 3
                C: client tracking on
                C: get k
                D: watch k
                config set maxmemory 1
                B: <recv>
                C: <recv>
                get k
                dbsize
                set k v
                @evicted_keys info stats
                config set maxmemory 0
                D: multi
                D: set k 1
                D: exec
                config set notify-keyspace-events ""
                """)
        }

        /// volatile-ttl evicts the key that expires first, then the next; keys without an expiry
        /// stay and the write is refused. volatile-lru/lfu/random evict only volatile keys too.
        @Test(arguments: ["volatile-ttl", "volatile-lru", "volatile-lfu", "volatile-random"])
        func volatilePoliciesEvictOnlyVolatileKeys(policy: String) throws {
            let ordered = policy == "volatile-ttl"
            try assertSameBehaviour(
                """
                config set notify-keyspace-events Ee
                B: psubscribe __keyevent@*__:evicted
                config set maxmemory-policy \(policy)
                set persistent v
                set late v ex 300
                set early v ex 100
                select 1
                set middle v ex 200
                select 0
                config set maxmemory 1
                B: \(ordered ? "" : "?")<recv>
                B: \(ordered ? "" : "?")<recv>
                B: \(ordered ? "" : "?")<recv>
                dbsize
                keys *
                set k v
                get persistent
                @evicted_keys info stats
                config set maxmemory 0
                config set notify-keyspace-events ""
                flushall
                """)
        }
    }
}
