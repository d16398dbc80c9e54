import StrataServerTestSupport
import Testing

extension FakeRedisTestSuites {
    /// `tracking-table-max-keys` against a real redis-server: once the tracking table holds
    /// more keys than the limit, random keys are forgotten and their readers told, as if the
    /// keys had changed. Which key goes is random, so the invalidations are compared by shape,
    /// and by what stays observable: how many keys remain tracked (INFO) and that the
    /// survivors still get their invalidations. Redis evicts before the next command runs, or
    /// in its cron on an idle server: either way the invalidation comes before the next reply.
    @Suite("Differential: tracking table limit")
    struct DifferentialTrackingLimitTests {
        @Test func limitEvictsRandomKeysWithInvalidations() throws {
            try assertSameBehaviour(
                """
                config set tracking-table-max-keys 1
                client tracking on
                get a
                get b
                2|? ping
                @tracking_total_keys,tracking_total_items,tracking_total_prefixes info stats
                B: mset a 1 b 2
                ? <recv>
                @tracking_total_keys info stats
                mget a b c
                3|? ping
                @tracking_total_keys info stats
                # No limit: the table grows.
                config set tracking-table-max-keys 0
                mget a b c d
                ping
                @tracking_total_keys,tracking_total_items info stats
                # A lower limit takes effect without any further command (the cron) or at the next.
                config set tracking-table-max-keys 2
                3|? ping
                @tracking_total_keys info stats
                B: flushall
                <recv>
                @tracking_total_keys info stats
                config set tracking-table-max-keys 1000000
                """, protocols: [3])
        }

        /// RESP2: the evicted keys' invalidations go to the redirect client's channel.
        @Test func limitWithRedirectRESP2() throws {
            try assertSameBehaviour(
                """
                B: subscribe __redis__:invalidate
                config set tracking-table-max-keys 1
                client tracking on redirect $B
                get a
                get b
                ping
                B: ? <recv>
                C: mset a 1 b 2
                B: ? <recv>
                @tracking_total_keys info stats
                config set tracking-table-max-keys 1000000
                """, protocols: [2])
        }
    }
}
