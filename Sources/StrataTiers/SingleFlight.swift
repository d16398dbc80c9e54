import StrataSync
import Synchronization

/// Runs one operation per key at a time, however many callers ask at once; every caller gets its
/// result or its error.
///
/// The first caller (the leader) runs the operation in its own task, so the common case costs no
/// extra task or thread hop. A waiter that is cancelled stops waiting (`CancellationError`) and the
/// load goes on for the others; if the leader itself is cancelled, a waiter takes over the load.
final class SingleFlight<Value: Sendable>: Sendable {
    private final class Flight: Sendable {
        struct State {
            var result: Result<Value, any Error>?
            var waiters: [UInt64: CheckedContinuation<Value, any Error>] = [:]
        }
        let state = StrataMutex(State())

        /// Records the result and returns who waited for it.
        func finish(_ result: Result<Value, any Error>) -> [CheckedContinuation<Value, any Error>] {
            state.withLock { state in
                state.result = result
                defer { state.waiters = [:] }
                return Array(state.waiters.values)
            }
        }
    }

    /// Tells waiters that the leader was cancelled before finishing: one of them should load.
    private struct LeaderCancelled: Error {}

    private let flights = StrataMutex<[String: Flight]>([:])
    private let waiterIDs = Atomic<UInt64>(0)

    /// The result of `operation` for `key`, shared with every concurrent caller for the same key.
    /// `isLeader` tells whether this caller ran the operation.
    func run(
        _ key: String,
        _ operation: @Sendable () async throws -> Value
    ) async throws -> (value: Value, isLeader: Bool) {
        while true {
            let (flight, isLeader) = join(key)
            if isLeader {
                let result: Result<Value, any Error>
                do { result = .success(try await operation()) } catch { result = .failure(error) }
                flights.withLock { flights in
                    if flights[key] === flight { flights.removeValue(forKey: key) }
                }
                let shared: Result<Value, any Error> =
                    if case .failure = result, Task.isCancelled { .failure(LeaderCancelled()) } else { result }
                for waiter in flight.finish(shared) { waiter.resume(with: shared) }
                return (try result.get(), true)
            }
            do {
                return (try await wait(for: flight), false)
            } catch is LeaderCancelled {
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

    private func join(_ key: String) -> (Flight, Bool) {
        flights.withLock { flights -> (Flight, Bool) in
            if let existing = flights[key] { return (existing, false) }
            let flight = Flight()
            flights[key] = flight
            return (flight, true)
        }
    }

    private func wait(for flight: Flight) async throws -> Value {
        let id = waiterIDs.add(1, ordering: .relaxed).newValue
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let ready = flight.state.withLock { s -> Result<Value, any Error>? in
                    if let result = s.result { return result }
                    s.waiters[id] = continuation
                    return nil
                }
                if let ready {
                    continuation.resume(with: ready)
                } else if Task.isCancelled {
                    cancel(id, in: flight)
                }
            }
        } onCancel: {
            cancel(id, in: flight)
        }
    }

    private func cancel(_ id: UInt64, in flight: Flight) {
        let waiter = flight.state.withLock { $0.waiters.removeValue(forKey: id) }
        waiter?.resume(throwing: CancellationError())
    }
}
