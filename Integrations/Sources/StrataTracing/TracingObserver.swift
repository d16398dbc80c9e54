import StrataRedis
import Tracing

/// Turns Strata's events into swift-distributed-tracing spans: a client span per Redis command,
/// a span per loader call, and span events for tier reads on the caller's active span.
///
/// ```swift
/// var configuration = try RedisConfiguration(url: "redis://127.0.0.1:6379")
/// configuration.observer = TracingObserver(server: configuration.endpoint)
/// ```
///
/// **Commands.** Each command (`GET`, or `PIPELINE` and `MULTI` for a batch) becomes a span named
/// after it, of kind `client`, with the OpenTelemetry database attributes: `db.system` and
/// `db.system.name` (`redis`), `db.operation.name`, `db.namespace` (the database index), and
/// `server.address` and `server.port` when the endpoint is given. A failed command's span has
/// an `error` status, `error.type` (`server_error`, or the client error's code in snake case,
/// such as `timed_out`) and a recorded ``CommandFailure``.
///
/// The client reports a command once it has finished, with its duration, synchronously in the
/// task that ran it. So the span starts `duration` (measured on the monotonic clock) before the
/// event and ends at it, and its parent is that task's current context (`ServiceContext.current`): the caller's span, when
/// the command ran inside one. Commands the client sends from tasks of its own (client
/// tracking's health checks, background refreshes started without a span) have no parent; set
/// `rootSpans` to false to drop those.
///
/// **Tiers.** On a `TieredCache` (`TieredCacheOptions.observer`), each loader call becomes an
/// internal span `cache.load` (`error` status when the loader threw). It is made when the loader
/// returns, so spans the loader itself starts are its siblings, not its children: wrap the loader
/// in `withSpan` for nesting, or use ``TracingInterceptor``, whose spans are around the work. Tier hits, misses, stale values, tier failures and loader timeouts
/// become span events on the caller's active span, when the tracer can find it
/// (`Tracer.activeSpan(identifiedBy:)`).
///
/// Keys are not recorded unless `recordKeys` is true: they may hold personal data, and they
/// make attribute values unbounded.
public final class TracingObserver: StrataObserver {
    /// The tracer spans go to; nil: `InstrumentationSystem.tracer`, looked up at each event (so
    /// the tracing system may be bootstrapped after the observer is made).
    public let tracer: (any Tracer)?
    /// Whether commands and loads outside any span start spans of their own.
    public let rootSpans: Bool
    /// Whether loader spans and loader-timeout events carry the key (`strata.cache.key`).
    public let recordKeys: Bool
    /// The attributes every command span carries.
    private let commandAttributes: SpanAttributes

    /// Spans for the commands of a client connected to `server` (database `database`) and for
    /// a `TieredCache`'s loader calls.
    ///
    /// - Parameters:
    ///   - tracer: Where spans go; nil: the bootstrapped `InstrumentationSystem.tracer`.
    ///   - server: The client's endpoint (``StrataRedis/RedisConfiguration/endpoint``), for `server.address`
    ///     and `server.port`; nil leaves them out.
    ///   - database: The database index (``StrataRedis/RedisConfiguration/database``), for `db.namespace`.
    ///   - rootSpans: Whether a command or load that runs outside any span starts a trace of its
    ///     own.
    ///   - recordKeys: Whether loader spans and loader-timeout events carry the key.
    public init(
        tracer: (any Tracer)? = nil,
        server: RedisConfiguration.Endpoint? = nil,
        database: Int = 0,
        rootSpans: Bool = true,
        recordKeys: Bool = false
    ) {
        self.tracer = tracer
        self.rootSpans = rootSpans
        self.recordKeys = recordKeys
        self.commandAttributes = Self.commandAttributes(server: server, database: database)
    }

    /// The attributes of every command span (``TracingInterceptor``'s too): the database system,
    /// namespace, and the server's address, port and transport when `server` is given.
    static func commandAttributes(server: RedisConfiguration.Endpoint?, database: Int) -> SpanAttributes {
        var attributes = SpanAttributes()
        attributes["db.system"] = "redis"
        attributes["db.system.name"] = "redis"
        attributes["db.namespace"] = String(database)
        switch server {
        case .tcp(let host, let port)?:
            attributes["server.address"] = host
            attributes["server.port"] = port
            attributes["network.transport"] = "tcp"
        case .unixSocket(let path)?:
            attributes["server.address"] = path
            attributes["network.transport"] = "unix"
        case nil:
            break
        }
        return attributes
    }

    /// Records `event`: a span for a finished command or loader call, a span event otherwise
    /// (when it concerns a read in a traced task).
    public func observe(_ event: StrataEvent) {
        switch event {
        case .commandFinished(let name, let duration, let outcome):
            command(name, duration: duration, outcome: outcome)
        case .loaderCalled(let key, let duration):
            load(key, duration: duration, error: nil)
        case .loaderFailed(let key, let duration, let error):
            load(key, duration: duration, error: error)
        case .tierHit(let tier, let duration), .tierMiss(let tier, let duration):
            var attributes: SpanAttributes = ["strata.cache.tier": .string(tier)]
            if duration > .zero { attributes["strata.duration_ns"] = Int(duration.nanoseconds) }
            addEvent(event, attributes)
        case .staleServed(let tier):
            addEvent(event, ["strata.cache.tier": .string(tier)])
        case .tierFailed(let tier, let reason):
            addEvent(event, ["strata.cache.tier": .string(tier), "error.type": .string(Self.errorType(of: reason))])
        case .loaderTimedOut(let key, let duration):
            var attributes: SpanAttributes = ["strata.duration_ns": .int64(duration.nanoseconds)]
            if recordKeys { attributes["strata.cache.key"] = key }
            addEvent(event, attributes)
        case .connectionOpened, .connectionClosed, .connectionFailed, .reconnectScheduled, .poolExhausted,
            .trackingLost, .trackingResumed, .breakerOpened, .breakerClosed, .localTierFlushed,
            .invalidationPublished, .invalidationReceived:
            // Not about one caller's request: logs and metrics carry these.
            break
        }
    }

    private func command(_ name: String, duration: Duration, outcome: CommandOutcome) {
        guard let context = parentContext() else { return }
        let tracer = self.tracer ?? InstrumentationSystem.tracer
        let end = DefaultTracerClock.now
        let span = tracer.startSpan(name, context: context, ofKind: .client, at: end.minus(duration))
        // A span nobody records (sampled out, or a no-op tracer): no attributes to build.
        guard span.isRecording else { return span.end(at: end) }
        var attributes = commandAttributes
        attributes["db.operation.name"] = name
        if outcome != .success {
            let type = Self.errorType(outcome)
            attributes["error.type"] = type
            span.recordError(CommandFailure(name: name, outcome: outcome), attributes: [:], at: end)
            span.setStatus(SpanStatus(code: .error, message: type))
        }
        span.attributes = attributes
        span.end(at: end)
    }

    private func load(_ key: String, duration: Duration, error: (any Error)?) {
        guard let context = parentContext() else { return }
        let tracer = self.tracer ?? InstrumentationSystem.tracer
        let end = DefaultTracerClock.now
        let span = tracer.startSpan("cache.load", context: context, ofKind: .internal, at: end.minus(duration))
        guard span.isRecording else { return span.end(at: end) }
        if recordKeys { span.attributes["strata.cache.key"] = key }
        if let error {
            span.attributes["error.type"] = Self.errorType(of: error)
            span.recordError(error, attributes: [:], at: end)
            span.setStatus(SpanStatus(code: .error))
        }
        span.end(at: end)
    }

    private func addEvent(_ event: StrataEvent, _ attributes: SpanAttributes) {
        guard let context = ServiceContext.current else { return }
        let tracer = self.tracer ?? InstrumentationSystem.tracer
        guard let span = tracer.activeSpan(identifiedBy: context) else { return }
        span.addEvent(SpanEvent(name: "\(event.name)", attributes: attributes))
    }

    /// The context a new span starts in: the task's, or a fresh one when roots are allowed.
    private func parentContext() -> ServiceContext? {
        if let current = ServiceContext.current { return current }
        return rootSpans ? .topLevel : nil
    }

    /// `error.type` for a failed command: `server_error`, or the client error's code in snake case
    /// (`timed_out`, `connection_closed`).
    static func errorType(_ outcome: CommandOutcome) -> String {
        switch outcome {
        case .clientError(let code): return String(code.description.map { $0 == " " ? "_" : $0 })
        case .success, .serverError: return outcome.description
        }
    }

    /// `error.type` for a tier's or a loader's error: as for a command when it is Strata's own
    /// (`timed_out` for a loader timeout), else the error's type name.
    static func errorType(of error: any Error) -> String {
        if let error = error as? RedisClientError { return errorType(.clientError(error.code)) }
        if error is RedisServerError { return errorType(.serverError) }
        return "\(type(of: error))"
    }
}

/// The error recorded on a failed command's span: the command and how it failed.
public struct CommandFailure: Error, Sendable, Hashable, CustomStringConvertible {
    /// The command's name (`GET`).
    public var name: String
    /// How it failed: a server error reply or a client error (with its code).
    public var outcome: CommandOutcome

    /// A failure of command `name`.
    public init(name: String, outcome: CommandOutcome) {
        self.name = name
        self.outcome = outcome
    }

    /// `GET failed: timed_out`.
    public var description: String { "\(name) failed: \(TracingObserver.errorType(outcome))" }
}

extension DefaultTracerClock.Timestamp {
    /// The instant `duration` before this one (the epoch at the earliest).
    fileprivate func minus(_ duration: Duration) -> Self {
        let nanoseconds = UInt64(clamping: max(duration.nanoseconds, 0))
        return Self(nanosecondsSinceEpoch: nanosecondsSinceEpoch - min(nanoseconds, nanosecondsSinceEpoch))
    }
}

extension Duration {
    /// The duration in whole nanoseconds.
    fileprivate var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
