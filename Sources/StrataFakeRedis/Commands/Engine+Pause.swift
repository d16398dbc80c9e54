// CLIENT PAUSE and UNPAUSE (Redis 7.0): while a pause holds, a client's command that the pause
// covers (every command under ALL; under WRITE, writes, PUBLISH and a transaction's EXEC with
// writes, even while queueing in MULTI) is postponed, with the rest of its input, until the
// pause ends (its timeout or CLIENT UNPAUSE). Monitors are never paused. Unlike Redis, keys
// still expire during a pause.

/// The pause in force.
struct ClientPause {
    /// Only writes are held (WRITE), or every command (ALL).
    var writesOnly: Bool
    /// When it ends, in monotonic nanoseconds.
    var endsAt: UInt64
    /// Identifies its timer: a later PAUSE or UNPAUSE makes an older timer stale.
    var generation: Int
}

extension Engine {
    func clientPauseCommand(_ c: Client, _ args: Arguments) {
        guard args.count <= 4 else {
            return c.addError(
                "ERR unknown subcommand or wrong number of arguments for '\(args.string(1))'. Try CLIENT HELP.")
        }
        guard let milliseconds = Numbers.parseInteger(args[2]) else {
            return c.addError("ERR timeout is not an integer or out of range")
        }
        guard milliseconds >= 0 else { return c.addError("ERR timeout is negative") }
        var writesOnly = false
        if args.count == 4 {
            if args.is(3, "write") {
                writesOnly = true
            } else if !args.is(3, "all") {
                return c.addError("ERR CLIENT PAUSE mode must be WRITE or ALL")
            }
        }
        let now = Clock.monotonicNanoseconds()
        let (wait, overflow) = UInt64(milliseconds).multipliedReportingOverflow(by: 1_000_000)
        let (requested, late) = now.addingReportingOverflow(wait)
        var endsAt = overflow || late ? UInt64.max : requested
        // As Redis' pauseClients: the latest mode, and the later of the two ends.
        if let current = pause { endsAt = max(endsAt, current.endsAt) }
        let generation = (pause?.generation ?? pauseGeneration) + 1
        pauseGeneration = generation
        pause = ClientPause(writesOnly: writesOnly, endsAt: endsAt, generation: generation)
        if endsAt != UInt64.max { timers.schedule(at: endsAt, .endPause(generation: generation)) }
        c.addOK()
    }

    func clientUnpauseCommand(_ c: Client, _ args: Arguments) {
        endPause()
        c.addOK()
    }

    /// Whether the pause in force holds back this command of this client.
    @inline(__always)
    func isPaused(_ c: Client, _ spec: CommandSpec) -> Bool {
        guard let pause, !c.isMonitor else { return false }
        if !pause.writesOnly { return true }
        if spec.flags.contains(.write) || Self.mayReplicate(spec) { return true }
        if spec.name == "exec" {
            return c.queued.contains { queued in
                guard let s = commands.lookup(queued[0]) else { return false }
                return s.flags.contains(.write) || Self.mayReplicate(s)
            }
        }
        return false
    }

    /// Holds back a client's command until the pause ends; its further input waits too.
    func postpone(_ c: Client, _ spec: CommandSpec, _ args: Arguments) {
        c.delayed = args
        c.postponed = true
        c.lastCommand = spec.fullName
        c.delayGeneration += 1
        pausedClients.append(c)
    }

    /// Ends the pause and runs the postponed commands, in the order they came.
    func endPause() {
        pause = nil
        let waiting = pausedClients
        pausedClients.removeAll()
        for c in waiting where clientsByID[c.id] === c && !c.closing {
            c.postponed = false
            guard let args = c.delayed else { continue }
            c.delayed = nil
            commandTime = now()
            runCommand(c, args)
            resumeQueue.append(c)
            queueWrite(c)
        }
    }
}
