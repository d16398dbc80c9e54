import Synchronization

/// Strata's lock: a `Synchronization.Mutex` whose hand-offs ThreadSanitizer can see.
///
/// On Linux, `Mutex` waits with futex system calls inside the prebuilt Synchronization
/// library, which ThreadSanitizer does not instrument, so `swift test --sanitize=thread`
/// reports every critical section of every `Mutex` as a race (ten lines that only append
/// under `withLock` from four threads show it). Here each critical section begins with an
/// acquiring load of an atomic and ends with a releasing store to it. On x86-64 both are
/// plain moves, so the cost is nil, and they give ThreadSanitizer the happens-before edge
/// that the mutex really provides. Use it like a `Mutex`, from a `final class` that is
/// `Sendable`:
///
/// ```swift
/// final class Counter: Sendable {
///     private let count = StrataMutex(0)
///     func increment() { count.withLock { $0 += 1 } }
/// }
/// ```
public struct StrataMutex<State: ~Copyable>: ~Copyable, @unchecked Sendable {
    // Sendable like Mutex itself: the state is only reached under the lock.
    @usableFromInline let mutex: Mutex<State>
    @usableFromInline let handOff: Atomic<UInt8>

    /// A lock guarding `initial`.
    @inlinable
    public init(_ initial: consuming sending State) {
        mutex = Mutex(initial)
        handOff = Atomic(0)
    }

    /// Runs `body` with exclusive access to the state.
    @inlinable
    public borrowing func withLock<Result: ~Copyable, E: Error>(
        _ body: (inout sending State) throws(E) -> sending Result
    ) throws(E) -> sending Result {
        try mutex.withLock { (state: inout sending State) throws(E) -> sending Result in
            _ = handOff.load(ordering: .acquiring)
            defer { handOff.store(0, ordering: .releasing) }
            return try body(&state)
        }
    }
}
