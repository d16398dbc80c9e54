import StrataServerTestSupport
import Testing

/// The randomized coherence checker: N instances of `TieredCache` over one or two Redis tiers
/// (one or two regions), random reads, writes, invalidations and out-of-band writes, injected
/// faults, and an oracle that every read, every tier and every load must satisfy.
///
/// CI runs the fixed seeds below. `scripts/coherence-check.sh FIRST LAST` runs a range
/// (`STRATA_COHERENCE_SEEDS=FIRST-LAST`); a failing seed prints its scenario and a minimal
/// history of the key it caught. The seeds run one at a time: each run loads the machine on
/// purpose, and other suites run beside it.
@Suite("Coherence checker", .blockingIO, .serialized)
struct CoherenceCheckerTests {
    static let seeds: [UInt64] = {
        if let range = ChildProcess.environment("STRATA_COHERENCE_SEEDS") {
            let bounds = range.split(separator: "-").compactMap { UInt64($0) }
            if bounds.count == 2, bounds[0] <= bounds[1] { return Array(bounds[0]...bounds[1]) }
            if bounds.count == 1 { return [bounds[0]] }
        }
        return Array(1...10)
    }()

    static let realSeeds: [UInt64] = {
        guard TestRedisServer.kindsToTest.contains(.real) else { return [] }
        if ChildProcess.environment("STRATA_COHERENCE_SEEDS") != nil { return seeds }
        return Array(101...104)
    }()

    /// Run over a real cluster by `TieredCacheClusterTests` (which starts one).
    static let clusterSeeds: [UInt64] = {
        if ChildProcess.environment("STRATA_COHERENCE_SEEDS") != nil { return seeds.map { $0 + 200 } }
        return Array(201...204)
    }()

    /// Run over a real cluster with a failover by `TieredCacheClusterTests`.
    static let failoverSeeds: [UInt64] = {
        if ChildProcess.environment("STRATA_COHERENCE_SEEDS") != nil { return seeds.map { $0 + 300 } }
        return [300, 301]
    }()

    @Test(arguments: seeds)
    func fakeServers(_ seed: UInt64) async throws {
        let problems = try await CoherenceRun(scenario: CoherenceScenario(seed: seed, kind: .fake)).run()
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
    }

    @Test(arguments: realSeeds)
    func realServers(_ seed: UInt64) async throws {
        let problems = try await CoherenceRun(scenario: CoherenceScenario(seed: seed, kind: .real)).run()
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
    }
}
