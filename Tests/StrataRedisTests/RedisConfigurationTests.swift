import StrataRedis
import Testing

@Suite("Configuration and URLs")
struct RedisConfigurationTests {
    @Test func fullTCPURL() throws {
        let configuration = try RedisConfiguration(
            url: "redis://app:s3cr%40t@cache.internal:6380/2?name=worker&protocol=2")
        #expect(configuration.endpoint == .tcp(host: "cache.internal", port: 6380))
        #expect(configuration.username == "app")
        #expect(configuration.password == "s3cr@t")
        #expect(configuration.database == 2)
        #expect(configuration.clientName == "worker")
        #expect(configuration.protocolVersion == .resp2)
    }

    @Test(arguments: [
        ("redis://localhost", RedisConfiguration.Endpoint.tcp(host: "localhost", port: 6379)),
        ("redis://127.0.0.1:7000", .tcp(host: "127.0.0.1", port: 7000)),
        ("redis://[::1]:6390", .tcp(host: "::1", port: 6390)),
        ("redis://[fe80::1%25eth0]", .tcp(host: "fe80::1%25eth0", port: 6379)),
        ("redis://", .tcp(host: "127.0.0.1", port: 6379)),
        ("unix:///var/run/redis.sock", .unixSocket(path: "/var/run/redis.sock")),
        ("unix:///tmp/r.sock?db=3", .unixSocket(path: "/tmp/r.sock")),
    ])
    func endpoints(_ url: String, _ endpoint: RedisConfiguration.Endpoint) throws {
        #expect(try RedisConfiguration(url: url).endpoint == endpoint)
    }

    @Test func passwordOnlyAndUnixDatabase() throws {
        let passwordOnly = try RedisConfiguration(url: "redis://:hunter2@host")
        #expect(passwordOnly.username == nil)
        #expect(passwordOnly.password == "hunter2")
        #expect(try RedisConfiguration(url: "unix:///tmp/r.sock?db=3").database == 3)
    }

    @Test(arguments: [
        ("localhost:6379", "no scheme"),
        ("http://localhost", "unknown scheme \"http\""),
        ("redis://host:99999", "the port is not a number between 1 and 65535"),
        ("redis://host:abc", "the port is not a number"),
        ("redis://host:+1", "the port is not a number"),
        ("redis://::1:6379", "an IPv6 host must be in brackets"),
        ("redis://[::1", "no closing ']'"),
        ("redis://host/x", "the path after the host must be a database number"),
        ("redis://host/+1", "the path after the host must be a database number"),
        ("redis://host?db=x", "the db parameter is not a number"),
        ("redis://host?color=blue", "unknown query parameter (number 1 after the '?')"),
        ("redis://host?db=1&color=blue", "unknown query parameter (number 2 after the '?')"),
        ("redis://host#top", "a Redis URL has no fragment"),
        ("redis://host?protocol=4", "protocol must be 2 or 3"),
        ("unix://relative.sock", "absolute path"),
        ("redis://us%zzer@host", "bad percent-escape"),
    ])
    func malformedURLsNameTheProblem(_ url: String, _ problem: String) {
        let error = #expect(throws: RedisClientError.self) { try RedisConfiguration(url: url) }
        #expect(error?.code == .invalidConfiguration)
        #expect(error?.message.contains(problem) == true, "\(error?.message ?? "") should mention \(problem)")
    }

    /// The examples of the reading rule in the documentation of `RedisConfiguration.init(url:)`.
    @Test(
        arguments: [
            ("redis://:pa/ss@host", nil, "pa/ss", RedisConfiguration.Endpoint.tcp(host: "host", port: 6379), nil),
            ("redis://u:pa#ss@host", "u", "pa#ss", .tcp(host: "host", port: 6379), nil),
            ("redis://u:p@ss?@host:6380/2", "u", "p@ss?", .tcp(host: "host", port: 6380), nil),
            ("redis://host?name=a@b", nil, nil, .tcp(host: "host", port: 6379), "a@b"),
            ("redis://u:pa?ss@host?name=a@b", "u", "pa?ss", .tcp(host: "host", port: 6379), "a@b"),
            ("redis://host:6380/1?name=a@b", nil, nil, .tcp(host: "host", port: 6380), "a@b"),
            // The documented ambiguity: the shorter reading wins.
            ("redis://:12?name=x@host", nil, nil, .tcp(host: "127.0.0.1", port: 12), "x@host"),
            ("redis://u:a@b?name=c@host", "u", "a", .tcp(host: "b", port: 6379), "c@host"),
            ("redis://u:a%40b%3Fname=c@host", "u", "a@b?name=c", .tcp(host: "host", port: 6379), nil),
            ("unix://:pw@/run/a@/s.sock", nil, "pw", .unixSocket(path: "/run/a@/s.sock"), nil),
            ("unix:///run/a@b/s.sock", nil, nil, .unixSocket(path: "/run/a@b/s.sock"), nil),
        ] as [(String, String?, String?, RedisConfiguration.Endpoint, String?)])
    func readingRule(
        _ url: String, _ user: String?, _ password: String?, _ endpoint: RedisConfiguration.Endpoint, _ name: String?
    ) throws {
        let configuration = try RedisConfiguration(url: url)
        #expect(configuration.username == user)
        #expect(configuration.password == password)
        #expect(configuration.endpoint == endpoint)
        #expect(configuration.clientName == name)
    }

    @Test(arguments: [
        ("redis://app:s3cr%40t@cache.internal/2?name=worker", "redis://app:***@cache.internal:6379/2?name=worker"),
        ("redis://:hunter2@[::1]:7000?protocol=2", "redis://:***@[::1]:7000?protocol=2"),
        ("redis://host?username=bob", "redis://host:6379?username=bob"),
        ("redis://host?name=a%20b@c&protocol=3", "redis://host:6379?protocol=3&name=a%20b%40c"),
        ("unix://u:p@/tmp/my%20r.sock?db=3", "unix://u:***@/tmp/my%20r.sock?db=3"),
        ("redis://user:pass@host:bad", "<invalid Redis URL>"),
    ])
    func redactedURLs(_ url: String, _ redacted: String) {
        #expect(RedisConfiguration.redactedURL(url) == redacted)
    }

    @Test func tlsIsAClearError() {
        let error = #expect(throws: RedisClientError.self) { try RedisConfiguration(url: "rediss://host:6380") }
        #expect(error?.code == .unsupported)
        #expect(error?.message.contains("TLS") == true)
    }

    @Test func descriptionNeverShowsThePassword() throws {
        let configuration = try RedisConfiguration(url: "redis://app:topsecret@host:6379/1")
        #expect(!configuration.description.contains("topsecret"))
        #expect(!"\(configuration)".contains("topsecret"))
        #expect(configuration.description.contains("password ***"))
        #expect(!String(reflecting: configuration).contains("topsecret"))
        var dumped = ""
        dump(configuration, to: &dumped)
        #expect(!dumped.contains("topsecret"))
    }

    @Test func impossibleSettingsAreRejected() {
        var configuration = RedisConfiguration()
        configuration.pool.maximumConnections = 0
        #expect(throws: RedisClientError.self) { try RedisClient(configuration: configuration) }
        configuration = RedisConfiguration()
        configuration.commandTimeout = .zero
        #expect(throws: RedisClientError.self) { try RedisClient(configuration: configuration) }
    }

    @Test func backoffGrowsAndIsBounded() {
        var backoff = RedisConfiguration.Backoff()
        backoff.jitter = 0
        #expect(backoff._delay(afterFailures: 1) == .milliseconds(25))
        #expect(backoff._delay(afterFailures: 2) == .milliseconds(50))
        #expect(backoff._delay(afterFailures: 30) == .seconds(2))
        backoff.jitter = 0.5
        for failures in 1...10 {
            let delay = backoff._delay(afterFailures: failures)
            #expect(delay >= .zero && delay <= .seconds(2))
        }
    }
}
