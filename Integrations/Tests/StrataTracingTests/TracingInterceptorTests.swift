import InMemoryTracing
import StrataCache
import StrataFakeRedis
import StrataRedis
import StrataTiers
import StrataTracing
import Testing
import Tracing

/// A client of `server` whose commands run inside `interceptor`.
func interceptedClient(_ server: FakeRedisServer, _ interceptor: TracingInterceptor) throws -> RedisClient {
    var configuration = RedisConfiguration(host: server.host, port: server.port)
    configuration.connectTimeout = .seconds(20)
    configuration.interceptor = interceptor
    return try RedisClient(configuration: configuration)
}

extension InMemoryTracer {
    /// The finished span named `name` (the first, when several are).
    func finished(_ name: String) throws -> FinishedInMemorySpan {
        try #require(finishedSpans.first { $0.operationName == name }, "no span \(name) in \(finishedSpans)")
    }
}

@Suite("StrataTracing interceptor", .timeLimit(.minutes(1)))
struct TracingInterceptorTests {
    @Test func commandsAreClientSpansInsideTheCallersSpan() async throws {
        try await withFakeServer { server in
            let tracer = InMemoryTracer()
            let client = try interceptedClient(server, TracingInterceptor(tracer: tracer, server: nil))
            try await tracer.withSpan("request") { _ in
                try await client.set("greeting", "hello")
                var pipeline = RedisPipeline()
                pipeline.add(GET("greeting"))
                pipeline.add(GET("greeting"))
                _ = try await client.execute(pipeline)
                await #expect(throws: RedisServerError.self) { try await client.incr("greeting") }
            }
            await client.shutdown()
            let request = try tracer.finished("request")
            let spans = tracer.finishedSpans.filter { $0.operationName != "request" }
            #expect(spans.map(\.operationName) == ["SET", "PIPELINE", "INCR"])
            for span in spans {
                #expect(span.kind == .client)
                #expect(span.traceID == request.traceID)
                #expect(span.parentSpanID == request.spanID)
                #expect(span.attributes["db.system.name"]?.toSpanAttribute() == "redis")
                #expect(span.attributes["db.operation.name"]?.toSpanAttribute() == .string(span.operationName))
            }
            let pipeline = try tracer.finished("PIPELINE")
            #expect(pipeline.attributes["db.operation.batch.size"]?.toSpanAttribute() == 2)
            let failed = try tracer.finished("INCR")
            #expect(failed.status?.code == .error)
            #expect(failed.attributes["error.type"]?.toSpanAttribute() == "server_error")
            #expect(failed.errors.count == 1 && failed.errors.first?.error is RedisServerError)
        }
    }

    @Test func aCacheReadSpanContainsItsCommandsAndTheLoadersSpans() async throws {
        try await withFakeServer { server in
            let tracer = InMemoryTracer()
            let interceptor = TracingInterceptor(tracer: tracer, recordKeys: true)
            let client = try interceptedClient(server, interceptor)
            var options = TieredCacheOptions()
            options.interceptor = interceptor
            let cache = TieredCache<String>(
                local: .lru(capacity: 100, ttl: .seconds(60)),
                redis: [RedisTierOptions(client: client, namespace: "ti:", ttl: .seconds(60))],
                codec: StringCodec(), options: options
            ) { key in
                // The loader's own span: a child of the read's, through the task's context.
                try await tracer.withSpan("db.query") { _ in
                    try await Task.sleep(for: .milliseconds(1))
                    return "value of \(key)"
                }
            }
            try await cache.start()
            tracer.clearAll()
            let value = try await tracer.withSpan("request") { _ in try await cache.get("k") }
            #expect(value == "value of k")
            await cache.shutdown()
            await client.shutdown()

            let request = try tracer.finished("request")
            let read = try tracer.finished("cache.get")
            #expect(read.kind == .internal)
            #expect(read.parentSpanID == request.spanID)
            #expect(read.attributes["strata.cache.key"]?.toSpanAttribute() == "k")
            // The Redis tier's read and the loader ran inside the cache read.
            let get = try tracer.finished("GET")
            #expect(get.parentSpanID == read.spanID)
            #expect(get.kind == .client)
            let query = try tracer.finished("db.query")
            #expect(query.parentSpanID == read.spanID)
            for span in tracer.finishedSpans {
                #expect(span.traceID == request.traceID, "\(span.operationName) is in another trace")
            }
        }
    }

    @Test func withoutRootSpansOnlyWorkInsideASpanIsTraced() async throws {
        try await withFakeServer { server in
            let tracer = InMemoryTracer()
            let client = try interceptedClient(server, TracingInterceptor(tracer: tracer, rootSpans: false))
            _ = try await client.send("PING")
            try await tracer.withSpan("request") { _ in _ = try await client.send("ECHO", "hi") }
            await client.shutdown()
            #expect(tracer.finishedSpans.map(\.operationName) == ["ECHO", "request"])
        }
    }

    /// The README's two lines, compiled.
    @Test func readmeSetup() throws {
        var configuration = try RedisConfiguration(url: "redis://127.0.0.1:6379")
        var options = TieredCacheOptions()
        // README: begin tracing interceptor
        configuration.interceptor = TracingInterceptor(server: configuration.endpoint)  // a span around each command
        options.interceptor = TracingInterceptor()  // a span around each cache read, its commands inside
        // README: end tracing interceptor
        #expect(configuration.interceptor is TracingInterceptor)
        #expect(options.interceptor is TracingInterceptor)
    }
}
