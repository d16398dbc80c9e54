// ACL users, the parts a client and its tests need: passwords (several, or none), on/off,
// key patterns (`~app:*`, `allkeys`) and command rules (`+@all`, `-@all`, `+get`, `-set`),
// enforced with Redis' NOPERM errors. Channel rules and categories other than @all are
// accepted and not enforced.

/// One ACL user other than `default`.
struct ACLUser {
    var enabled = false
    var passwords: Set<String> = []
    var noPass = false
    var keyPatterns: [Bytes] = []
    var allCommands = false
    /// Commands (full names, such as `get` or `client|id`) allowed or denied one by one.
    var allowed: Set<String> = []
    var denied: Set<String> = []

    init() {}

    /// A user with every permission and one password (Configuration.users).
    init(password: String) {
        enabled = true
        passwords = [password]
        keyPatterns = [[UInt8(ascii: "*")]]
        allCommands = true
    }

    /// Whether the user may run a command (by its full name and its container's name).
    func mayRun(_ spec: CommandSpec) -> Bool {
        let container = spec.fullName.split(separator: "|").first.map(String.init) ?? spec.name
        if denied.contains(spec.fullName) || denied.contains(container) { return false }
        return allCommands || allowed.contains(spec.fullName) || allowed.contains(container)
    }

    func mayAccess(_ key: Bytes) -> Bool {
        keyPatterns.contains { Glob.matches($0, key) }
    }
}

extension Engine {
    /// Redis' ACL check: the NOPERM error for a command or key the user may not use, or nil.
    func aclDenial(_ name: String, _ spec: CommandSpec, _ args: Arguments) -> String? {
        guard let user = users[name], !spec.flags.contains(.noAuth) else { return nil }
        guard user.mayRun(spec) else {
            return "NOPERM this user has no permissions to run the '\(spec.fullName)' command"
        }
        for i in spec.keyPositions(argc: args.count) where !user.mayAccess(args[i]) {
            return "NOPERM this user has no permissions to access one of the keys used as arguments"
        }
        return nil
    }

    func aclWhoamiCommand(_ c: Client, _ args: Arguments) {
        c.addBulk(c.user ?? "default")
    }

    func aclSetuserCommand(_ c: Client, _ args: Arguments) {
        let name = args.string(2)
        var user = users[name] ?? ACLUser()
        var defaultPassword = self.defaultPassword
        for j in 3..<max(3, args.count) {
            let rule = args.string(j)
            let lower = rule.lowercased()
            switch lower {
            case "on": user.enabled = true
            case "off": user.enabled = false
            case "nopass":
                user.noPass = true
                user.passwords = []
                defaultPassword = nil
            case "resetpass":
                user.noPass = false
                user.passwords = []
            case "allkeys": user.keyPatterns = [[UInt8(ascii: "*")]]
            case "resetkeys": user.keyPatterns = []
            case "allchannels", "resetchannels": break
            case "allcommands", "+@all":
                user.allCommands = true
                user.denied = []
            case "nocommands", "-@all":
                user.allCommands = false
                user.allowed = []
            case "reset": user = ACLUser()
            default:
                if rule.hasPrefix(">") {
                    user.passwords.insert(String(rule.dropFirst()))
                    user.noPass = false
                    defaultPassword = String(rule.dropFirst())
                } else if rule.hasPrefix("<") {
                    user.passwords.remove(String(rule.dropFirst()))
                } else if rule.hasPrefix("~") {
                    user.keyPatterns.append(Array(rule.utf8.dropFirst()))
                } else if lower.hasPrefix("%r~") || lower.hasPrefix("%w~") || lower.hasPrefix("%rw~") {
                    user.keyPatterns.append(Array(rule.utf8.drop { $0 != UInt8(ascii: "~") }.dropFirst()))
                } else if rule.hasPrefix("&") || lower.hasPrefix("+@") || lower.hasPrefix("-@") {
                    break  // channels and categories: accepted, not enforced
                } else if rule.hasPrefix("+") || rule.hasPrefix("-"), rule.count > 1 {
                    let command = String(lower.dropFirst())
                    guard commands.lookup(Array(command.split(separator: "|")[0].utf8)) != nil else {
                        return c.addError(
                            "ERR Error in ACL SETUSER modifier '\(rule)': Unknown command or category name in ACL")
                    }
                    if rule.hasPrefix("+") {
                        user.allowed.insert(command)
                        user.denied.remove(command)
                    } else {
                        user.denied.insert(command)
                        user.allowed.remove(command)
                    }
                } else {
                    return c.addError("ERR Error in ACL SETUSER modifier '\(rule)': Syntax error")
                }
            }
        }
        if name == "default" {
            // The default user keeps every permission here; only its password changes.
            self.defaultPassword = defaultPassword
        } else {
            users[name] = user
        }
        c.addOK()
    }

    func aclDeluserCommand(_ c: Client, _ args: Arguments) {
        var deleted = 0
        for j in 2..<args.count {
            let name = args.string(j)
            if name == "default" { return c.addError("ERR The 'default' user cannot be removed") }
            guard users.removeValue(forKey: name) != nil else { continue }
            deleted += 1
            // As in Redis, the deleted user's connections are closed.
            for client in clientList where client.user == name {
                if client === c { c.closeAfterReply = true } else { scheduleClose(client) }
            }
        }
        c.addInteger(deleted)
    }

    func aclUsersCommand(_ c: Client, _ args: Arguments) {
        c.addBulkArray((["default"] + users.keys).sorted().map { Array($0.utf8) })
    }

    /// ACL CAT [category]: Redis 7.0's categories, or the served commands of one
    /// (Engine+ACLCategories).
    func aclCatCommand(_ c: Client, _ args: Arguments) {
        guard args.count > 2 else {
            return c.addBulkArray(Self.aclCategories.map { Array($0.name.utf8) })
        }
        let name = ASCII.lowercased(args[2])
        guard let category = Self.aclCategories.first(where: { $0.name == name }) else {
            return c.addError("ERR Unknown category '\(args.string(2))'")
        }
        c.addBulkArray(category.commands.map { Array($0.utf8) })
    }

    /// ACL GENPASS [bits]: random hex digits, four bits each (256 bits by default).
    func aclGenpassCommand(_ c: Client, _ args: Arguments) {
        var bits = 256
        if args.count > 2 {
            guard let n = Numbers.parseInteger(args[2]) else { return c.addNotInteger() }
            guard n > 0 && n <= 4096 else {
                return c.addError(
                    "ERR ACL GENPASS argument must be the number of bits for the output password, a positive number up to 4096"
                )
            }
            bits = n
        }
        let digits = Array("0123456789abcdef".utf8)
        c.addBulk((0..<(bits + 3) / 4).map { _ in digits[Int.random(in: 0..<16, using: &rng)] })
    }

    /// ACL DRYRUN user command [arg ...]: OK, or why the user may not run it (Redis' verbose
    /// texts, as a bulk string).
    func aclDryrunCommand(_ c: Client, _ args: Arguments) {
        let name = args.string(2)
        guard name == "default" || users[name] != nil else { return c.addError("ERR User '\(name)' not found") }
        var spec = commands.lookup(args[3])
        if let container = spec, container.isContainer && args.count > 4 { spec = container.subcommand(args[4]) }
        guard let spec else { return c.addError("ERR Command '\(args.string(3))' not found") }
        let argc = args.count - 3
        guard spec.acceptsArgumentCount(argc) else {
            return c.addError("ERR wrong number of arguments for '\(spec.fullName)' command")
        }
        if let user = users[name] {
            guard user.mayRun(spec) else {
                return c.addBulk("This user has no permissions to run the '\(spec.fullName)' command")
            }
            for i in spec.keyPositions(argc: argc) where !user.mayAccess(args[i + 3]) {
                return c.addBulk("This user has no permissions to access the '\(args.string(i + 3))' key")
            }
        }
        c.addOK()
    }

    /// ACL GETUSER: nil for an unknown user, Redis 7.0's description of the default user while it
    /// needs no password. Other users' rules are not rendered (their passwords would need
    /// SHA-256): an error says so.
    func aclGetuserCommand(_ c: Client, _ args: Arguments) {
        let name = args.string(2)
        guard name == "default" || users[name] != nil else { return c.addNull() }
        guard name == "default" && defaultPassword == nil else {
            return c.addError("ERR the fake server describes only the default user without a password")
        }
        c.addMapHeader(6)
        c.addBulk("flags")
        c.addSetHeader(2)
        c.addBulk("on")
        c.addBulk("nopass")
        c.addBulk("passwords")
        c.addArrayHeader(0)
        for (field, value) in [("commands", "+@all"), ("keys", "~*"), ("channels", "&*")] {
            c.addBulk(field)
            c.addBulk(value)
        }
        c.addBulk("selectors")
        c.addArrayHeader(0)
    }

    func aclHelpCommand(_ c: Client, _ args: Arguments) {
        addHelp(
            c, "ACL",
            [
                "CAT [<category>]",
                "    List all commands that belong to <category>, or all command categories",
                "    when no category is specified.",
                "DELUSER <username> [<username> ...]",
                "    Delete a list of users.",
                "DRYRUN <username> <command> [<arg> ...]",
                "    Returns whether the user can execute the given command without executing the command.",
                "GETUSER <username>",
                "    Get the user's details.",
                "GENPASS [<bits>]",
                "    Generate a secure 256-bit user password. The optional `bits` argument can",
                "    be used to specify a different size.",
                "LIST",
                "    Show users details in config file format.",
                "LOAD",
                "    Reload users from the ACL file.",
                "LOG [<count> | RESET]",
                "    Show the ACL log entries.",
                "SAVE",
                "    Save the current config to the ACL file.",
                "SETUSER <username> <attribute> [<attribute> ...]",
                "    Create or modify a user with the specified attributes.",
                "USERS",
                "    List all the registered usernames.",
                "WHOAMI",
                "    Return the current connection username.",
            ])
    }
}
