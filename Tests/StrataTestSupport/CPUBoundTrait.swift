import Dispatch
import StrataSync
import Testing

/// Runs a suite's tests on a thread of their own, one such test at a time, instead of on Swift's
/// cooperative pool.
///
/// A synchronous test that computes for seconds (a policy simulation, every insertion order of a
/// table) holds its pool thread all that time. On a 2-core machine the pool has two threads: two
/// such tests at once stop every other test of the run, and the timing-bound waits of those
/// (a reply within 5 s, a connection's handshake) fail for no fault of their own. Under this
/// trait the computation runs on a Dispatch thread, and only one at a time, so at least one core
/// and the whole pool stay with the rest of the run.
///
/// ```swift
/// @Suite(.cpuBound) struct PolicySimulationTests { ... }
/// ```
public struct CPUBoundTrait: SuiteTrait, TestTrait, TestScoping {
    public var isRecursive: Bool { true }

    public func provideScope(
        for test: Test,
        testCase: Test.Case?,
        performing function: @Sendable () async throws -> Void
    ) async throws {
        // Suites only scope their tests; the turn is taken per test (case).
        guard testCase != nil || !test.isSuite else {
            try await function()
            return
        }
        await CPUTurns.shared.acquire()
        defer { CPUTurns.shared.release() }
        try await withTaskExecutorPreference(CPUBoundExecutor.shared) {
            try await function()
        }
    }
}

extension Trait where Self == CPUBoundTrait {
    /// Runs the tests off the cooperative pool, one at a time, so long computations cannot
    /// starve the rest of the run.
    public static var cpuBound: Self { CPUBoundTrait() }
}

/// One turn at a time; waiters suspend, they do not block a thread.
final class CPUTurns: Sendable {
    static let shared = CPUTurns()

    private struct State {
        var busy = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }
    /// A `StrataMutex`, whose hand-offs ThreadSanitizer sees (it does not see `Mutex`'s futex).
    private let state = StrataMutex(State())

    func acquire() async {
        await withCheckedContinuation { continuation in
            let granted = state.withLock { state -> Bool in
                if !state.busy {
                    state.busy = true
                    return true
                }
                state.waiters.append(continuation)
                return false
            }
            if granted { continuation.resume() }
        }
    }

    func release() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if state.waiters.isEmpty {
                state.busy = false
                return nil
            }
            return state.waiters.removeFirst()
        }
        next?.resume()
    }
}

/// A task executor over a concurrent Dispatch queue: the tasks of a CPU-bound test (its own and
/// its child tasks) run there, never on the cooperative pool.
final class CPUBoundExecutor: TaskExecutor {
    static let shared = CPUBoundExecutor()
    private let queue = DispatchQueue(label: "strata.tests.cpu-bound", attributes: .concurrent)

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.async { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
