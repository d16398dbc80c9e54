/// Receives what a ``RedisClient`` or a `TieredCache` does: connections, commands, the pool,
/// client tracking, the tiers and the loader. Set it with ``RedisConfiguration/observer`` and
/// `TieredCacheOptions.observer`.
///
/// ```swift
/// final class Printer: StrataObserver {
///     func observe(_ event: StrataEvent) { print(event) }
/// }
/// var configuration = RedisConfiguration(host: "127.0.0.1", port: 6379)
/// configuration.observer = Printer()
/// ```
///
/// `observe(_:)` is called synchronously, on whatever thread the event happens (often the client's
/// I/O thread, or the caller of `get`): keep it short and never block in it. Events carry only
/// values that already exist (static strings, durations, integers, small enums, the error at
/// hand), so delivering one allocates nothing. Without an observer, each place an event could
/// happen costs one branch.
///
/// Built in: ``LogfmtObserver`` (structured lines to standard error) and ``MetricsObserver``
/// (counters and latency histograms, exported as Prometheus text); ``FanOutObserver`` feeds
/// several at once.
public protocol StrataObserver: AnyObject, Sendable {
    /// Handles one event. Called synchronously where the event happens.
    func observe(_ event: StrataEvent)
}

/// Several observers fed in order, as one.
public final class FanOutObserver: StrataObserver {
    /// The observers, fed in this order.
    public let observers: [any StrataObserver]

    /// Feeds every event to each of `observers`, in order.
    public init(_ observers: [any StrataObserver]) {
        self.observers = observers
    }

    /// Passes `event` to each observer.
    public func observe(_ event: StrataEvent) {
        for observer in observers { observer.observe(event) }
    }
}

/// An observer held by a configuration: equal when it is the same object (or both are absent),
/// so configurations stay `Hashable`.
struct ObserverSlot: Sendable, Hashable {
    let observer: (any StrataObserver)?

    static func == (lhs: ObserverSlot, rhs: ObserverSlot) -> Bool {
        lhs.observer.map(ObjectIdentifier.init) == rhs.observer.map(ObjectIdentifier.init)
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(observer.map(ObjectIdentifier.init))
    }
}
