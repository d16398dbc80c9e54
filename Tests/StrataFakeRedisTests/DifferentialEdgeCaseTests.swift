import StrataServerTestSupport
import Testing

extension FakeRedisTestSuites {
    /// Transactions, pub/sub introspection, SCAN filters and the INFO fields clients parse,
    /// against a real redis-server.
    @Suite("Differential: MULTI, PUBSUB, SCAN and INFO edge cases")
    struct DifferentialEdgeCaseTests {
        @Test func transactionErrors() throws {
            try assertSameBehaviour(
                """
                multi
                set k
                get k
                exec
                multi
                nosuchcommand x
                exec
                multi
                incr k
                set k v
                incr k
                exec
                multi
                multi
                watch k
                discard
                exec
                discard
                """)
        }

        @Test func pubsubIntrospection() throws {
            try assertSameBehaviour(
                """
                B: 2|subscribe news.a news.b
                C: 2|psubscribe news.* *
                D: subscribe news.a
                ~pubsub channels
                ~pubsub channels news.*
                pubsub channels nomatch*
                pubsub numsub news.a news.b none
                pubsub numsub
                pubsub numpat
                C: punsubscribe *
                pubsub numpat
                pubsub help
                """)
        }

        @Test func scanFilters() throws {
            try assertSameBehaviour(
                """
                set s1 v
                rpush l1 a
                hset h1 f v
                sadd set1 m
                zadd z1 1 m
                xadd x1 1-1 f v
                pfadd hll1 a
                ~scan 0 count 1000 type string
                ~scan 0 count 1000 type list
                ~scan 0 count 1000 type hash
                ~scan 0 count 1000 type set
                ~scan 0 count 1000 type zset
                ~scan 0 count 1000 type stream
                ~scan 0 count 1000 type nosuchtype
                ~scan 0 count 1000 match *1 type string
                ~scan 0 count 1000 match s*
                ~scan 0 count 1000 type STRING
                scan 0 count 0
                scan 0 type
                scan x
                """)
        }

        @Test func infoFields() throws {
            try assertSameBehaviour(
                """
                set a 1
                set b 2 ex 1000
                select 2
                set c 3
                @db0,db2,db1 info keyspace
                select 0
                @connected_clients,blocked_clients,tracking_clients,maxclients info clients
                get a
                get zz
                @keyspace_hits,keyspace_misses,expired_keys,evicted_keys,pubsub_channels,pubsub_patterns info stats
                @redis_version,redis_mode info server
                @role,connected_slaves info replication
                @cluster_enabled info cluster
                """)
        }
    }
}
