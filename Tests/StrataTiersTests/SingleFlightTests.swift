import StrataSync
import Testing

@testable import StrataTiers

/// SingleFlight's background start: the flight is claimed before `runInBackground` returns.
struct SingleFlightTests {
    @Test func aBackgroundFlightIsClaimedAtOnceAndJoined() async throws {
        let flight = SingleFlight<Int>()
        let gate = Gate()
        let runs = StrataMutex(0)
        gate.close()
        flight.runInBackground("k") {
            await gate.pass()
            return runs.withLock {
                $0 += 1
                return $0
            }
        }
        // Before its task has even started, the key is taken: a second start is a no-op and a
        // caller joins instead of leading.
        #expect(flight.isRunning("k"))
        flight.runInBackground("k") {
            runs.withLock {
                $0 += 100
                return $0
            }
        }
        let joined = Task {
            try await flight.run("k") {
                runs.withLock {
                    $0 += 1_000
                    return $0
                }
            }
        }
        #expect(await eventually { flight.waiterCount("k") == 1 })
        gate.open()
        let (value, isLeader) = try await joined.value
        #expect(value == 1 && !isLeader)
        #expect(runs.withLock { $0 } == 1)
        #expect(await eventually { !flight.isRunning("k") })
    }
}
