// COMMAND GETKEYS and GETKEYSANDFLAGS: a command line's keys, found as Redis 7.0 finds them
// (db.c getKeysFromCommandWithSpecs): by the command's key specs (CommandMetadata) where they
// are complete and their flags fixed, else by the command's own key-finding function.

extension Engine {
    /// One key found in a command line: its position and its access flags.
    private typealias KeyReference = (position: Int, flags: [String])

    /// COMMAND GETKEYS command [arg ...]: the key arguments.
    func commandGetkeysCommand(_ c: Client, _ args: Arguments) { getKeysReply(c, args, withFlags: false) }

    /// COMMAND GETKEYSANDFLAGS command [arg ...]: each key argument with its access flags.
    func commandGetkeysandflagsCommand(_ c: Client, _ args: Arguments) { getKeysReply(c, args, withFlags: true) }

    /// Redis' getKeysSubcommandImpl: the command (a subcommand when its container has any and
    /// an argument follows), then whether it has keys at all, then its arity, then its keys.
    private func getKeysReply(_ c: Client, _ args: Arguments, withFlags: Bool) {
        guard var spec = commands.lookup(args[2]) else { return c.addError("ERR Invalid command specified") }
        if spec.isContainer && args.count > 3 {
            guard let sub = spec.subcommand(args[3]) else { return c.addError("ERR Invalid command specified") }
            spec = sub
        }
        let metadata = CommandMetadata.entries[spec.fullName]
        let specs = metadata?.keySpecs ?? []
        let finder = Self.keyFinder(spec.fullName)
        guard finder != nil || specs.contains(where: { !$0.isNotKey }) else {
            return c.addError("ERR The command has no key arguments")
        }
        let line = Array((2..<args.count).map { args[$0] })
        guard spec.acceptsArgumentCount(line.count) else {
            return c.addError("ERR Invalid number of arguments specified for command")
        }
        var keys: [KeyReference] = []
        if specs.contains(where: { !$0.isNotKey }) && !specs.contains(where: \.hasVariableFlags),
            let found = Self.keysBySpecs(specs, line, arity: spec.arity)
        {
            keys = found
        } else if let finder {
            keys = finder(line)
        }
        if keys.isEmpty {
            if metadata?.flags.contains("no_mandatory_keys") == true { return c.addArrayHeader(0) }
            return c.addError("ERR Invalid arguments specified for command")
        }
        c.addArrayHeader(keys.count)
        for key in keys {
            if withFlags {
                c.addArrayHeader(2)
                c.addBulk(line[key.position])
                c.addSetHeader(key.flags.count)
                for flag in key.flags { c.addSimple(flag) }
            } else {
                c.addBulk(line[key.position])
            }
        }
    }

    /// Redis' getKeysUsingKeySpecs: the keys the specs find in `line` (the command name at 0),
    /// or nil when a spec cannot be followed (a missing or unreadable number of keys, a range
    /// past the end) or is incomplete.
    private static func keysBySpecs(_ specs: [CommandMetadata.KeySpec], _ line: [Bytes], arity: Int) -> [KeyReference]?
    {
        let argc = line.count
        var keys: [KeyReference] = []
        for spec in specs where !spec.isNotKey {
            var first = 0
            switch spec.beginSearch {
            case .index(let position):
                first = position
            case .keyword(let keyword, let startFrom):
                // As Redis: the search stops before the last argument (or, backwards, before
                // the first).
                let start = startFrom > 0 ? startFrom : argc + startFrom
                let end = startFrom > 0 ? argc - 1 : 1
                var i = start
                while i != end {
                    if i >= argc || i < 1 { break }
                    if ASCII.lowercased(line[i]) == ASCII.lowercased(keyword) {
                        first = i + 1
                        break
                    }
                    i = start <= end ? i + 1 : i - 1
                }
                if first == 0 { continue }
            case .unknown:
                return nil
            }
            let last: Int
            let step: Int
            switch spec.findKeys {
            case .range(let lastKey, let keyStep, let limit):
                step = keyStep
                if lastKey >= 0 {
                    last = first + lastKey
                } else if limit == 0 {
                    last = argc + lastKey
                } else {
                    last = first + ((argc - first) / limit + lastKey)
                }
            case .keyNum(let keyNumIndex, let firstKey, let keyStep):
                step = keyStep
                guard keyNumIndex < argc, first + keyNumIndex < argc,
                    let count = Numbers.parseInteger(line[first + keyNumIndex]), count >= 0
                else { return nil }
                first += firstKey
                last = first + count - 1
            case .unknown:
                return nil
            }
            if last >= argc || last < first || first >= argc { return nil }
            var i = first
            while i <= last {
                // Past the end: only a command of variable arity gets here; its own checks
                // report the error.
                if i >= argc { break }
                keys.append((i, spec.flags))
                i += max(1, step)
            }
            if spec.isIncomplete { return nil }
        }
        return keys
    }

    /// The key-finding functions of the commands that have one (Redis' getkeys_proc), used
    /// where the key specs are incomplete, have variable flags, or cannot be followed.
    private static func keyFinder(_ fullName: String) -> (([Bytes]) -> [KeyReference])? {
        switch fullName {
        case "sintercard", "zunion", "zinter", "zdiff", "zintercard", "lmpop", "zmpop":
            return { counted($0, count: 1, first: 2) }
        case "blmpop", "bzmpop": return { counted($0, count: 2, first: 3) }
        case "zunionstore", "zinterstore", "zdiffstore": return { counted($0, store: 1, count: 2, first: 3) }
        case "sort": return sortKeys
        case "sort_ro": return { _ in [(1, ["RO", "access"])] }
        case "georadius", "georadiusbymember": return georadiusKeys
        case "xread", "xreadgroup": return xreadKeys
        case "set": return setKeys
        case "bitfield": return bitfieldKeys
        default: return nil
        }
    }

    /// Redis' genericGetKeys: `count` keys from `first` (atoi of the argument at `count`, as
    /// Redis reads it), then the destination at `store`; no flags.
    private static func counted(_ line: [Bytes], store: Int = 0, count: Int, first: Int) -> [KeyReference] {
        let n = Int(Numbers.atoi(line[count]))
        guard n >= 1, n <= line.count - first else { return [] }
        var keys = (0..<n).map { (first + $0, [String]()) }
        if store > 0 { keys.append((store, [])) }
        return keys
    }

    /// SORT key ... [STORE destination]: the last STORE's destination, skipping the arguments
    /// of LIMIT, GET and BY (Redis' sortGetKeys).
    private static func sortKeys(_ line: [Bytes]) -> [KeyReference] {
        var keys: [KeyReference] = [(1, ["RO", "access"])]
        var store: Int?
        var i = 2
        while i < line.count {
            switch ASCII.lowercased(line[i]) {
            case "limit": i += 2
            case "get", "by": i += 1
            case "store" where i + 1 < line.count: store = i + 1
            default: break
            }
            i += 1
        }
        if let store { keys.append((store, ["OW", "update"])) }
        return keys
    }

    /// GEORADIUS[BYMEMBER] key ... [STORE|STOREDIST destination]: the last one given.
    private static func georadiusKeys(_ line: [Bytes]) -> [KeyReference] {
        var keys: [KeyReference] = [(1, [])]
        var stored: Int?
        var i = 5
        while i < line.count {
            let word = ASCII.lowercased(line[i])
            if (word == "store" || word == "storedist") && i + 1 < line.count {
                stored = i + 1
                i += 1
            }
            i += 1
        }
        if let stored { keys.append((stored, [])) }
        return keys
    }

    /// XREAD / XREADGROUP ... STREAMS key ... id ...: the first half after STREAMS.
    private static func xreadKeys(_ line: [Bytes]) -> [KeyReference] {
        var streams: Int?
        var i = 1
        scan: while i < line.count {
            switch ASCII.lowercased(line[i]) {
            case "block", "count": i += 1
            case "group": i += 2
            case "noack": break
            case "streams":
                streams = i
                break scan
            default: break scan
            }
            i += 1
        }
        guard let streams else { return [] }
        let n = line.count - streams - 1
        guard n > 0, n % 2 == 0 else { return [] }
        return (streams + 1..<streams + 1 + n / 2).map { ($0, []) }
    }

    /// SET key value ...: read and written with GET, else overwritten.
    private static func setKeys(_ line: [Bytes]) -> [KeyReference] {
        let get = line.dropFirst(3).contains { ASCII.lowercased($0) == "get" }
        return [(1, get ? ["RW", "access", "update"] : ["OW", "update"])]
    }

    /// BITFIELD key ...: read only while every operation is a GET (or OVERFLOW).
    private static func bitfieldKeys(_ line: [Bytes]) -> [KeyReference] {
        var readOnly = true
        var i = 2
        while i < line.count {
            let remaining = line.count - i - 1
            let word = ASCII.lowercased(line[i])
            if word == "get" && remaining >= 2 {
                i += 2
            } else if (word == "set" || word == "incrby") && remaining >= 3 {
                readOnly = false
                break
            } else if word == "overflow" && remaining >= 1 {
                i += 1
            } else {
                readOnly = false
                break
            }
            i += 1
        }
        return [(1, readOnly ? ["RO", "access"] : ["RW", "access", "update"])]
    }
}
