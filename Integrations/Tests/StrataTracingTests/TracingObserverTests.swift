import InMemoryTracing
import StrataCache
import StrataFakeRedis
import StrataRedis
import StrataTiers
import StrataTracing
import Testing
import Tracing

/// A fake server for `body`, stopped afterwards even when `body` throws.
func withFakeServer<T>(_ body: (FakeRedisServer) async throws -> T) async throws -> T {
    let server = try FakeRedisServer.start()
    defer { server.stop() }
    return try await body(server)
}

/// A client of `server` whose commands are traced to `tracer`.
func tracedClient(_ server: FakeRedisServer, _ tracer: InMemoryTracer, rootSpans: Bool = true) throws -> RedisClient {
    var configuration = RedisConfiguration(host: server.host, port: server.port)
    configuration.connectTimeout = .seconds(20)
    configuration.observer = TracingObserver(
        tracer: tracer, server: configuration.endpoint, database: configuration.database, rootSpans: rootSpans)
    return try RedisClient(configuration: configuration)
}

/// The text of a string attribute.
func string(_ attribute: SpanAttribute?) -> String? {
    if case .string(let text)? = attribute { return text }
    return nil
}

extension FinishedInMemorySpan {
    var duration: Duration {
        .nanoseconds(Int64(endInstant.nanosecondsSinceEpoch) - Int64(startInstant.nanosecondsSinceEpoch))
    }
}

@Suite("StrataTracing", .timeLimit(.minutes(1)))
struct TracingObserverTests {
    @Test func eachCommandIsAClientSpanUnderTheCallersSpan() async throws {
        try await withFakeServer { server in
            let tracer = InMemoryTracer()
            let client = try tracedClient(server, tracer)
            let parent = try await tracer.withSpan("request") { span in
                try await client.set("greeting", "hello")
                #expect(try await client.getString("greeting") == "hello")
                return span.spanContext
            }
            await client.shutdown()
            let spans = tracer.finishedSpans.filter { $0.operationName != "request" }
            #expect(spans.map(\.operationName) == ["SET", "GET"])
            for span in spans {
                #expect(span.kind == .client)
                #expect(span.traceID == parent.traceID)
                #expect(span.parentSpanID == parent.spanID)
                #expect(span.status == nil)
                #expect(span.errors.isEmpty)
                #expect(span.attributes["db.system"]?.toSpanAttribute() == "redis")
                #expect(span.attributes["db.system.name"]?.toSpanAttribute() == "redis")
                #expect(span.attributes["db.operation.name"]?.toSpanAttribute() == .string(span.operationName))
                #expect(span.attributes["db.namespace"]?.toSpanAttribute() == "0")
                #expect(span.attributes["server.address"]?.toSpanAttribute() == "127.0.0.1")
                #expect(span.attributes["server.port"]?.toSpanAttribute() == .int64(Int64(server.port)))
                // A round trip on loopback: positive, and well under the test's own length.
                #expect(span.duration > .zero && span.duration < .seconds(30))
            }
            // Each command span lies within the request's span.
            let request = try #require(tracer.finishedSpans.first { $0.operationName == "request" })
            for span in spans {
                #expect(span.startInstant.nanosecondsSinceEpoch >= request.startInstant.nanosecondsSinceEpoch)
                #expect(span.endInstant.nanosecondsSinceEpoch <= request.endInstant.nanosecondsSinceEpoch)
            }
        }
    }

    @Test func aServerErrorReplyMarksTheSpanAsFailed() async throws {
        try await withFakeServer { server in
            let tracer = InMemoryTracer()
            let client = try tracedClient(server, tracer)
            try await client.set("name", "ada")
            await #expect(throws: RedisServerError.self) { try await client.send("INCR", "name") }
            await client.shutdown()
            let span = try #require(tracer.finishedSpans.last)
            #expect(span.operationName == "INCR")
            #expect(span.status == SpanStatus(code: .error, message: "server_error"))
            #expect(span.attributes["error.type"]?.toSpanAttribute() == "server_error")
            let recorded = try #require(span.errors.first?.error as? CommandFailure)
            #expect(recorded == CommandFailure(name: "INCR", outcome: .serverError))
            // Outside any span: a trace of its own.
            #expect(span.parentSpanID == nil)
        }
    }

    @Test func aTimedOutCommandRecordsTheClientErrorsCode() async throws {
        try await withFakeServer { server in
            let tracer = InMemoryTracer()
            let client = try tracedClient(server, tracer)
            _ = try await client.send("PING")  // connected before the fault
            server.inject(.latency(.milliseconds(500), commands: ["GET"]))
            await #expect(throws: RedisClientError.self) {
                try await RedisClient.withCommandTimeout(.milliseconds(50)) { try await client.getString("k") }
            }
            server.clearFaults()
            await client.shutdown()
            let span = try #require(tracer.finishedSpans.last)
            #expect(span.operationName == "GET")
            #expect(span.status?.code == .error)
            #expect(span.attributes["error.type"]?.toSpanAttribute() == "timed_out")
            // It lasted as long as the caller waited: some time, and not the server's half second.
            #expect(span.duration > .zero && span.duration < .milliseconds(500))
        }
    }

    @Test func withoutRootSpansOnlyCommandsInsideASpanAreTraced() async throws {
        try await withFakeServer { server in
            let tracer = InMemoryTracer()
            let client = try tracedClient(server, tracer, rootSpans: false)
            _ = try await client.send("PING")
            try await tracer.withSpan("request") { _ in _ = try await client.send("ECHO", "hi") }
            await client.shutdown()
            #expect(tracer.finishedSpans.map(\.operationName) == ["ECHO", "request"])
        }
    }

    @Test func loaderCallsAreSpansAndTierReadsAreEventsOfTheCallersSpan() async throws {
        try await withFakeServer { server in
            let tracer = InMemoryTracer()
            let client = try tracedClient(server, tracer)
            var options = TieredCacheOptions()
            options.observer = TracingObserver(tracer: tracer, recordKeys: true)
            let cache = TieredCache<String>(
                local: .lru(capacity: 100, ttl: .seconds(60)),
                redis: [RedisTierOptions(client: client, namespace: "tr:", ttl: .seconds(60))],
                codec: StringCodec(), options: options
            ) { key in
                if key == "broken" { throw LoaderError() }
                try await Task.sleep(for: .milliseconds(20))
                return "value of \(key)"
            }
            try await cache.start()
            tracer.clearAll()
            let parent = try await tracer.withSpan("request") { span async throws -> InMemorySpanContext in
                #expect(try await cache.get("page") == "value of page")
                await #expect(throws: LoaderError.self) { try await cache.get("broken") }
                // The loaded value is kept locally once its write through Redis lands; until then
                // a read joins the flight instead of hitting the local tier.
                await cache.waitForBackgroundFills()
                #expect(try await cache.get("page") == "value of page")  // a local hit
                return span.spanContext
            }
            await cache.shutdown()
            await client.shutdown()
            let loads = tracer.finishedSpans.filter { $0.operationName == "cache.load" }
            #expect(loads.count == 2)
            for load in loads {
                #expect(load.kind == .internal)
                #expect(load.parentSpanID == parent.spanID)
            }
            let page = try #require(loads.first { $0.attributes["strata.cache.key"]?.toSpanAttribute() == "page" })
            #expect(page.status == nil)
            // The loader slept 20 ms: its span is not empty (bounds only, never exact timings).
            #expect(page.duration > .milliseconds(10))
            let broken = try #require(loads.first { $0.attributes["strata.cache.key"]?.toSpanAttribute() == "broken" })
            #expect(broken.status?.code == .error)
            #expect(broken.errors.first?.error is LoaderError)
            #expect(broken.attributes["error.type"]?.toSpanAttribute() == "LoaderError")
            // The Redis tier's commands are children of the request too.
            let commands = tracer.finishedSpans.filter { $0.kind == .client }
            #expect(!commands.isEmpty)
            #expect(commands.allSatisfy { $0.parentSpanID == parent.spanID })
            // Tier reads: events on the request's span.
            let request = try #require(tracer.finishedSpans.first { $0.operationName == "request" })
            let events = request.events.map { event in
                "\(event.name) \(string(event.attributes["strata.cache.tier"]?.toSpanAttribute()) ?? "")"
            }
            #expect(events.contains("tier_miss local"))
            #expect(events.contains("tier_hit local"))
            #expect(events.contains { $0.hasPrefix("tier_miss ") && $0 != "tier_miss local" })
        }
    }

    @Test func aLoaderTimeoutIsAnEventAndAFailedLoadSpan() async throws {
        try await withFakeServer { server in
            let tracer = InMemoryTracer()
            let client = try tracedClient(server, tracer)
            var options = TieredCacheOptions()
            options.observer = TracingObserver(tracer: tracer)
            options.loaderTimeout = .milliseconds(50)
            let cache = TieredCache<String>(
                local: .lru(capacity: 100, ttl: .seconds(60)),
                redis: [RedisTierOptions(client: client, namespace: "to:", ttl: .seconds(60))],
                codec: StringCodec(), options: options
            ) { _ in
                try await Task.sleep(for: .seconds(60))  // until the hard timeout cancels it
                return "late"
            }
            try await cache.start()
            let parent = try await tracer.withSpan("request") { span async throws -> InMemorySpanContext in
                await #expect(throws: RedisClientError.self) { try await cache.get("slow") }
                return span.spanContext
            }
            await cache.shutdown()
            await client.shutdown()
            let load = try #require(tracer.finishedSpans.first { $0.operationName == "cache.load" })
            #expect(load.parentSpanID == parent.spanID)
            #expect(load.status?.code == .error)
            #expect((load.errors.first?.error as? RedisClientError)?.code == .timeout)
            #expect(load.attributes["error.type"]?.toSpanAttribute() == "timed_out")
            #expect(load.attributes["strata.cache.key"] == nil)  // keys only when asked for
            let request = try #require(tracer.finishedSpans.first { $0.operationName == "request" })
            #expect(request.events.map(\.name).contains("loader_timed_out"))
        }
    }

    /// The README's two lines, compiled.
    @Test func readmeSetup() throws {
        var configuration = try RedisConfiguration(url: "redis://127.0.0.1:6379")
        var options = TieredCacheOptions()
        // README: begin tracing
        configuration.observer = TracingObserver(server: configuration.endpoint)
        options.observer = TracingObserver()  // loader calls as spans, tier reads as span events
        // README: end tracing
        #expect(configuration.observer is TracingObserver)
        #expect(options.observer is TracingObserver)
    }
}

struct LoaderError: Error {}
