import Glibc
import StrataServerTestSupport

/// Polls `condition` until it holds, for at most `timeout`; throws when it never does. For
/// waiting on the server's own progress (counters), never as a timing assertion.
func waitUntil(
    timeout: Duration = .seconds(10), _ what: String = "condition", _ condition: () throws -> Bool
) throws {
    let deadline = ContinuousClock.now + timeout
    while try !condition() {
        guard ContinuousClock.now < deadline else { throw TestSupportError("\(what) did not hold within \(timeout)") }
        usleep(2000)
    }
}
