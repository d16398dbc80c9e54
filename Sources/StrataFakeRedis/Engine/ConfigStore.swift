// CONFIG: every parameter of Redis 7.0's `CONFIG GET *`, with its default, and CONFIG SET
// validating values the way Redis' config.c does (yes/no, enumerations, integers and memory
// sizes within bounds, the special formats), with Redis' error texts. GET reflects what was set.
// The parameters the fake models take effect: the encoding thresholds (OBJECT ENCODING),
// `maxmemory-policy` (OBJECT FREQ), `requirepass`. The table was taken from redis-server 7.0.15:
// its `CONFIG GET *` and its answers to CONFIG SET with values out of each range.

/// How a configuration parameter's value is checked.
enum ConfigKind: Equatable {
    case bool
    case enumeration([String])
    case integer(min: Int, max: Int)
    case memory(min: Int, max: Int)
    case string
    /// Set at start only: CONFIG SET refuses it.
    case immutable
    /// Refused unless `enable-protected-configs` (which the fake leaves off).
    case protected
    /// A format of its own (save, bind, notify-keyspace-events, client-output-buffer-limit...).
    case special
}

/// The configuration parameters and their values.
struct ConfigStore {
    /// Name, kind and Redis 7.0's default (runtime values such as `port` are filled in at start).
    static let parameters: [(name: String, kind: ConfigKind, value: String)] = [
        ("acl-pubsub-default", .enumeration(["allchannels", "resetchannels"]), "resetchannels"),
        ("aclfile", .immutable, ""),
        ("acllog-max-len", .integer(min: 0, max: Int.max), "128"),
        ("active-defrag-cycle-max", .integer(min: 1, max: 99), "25"),
        ("active-defrag-cycle-min", .integer(min: 1, max: 99), "1"),
        ("active-defrag-ignore-bytes", .memory(min: 1, max: Int.max), "104857600"),
        ("active-defrag-max-scan-fields", .integer(min: 1, max: Int.max), "1000"),
        ("active-defrag-threshold-lower", .integer(min: 0, max: 1000), "10"),
        ("active-defrag-threshold-upper", .integer(min: 0, max: 1000), "100"),
        ("active-expire-effort", .integer(min: 1, max: 10), "1"),
        ("activedefrag", .bool, "no"),
        ("activerehashing", .bool, "yes"),
        ("always-show-logo", .immutable, "no"),
        ("aof-disable-auto-gc", .bool, "no"),
        ("aof-load-truncated", .bool, "yes"),
        ("aof-rewrite-incremental-fsync", .bool, "yes"),
        ("aof-timestamp-enabled", .bool, "no"),
        ("aof-use-rdb-preamble", .bool, "yes"),
        ("aof_rewrite_cpulist", .immutable, ""),
        ("appenddirname", .immutable, "appendonlydir"),
        ("appendfilename", .immutable, "appendonly.aof"),
        ("appendfsync", .enumeration(["everysec", "always", "no"]), "everysec"),
        ("appendonly", .bool, "no"),
        ("auto-aof-rewrite-min-size", .memory(min: 0, max: Int.max), "67108864"),
        ("auto-aof-rewrite-percentage", .integer(min: 0, max: 2_147_483_647), "100"),
        ("bgsave_cpulist", .immutable, ""),
        ("bind", .special, "* -::*"),
        ("bind-source-addr", .string, ""),
        ("bio_cpulist", .immutable, ""),
        ("busy-reply-threshold", .integer(min: 0, max: Int.max), "5000"),
        ("client-output-buffer-limit", .special, "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60"),
        ("client-query-buffer-limit", .memory(min: 1_048_576, max: Int.max), "1073741824"),
        ("cluster-allow-pubsubshard-when-down", .bool, "yes"),
        ("cluster-allow-reads-when-down", .bool, "no"),
        ("cluster-allow-replica-migration", .bool, "yes"),
        ("cluster-announce-bus-port", .integer(min: 0, max: 65535), "0"),
        ("cluster-announce-hostname", .string, ""),
        ("cluster-announce-ip", .string, ""),
        ("cluster-announce-port", .integer(min: 0, max: 65535), "0"),
        ("cluster-announce-tls-port", .integer(min: 0, max: 65535), "0"),
        ("cluster-config-file", .immutable, "nodes.conf"),
        ("cluster-enabled", .immutable, "no"),
        ("cluster-link-sendbuf-limit", .memory(min: 0, max: Int.max), "0"),
        ("cluster-migration-barrier", .integer(min: 0, max: 2_147_483_647), "1"),
        ("cluster-node-timeout", .integer(min: 0, max: Int.max), "15000"),
        ("cluster-port", .immutable, "0"),
        ("cluster-preferred-endpoint-type", .enumeration(["ip", "hostname", "unknown-endpoint"]), "ip"),
        ("cluster-replica-no-failover", .bool, "no"),
        ("cluster-replica-validity-factor", .integer(min: 0, max: 2_147_483_647), "10"),
        ("cluster-require-full-coverage", .bool, "yes"),
        ("cluster-slave-no-failover", .bool, "no"),
        ("cluster-slave-validity-factor", .integer(min: 0, max: 2_147_483_647), "10"),
        ("crash-log-enabled", .bool, "yes"),
        ("crash-memcheck-enabled", .bool, "yes"),
        ("daemonize", .immutable, "no"),
        ("databases", .immutable, "16"),
        ("dbfilename", .protected, "dump.rdb"),
        ("dir", .protected, ""),
        ("disable-thp", .immutable, "yes"),
        ("dynamic-hz", .bool, "yes"),
        ("enable-debug-command", .immutable, "no"),
        ("enable-module-command", .immutable, "no"),
        ("enable-protected-configs", .immutable, "no"),
        ("hash-max-listpack-entries", .integer(min: 0, max: Int.max), "512"),
        ("hash-max-listpack-value", .memory(min: 0, max: Int.max), "64"),
        ("hash-max-ziplist-entries", .integer(min: 0, max: Int.max), "512"),
        ("hash-max-ziplist-value", .memory(min: 0, max: Int.max), "64"),
        ("hll-sparse-max-bytes", .memory(min: 0, max: Int.max), "3000"),
        ("hz", .integer(min: 0, max: 2_147_483_647), "10"),
        ("ignore-warnings", .string, ""),
        ("io-threads", .immutable, "1"),
        ("io-threads-do-reads", .immutable, "no"),
        ("jemalloc-bg-thread", .bool, "yes"),
        ("latency-monitor-threshold", .integer(min: 0, max: Int.max), "0"),
        ("latency-tracking", .bool, "yes"),
        ("latency-tracking-info-percentiles", .special, "50 99 99.9"),
        ("lazyfree-lazy-eviction", .bool, "no"),
        ("lazyfree-lazy-expire", .bool, "no"),
        ("lazyfree-lazy-server-del", .bool, "no"),
        ("lazyfree-lazy-user-del", .bool, "no"),
        ("lazyfree-lazy-user-flush", .bool, "no"),
        ("lfu-decay-time", .integer(min: 0, max: 2_147_483_647), "1"),
        ("lfu-log-factor", .integer(min: 0, max: 2_147_483_647), "10"),
        ("list-compress-depth", .integer(min: 0, max: 2_147_483_647), "0"),
        ("list-max-listpack-size", .integer(min: -2_147_483_648, max: 2_147_483_647), "-2"),
        ("list-max-ziplist-size", .integer(min: -2_147_483_648, max: 2_147_483_647), "-2"),
        ("logfile", .immutable, ""),
        ("loglevel", .enumeration(["debug", "verbose", "notice", "warning"]), "notice"),
        ("lua-time-limit", .integer(min: 0, max: Int.max), "5000"),
        ("masterauth", .string, ""),
        ("masteruser", .string, ""),
        ("maxclients", .integer(min: 1, max: 4_294_967_295), "10000"),
        ("maxmemory", .memory(min: 0, max: Int.max), "0"),
        ("maxmemory-clients", .special, "0"),
        ("maxmemory-eviction-tenacity", .integer(min: 0, max: 100), "10"),
        (
            "maxmemory-policy",
            .enumeration([
                "volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl", "allkeys-lru", "allkeys-lfu",
                "allkeys-random", "noeviction",
            ]), "noeviction"
        ),
        ("maxmemory-samples", .integer(min: 1, max: 2_147_483_647), "5"),
        ("min-replicas-max-lag", .integer(min: 0, max: 2_147_483_647), "10"),
        ("min-replicas-to-write", .integer(min: 0, max: 2_147_483_647), "0"),
        ("min-slaves-max-lag", .integer(min: 0, max: 2_147_483_647), "10"),
        ("min-slaves-to-write", .integer(min: 0, max: 2_147_483_647), "0"),
        ("no-appendfsync-on-rewrite", .bool, "no"),
        ("notify-keyspace-events", .special, ""),
        ("oom-score-adj", .enumeration(["no", "yes", "relative", "absolute"]), "no"),
        ("oom-score-adj-values", .special, "0 200 800"),
        ("pidfile", .immutable, ""),
        ("port", .integer(min: 0, max: 65535), "7399"),
        ("proc-title-template", .string, "{title} {listen-addr} {server-mode}"),
        ("propagation-error-behavior", .enumeration(["ignore", "panic", "panic-on-replicas"]), "ignore"),
        ("protected-mode", .bool, "yes"),
        ("proto-max-bulk-len", .memory(min: 1_048_576, max: Int.max), "536870912"),
        ("rdb-del-sync-files", .bool, "no"),
        ("rdb-save-incremental-fsync", .bool, "yes"),
        ("rdbchecksum", .immutable, "yes"),
        ("rdbcompression", .bool, "yes"),
        ("repl-backlog-size", .memory(min: 1, max: Int.max), "1048576"),
        ("repl-backlog-ttl", .integer(min: 0, max: Int.max), "3600"),
        ("repl-disable-tcp-nodelay", .bool, "no"),
        ("repl-diskless-load", .enumeration(["disabled", "on-empty-db", "swapdb"]), "disabled"),
        ("repl-diskless-sync", .bool, "yes"),
        ("repl-diskless-sync-delay", .integer(min: 0, max: 2_147_483_647), "5"),
        ("repl-diskless-sync-max-replicas", .integer(min: 0, max: 2_147_483_647), "0"),
        ("repl-ping-replica-period", .integer(min: 1, max: 2_147_483_647), "10"),
        ("repl-ping-slave-period", .integer(min: 1, max: 2_147_483_647), "10"),
        ("repl-timeout", .integer(min: 1, max: 2_147_483_647), "60"),
        ("replica-announce-ip", .string, ""),
        ("replica-announce-port", .integer(min: 0, max: 65535), "0"),
        ("replica-announced", .bool, "yes"),
        ("replica-ignore-disk-write-errors", .bool, "no"),
        ("replica-ignore-maxmemory", .bool, "yes"),
        ("replica-lazy-flush", .bool, "no"),
        ("replica-priority", .integer(min: 0, max: 2_147_483_647), "100"),
        ("replica-read-only", .bool, "yes"),
        ("replica-serve-stale-data", .bool, "yes"),
        ("replicaof", .immutable, ""),
        ("requirepass", .string, ""),
        ("sanitize-dump-payload", .enumeration(["no", "yes", "clients"]), "no"),
        ("save", .special, ""),
        ("server_cpulist", .immutable, ""),
        ("set-max-intset-entries", .integer(min: 0, max: Int.max), "512"),
        ("set-proc-title", .immutable, "yes"),
        ("shutdown-on-sigint", .enumeration(["default", "save", "nosave", "now", "force"]), "default"),
        ("shutdown-on-sigterm", .enumeration(["default", "save", "nosave", "now", "force"]), "default"),
        ("shutdown-timeout", .integer(min: 0, max: 2_147_483_647), "10"),
        ("slave-announce-ip", .string, ""),
        ("slave-announce-port", .integer(min: 0, max: 65535), "0"),
        ("slave-ignore-maxmemory", .bool, "yes"),
        ("slave-lazy-flush", .bool, "no"),
        ("slave-priority", .integer(min: 0, max: 2_147_483_647), "100"),
        ("slave-read-only", .bool, "yes"),
        ("slave-serve-stale-data", .bool, "yes"),
        ("slaveof", .immutable, ""),
        ("slowlog-log-slower-than", .integer(min: -1, max: Int.max), "10000"),
        ("slowlog-max-len", .integer(min: 0, max: Int.max), "128"),
        ("socket-mark-id", .immutable, "0"),
        ("stop-writes-on-bgsave-error", .bool, "yes"),
        ("stream-node-max-bytes", .memory(min: 0, max: Int.max), "4096"),
        ("stream-node-max-entries", .integer(min: 0, max: Int.max), "100"),
        ("supervised", .immutable, "no"),
        ("syslog-enabled", .immutable, "no"),
        ("syslog-facility", .immutable, "local0"),
        ("syslog-ident", .immutable, "redis"),
        ("tcp-backlog", .immutable, "511"),
        ("tcp-keepalive", .integer(min: 0, max: 2_147_483_647), "300"),
        ("timeout", .integer(min: 0, max: 2_147_483_647), "0"),
        ("tls-auth-clients", .enumeration(["no", "yes", "optional"]), "yes"),
        ("tls-ca-cert-dir", .string, ""),
        ("tls-ca-cert-file", .string, ""),
        ("tls-cert-file", .string, ""),
        ("tls-ciphers", .string, ""),
        ("tls-ciphersuites", .string, ""),
        ("tls-client-cert-file", .string, ""),
        ("tls-client-key-file", .string, ""),
        ("tls-client-key-file-pass", .string, ""),
        ("tls-cluster", .bool, "no"),
        ("tls-dh-params-file", .string, ""),
        ("tls-key-file", .string, ""),
        ("tls-key-file-pass", .string, ""),
        ("tls-port", .integer(min: 0, max: 65535), "0"),
        ("tls-prefer-server-ciphers", .bool, "no"),
        ("tls-protocols", .string, ""),
        ("tls-replication", .bool, "no"),
        ("tls-session-cache-size", .integer(min: 0, max: 2_147_483_647), "20480"),
        ("tls-session-cache-timeout", .integer(min: 0, max: 2_147_483_647), "300"),
        ("tls-session-caching", .bool, "yes"),
        ("tracking-table-max-keys", .integer(min: 0, max: Int.max), "1000000"),
        ("unixsocket", .immutable, ""),
        ("unixsocketperm", .immutable, "0"),
        ("zset-max-listpack-entries", .integer(min: 0, max: Int.max), "128"),
        ("zset-max-listpack-value", .memory(min: 0, max: Int.max), "64"),
        ("zset-max-ziplist-entries", .integer(min: 0, max: Int.max), "128"),
        ("zset-max-ziplist-value", .memory(min: 0, max: Int.max), "64"),
    ]

    /// Old names that share a value with a new one (Redis 7.0's aliases), alias to name.
    static let aliases: [String: String] = [
        "hash-max-ziplist-entries": "hash-max-listpack-entries", "hash-max-ziplist-value": "hash-max-listpack-value",
        "zset-max-ziplist-entries": "zset-max-listpack-entries", "zset-max-ziplist-value": "zset-max-listpack-value",
        "list-max-ziplist-size": "list-max-listpack-size", "slave-announce-ip": "replica-announce-ip",
        "slave-announce-port": "replica-announce-port", "slave-ignore-maxmemory": "replica-ignore-maxmemory",
        "slave-lazy-flush": "replica-lazy-flush", "slave-priority": "replica-priority",
        "slave-read-only": "replica-read-only", "slave-serve-stale-data": "replica-serve-stale-data",
        "slaveof": "replicaof", "cluster-slave-no-failover": "cluster-replica-no-failover",
        "cluster-slave-validity-factor": "cluster-replica-validity-factor",
        "min-slaves-max-lag": "min-replicas-max-lag", "min-slaves-to-write": "min-replicas-to-write",
        "repl-ping-slave-period": "repl-ping-replica-period",
    ]

    private static let kinds: [String: ConfigKind] = Dictionary(
        uniqueKeysWithValues: parameters.map { ($0.name, $0.kind) })

    /// Values by canonical name.
    private(set) var values: [String: String]

    // The values the engine reads on its paths, kept parsed.
    private(set) var hashMaxListpackEntries = 512
    private(set) var hashMaxListpackValue = 64
    private(set) var setMaxIntsetEntries = 512
    private(set) var zsetMaxListpackEntries = 128
    private(set) var zsetMaxListpackValue = 64
    private(set) var streamNodeMaxBytes = 4096
    private(set) var streamNodeMaxEntries = 100
    private(set) var hllSparseMaxBytes = 3000
    private(set) var maxmemory = 0
    /// `tracking-table-max-keys`: the most keys the tracking table holds (0: no limit).
    private(set) var trackingTableMaxKeys = 1_000_000
    private(set) var maxmemoryPolicy = "noeviction"
    private(set) var lfuLogFactor = 10
    private(set) var lfuDecayTime = 1
    /// The hard limits of `client-output-buffer-limit` for normal and pub/sub clients (0: none).
    private(set) var normalOutputHardLimit = 0
    private(set) var pubsubOutputHardLimit = 33_554_432
    /// `notify-keyspace-events` as flags (``KeyspaceEvents``).
    private(set) var keyspaceEvents: KeyspaceEvents = []
    /// SLOWLOG: the microseconds from which a command is logged (negative: never), and how many
    /// entries are kept.
    private(set) var slowlogLogSlowerThan = 10000
    private(set) var slowlogMaxLen = 128
    /// INFO latencystats: whether durations are recorded, and the percentiles shown.
    private(set) var latencyTracking = true
    private(set) var latencyPercentiles: [Double] = [50, 99, 99.9]

    init(overrides: [String: String]) {
        var values: [String: String] = [:]
        for p in Self.parameters where Self.aliases[p.name] == nil { values[p.name] = p.value }
        for (name, value) in overrides { values[name] = value }
        self.values = values
        refresh()
    }

    /// The canonical name of a parameter (lowercased, aliases resolved), if it exists.
    static func canonical(_ name: String) -> String? {
        let lower = name.lowercased()
        if let target = aliases[lower] { return target }
        return kinds[lower] == nil ? nil : lower
    }

    static func kind(_ canonicalName: String) -> ConfigKind? { kinds[canonicalName] }

    /// The value of a parameter by canonical name.
    subscript(name: String) -> String { values[name] ?? "" }

    /// Whether the policy keeps LFU counters (OBJECT FREQ) instead of access times.
    private(set) var usesLFU = false
    /// Whether Redis may share the integers 0...9999 between keys (not under an LRU or LFU
    /// maxmemory policy).
    var sharesIntegers: Bool { maxmemory == 0 || !(maxmemoryPolicy.hasSuffix("-lru") || usesLFU) }

    /// Stores already validated values.
    mutating func store(_ name: String, _ value: String) {
        if name == "notify-keyspace-events" {
            // What CONFIG GET shows may hide a class (`A` hides `n`): keep the flags themselves.
            keyspaceEvents = KeyspaceEvents(parsing: value) ?? []
            values[name] = keyspaceEvents.description
        } else {
            values[name] = value
        }
        refresh()
    }

    private mutating func refresh() {
        func int(_ name: String, _ fallback: Int) -> Int { Int(values[name] ?? "") ?? fallback }
        hashMaxListpackEntries = int("hash-max-listpack-entries", 512)
        hashMaxListpackValue = int("hash-max-listpack-value", 64)
        setMaxIntsetEntries = int("set-max-intset-entries", 512)
        zsetMaxListpackEntries = int("zset-max-listpack-entries", 128)
        zsetMaxListpackValue = int("zset-max-listpack-value", 64)
        streamNodeMaxBytes = int("stream-node-max-bytes", 4096)
        streamNodeMaxEntries = int("stream-node-max-entries", 100)
        hllSparseMaxBytes = int("hll-sparse-max-bytes", 3000)
        maxmemory = int("maxmemory", 0)
        trackingTableMaxKeys = int("tracking-table-max-keys", 1_000_000)
        maxmemoryPolicy = values["maxmemory-policy"] ?? "noeviction"
        usesLFU = maxmemoryPolicy.hasSuffix("-lfu")
        lfuLogFactor = int("lfu-log-factor", 10)
        lfuDecayTime = int("lfu-decay-time", 1)
        slowlogLogSlowerThan = int("slowlog-log-slower-than", 10000)
        slowlogMaxLen = int("slowlog-max-len", 128)
        latencyTracking = values["latency-tracking"] != "no"
        latencyPercentiles = (values["latency-tracking-info-percentiles"] ?? "").split(separator: " ").compactMap {
            Double($0)
        }
        // "normal H S T slave H S T pubsub H S T", as validate stores it.
        let limits = (values["client-output-buffer-limit"] ?? "").split(separator: " ")
        if limits.count == 12 {
            normalOutputHardLimit = Int(limits[1]) ?? 0
            pubsubOutputHardLimit = Int(limits[9]) ?? 0
        }
    }

    // MARK: Validation

    /// The value to store for `text`, or Redis' reason for refusing it.
    static func validate(_ name: String, _ text: String) -> Result<String, ConfigError> {
        switch kinds[name] ?? .string {
        case .bool:
            switch text.lowercased() {
            case "yes": return .success("yes")
            case "no": return .success("no")
            default: return .failure(ConfigError("argument must be 'yes' or 'no'"))
            }
        case .enumeration(let options):
            if let match = options.first(where: { $0 == text.lowercased() }) { return .success(match) }
            return .failure(
                ConfigError("argument(s) must be one of the following: \(options.joined(separator: ", "))"))
        case .integer(let min, let max):
            guard let n = Numbers.parseInteger(Array(text.utf8)) else {
                return .failure(ConfigError("argument couldn't be parsed into an integer"))
            }
            guard n >= min && n <= max else {
                return .failure(ConfigError("argument must be between \(min) and \(max) inclusive"))
            }
            return .success(String(n))
        case .memory(let min, let max):
            guard let n = memoryValue(text) else { return .failure(ConfigError("argument must be a memory value")) }
            guard n >= min && n <= max else {
                return .failure(ConfigError("argument must be between \(min) and \(max) inclusive"))
            }
            return .success(String(n))
        case .string:
            return .success(text)
        case .immutable:
            return .failure(ConfigError("can't set immutable config"))
        case .protected:
            return .failure(ConfigError("can't set protected config"))
        case .special:
            return validateSpecial(name, text)
        }
    }

    /// Redis' memtoull: digits, then an optional unit (b, k, kb, m, mb, g, gb; any case).
    static func memoryValue(_ text: String) -> Int? {
        let digits = text.prefix { $0.isASCII && $0.isNumber }
        let unit = text.dropFirst(digits.count).lowercased()
        let multiplier: Int
        switch unit {
        case "", "b": multiplier = 1
        case "k": multiplier = 1000
        case "kb": multiplier = 1024
        case "m": multiplier = 1000 * 1000
        case "mb": multiplier = 1024 * 1024
        case "g": multiplier = 1000 * 1000 * 1000
        case "gb": multiplier = 1024 * 1024 * 1024
        default: return nil
        }
        guard let n = Int(digits.isEmpty ? "0" : String(digits)) else { return nil }
        let (product, overflow) = n.multipliedReportingOverflow(by: multiplier)
        return overflow ? nil : product
    }

    private static func validateSpecial(_ name: String, _ text: String) -> Result<String, ConfigError> {
        let words = text.split(separator: " ").map(String.init)
        switch name {
        case "notify-keyspace-events":
            guard let flags = KeyspaceEvents(parsing: text) else {
                return .failure(ConfigError("Invalid event class character. Use 'Ag$lshzxeKEtmdn'."))
            }
            // Stored as given: ``store(_:_:)`` keeps the flags and shows them as Redis does.
            return .success(flags == [] ? "" : text)
        case "save":
            guard words.count % 2 == 0, words.allSatisfy({ Int($0).map { $0 >= 0 } ?? false }) else {
                return .failure(ConfigError("Invalid save parameters"))
            }
            return .success(words.joined(separator: " "))
        case "client-output-buffer-limit":
            guard !words.isEmpty, words.count % 4 == 0 else {
                return .failure(ConfigError("Wrong number of arguments in buffer limit configuration."))
            }
            var limits = ["normal": "0 0 0", "slave": "268435456 67108864 60", "pubsub": "33554432 8388608 60"]
            for i in stride(from: 0, to: words.count, by: 4) {
                var klass = words[i].lowercased()
                if klass == "replica" { klass = "slave" }
                guard limits[klass] != nil else {
                    return .failure(ConfigError("Invalid client class specified in buffer limit configuration."))
                }
                guard let hard = memoryValue(words[i + 1]), let soft = memoryValue(words[i + 2]),
                    let seconds = Int(words[i + 3]), seconds >= 0
                else {
                    return .failure(
                        ConfigError("Error in hard, soft or soft_seconds setting in buffer limit configuration."))
                }
                limits[klass] = "\(hard) \(soft) \(seconds)"
            }
            return .success(["normal", "slave", "pubsub"].map { "\($0) \(limits[$0]!)" }.joined(separator: " "))
        case "maxmemory-clients":
            // Redis' numericParseString takes any "N%" with N >= 0; the bounds check comes after.
            if text.count > 1, text.hasSuffix("%"), let p = Int(text.dropLast()), p >= 0 {
                guard p <= 100 else {
                    return .failure(ConfigError("percentage argument must be less or equal to 100"))
                }
                return .success(text)
            }
            guard let n = memoryValue(text) else {
                return .failure(ConfigError("argument must be a memory or percent value"))
            }
            return .success(String(n))
        case "oom-score-adj-values":
            guard words.count == 3 else { return .failure(ConfigError("wrong number of arguments")) }
            guard words.allSatisfy({ Int($0).map { $0 >= -2000 && $0 <= 2000 } ?? false }) else {
                return .failure(ConfigError("Invalid oom-score-adj-values parameters"))
            }
            return .success(words.joined(separator: " "))
        case "latency-tracking-info-percentiles":
            guard words.allSatisfy({ Double($0).map { $0 >= 0 && $0 <= 100 } ?? false }) else {
                return .failure(ConfigError("Invalid latency-tracking-info-percentiles parameters"))
            }
            return .success(words.joined(separator: " "))
        default:
            return .success(text)
        }
    }
}

/// Why CONFIG SET refused a value (Redis' text, after "CONFIG SET failed ... - ").
struct ConfigError: Error {
    let reason: String
    init(_ reason: String) { self.reason = reason }
}

/// The classes of `notify-keyspace-events`.
struct KeyspaceEvents: OptionSet, CustomStringConvertible {
    let rawValue: Int
    static let keyspace = KeyspaceEvents(rawValue: 1 << 0)  // K
    static let keyevent = KeyspaceEvents(rawValue: 1 << 1)  // E
    static let generic = KeyspaceEvents(rawValue: 1 << 2)  // g
    static let string = KeyspaceEvents(rawValue: 1 << 3)  // $
    static let list = KeyspaceEvents(rawValue: 1 << 4)  // l
    static let set = KeyspaceEvents(rawValue: 1 << 5)  // s
    static let hash = KeyspaceEvents(rawValue: 1 << 6)  // h
    static let zset = KeyspaceEvents(rawValue: 1 << 7)  // z
    static let expired = KeyspaceEvents(rawValue: 1 << 8)  // x
    static let evicted = KeyspaceEvents(rawValue: 1 << 9)  // e
    static let stream = KeyspaceEvents(rawValue: 1 << 10)  // t
    static let keyMiss = KeyspaceEvents(rawValue: 1 << 11)  // m
    static let module = KeyspaceEvents(rawValue: 1 << 12)  // d
    static let new = KeyspaceEvents(rawValue: 1 << 13)  // n
    /// `A`: every class but key-miss and new.
    static let all: KeyspaceEvents = [
        .generic, .string, .list, .set, .hash, .zset, .expired, .evicted, .stream, .module,
    ]

    private static let letters: [(Character, KeyspaceEvents)] = [
        ("g", .generic), ("$", .string), ("l", .list), ("s", .set), ("h", .hash), ("z", .zset), ("x", .expired),
        ("e", .evicted), ("t", .stream), ("d", .module), ("n", .new),
    ]

    init(rawValue: Int) { self.rawValue = rawValue }

    /// Parses the letters (Redis' keyspaceEventsStringToFlags); nil for an unknown one.
    init?(parsing text: String) {
        var flags: KeyspaceEvents = []
        for ch in text {
            switch ch {
            case "A": flags.formUnion(.all)
            case "K": flags.insert(.keyspace)
            case "E": flags.insert(.keyevent)
            case "m": flags.insert(.keyMiss)
            default:
                guard let match = Self.letters.first(where: { $0.0 == ch }) else { return nil }
                flags.insert(match.1)
            }
        }
        self = flags
    }

    /// The letters as Redis 7.0 prints them (keyspaceEventsFlagsToString: `A` hides `n`).
    var description: String {
        var out = ""
        if isSuperset(of: .all) {
            out = "A"
        } else {
            for (ch, flag) in Self.letters where contains(flag) { out.append(ch) }
        }
        if contains(.keyspace) { out.append("K") }
        if contains(.keyevent) { out.append("E") }
        if contains(.keyMiss) { out.append("m") }
        return out
    }
}
