import StrataServerTestSupport
import Testing

extension FakeRedisTestSuites {
    /// Sharded pub/sub against a real redis-server: its own namespace and counts, `smessage`,
    /// RESP2 subscribed mode, RESP3 pushes beside replies, PUBSUB SHARDCHANNELS and
    /// SHARDNUMSUB, RESET and disconnects.
    @Suite("Differential: sharded pub/sub")
    struct DifferentialShardedPubSubTests {
        @Test func shardedChannels() throws {
            try assertSameBehaviour(
                """
                B: 2|ssubscribe news sport
                C: subscribe news
                C: psubscribe n*
                spublish news hello
                B: <recv>
                publish news plain
                C: 2|<recv>
                spublish nobody x
                ~pubsub shardchannels
                pubsub shardchannels s*
                pubsub shardnumsub news sport none
                pubsub shardnumsub
                pubsub channels
                pubsub numsub news
                B: get k
                B: ping
                B: subscribe extra
                B: sunsubscribe news
                B: sunsubscribe
                B: sunsubscribe
                B: unsubscribe
                B: get k
                D: ssubscribe a
                D: reset
                pubsub shardnumsub a
                E: ssubscribe gone
                E: quit
                pubsub shardnumsub gone
                ssubscribe
                spublish onlyone
                """)
        }

        @Test func shardedChannelsOnARESP3Connection() throws {
            try assertSameBehaviour(
                """
                % B: hello 3
                B: ssubscribe ch
                B: get k
                spublish ch m
                B: <recv>
                B: sunsubscribe ch
                B: sunsubscribe
                """, protocols: [2])
        }
    }
}
