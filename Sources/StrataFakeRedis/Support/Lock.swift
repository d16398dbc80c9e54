import Synchronization

/// A `Mutex` whose hand-offs ThreadSanitizer can see: each critical section begins with an
/// acquiring load of an atomic and ends with a releasing store to it.
///
/// On Linux, `Mutex` waits with futex system calls inside the prebuilt Synchronization library,
/// which ThreadSanitizer does not instrument, so it reports every contended critical section as
/// a race. This is the same remedy as StrataSync's `StrataMutex`, kept here so the module
/// depends on StrataRESP alone, as DESIGN.md's graph says. On x86-64 the two atomics are plain
/// moves.
struct Lock<State: ~Copyable>: ~Copyable, @unchecked Sendable {
    // Sendable like Mutex itself: the state is only reached under the lock.
    private let mutex: Mutex<State>
    private let handOff = Atomic<UInt8>(0)

    init(_ initial: consuming sending State) {
        mutex = Mutex(initial)
    }

    borrowing func withLock<Result: ~Copyable, E: Error>(
        _ body: (inout sending State) throws(E) -> sending Result
    ) throws(E) -> sending Result {
        try mutex.withLock { (state: inout sending State) throws(E) -> sending Result in
            _ = handOff.load(ordering: .acquiring)
            defer { handOff.store(0, ordering: .releasing) }
            return try body(&state)
        }
    }
}
