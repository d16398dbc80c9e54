import StrataRESP

// Command dispatch, in the order Redis 7.0's processCommand checks things: QUIT, existence,
// arity, authentication, the RESP2 subscribed context, MULTI queueing; then call(), which runs
// the command, remembers tracked keys, and sends the running client its own invalidations
// after its reply.

extension Engine {
    /// One command from a client's input: faults first, then the command.
    @inline(__always)
    func execute(_ c: Client, _ args: Arguments) {
        commandTime = now()
        if faults.hasCommandFaults && applyCommandFaults(c, args) { return }
        runCommand(c, args)
    }

    /// Runs a command and applies the reply faults (drop, garbage) to its reply.
    func runCommand(_ c: Client, _ args: Arguments) {
        let start = c.out.buffer.count
        processCommand(c, args)
        if c.replyMode != .on { applyReplyMode(c, replyStart: start) }
        if faults.hasReplyFaults { applyReplyFaults(c, replyStart: start) }
        // Replies that may grow past the limit check it as they are built (Engine+OutputLimits).
        if c.pendingOutput > outputLimit(c) { closeForOutputLimit(c, droppingFrom: start) }
    }

    func processCommand(_ c: Client, _ args: Arguments) {
        let name = args[0]
        // Redis 7.0 answers QUIT before anything else, whatever its arguments.
        if ASCII.equalsLowercase(name, "quit") {
            if !monitors.isEmpty, let spec = commands.lookup(name) { feedMonitors(c, spec, args) }
            c.addOK()
            c.closeAfterReply = true
            return
        }
        guard var spec = commands.lookup(name) else {
            reject(c, nil, unknownCommandMessage(args))
            return
        }
        if spec.isContainer && args.count >= 2 {
            guard let sub = spec.subcommand(args[1]) else {
                let shown = String(decoding: args[1].prefix(128), as: UTF8.self)
                reject(c, nil, "ERR unknown subcommand '\(shown)'. Try \(ASCII.uppercased(spec.name)) HELP.")
                return
            }
            spec = sub
        }
        guard spec.acceptsArgumentCount(args.count) else {
            reject(c, spec, "ERR wrong number of arguments for '\(spec.fullName)' command")
            return
        }
        if c.user == nil && !spec.flags.contains(.noAuth) {
            reject(c, spec, "NOAUTH Authentication required.")
            return
        }
        if let user = c.user, user != "default", let denial = aclDenial(user, spec, args) {
            reject(c, spec, denial)
            return
        }
        // Cluster mode (or a cluster fault): MOVED, ASK, CROSSSLOT... instead of running here.
        if routesByKey && routeByKeys(c, spec, args) { return }
        // maxmemory: evict, or refuse what would grow memory (Engine+Maxmemory).
        if config.maxmemory > 0 && refusedForMemory(c, spec) {
            reject(c, spec, Engine.outOfMemoryError)
            return
        }
        // Keeps the tracking table under tracking-table-max-keys, where Redis does.
        if trackingClientCount > 0 { trackingLimitUsedSlots(current: c) }
        if c.isMonitor && (!spec.flags.isDisjoint(with: [.write, .readonly]) || Self.mayReplicate(spec)) {
            reject(c, spec, "ERR Replica can't interact with the keyspace")
            return
        }
        if c.inRESP2PubSubContext && !spec.flags.contains(.pubsubContext) {
            reject(
                c, spec,
                "ERR Can't execute '\(spec.fullName)': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context"
            )
            return
        }
        if pause != nil && isPaused(c, spec) {
            postpone(c, spec, args)
            return
        }
        if c.inMulti && !spec.flags.contains(.noQueue) {
            if !c.dirtyExec && !c.dirtyCAS { c.queued.append(args) }
            c.addRaw(SharedReply.queued)
            return
        }
        call(c, spec, args)
        if !readyKeys.isEmpty { handleClientsBlockedOnKeys() }
    }

    /// CLIENT REPLY OFF or SKIP: the command's reply (and anything else queued for the client
    /// meanwhile) is dropped, as Redis' prepareClientToWrite refuses it; SKIP lasts one command
    /// (Redis' resetClient).
    func applyReplyMode(_ c: Client, replyStart: Int) {
        switch c.replyMode {
        case .on: return
        case .off: break
        case .skipNext:
            c.replyMode = .skip
            return
        case .skip: c.replyMode = .on
        }
        if c.out.buffer.count > replyStart { c.out.buffer.removeSubrange(replyStart...) }
    }

    /// Runs a command that passed the checks (also EXEC's queued commands).
    func call(_ c: Client, _ spec: CommandSpec, _ args: Arguments) {
        let previous = currentClient
        currentClient = c
        executionDepth += 1
        c.lastCommand = spec.fullName
        let outerReadLookups = readLookups
        readLookups = !spec.flags.isDisjoint(with: [.readonly, .readsSources])
        if !config.keyspaceEvents.isEmpty { beginNotifications(args) }
        if !c.errorCodes.isEmpty { countErrors(c) }
        let started = Clock.monotonicNanoseconds()
        spec.handler!(self, c, args)
        let elapsed = Clock.monotonicNanoseconds() &- started
        c.commandsProcessed += 1
        // Counted when it runs, blocked or not (the control API's statistics wait on it).
        statistics.commandsProcessed += 1
        if !monitors.isEmpty { feedMonitors(c, spec, args) }
        if c.blocked != nil && c.blockedCommand == nil {
            // Counted, logged and monitored once served (Redis' updateStatsOnUnblock).
            c.blockedCommand = (spec, args, elapsed)
        } else {
            recordCall(c, spec, args, nanoseconds: elapsed)
        }
        if spec.flags.contains(.readonly), let tracking = c.tracking, !tracking.bcast {
            trackingRememberKeys(c, spec, args)
        }
        executionDepth -= 1
        readLookups = outerReadLookups
        currentClient = previous
        if executionDepth == 0 {
            if !pendingSelfInvalidations.isEmpty { flushSelfInvalidations(c) }
            // CLIENT CACHING applies to the next command only (or to a whole transaction).
            if c.trackingCachingGiven && !c.inMulti && spec.name != "client" && !spec.fullName.hasPrefix("client|") {
                c.trackingCachingGiven = false
            }
        }
    }

    /// Commands Redis 7.0 flags `may-replicate` without `write`: a monitor may not run them.
    static func mayReplicate(_ spec: CommandSpec) -> Bool {
        switch spec.name {
        case "publish", "spublish", "pfcount": return true
        default: return false
        }
    }

    /// Redis' rejectCommand: the error, and inside MULTI the transaction is flagged; a rejected
    /// EXEC aborts the transaction with EXECABORT.
    func reject(_ c: Client, _ spec: CommandSpec?, _ message: String) {
        if c.inMulti { c.dirtyExec = true }
        spec?.rejectedCalls += 1
        if spec?.name == "exec" {
            discardTransaction(c)
            c.addError("EXECABORT Transaction discarded because of: \(message.droppingErrorCode)")
        } else {
            c.addError(message)
        }
        countErrors(c)
    }

    /// `ERR unknown command 'x', with args beginning with: 'a' 'b' ` (at most 128 characters of
    /// arguments, each cut to what remains).
    private func unknownCommandMessage(_ args: Arguments) -> String {
        var shownArgs = ""
        var i = 1
        while i < args.count && shownArgs.utf8.count < 128 {
            let room = 128 - shownArgs.utf8.count
            let arg = args[i].prefix { $0 != 0 }.prefix(room)
            shownArgs += "'\(String(decoding: arg, as: UTF8.self))' "
            i += 1
        }
        let name = String(decoding: args[0].prefix { $0 != 0 }.prefix(128), as: UTF8.self)
        return "ERR unknown command '\(name)', with args beginning with: \(shownArgs)"
    }
}

extension String {
    /// An error message without its leading `ERR `: what EXECABORT quotes.
    var droppingErrorCode: String {
        hasPrefix("ERR ") ? String(dropFirst(4)) : self
    }
}
