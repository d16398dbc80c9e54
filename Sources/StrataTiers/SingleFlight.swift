import StrataSync
import Synchronization

/// Runs one operation per key at a time, however many callers ask at once; every caller gets its
/// result or its error.
///
/// The operation runs in its own task, so a caller that is cancelled stops waiting (with
/// `CancellationError`) without cancelling the load the others wait for.
final class SingleFlight<Value: Sendable>: Sendable {
    private final class Flight: Sendable {
        struct State {
            var result: Result<Value, any Error>?
            var waiters: [UInt64: CheckedContinuation<Value, any Error>] = [:]
        }
        let state = StrataMutex(State())
    }

    private let flights = StrataMutex<[String: Flight]>([:])
    private let waiterIDs = Atomic<UInt64>(0)

    /// The result of `operation` for `key`, shared with every concurrent caller for the same key.
    /// `isLeader` tells whether this caller started the operation.
    func run(
        _ key: String,
        _ operation: @escaping @Sendable () async throws -> Value
    ) async throws -> (value: Value, isLeader: Bool) {
        let (flight, isLeader) = start(key, operation)
        return (try await wait(for: flight), isLeader)
    }

    /// Starts `operation` for `key` in the background unless one is already running; returns at once.
    func runInBackground(_ key: String, _ operation: @escaping @Sendable () async throws -> Value) {
        _ = start(key, operation)
    }

    /// Whether an operation for `key` is running.
    func isRunning(_ key: String) -> Bool {
        flights.withLock { $0[key] != nil }
    }

    private func start(_ key: String, _ operation: @escaping @Sendable () async throws -> Value) -> (Flight, Bool) {
        let (flight, isLeader) = flights.withLock { flights -> (Flight, Bool) in
            if let existing = flights[key] { return (existing, false) }
            let flight = Flight()
            flights[key] = flight
            return (flight, true)
        }
        if isLeader {
            Task {
                let result: Result<Value, any Error>
                do { result = .success(try await operation()) } catch { result = .failure(error) }
                flights.withLock { flights in
                    if flights[key] === flight { flights.removeValue(forKey: key) }
                }
                let waiters = flight.state.withLock { s -> [CheckedContinuation<Value, any Error>] in
                    s.result = result
                    defer { s.waiters = [:] }
                    return Array(s.waiters.values)
                }
                for waiter in waiters { waiter.resume(with: result) }
            }
        }
        return (flight, isLeader)
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
