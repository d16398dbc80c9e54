import StrataRESP
import StrataSync
import Synchronization

/// Fans RESP3 push messages from shared connections out to whoever listens (client tracking).
final class PushRouter: Sendable {
    typealias Listener = @Sendable (RESPValue) -> Void
    private let listeners = StrataMutex<[UInt64: Listener]>([:])
    private let nextID = Atomic<UInt64>(0)

    func add(_ listener: @escaping Listener) -> UInt64 {
        let id = nextID.add(1, ordering: .relaxed).newValue
        listeners.withLock { $0[id] = listener }
        return id
    }

    func remove(_ id: UInt64) {
        listeners.withLock { _ = $0.removeValue(forKey: id) }
    }

    func route(_ push: RESPValue) {
        for listener in listeners.withLock({ Array($0.values) }) { listener(push) }
    }

    func finishAll(_ error: RedisClientError) {
        listeners.withLock { $0.removeAll() }
    }
}
