import StrataSync
import Synchronization

/// Runs one operation per key at a time, however many callers ask at once; every caller gets its
/// result or its error.
///
/// The first caller (the leader) runs the operation in its own task, so the common case costs no
/// extra task, thread hop or allocation. A waiter that is cancelled stops waiting
/// (`CancellationError`) and the load goes on for the others; if the leader itself is cancelled,
/// a waiter takes over the load.
///
/// ``detach(_:)`` ends a key's generation: callers that joined keep waiting for the running
/// operation, but later callers start a new one. A cache calls it when the key is invalidated, so
/// a read that begins after the invalidation never gets a value loaded before it.
///
/// A result can outlive its operation (`lingering`): the operation hands its value back before
/// its side effects are done (a cache's write to Redis), and until they are, later callers get
/// that value at once instead of starting the operation again.
final class SingleFlight<Value: Sendable>: Sendable {
    /// What a caller is told when it arrives: lead the operation, or here is the leader's value.
    private enum Arrival: Sendable {
        case lead
        case value(Value)
    }

    private typealias Waiter = CheckedContinuation<Arrival, any Error>

    /// What an arriving caller found.
    private enum Joining {
        case lead
        case settled(Value)
        case wait(UInt64)
    }

    /// Tells a waiter to try again: the leader was cancelled.
    private struct Retry: Error {}

    private struct Flight {
        var id: UInt64
        var waiters: [UInt64: Waiter] = [:]
        /// The operation's value, handed to every caller who arrives until its lingering work
        /// ends (or the generation does).
        var settled: Value?
    }

    private struct Flights {
        /// The flight new callers join, by key.
        var current: [String: Flight] = [:]
        /// Flights of an ended generation, still running for the callers that joined them.
        var detached: [UInt64: [UInt64: Waiter]] = [:]

        mutating func removeWaiters(of flight: UInt64, key: String) -> [UInt64: Waiter] {
            if current[key]?.id == flight { return current.removeValue(forKey: key)?.waiters ?? [:] }
            return detached.removeValue(forKey: flight) ?? [:]
        }

        mutating func removeWaiter(_ id: UInt64, of flight: UInt64, key: String) -> Waiter? {
            if current[key]?.id == flight { return current[key]!.waiters.removeValue(forKey: id) }
            return detached[flight]?.removeValue(forKey: id)
        }
    }

    /// Asked about an operation's value: `nil` when nothing is left to do; otherwise a function
    /// that starts the work still to finish and calls the `end` it is given once that work is
    /// done, which ends the flight. Until then the flight hands out the value.
    typealias Lingering = @Sendable (Value) -> (@Sendable (_ end: @escaping @Sendable () -> Void) -> Void)?

    private let flights = StrataMutex(Flights())
    private let ids = Atomic<UInt64>(0)

    /// The result of `operation` for `key`, shared with every concurrent caller for the same key.
    /// `isLeader` tells whether this caller ran the operation.
    ///
    /// `lingering` is asked about a successful value: if it starts work still to finish (the
    /// value's write to Redis, say), the flight stays open until that work calls its `end`, and
    /// callers who arrive meanwhile get the value at once, as long as `accepts` it (still fresh,
    /// say); one it refuses starts a new operation. The work ends the flight itself, so whoever
    /// waits for that work knows the flight has ended too.
    func run(
        _ key: String,
        lingering: Lingering? = nil,
        accepts: (Value) -> Bool = { _ in true },
        _ operation: @Sendable () async throws -> Value
    ) async throws -> (value: Value, isLeader: Bool) {
        while true {
            let id = ids.add(1, ordering: .relaxed).newValue
            // The flight joined (0: none yet), for the cancellation handler.
            let joined = Atomic<UInt64>(0)
            let arrival: Arrival
            do {
                arrival = try await withTaskCancellationHandler {
                    try await withCheckedThrowingContinuation { (continuation: Waiter) in
                        // Joining and waiting are one step: a leader that finishes a moment later
                        // finds this caller among its waiters, so nobody loads twice.
                        let joining = flights.withLock { flights -> Joining in
                            guard let flight = flights.current[key], flight.settled.map(accepts) ?? true else {
                                // No flight, or a settled one whose value is no longer good.
                                flights.current[key] = Flight(id: id)
                                return .lead
                            }
                            if let settled = flight.settled { return .settled(settled) }
                            flights.current[key]!.waiters[id] = continuation
                            return .wait(flight.id)
                        }
                        let flight: UInt64
                        switch joining {
                        case .lead: return continuation.resume(returning: .lead)
                        case .settled(let value): return continuation.resume(returning: .value(value))
                        case .wait(let joined): flight = joined
                        }
                        joined.store(flight, ordering: .relaxed)
                        if Task.isCancelled { cancel(id, flight: flight, key: key) }
                    }
                } onCancel: {
                    let flight = joined.load(ordering: .relaxed)
                    if flight != 0 { cancel(id, flight: flight, key: key) }
                }
            } catch is Retry {
                continue
            }
            if case .value(let value) = arrival { return (value, false) }
            let result: Result<Value, any Error>
            do { result = .success(try await operation()) } catch { result = .failure(error) }
            finish(Claim(key: key, id: id), with: result, lingering: lingering)
            return (try result.get(), true)
        }
    }

    /// A flight a batch leads without running an operation per key (see ``claim(_:accepts:)``).
    struct Claim: Sendable {
        var key: String
        var id: UInt64
    }

    /// Claims the flights of `keys` that nobody runs (or whose settled value `accepts` refuses):
    /// the caller leads them, and must ``finish(_:with:lingering:)`` each. Keys already in flight
    /// are left out: reading them with ``run(_:lingering:accepts:_:)`` joins their flights.
    func claim(_ keys: [String], accepts: (Value) -> Bool) -> [Claim] {
        flights.withLock { flights in
            keys.compactMap { key in
                if let flight = flights.current[key], flight.settled.map(accepts) ?? true { return nil }
                let id = ids.add(1, ordering: .relaxed).newValue
                flights.current[key] = Flight(id: id)
                return Claim(key: key, id: id)
            }
        }
    }

    /// Ends a claimed flight with `result`, as ``run(_:lingering:accepts:_:)`` ends the flights it
    /// leads (`lingering` included).
    func finish(_ claim: Claim, with result: Result<Value, any Error>, lingering: Lingering? = nil) {
        let value = try? result.get()
        let start = value.flatMap { value in lingering?(value) }
        complete(
            claim.id, key: claim.key, with: result.map(Arrival.value), retryOnFailure: Task.isCancelled,
            settling: start == nil ? nil : value)
        // Started once the flight is settled, so its `end` cannot come first.
        start? { _ = self.flights.withLock { $0.removeWaiters(of: claim.id, key: claim.key) } }
    }

    /// Ends claimed flights with their values, under one lock (a batch's keys that need no
    /// lingering): the same as ``finish(_:with:lingering:)`` for each, at a fraction of the cost.
    func finish(_ claims: [Claim], with values: [Value]) {
        let waiters = flights.withLock { flights in
            zip(claims, values).map { claim, value in
                (flights.removeWaiters(of: claim.id, key: claim.key), value)
            }
        }
        for (waiting, value) in waiters {
            for waiter in waiting.values { waiter.resume(returning: .value(value)) }
        }
    }

    /// Starts `operation` for `key` in a background task unless one is already running; returns at once.
    ///
    /// The flight is claimed before this returns, so callers that arrive meanwhile (a read, or
    /// another background start) join it instead of starting their own before the task runs.
    func runInBackground(_ key: String, _ operation: @escaping @Sendable () async throws -> Value) {
        let id = ids.add(1, ordering: .relaxed).newValue
        let claimed = flights.withLock { flights -> Bool in
            guard flights.current[key] == nil else { return false }
            flights.current[key] = Flight(id: id)
            return true
        }
        guard claimed else { return }
        Task {
            let result: Result<Value, any Error>
            do { result = .success(try await operation()) } catch { result = .failure(error) }
            complete(id, key: key, with: result.map(Arrival.value), retryOnFailure: false)
        }
    }

    /// Ends flight `id` and hands its outcome to the callers that joined it; a failure of a
    /// cancelled leader tells them to try again (one of them then leads). With `settling`, the
    /// flight stays (if it is still the key's current one) and hands that value to later callers.
    private func complete(
        _ id: UInt64, key: String, with outcome: Result<Arrival, any Error>, retryOnFailure: Bool,
        settling: Value? = nil
    ) {
        let waiters = flights.withLock { flights in
            guard let settling, flights.current[key]?.id == id else { return flights.removeWaiters(of: id, key: key) }
            defer { flights.current[key] = Flight(id: id, settled: settling) }
            return flights.current[key]!.waiters
        }
        let shared = retryOnFailure ? outcome.mapError { _ in Retry() as any Error } : outcome
        for waiter in waiters.values { waiter.resume(with: shared) }
    }

    /// Whether an operation for `key` is running in the current generation.
    func isRunning(_ key: String) -> Bool {
        flights.withLock { $0.current[key] != nil }
    }

    /// How many callers wait for the running operation of `key` (for tests).
    func waiterCount(_ key: String) -> Int {
        flights.withLock { $0.current[key]?.waiters.count ?? 0 }
    }

    /// Ends `key`'s generation: the running operation finishes for those already waiting; the
    /// next caller starts a new one.
    func detach(_ key: String) {
        flights.withLock { flights in
            guard let flight = flights.current.removeValue(forKey: key), flight.settled == nil else { return }
            flights.detached[flight.id] = flight.waiters
        }
    }

    /// Ends every key's generation.
    func detachAll() {
        flights.withLock { flights in
            for flight in flights.current.values where flight.settled == nil {
                flights.detached[flight.id] = flight.waiters
            }
            flights.current.removeAll()
        }
    }

    private func cancel(_ id: UInt64, flight: UInt64, key: String) {
        let waiter = flights.withLock { $0.removeWaiter(id, of: flight, key: key) }
        waiter?.resume(throwing: CancellationError())
    }
}
