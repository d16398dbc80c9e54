// CONFIG GET, SET, RESETSTAT and HELP (the parameters: ConfigStore.swift).

extension Engine {
    func configGetCommand(_ c: Client, _ args: Arguments) {
        var matched: [(String, String)] = []
        var seen = Set<String>()
        for p in ConfigStore.parameters where !seen.contains(p.name) {
            let name = Array(p.name.utf8)
            let hit = (2..<args.count).contains { Glob.matches(Array(ASCII.lowercased(args[$0]).utf8), name) }
            guard hit else { continue }
            seen.insert(p.name)
            matched.append((p.name, configValue(ConfigStore.canonical(p.name) ?? p.name)))
        }
        c.addMapHeader(matched.count)
        for (name, value) in matched {
            c.addBulk(name)
            c.addBulk(value)
        }
    }

    /// A parameter's value as CONFIG GET shows it.
    private func configValue(_ name: String) -> String {
        name == "requirepass" ? defaultPassword ?? "" : config[name]
    }

    /// CONFIG SET name value [name value ...]: every name is checked first (unknown, immutable,
    /// given twice), then every value; nothing changes unless all are valid, as in Redis 7.0.
    func configSetCommand(_ c: Client, _ args: Arguments) {
        guard args.count % 2 == 0 else {
            return c.addError("ERR wrong number of arguments for 'config|set' command")
        }
        func failed(_ j: Int, _ reason: String) {
            c.addError("ERR CONFIG SET failed (possibly related to argument '\(args.string(j))') - \(reason)")
        }
        var names: [String] = []
        for j in stride(from: 2, to: args.count, by: 2) {
            guard let name = ConfigStore.canonical(args.string(j)) else {
                return c.addError("ERR Unknown option or number of arguments for CONFIG SET - '\(args.string(j))'")
            }
            switch ConfigStore.kind(name) {
            case .immutable: return failed(j, "can't set immutable config")
            case .protected: return failed(j, "can't set protected config")
            default: break
            }
            if names.contains(name) { return failed(j, "duplicate parameter") }
            names.append(name)
        }
        var accepted: [(String, String)] = []
        for (i, name) in names.enumerated() {
            let j = 2 + 2 * i
            let text = args.string(j + 1)
            if name == "bind" && text != config[name] {
                // The fake cannot move its listeners: only the current addresses pass.
                return failed(j, "Failed to bind to specified addresses.")
            }
            switch ConfigStore.validate(name, text) {
            case .failure(let error): return failed(j, error.reason)
            case .success(let value):
                if name == "port" && value != config[name] { return failed(j, "Unable to listen on this port") }
                accepted.append((name, value))
            }
        }
        for (name, value) in accepted {
            if name == "requirepass" {
                defaultPassword = value.isEmpty ? nil : value
            } else {
                config.store(name, value)
            }
        }
        updateNewKeyEvents()
        if names.contains("maxmemory") { applyMaxmemory() }
        c.addOK()
    }

    /// CONFIG REWRITE: the fake, like a redis-server started without a file, has none to rewrite.
    func configRewriteCommand(_ c: Client, _ args: Arguments) {
        c.addError("ERR The server is running without a config file")
    }

    func configResetstatCommand(_ c: Client, _ args: Arguments) {
        resetCommandStatistics()
        c.addOK()
    }

    func configHelpCommand(_ c: Client, _ args: Arguments) {
        addHelp(
            c, "CONFIG",
            [
                "GET <pattern>",
                "    Return parameters matching the glob-like <pattern> and their values.",
                "SET <directive> <value>",
                "    Set the configuration <directive> to <value>.",
                "RESETSTAT",
                "    Reset statistics reported by the INFO command.",
                "REWRITE",
                "    Rewrite the configuration file.",
            ])
    }

    /// Redis' addReplyHelp: a header line, the lines, and HELP's own entry, as status replies.
    func addHelp(_ c: Client, _ command: String, _ lines: [String]) {
        let all =
            ["\(command) <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"] + lines + [
                "HELP", "    Prints this help.",
            ]
        c.addArrayHeader(all.count)
        for line in all { c.addSimple(line) }
    }
}
