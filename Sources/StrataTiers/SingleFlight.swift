import StrataSync
import Synchronization

/// Runs one operation per key at a time, however many callers ask at once; every caller gets its
/// result or its error.
///
/// The first caller (the leader) runs the operation in its own task, so the common case costs no
/// extra task, thread hop or allocation. A waiter that is cancelled stops waiting
/// (`CancellationError`) and the load goes on for the others; if the leader itself is cancelled,
/// a waiter takes over the load.
final class SingleFlight<Value: Sendable>: Sendable {
    private typealias Waiter = CheckedContinuation<Value, any Error>

    /// Tells a waiter to try again: the leader was cancelled, or finished before it could wait.
    private struct Retry: Error {}

    /// Keys being loaded, with the callers waiting for each.
    private let flights = StrataMutex<[String: [UInt64: Waiter]]>([:])
    private let waiterIDs = Atomic<UInt64>(0)

    /// The result of `operation` for `key`, shared with every concurrent caller for the same key.
    /// `isLeader` tells whether this caller ran the operation.
    func run(
        _ key: String,
        _ operation: @Sendable () async throws -> Value
    ) async throws -> (value: Value, isLeader: Bool) {
        while true {
            let isLeader = flights.withLock { flights -> Bool in
                guard flights[key] == nil else { return false }
                flights[key] = [:]
                return true
            }
            if isLeader {
                let result: Result<Value, any Error>
                do { result = .success(try await operation()) } catch { result = .failure(error) }
                let waiters = flights.withLock { $0.removeValue(forKey: key) ?? [:] }
                let shared: Result<Value, any Error> =
                    if case .failure = result, Task.isCancelled { .failure(Retry()) } else { result }
                for waiter in waiters.values { waiter.resume(with: shared) }
                return (try result.get(), true)
            }
            do {
                return (try await wait(for: key), false)
            } catch is Retry {
                continue
            }
        }
    }

    /// Starts `operation` for `key` in a background task unless one is already running; returns at once.
    func runInBackground(_ key: String, _ operation: @escaping @Sendable () async throws -> Value) {
        guard !isRunning(key) else { return }
        Task { _ = try? await self.run(key, operation) }
    }

    /// Whether an operation for `key` is running.
    func isRunning(_ key: String) -> Bool {
        flights.withLock { $0[key] != nil }
    }

    private func wait(for key: String) async throws -> Value {
        let id = waiterIDs.add(1, ordering: .relaxed).newValue
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: Waiter) in
                let joined = flights.withLock { flights -> Bool in
                    guard flights[key] != nil else { return false }
                    flights[key]![id] = continuation
                    return true
                }
                if !joined {
                    continuation.resume(throwing: Retry())
                } else if Task.isCancelled {
                    cancel(id, key)
                }
            }
        } onCancel: {
            cancel(id, key)
        }
    }

    private func cancel(_ id: UInt64, _ key: String) {
        let waiter = flights.withLock { $0[key]?.removeValue(forKey: id) }
        waiter?.resume(throwing: CancellationError())
    }
}
