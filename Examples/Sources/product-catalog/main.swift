// `product-catalog [--host H] [--port N] [--redis-url URL]`: the catalog web app.
// Without a Redis URL (flag or REDIS_URL), it starts an embedded StrataFakeRedis server, so it runs
// with no setup. PORT and HOST are read from the environment too.
import Hummingbird
import ProductCatalog
import StrataFakeRedis
import StrataRedis

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

func environment(_ name: String) -> String? {
    getenv(name).map { String(cString: $0) }
}

func printError(_ message: String) {
    let bytes = Array("product-catalog: \(message)\n".utf8)
    _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
}

func fail(_ message: String) -> Never {
    printError(message)
    exit(2)
}

var host = environment("HOST") ?? "127.0.0.1"
var port = environment("PORT").flatMap(Int.init) ?? 8080
var redisURL = environment("REDIS_URL")

var arguments = CommandLine.arguments.dropFirst()
while let argument = arguments.popFirst() {
    switch argument {
    case "--host":
        guard let value = arguments.popFirst() else { fail("--host needs a value") }
        host = value
    case "--port":
        guard let value = arguments.popFirst().flatMap(Int.init) else { fail("--port needs a number") }
        port = value
    case "--redis-url":
        guard let value = arguments.popFirst() else { fail("--redis-url needs a value") }
        redisURL = value
    case "-h", "--help":
        print(
            """
            usage: product-catalog [--host H] [--port N] [--redis-url URL]
              --host H           the address to listen on (default 127.0.0.1, or HOST)
              --port N           the port (default 8080, or PORT; 0 picks a free one)
              --redis-url URL    the Redis server (or REDIS_URL); without it an embedded fake
                                 Redis (StrataFakeRedis) is started on a free port
            """)
        exit(0)
    default: fail("unknown argument \(argument) (try --help)")
    }
}

// The embedded server lives as long as the process.
var embedded: FakeRedisServer?
if redisURL == nil {
    do {
        let server = try FakeRedisServer.start()
        embedded = server
        redisURL = "redis://127.0.0.1:\(server.port)"
        print("product-catalog: embedded fake Redis on 127.0.0.1:\(server.port)")
    } catch {
        fail("cannot start the embedded Redis: \(error)")
    }
}

let redis: RedisClient
do {
    redis = try RedisClient(url: redisURL!)
} catch {
    fail("bad Redis URL: \(error)")
}
let catalog = ProductCatalog(redis: redis, database: ProductDatabase())
do {
    try await catalog.start()
} catch {
    fail("cannot connect the cache to \(RedisConfiguration.redactedURL(redisURL!)): \(error)")
}
let app = buildApplication(
    catalog: catalog,
    configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: "product-catalog"),
    onServerRunning: { [host, port] boundPort in
        print("product-catalog: listening on http://\(host):\(boundPort ?? port)")
    }
)
do {
    try await app.runService()
} catch {
    printError("\(error)")
}
await catalog.shutdown()
await redis.shutdown()
embedded?.stop()
