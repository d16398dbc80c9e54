/// How a ``RedisClusterClient`` finds and talks to a Redis Cluster.
///
/// ```swift
/// var configuration = try RedisClusterConfiguration(urls: ["redis://10.0.0.1:7000", "redis://10.0.0.2:7000"])
/// configuration.readFromReplicas = true
/// let cluster = try RedisClusterClient(configuration: configuration)
/// ```
///
/// The node settings (credentials, protocol, timeouts, pool sizes, reconnect backoff) are the
/// first seed's; every node's connections use them with the node's own address.
public struct RedisClusterConfiguration: Sendable, Hashable {
    /// Where to ask for the topology first; any one reachable node is enough.
    public var seeds: [RedisConfiguration.Endpoint]
    /// The settings of every node's connections (their endpoint is replaced by the node's).
    public var node: RedisConfiguration
    /// Send read-only commands (`GET`, `HGETALL`, `ZRANGE`, ...) to replicas, which answer after
    /// `READONLY`; their data may lag the primary's by the replication delay. Off by default.
    public var readFromReplicas = false
    /// How many `MOVED`/`ASK` redirections one command follows before it fails.
    public var maximumRedirections = 16
    /// The shortest time between two topology reads: a storm of `MOVED` replies causes one read.
    public var minimumRefreshInterval: Duration = .milliseconds(250)
    /// How often the topology is read even when nothing suggests it changed; `nil`: never.
    public var periodicRefreshInterval: Duration? = .seconds(30)
    /// The spacing of retries after `TRYAGAIN`, `CLUSTERDOWN`, or a node that cannot be reached,
    /// all within the command's timeout.
    public var retryBackoff: RedisConfiguration.Backoff = {
        var backoff = RedisConfiguration.Backoff()
        backoff.initial = .milliseconds(10)
        backoff.maximum = .milliseconds(500)
        return backoff
    }()

    /// A configuration from seed URLs (`redis://[user:password@]host:port`); the first URL's
    /// credentials, protocol and name apply to every node.
    ///
    /// - Throws: ``RedisClientError`` with code `invalidConfiguration` for no URL, a URL that
    ///   does not parse, or a Unix socket (a cluster is reached over TCP).
    public init(urls: [String]) throws(RedisClientError) {
        guard let first = urls.first else {
            throw RedisClientError(.invalidConfiguration, "a cluster needs at least one seed URL")
        }
        var node = try RedisConfiguration(url: first)
        var seeds: [RedisConfiguration.Endpoint] = []
        for url in urls {
            let parsed = try RedisConfiguration(url: url)
            guard case .tcp = parsed.endpoint else {
                throw RedisClientError(.invalidConfiguration, "a cluster node is reached over TCP, not a Unix socket")
            }
            seeds.append(parsed.endpoint)
        }
        node.database = 0
        self.init(seeds: seeds, node: node)
    }

    /// A configuration from seed endpoints and the node settings.
    public init(seeds: [RedisConfiguration.Endpoint], node: RedisConfiguration = RedisConfiguration()) {
        self.seeds = seeds
        self.node = node
    }

    /// The settings of the connections to `node`.
    func configuration(for node: RedisClusterTopology.Node) -> RedisConfiguration {
        var configuration = self.node
        configuration.endpoint = node.endpoint
        configuration.database = 0
        return configuration
    }

    func validated() throws(RedisClientError) -> RedisClusterConfiguration {
        guard !seeds.isEmpty else { throw RedisClientError(.invalidConfiguration, "a cluster needs at least one seed") }
        guard maximumRedirections >= 1 else {
            throw RedisClientError(.invalidConfiguration, "maximumRedirections must be at least 1")
        }
        guard node.database == 0 else {
            throw RedisClientError(.invalidConfiguration, "Redis Cluster has only database 0")
        }
        _ = try node.validated()
        return self
    }
}
