import StrataRedis
import Tracing

/// Spans around Strata's work with swift-distributed-tracing's `withSpan`: a client span per Redis
/// command (or batch) and an internal span per `TieredCache` read, nested the way the work is.
///
/// ```swift
/// configuration.interceptor = TracingInterceptor(server: configuration.endpoint)
/// options.interceptor = TracingInterceptor()  // cache reads, with their commands inside
/// ```
///
/// Unlike ``TracingObserver``, which makes a command's span after the fact, this one runs around
/// the work in the caller's task (``StrataRedis/StrataInterceptor``): the span is the task's
/// current `ServiceContext` while the work runs. So a read's commands are children of its
/// `cache.get` span, the loader's own spans are its children too when the loader runs in the
/// reading task, and the tracer sees real start and end times. Set one or the other for commands
/// (both would make two spans per command); the observer still has the tier events
/// (``TracingObserver`` adds span events for hits and misses on whatever span is current).
///
/// **Commands.** A span named after the command (`GET`, or `PIPELINE` and `MULTI` for a batch,
/// with `db.operation.batch.size`), of kind `client`, with the attributes ``TracingObserver``
/// gives: `db.system` and `db.system.name` (`redis`), `db.operation.name`, `db.namespace`, and
/// `server.address` and `server.port` when the endpoint is given. A failed command's span has
/// an `error` status, the error recorded (both by `withSpan`) and `error.type` (`server_error`,
/// or the client error's code in snake case, such as `timed_out`).
///
/// **Cache reads.** An internal span `cache.get` around each `get` and `fetch`, local hits
/// included; `strata.cache.key` when `recordKeys` is true.
///
/// Outside any span, work starts a trace of its own unless `rootSpans` is false.
public final class TracingInterceptor: StrataInterceptor {
    /// The tracer spans go to; nil: `InstrumentationSystem.tracer`, looked up at each call.
    public let tracer: (any Tracer)?
    /// Whether work outside any span starts a trace of its own.
    public let rootSpans: Bool
    /// Whether cache-read spans carry the key (`strata.cache.key`).
    public let recordKeys: Bool
    /// The attributes every command span carries.
    private let commandAttributes: SpanAttributes

    /// Spans for the commands of a client connected to `server` (database `database`) and for
    /// a `TieredCache`'s reads.
    ///
    /// - Parameters:
    ///   - tracer: Where spans go; nil: the bootstrapped `InstrumentationSystem.tracer`.
    ///   - server: The client's endpoint, for `server.address` and `server.port`; nil leaves them
    ///     out.
    ///   - database: The database index, for `db.namespace`.
    ///   - rootSpans: Whether work that runs outside any span starts a trace of its own.
    ///   - recordKeys: Whether cache-read spans carry the key (keys may hold personal data).
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
        // The same attributes as the observer's spans.
        self.commandAttributes = TracingObserver.commandAttributes(server: server, database: database)
    }

    /// Runs `next` inside a span for `operation`, as the task's current context.
    public nonisolated(nonsending) func intercept<Result>(
        _ operation: StrataOperation,
        _ next: () async throws -> Result
    ) async throws -> Result {
        let context: ServiceContext
        if let current = ServiceContext.current {
            context = current
        } else if rootSpans {
            context = .topLevel
        } else {
            return try await next()
        }
        let tracer: any Tracer = self.tracer ?? InstrumentationSystem.tracer
        return try await traced(tracer, operation, context, next)
    }

    /// ``intercept(_:_:)`` with the tracer's type opened, for its `withSpan`.
    private nonisolated(nonsending) func traced<T: Tracer, Result>(
        _ tracer: T,
        _ operation: StrataOperation,
        _ context: ServiceContext,
        _ next: () async throws -> Result
    ) async throws -> Result {
        let isRead = operation.kind == .cacheRead
        return try await tracer.withSpan(operation.name, context: context, ofKind: isRead ? .internal : .client) {
            span in
            if span.isRecording { span.attributes = attributes(for: operation) }
            do {
                return try await next()
            } catch {
                // withSpan records the error, sets the error status and rethrows; the type is ours.
                if span.isRecording { span.attributes["error.type"] = TracingObserver.errorType(of: error) }
                throw error
            }
        }
    }

    private func attributes(for operation: StrataOperation) -> SpanAttributes {
        if operation.kind == .cacheRead {
            guard recordKeys, let key = operation.key else { return [:] }
            return ["strata.cache.key": .string(key)]
        }
        var attributes = commandAttributes
        attributes["db.operation.name"] = operation.name
        if operation.kind != .command { attributes["db.operation.batch.size"] = operation.commandCount }
        return attributes
    }
}
