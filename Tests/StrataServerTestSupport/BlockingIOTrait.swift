import Dispatch
import StrataSync
import Testing

/// Runs a suite's tests on threads of their own instead of Swift's cooperative pool.
///
/// Server tests block their thread: starting a `redis-server` child waits for it to answer,
/// raw test connections read synchronously, child tools are waited for. On a 2-core machine the
/// cooperative pool has two threads, and each blocked one starves every other test of the run
/// (their handshakes and timeouts then fail for no fault of their own). Under this trait, a
/// test's tasks run on a Dispatch queue whose threads the system replaces when they block, and
/// at most ``BlockingIOTrait/concurrentTests`` such tests run at once, so they cannot swamp the
/// machine either.
///
/// ```swift
/// @Suite(.blockingIO) struct ServerTests { ... }
/// ```
public struct BlockingIOTrait: SuiteTrait, TestTrait, TestScoping {
    /// How many tests under this trait run at the same time.
    public static let concurrentTests = 4

    public var isRecursive: Bool { true }

    public func provideScope(
        for test: Test,
        testCase: Test.Case?,
        performing function: @Sendable () async throws -> Void
    ) async throws {
        // Suites only scope their tests; the permit is taken per test (case).
        guard testCase != nil || !test.isSuite else {
            try await function()
            return
        }
        await TestPermits.shared.acquire()
        defer { TestPermits.shared.release() }
        try await withTaskExecutorPreference(BlockingIOExecutor.shared) {
            try await function()
        }
    }
}

/// A counting semaphore for async code: waiters suspend, they do not block a thread.
final class TestPermits: Sendable {
    static let shared = TestPermits(BlockingIOTrait.concurrentTests)

    private struct State {
        var available: Int
        var waiters: [CheckedContinuation<Void, Never>] = []
    }
    private let state: StrataMutex<State>

    init(_ count: Int) {
        state = StrataMutex(State(available: count))
    }

    func acquire() async {
        await withCheckedContinuation { continuation in
            let granted = state.withLock { state -> Bool in
                if state.available > 0 {
                    state.available -= 1
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
                state.available += 1
                return nil
            }
            return state.waiters.removeFirst()
        }
        next?.resume()
    }
}

extension Trait where Self == BlockingIOTrait {
    /// Runs the tests on threads that may block without starving the rest of the run.
    public static var blockingIO: Self { BlockingIOTrait() }
}

/// A task executor over a concurrent Dispatch queue (overcommitting: a blocked thread is replaced).
final class BlockingIOExecutor: TaskExecutor {
    static let shared = BlockingIOExecutor()
    private let queue = DispatchQueue(label: "strata.tests.blocking-io", attributes: .concurrent)

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.async { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
