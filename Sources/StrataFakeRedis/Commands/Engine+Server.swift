import Glibc

// Server commands: INFO, TIME, COMMAND, DEBUG, LASTSAVE, WAIT (CONFIG: Engine+Config.swift).

extension Engine {
    /// INFO's sections in Redis 7.0's order, and those `INFO` alone (or `default`) shows.
    private static let infoSections = [
        "server", "clients", "memory", "persistence", "stats", "replication", "cpu", "commandstats", "errorstats",
        "latencystats", "cluster", "keyspace",
    ]
    private static let defaultInfoSections: Set<String> = [
        "server", "clients", "memory", "persistence", "stats", "replication", "cpu", "errorstats", "cluster",
        "keyspace",
    ]

    func infoCommand(_ c: Client, _ args: Arguments) {
        var wanted = Set<String>()
        if args.count == 1 {
            wanted = Self.defaultInfoSections
        } else {
            for j in 1..<args.count {
                let name = ASCII.lowercased(args[j])
                switch name {
                case "all", "everything": wanted.formUnion(Self.infoSections)
                case "default": wanted.formUnion(Self.defaultInfoSections)
                default: wanted.insert(name)
                }
            }
        }
        // Sections come in Redis' order, whatever the order asked.
        let sections = Self.infoSections.filter(wanted.contains).map(infoSection)
        c.addVerbatim(sections.joined(separator: "\r\n"))
    }

    private func infoSection(_ name: String) -> String {
        func render(_ title: String, _ fields: [(String, String)]) -> String {
            "# \(title)\r\n" + fields.map { "\($0.0):\($0.1)\r\n" }.joined()
        }
        let nowMs = now()
        switch name {
        case "server":
            let uptime = (Clock.wallMilliseconds() - startedAt) / 1000
            return render(
                "Server",
                [
                    ("redis_version", settings.version), ("redis_git_sha1", "00000000"), ("redis_git_dirty", "0"),
                    ("redis_build_id", "0"), ("redis_mode", "standalone"), ("os", "Linux"), ("arch_bits", "64"),
                    ("multiplexing_api", "poll"), ("process_id", String(getpid())), ("process_supervised", "no"),
                    ("run_id", runID), ("tcp_port", String(settings.tcpPort)),
                    ("server_time_usec", String(nowMs * 1000)), ("uptime_in_seconds", String(uptime)),
                    ("uptime_in_days", String(uptime / 86400)), ("hz", "10"), ("configured_hz", "10"),
                    ("executable", ""), ("config_file", ""), ("io_threads_active", "0"), ("strata_fake", "1"),
                ])
        case "clients":
            return render(
                "Clients",
                [
                    ("connected_clients", String(clientList.count)), ("cluster_connections", "0"),
                    ("maxclients", "10000"),
                    ("blocked_clients", String(blockedClientCount + pausedClients.count { $0.postponed })),
                    ("tracking_clients", String(trackingClientCount)), ("clients_in_timeout_table", "0"),
                ])
        case "memory":
            let used = usedMemory()
            return render(
                "Memory",
                [
                    ("used_memory", String(used)), ("used_memory_human", humanBytes(used)),
                    ("maxmemory", String(config.maxmemory)), ("maxmemory_human", humanBytes(config.maxmemory)),
                    ("maxmemory_policy", config.maxmemoryPolicy),
                ])
        case "persistence":
            return render(
                "Persistence",
                [
                    ("loading", "0"), ("async_loading", "0"), ("rdb_changes_since_last_save", "0"),
                    ("rdb_bgsave_in_progress", "0"), ("rdb_last_save_time", String(startedAt / 1000)),
                    ("aof_enabled", "0"), ("aof_rewrite_in_progress", "0"),
                ])
        case "stats":
            return render(
                "Stats",
                [
                    ("total_connections_received", String(statistics.connectionsReceived)),
                    ("total_commands_processed", String(statistics.commandsProcessed)),
                    ("instantaneous_ops_per_sec", "0"),
                    ("total_net_input_bytes", String(statistics.bytesRead)),
                    ("total_net_output_bytes", String(statistics.bytesWritten)),
                    ("rejected_connections", String(statistics.rejectedConnections)),
                    ("expired_keys", String(statistics.expiredKeys)), ("evicted_keys", String(statistics.evictedKeys)),
                    ("keyspace_hits", String(statistics.keyspaceHits)),
                    ("keyspace_misses", String(statistics.keyspaceMisses)),
                    ("pubsub_channels", String(channelSubscribers.count)),
                    ("pubsub_patterns", String(Set(patternSubscribers.map(\.pattern)).count)),
                    ("tracking_total_keys", String(trackingTable.count)),
                    ("tracking_total_items", String(trackingTable.values.reduce(0) { $0 + $1.count })),
                    ("tracking_total_prefixes", String(broadcastPrefixes.count)),
                    ("total_error_replies", String(statistics.errorReplies)),
                    ("total_reads_processed", String(statistics.readCalls)),
                    ("total_writes_processed", String(statistics.writeCalls)),
                ])
        case "replication":
            return render(
                "Replication",
                [
                    ("role", "master"), ("connected_slaves", "0"), ("master_failover_state", "no-failover"),
                    ("master_replid", runID), ("master_repl_offset", "0"),
                ])
        case "cpu":
            var usage = rusage()
            getrusage(RUSAGE_SELF.rawValue, &usage)
            func seconds(_ t: timeval) -> String {
                let micros = t.tv_sec * 1_000_000 + t.tv_usec
                let fraction = String(micros % 1_000_000)
                return "\(micros / 1_000_000).\(String(repeating: "0", count: 6 - fraction.count))\(fraction)"
            }
            return render(
                "CPU", [("used_cpu_sys", seconds(usage.ru_stime)), ("used_cpu_user", seconds(usage.ru_utime))])
        case "cluster":
            return render("Cluster", [("cluster_enabled", cluster == nil ? "0" : "1")])
        case "commandstats":
            return render("Commandstats", commandStatisticsFields())
        case "errorstats":
            return render(
                "Errorstats",
                errorStatistics.sorted { $0.key < $1.key }.map { ("errorstat_\($0.key)", "count=\($0.value)") })
        case "latencystats":
            return render("Latencystats", latencyStatisticsFields())
        default:
            var fields: [(String, String)] = []
            for db in databases where db.count > 0 {
                fields.append(("db\(db.id)", "keys=\(db.count),expires=\(db.expiresCount),avg_ttl=0"))
            }
            return render("Keyspace", fields)
        }
    }

    /// A rough count of the bytes the keyspace holds.
    private func humanBytes(_ bytes: Int) -> String {
        let units = ["B", "K", "M", "G"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        let hundredths = Int((value * 100).rounded())
        return unit == 0
            ? "\(bytes)B" : "\(hundredths / 100).\(hundredths % 100 < 10 ? "0" : "")\(hundredths % 100)\(units[unit])"
    }

    func timeCommand(_ c: Client, _ args: Arguments) {
        let micros = Clock.wallMicroseconds() + clockOffset * 1000
        c.addArrayHeader(2)
        c.addBulk(String(micros / 1_000_000))
        c.addBulk(String(micros % 1_000_000))
    }

    func lastsaveCommand(_ c: Client, _ args: Arguments) { c.addInteger(startedAt / 1000) }

    /// LOLWUT [VERSION n]: Redis 7.0's text for its own version, whatever the version asked
    /// (Redis draws generative art for 5 and 6; the fake does not).
    func lolwutCommand(_ c: Client, _ args: Arguments) {
        if args.count >= 3 && args.is(1, "version") {
            guard Numbers.parseInteger(args[2]) != nil else { return c.addNotInteger() }
        }
        c.addVerbatim("Redis ver. \(settings.version)\n")
    }

    /// ROLE: a primary without replicas.
    func roleCommand(_ c: Client, _ args: Arguments) {
        c.addArrayHeader(3)
        c.addBulk("master")
        c.addInteger(0)
        c.addArrayHeader(0)
    }

    /// LATENCY LATEST and HISTORY: the fake records no latency events (as Redis with the default
    /// `latency-monitor-threshold` 0), so both are empty and RESET clears none.
    func latencyLatestCommand(_ c: Client, _ args: Arguments) { c.addArrayHeader(0) }
    func latencyHistoryCommand(_ c: Client, _ args: Arguments) { c.addArrayHeader(0) }
    func latencyResetCommand(_ c: Client, _ args: Arguments) { c.addInteger(0) }

    /// LATENCY HELP: Redis 7.0's text, the subcommands the fake does not serve included.
    func latencyHelpCommand(_ c: Client, _ args: Arguments) {
        addHelp(
            c, "LATENCY",
            [
                "DOCTOR",
                "    Return a human readable latency analysis report.",
                "GRAPH <event>",
                "    Return an ASCII latency graph for the <event> class.",
                "HISTORY <event>",
                "    Return time-latency samples for the <event> class.",
                "LATEST",
                "    Return the latest latency samples for all events.",
                "RESET [<event> ...]",
                "    Reset latency data of one or more <event> classes.",
                "    (default: reset all data for all event classes)",
                "HISTOGRAM [COMMAND ...]",
                "    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.",
                "    If no commands are specified then all histograms are replied.",
            ])
    }

    /// MODULE LIST: no modules.
    func moduleListCommand(_ c: Client, _ args: Arguments) { c.addArrayHeader(0) }

    /// MEMORY STATS: Redis 7.0's fields, filled from the approximate measure (Engine+Maxmemory):
    /// startup is the baseline, the dataset the keys' sizes; there is no allocator, so its
    /// ratios are 1 and its byte counts the total.
    func memoryStatsCommand(_ c: Client, _ args: Arguments) {
        let used = usedMemory()
        let dataset = used - Engine.baselineMemory
        let keys = databases.reduce(0) { $0 + $1.count }
        let populated = databases.filter { $0.count > 0 }
        c.addMapHeader(27 + populated.count)
        func integer(_ name: String, _ value: Int) {
            c.addBulk(name)
            c.addInteger(value)
        }
        func double(_ name: String, _ value: Double) {
            c.addBulk(name)
            c.addDouble(value)
        }
        integer("peak.allocated", used)
        integer("total.allocated", used)
        integer("startup.allocated", Engine.baselineMemory)
        for name in ["replication.backlog", "clients.slaves", "clients.normal", "cluster.links", "aof.buffer"] {
            integer(name, 0)
        }
        integer("lua.caches", 0)
        integer("functions.caches", 0)
        for db in populated {
            c.addBulk("db.\(db.id)")
            c.addMapHeader(3)
            integer("overhead.hashtable.main", db.count * 64)
            integer("overhead.hashtable.expires", db.expiresCount * 32)
            integer("overhead.hashtable.slot-to-keys", 0)
        }
        integer("overhead.total", Engine.baselineMemory)
        integer("keys.count", keys)
        integer("keys.bytes-per-key", keys == 0 ? 0 : dataset / keys)
        integer("dataset.bytes", dataset)
        double("dataset.percentage", used == 0 ? 0 : Double(dataset) * 100 / Double(used))
        double("peak.percentage", 100)
        integer("allocator.allocated", used)
        integer("allocator.active", used)
        integer("allocator.resident", used)
        double("allocator-fragmentation.ratio", 1)
        integer("allocator-fragmentation.bytes", 0)
        double("allocator-rss.ratio", 1)
        integer("allocator-rss.bytes", 0)
        double("rss-overhead.ratio", 1)
        integer("rss-overhead.bytes", 0)
        double("fragmentation", 1)
        integer("fragmentation.bytes", 0)
    }

    /// MEMORY MALLOC-STATS: what Redis answers when built without jemalloc.
    func memoryMallocStatsCommand(_ c: Client, _ args: Arguments) {
        c.addSimple("Stats not supported for the current allocator")
    }

    /// MEMORY USAGE key [SAMPLES count]: the key's approximate size (Engine+Maxmemory's measure,
    /// not Redis' allocator figure), or nil. Like Redis, it finds the key without a lookup (no
    /// expiry, no keyspace hit or miss).
    func memoryUsageCommand(_ c: Client, _ args: Arguments) {
        var j = 3
        while j < args.count {
            guard args.is(j, "samples"), j + 1 < args.count else { return c.addSyntaxError() }
            guard let samples = Numbers.parseInteger(args[j + 1]) else { return c.addNotInteger() }
            if samples < 0 { return c.addSyntaxError() }
            j += 2
        }
        let db = database(c)
        guard let slot = db.slot(args[2]) else { return c.addNull() }
        c.addInteger(Database.approximateSize(args[2], db.value(at: slot)))
    }

    /// WAIT: the fake has no replicas, so no write is ever acknowledged by one. Redis would wait
    /// out the timeout first when asked for replicas; the fake answers at once.
    func waitCommand(_ c: Client, _ args: Arguments) {
        guard Numbers.parseInteger(args[1]) != nil else { return c.addNotInteger() }
        guard let timeout = Numbers.parseInteger(args[2]) else {
            return c.addError("ERR timeout is not an integer or out of range")
        }
        guard timeout >= 0 else { return c.addError("ERR timeout is negative") }
        c.addInteger(0)
    }

    // MARK: COMMAND

    /// A COMMAND INFO entry: Redis 7.0.15's (CommandMetadata), or for a command it has none of,
    /// what the table knows (name, arity, flags, key positions; no ACL categories, tips, key
    /// specs or subcommands).
    private func addCommandInfo(_ c: Client, _ spec: CommandSpec) {
        if let entry = CommandMetadata.entries[spec.fullName] { return c.addValue(entry.info) }
        c.addArrayHeader(10)
        c.addBulk(spec.fullName)
        c.addInteger(spec.arity)
        var flags: [String] = []
        if spec.flags.contains(.write) { flags.append("write") }
        if spec.flags.contains(.readonly) { flags.append("readonly") }
        if spec.flags.contains(.denyOOM) { flags.append("denyoom") }
        if spec.flags.contains(.admin) { flags.append("admin") }
        if spec.flags.contains(.noAuth) { flags.append("no_auth") }
        if spec.flags.contains(.blocking) { flags.append("blocking") }
        if spec.flags.contains(.fast) { flags.append("fast") }
        c.addSetHeader(flags.count)
        for f in flags { c.addSimple(f) }
        c.addInteger(spec.firstKey)
        c.addInteger(spec.lastKey)
        c.addInteger(spec.keyStep)
        c.addSetHeader(0)
        c.addSetHeader(0)
        c.addArrayHeader(0)
        c.addSetHeader(0)
    }

    /// The top-level commands in name order (Redis answers in its hash table's order, which
    /// changes from one process to the next).
    private var sortedCommands: [CommandSpec] { commands.all.sorted { $0.name < $1.name } }

    /// A command by full name, as Redis' lookupCommandBySds: `name`, or `container|sub`.
    private func command(fullName bytes: Bytes) -> CommandSpec? {
        let parts = bytes.split(separator: UInt8(ascii: "|"), omittingEmptySubsequences: false)
        guard let base = commands.lookup(Array(parts[0])) else { return nil }
        switch parts.count {
        case 1: return base
        case 2: return base.subcommand(Array(parts[1]))
        default: return nil
        }
    }

    func commandCommand(_ c: Client, _ args: Arguments) {
        let all = sortedCommands
        c.addArrayHeader(all.count)
        for spec in all { addCommandInfo(c, spec) }
    }

    func commandCountCommand(_ c: Client, _ args: Arguments) { c.addInteger(commands.all.count) }

    /// COMMAND INFO [name ...]: an entry per name (`container|sub` for a subcommand), null for
    /// an unknown one; every command without names.
    func commandInfoCommand(_ c: Client, _ args: Arguments) {
        if args.count == 2 { return commandCommand(c, args) }
        c.addArrayHeader(args.count - 2)
        for j in 2..<args.count {
            if let spec = command(fullName: args[j]) { addCommandInfo(c, spec) } else { c.addNull() }
        }
    }

    /// COMMAND DOCS [name ...]: a map of full name to Redis 7.0.15's documentation, for every
    /// command without names; unknown names are left out.
    func commandDocsCommand(_ c: Client, _ args: Arguments) {
        let specs =
            args.count == 2 ? sortedCommands : (2..<args.count).compactMap { command(fullName: args[$0]) }
        c.addMapHeader(specs.count)
        for spec in specs {
            c.addBulk(spec.fullName)
            if let entry = CommandMetadata.entries[spec.fullName] { c.addValue(entry.docs) } else { c.addMapHeader(0) }
        }
    }

    /// COMMAND LIST [FILTERBY MODULE name | ACLCAT category | PATTERN pattern]: the names of
    /// the commands and their subcommands (`container|sub`). No modules are loaded, so a module
    /// filter leaves none.
    func commandListCommand(_ c: Client, _ args: Arguments) {
        var keep: (CommandSpec) -> Bool = { _ in true }
        var j = 2
        while j < args.count {
            guard args.is(j, "filterby"), args.count - 1 - j == 2 else { return c.addSyntaxError() }
            let value = args[j + 2]
            if args.is(j + 1, "module") {
                keep = { _ in false }
            } else if args.is(j + 1, "aclcat") {
                let category = "@" + ASCII.lowercased(value)
                keep = { CommandMetadata.entries[$0.fullName]?.aclCategories.contains(category) ?? false }
            } else if args.is(j + 1, "pattern") {
                keep = { Glob.matches(value, Array($0.fullName.utf8), nocase: true) }
            } else {
                return c.addSyntaxError()
            }
            j += 3
        }
        var names: [Bytes] = []
        for spec in sortedCommands {
            if keep(spec) { names.append(Array(spec.fullName.utf8)) }
            for sub in spec.subcommands.values.sorted(by: { $0.name < $1.name }) where keep(sub) {
                names.append(Array(sub.fullName.utf8))
            }
        }
        c.addBulkArray(names)
    }

    // MARK: DEBUG

    /// The longest DEBUG SLEEP the fake honours: it freezes the whole server, and a client must
    /// not be able to stop it for good.
    static let maxDebugSleepMicroseconds = 60 * 1_000_000

    func debugCommand(_ c: Client, _ args: Arguments) {
        if args.is(1, "sleep") && args.count == 3 {
            // Redis reads the seconds with a bare strtod (garbage is 0) and sleeps for their
            // microseconds cast to long long: nothing at all for 0, a negative value, nan, inf
            // or anything past Int64 (the cast gives Int64.min on x86-64).
            let microseconds = Numbers.truncatedToInt64(Float80(Numbers.parseDoublePrefix(args[2]) * 1_000_000))
            if microseconds > 0 {
                // Redis sleeps in the command and so stops serving everyone: freeze the loop,
                // for at most a minute (a longer stall is the stall fault's job).
                let nanoseconds = UInt64(min(microseconds, Self.maxDebugSleepMicroseconds)) * 1000
                frozenUntil = Clock.monotonicNanoseconds() + nanoseconds
                // Its own pipelined commands continue after the sleep.
                resumeQueue.append(c)
            }
            c.addOK()
        } else if args.is(1, "set-active-expire") && args.count == 3 {
            // Redis takes atoi of the argument.
            activeExpireEnabled = Numbers.atoi(args[2]) != 0
            c.addOK()
        } else {
            c.addError("ERR unknown subcommand or wrong number of arguments for '\(args.string(1))'. Try DEBUG HELP.")
        }
    }
}
