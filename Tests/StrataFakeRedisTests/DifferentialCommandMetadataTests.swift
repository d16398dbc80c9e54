import StrataFakeRedis
import Testing

extension FakeRedisTestSuites {
    /// COMMAND metadata against Redis 7.0.15's.
    @Suite("Differential: COMMAND metadata")
    struct DifferentialCommandMetadataTests {
        /// The command table (arity, key positions, flags) against Redis 7.0.15's COMMAND INFO.
        @Test func commandTableMatchesRedisMetadata() {
            #expect(FakeRedisEngineHarness.commandTableDisagreements() == [])
        }
    }
}
