import StrataFakeRedis
import StrataRedis

/// The Redis server the demo uses: a given URL, or the embedded fake server on a free port.
struct EmbeddedRedis {
    let url: String
    let description: String
    let stop: @Sendable () -> Void

    static func start(url: String?, role: String) async throws -> EmbeddedRedis {
        if let url { return EmbeddedRedis(url: url, description: RedisConfiguration.redactedURL(url), stop: {}) }
        let server = try FakeRedisServer.start(FakeRedisServer.Configuration())
        let option = role == "global" ? "--global-url" : "--url"
        return EmbeddedRedis(
            url: "redis://\(server.host):\(server.port)",
            description: "embedded StrataFakeRedis on \(server.host):\(server.port) (\(option) to use another server)",
            stop: { server.stop() })
    }
}
