// Connection commands: PING, ECHO, AUTH, HELLO, RESET, CLIENT, ACL (Redis 7.0 networking.c,
// acl.c).

extension Engine {
    func pingCommand(_ c: Client, _ args: Arguments) {
        if args.count > 2 { return c.addError("ERR wrong number of arguments for 'ping' command") }
        if c.inRESP2PubSubContext {
            c.addArrayHeader(2)
            c.addBulk("pong")
            c.addBulk(args.count == 2 ? args[1] : [])
        } else if args.count == 2 {
            c.addBulk(args[1])
        } else {
            c.addRaw(SharedReply.pong)
        }
    }

    func echoCommand(_ c: Client, _ args: Arguments) { c.addBulk(args[1]) }

    func authCommand(_ c: Client, _ args: Arguments) {
        if args.count > 3 { return c.addSyntaxError() }
        let user: String
        let password: Bytes
        if args.count == 2 {
            if defaultPassword == nil {
                return c.addError(
                    "ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?"
                )
            }
            user = "default"
            password = args[1]
        } else {
            user = args.string(1)
            password = args[2]
        }
        if authenticate(user: user, password: password) {
            markAuthenticated(c, as: user)
            c.addOK()
        } else {
            c.addError("WRONGPASS invalid username-password pair or user is disabled.")
        }
    }

    func helloCommand(_ c: Client, _ args: Arguments) {
        var version = 0
        var next = 1
        if args.count >= 2 {
            guard let v = Numbers.parseInteger(args[1]) else {
                return c.addError("ERR Protocol version is not an integer or out of range")
            }
            guard v == 2 || v == 3 else { return c.addError("NOPROTO unsupported protocol version") }
            version = v
            next = 2
        }
        var credentials: (String, Bytes)?
        var name: Bytes?
        var j = next
        while j < args.count {
            let more = args.count - 1 - j
            if args.is(j, "auth") && more >= 2 {
                credentials = (args.string(j + 1), args[j + 2])
                j += 2
            } else if args.is(j, "setname") && more >= 1 {
                name = args[j + 1]
                j += 1
            } else {
                return c.addError("ERR Syntax error in HELLO option '\(args.string(j))'")
            }
            j += 1
        }
        if let (user, password) = credentials {
            guard authenticate(user: user, password: password) else {
                return c.addError("WRONGPASS invalid username-password pair or user is disabled.")
            }
            markAuthenticated(c, as: user)
        }
        guard c.isAuthenticated else {
            return c.addError(
                "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time"
            )
        }
        if let name, !setClientName(c, name) { return }
        if version != 0 { c.resp3 = version == 3 }
        c.addMapHeader(7)
        c.addBulk("server")
        c.addBulk("redis")
        c.addBulk("version")
        c.addBulk(settings.version)
        c.addBulk("proto")
        c.addInteger(c.resp3 ? 3 : 2)
        c.addBulk("id")
        c.addInteger(c.id)
        c.addBulk("mode")
        c.addBulk("standalone")
        c.addBulk("role")
        c.addBulk("master")
        c.addBulk("modules")
        c.addArrayHeader(0)
    }

    /// Validates and sets a client name (empty clears it); replies the error and returns false.
    func setClientName(_ c: Client, _ name: Bytes) -> Bool {
        for byte in name where byte < UInt8(ascii: "!") || byte > UInt8(ascii: "~") {
            c.addError("ERR Client names cannot contain spaces, newlines or special characters.")
            return false
        }
        c.name = name.isEmpty ? nil : name
        return true
    }

    func resetCommand(_ c: Client, _ args: Arguments) {
        discardTransaction(c)
        unsubscribeAll(c, notify: false)
        sunsubscribeAll(c, notify: false)
        punsubscribeAll(c, notify: false)
        if c.tracking != nil { disableTracking(c) }
        stopMonitoring(c)
        c.db = 0
        c.resp3 = false
        c.name = nil
        c.asking = false
        c.readOnly = false
        if defaultUserIsOpen {
            c.user = "default"
        } else {
            c.user = nil
            var limits = settings.parserLimits
            limits.maxAggregateLength = min(limits.maxAggregateLength, Client.unauthenticatedMaxArguments)
            limits.maxBulkLength = min(limits.maxBulkLength, Client.unauthenticatedMaxBulk)
            c.parser.limits = limits
        }
        c.addSimple("RESET")
    }

    // MARK: CLIENT

    func clientIDCommand(_ c: Client, _ args: Arguments) { c.addInteger(c.id) }

    func clientSetnameCommand(_ c: Client, _ args: Arguments) {
        if setClientName(c, args[2]) { c.addOK() }
    }

    func clientGetnameCommand(_ c: Client, _ args: Arguments) {
        if let name = c.name { c.addBulk(name) } else { c.addNull() }
    }

    /// One CLIENT LIST line, with Redis' fields.
    func clientInfoLine(_ c: Client) -> String {
        let now = self.now()
        var flags = c.isMonitor ? "O" : ""
        if c.inMulti { flags += "x" }
        if c.blocked != nil || c.postponed { flags += "b" }
        if c.tracking != nil { flags += "t" }
        if c.trackingBrokenRedirect { flags += "R" }
        if c.subscriptionCount > 0 { flags += "P" }
        if c.dirtyCAS { flags += "d" }
        if c.closeAfterReply { flags += "c" }
        if c.isUnixSocket { flags += "U" }
        if c.noEvict { flags += "e" }
        if flags.isEmpty { flags = "N" }
        let name = c.name.map { String(decoding: $0, as: UTF8.self) } ?? ""
        let events = c.writeBlocked ? "rw" : "r"
        return "id=\(c.id) addr=\(c.address) laddr=\(c.localAddress) fd=\(c.fd) name=\(name) "
            + "age=\((now - c.createdAt) / 1000) idle=\((now - c.lastInteraction) / 1000) flags=\(flags) "
            + "db=\(c.db) sub=\(c.channels.count) psub=\(c.patterns.count) ssub=0 "
            + "multi=\(c.inMulti ? c.queued.count : -1) qbuf=\(c.parser.bufferedByteCount) qbuf-free=0 "
            + "argv-mem=0 multi-mem=0 rbs=0 rbp=0 obl=0 oll=0 omem=\(c.pendingOutput) tot-mem=0 "
            + "events=\(events) cmd=\(c.lastCommand) user=\(c.user ?? "default") "
            + "redir=\(c.tracking.map(\.redirect) ?? -1) resp=\(c.resp3 ? 3 : 2)\n"
    }

    func clientListCommand(_ c: Client, _ args: Arguments) {
        var selected = clientList.sorted { $0.id < $1.id }
        var j = 2
        while j < args.count {
            if args.is(j, "type") && j + 1 < args.count {
                let type = ASCII.lowercased(args[j + 1])
                switch type {
                case "normal": selected = selected.filter { $0.subscriptionCount == 0 }
                case "pubsub": selected = selected.filter { $0.subscriptionCount > 0 }
                case "master", "replica", "slave": selected = []
                default: return c.addError("ERR Unknown client type '\(args.string(j + 1))'")
                }
                j += 2
            } else if args.is(j, "id") && j + 1 < args.count {
                var ids = Set<Int>()
                for k in (j + 1)..<args.count {
                    guard let id = Numbers.parseInteger(args[k]) else { return c.addError("ERR Invalid client ID") }
                    if id > 0 { ids.insert(id) }
                }
                selected = selected.filter { ids.contains($0.id) }
                j = args.count
            } else {
                return c.addSyntaxError()
            }
        }
        c.addVerbatim(selected.map(clientInfoLine).joined())
    }

    func clientInfoCommand(_ c: Client, _ args: Arguments) {
        c.addVerbatim(clientInfoLine(c))
    }

    func clientKillCommand(_ c: Client, _ args: Arguments) {
        if args.count == 3 {
            // The old form: CLIENT KILL addr:port.
            let address = args.string(2)
            guard let target = clientList.first(where: { $0.address == address }) else {
                return c.addError("ERR No such client")
            }
            kill(target, by: c)
            return c.addOK()
        }
        var id: Int?
        var address: String?
        var localAddress: String?
        var type: String?
        var user: String?
        var skipMe = true
        var j = 2
        while j < args.count {
            guard j + 1 < args.count else { return c.addSyntaxError() }
            let value = args[j + 1]
            if args.is(j, "id") {
                guard let n = Numbers.parseInteger(value), n > 0 else {
                    return c.addError("ERR client-id should be greater than 0")
                }
                id = n
            } else if args.is(j, "addr") {
                address = String(decoding: value, as: UTF8.self)
            } else if args.is(j, "laddr") {
                localAddress = String(decoding: value, as: UTF8.self)
            } else if args.is(j, "type") {
                let t = ASCII.lowercased(value)
                guard ["normal", "pubsub", "master", "replica", "slave"].contains(t) else {
                    return c.addError("ERR Unknown client type '\(String(decoding: value, as: UTF8.self))'")
                }
                type = t
            } else if args.is(j, "user") {
                let name = String(decoding: value, as: UTF8.self)
                guard name == "default" || users[name] != nil else {
                    return c.addError("ERR No such user '\(name)'")
                }
                user = name
            } else if args.is(j, "skipme") {
                if ASCII.equalsLowercase(value, "yes") {
                    skipMe = true
                } else if ASCII.equalsLowercase(value, "no") {
                    skipMe = false
                } else {
                    return c.addSyntaxError()
                }
            } else {
                return c.addSyntaxError()
            }
            j += 2
        }
        var killed = 0
        for target in clientList.sorted(by: { $0.id < $1.id }) {
            if let id, target.id != id { continue }
            if let address, target.address != address { continue }
            if let localAddress, target.localAddress != localAddress { continue }
            if let type {
                let isPubSub = target.subscriptionCount > 0
                if type == "pubsub" ? !isPubSub : (type == "normal" ? isPubSub : true) { continue }
            }
            if let user, target.user != user { continue }
            if skipMe && target === c { continue }
            kill(target, by: c)
            killed += 1
        }
        c.addInteger(killed)
    }

    /// Closes a client for CLIENT KILL: itself after the reply, another at once.
    private func kill(_ target: Client, by c: Client) {
        if target === c {
            c.closeAfterReply = true
        } else {
            scheduleClose(target)
        }
    }

    func clientUnblockCommand(_ c: Client, _ args: Arguments) {
        guard let id = Numbers.parseInteger(args[2]) else { return c.addNotInteger() }
        var error = false
        if args.count == 4 {
            if args.is(3, "error") {
                error = true
            } else if !args.is(3, "timeout") {
                return c.addError("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR")
            }
        }
        guard let target = clientsByID[id], target.blocked != nil else { return c.addInteger(0) }
        unblock(target, reply: true, error: error ? "UNBLOCKED client unblocked via CLIENT UNBLOCK" : nil)
        c.addInteger(1)
    }

    /// CLIENT REPLY ON|OFF|SKIP (Engine+Dispatch drops the replies).
    func clientReplyCommand(_ c: Client, _ args: Arguments) {
        if args.is(2, "on") {
            c.replyMode = .on
            c.addOK()
        } else if args.is(2, "off") {
            c.replyMode = .off
        } else if args.is(2, "skip") {
            if c.replyMode != .off { c.replyMode = .skipNext }
        } else {
            c.addSyntaxError()
        }
    }

    func clientNoEvictCommand(_ c: Client, _ args: Arguments) {
        guard args.is(2, "on") || args.is(2, "off") else { return c.addSyntaxError() }
        c.noEvict = args.is(2, "on")
        c.addOK()
    }
}
