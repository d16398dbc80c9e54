// SLOWLOG (GET, LEN, RESET, HELP) and what call() records after each command, as Redis 7.0's
// call() and slowlog.c do: the command's statistics (INFO commandstats, latencystats), its
// error replies (errorstats), a slowlog entry when it took at least `slowlog-log-slower-than`
// microseconds, and a line for every MONITOR client.

/// One SLOWLOG entry: the command's arguments (redacted and truncated as Redis stores them),
/// when it ran and for how long, and who sent it.
struct SlowlogEntry {
    var id: Int
    /// Unix seconds.
    var time: Int
    var microseconds: Int
    var arguments: [Bytes]
    var clientAddress: String
    var clientName: Bytes
}

extension Engine {
    /// Redis' SLOWLOG_ENTRY_MAX_ARGC and SLOWLOG_ENTRY_MAX_STRING.
    static let slowlogMaxArguments = 32
    static let slowlogMaxArgumentBytes = 128

    // MARK: After a command

    /// Records a command that ran to completion (or was served after blocking): its counts and
    /// duration, its errors, the slowlog and MONITOR.
    func recordCall(_ c: Client, _ spec: CommandSpec, _ args: Arguments, nanoseconds: UInt64, served: Bool = true) {
        let microseconds = Int(nanoseconds / 1000)
        spec.calls += 1
        spec.microseconds += microseconds
        // A blocked command that timed out or was unblocked is counted without a duration.
        if config.latencyTracking && served {
            if spec.latency == nil { spec.latency = LatencyHistogram() }
            spec.latency!.record(nanoseconds)
        }
        if !c.errorCodes.isEmpty {
            spec.failedCalls += 1
            countErrors(c)
        }
        guard served, spec.name != "exec" else { return }
        let threshold = config.slowlogLogSlowerThan
        if threshold >= 0 {
            if microseconds >= threshold { pushSlowlogEntry(c, spec, args, microseconds: microseconds) }
            if slowlog.count > config.slowlogMaxLen { slowlog.removeFirst(slowlog.count - config.slowlogMaxLen) }
        }
    }

    /// Counts the error replies a client was sent (INFO errorstats, total_error_replies).
    func countErrors(_ c: Client) {
        for code in c.errorCodes {
            errorStatistics[code, default: 0] += 1
            statistics.errorReplies += 1
        }
        c.errorCodes.removeAll(keepingCapacity: true)
    }

    private func pushSlowlogEntry(_ c: Client, _ spec: CommandSpec, _ args: Arguments, microseconds: Int) {
        let logged = redactedArguments(spec, args)
        var kept: [Bytes] = []
        let count = min(logged.count, Self.slowlogMaxArguments)
        kept.reserveCapacity(count)
        for j in 0..<count {
            if count != logged.count && j == count - 1 {
                kept.append(Array("... (\(logged.count - count + 1) more arguments)".utf8))
            } else if logged[j].count > Self.slowlogMaxArgumentBytes {
                let rest = logged[j].count - Self.slowlogMaxArgumentBytes
                kept.append(logged[j].prefix(Self.slowlogMaxArgumentBytes) + Array("... (\(rest) more bytes)".utf8))
            } else {
                kept.append(logged[j])
            }
        }
        slowlog.append(
            SlowlogEntry(
                id: nextSlowlogID, time: now() / 1000, microseconds: microseconds, arguments: kept,
                clientAddress: c.address, clientName: c.name ?? []))
        nextSlowlogID += 1
    }

    /// The arguments as Redis keeps them after running the command: passwords and ACL rules
    /// replaced by `(redacted)` (AUTH, HELLO's AUTH, sensitive CONFIG SET values, ACL SETUSER).
    func redactedArguments(_ spec: CommandSpec, _ args: Arguments) -> [Bytes] {
        var words = (0..<args.count).map { args[$0] }
        let redacted = Array("(redacted)".utf8)
        switch spec.fullName {
        case "auth":
            for j in 1..<words.count { words[j] = redacted }
        case "hello":
            var j = 2
            while j < words.count {
                let more = words.count - j - 1
                if ASCII.equalsLowercase(words[j], "auth") && more >= 2 {
                    words[j + 1] = redacted
                    words[j + 2] = redacted
                    j += 3
                } else if ASCII.equalsLowercase(words[j], "setname") && more >= 1 {
                    j += 2
                } else {
                    break
                }
            }
        case "config|set":
            var j = 2
            while j + 1 < words.count {
                let name = ConfigStore.canonical(String(decoding: words[j], as: UTF8.self))
                if let name, ConfigStore.sensitive.contains(name) { words[j + 1] = redacted }
                j += 2
            }
        case "acl|setuser":
            for j in 2..<words.count { words[j] = redacted }
        default:
            break
        }
        return words
    }

    // MARK: SLOWLOG

    func slowlogGetCommand(_ c: Client, _ args: Arguments) {
        guard args.count <= 3 else {
            return c.addError(
                "ERR unknown subcommand or wrong number of arguments for '\(args.string(1))'. Try SLOWLOG HELP.")
        }
        var count = 10
        if args.count == 3 {
            guard let n = Numbers.parseInteger(args[2]), n >= -1 else {
                return c.addError("ERR count should be greater than or equal to -1")
            }
            count = n == -1 ? slowlog.count : n
        }
        let entries = slowlog.reversed().prefix(count)
        c.addArrayHeader(entries.count)
        for entry in entries {
            c.addArrayHeader(6)
            c.addInteger(entry.id)
            c.addInteger(entry.time)
            c.addInteger(entry.microseconds)
            c.addBulkArray(entry.arguments)
            c.addBulk(Array(entry.clientAddress.utf8))
            c.addBulk(entry.clientName)
        }
    }

    func slowlogLenCommand(_ c: Client, _ args: Arguments) { c.addInteger(slowlog.count) }

    func slowlogResetCommand(_ c: Client, _ args: Arguments) {
        slowlog.removeAll()
        c.addOK()
    }

    func slowlogHelpCommand(_ c: Client, _ args: Arguments) {
        addHelp(
            c, "SLOWLOG",
            [
                "GET [<count>]",
                "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
                "    Entries are made of:",
                "    id, timestamp, time in microseconds, arguments array, client IP and port,",
                "    client name",
                "LEN",
                "    Return the length of the slowlog.",
                "RESET",
                "    Reset the slowlog.",
            ])
    }
}

extension ConfigStore {
    /// Parameters whose CONFIG SET values Redis redacts in the slowlog and MONITOR.
    static let sensitive: Set<String> = [
        "requirepass", "masterauth", "masteruser", "tls-key-file-pass", "tls-client-key-file-pass",
    ]
}
