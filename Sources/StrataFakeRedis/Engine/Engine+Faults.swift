import Glibc

// Fault injection on the loop: the state the control API sets, and where it bites.

/// The active faults of one server (loop thread).
struct FaultState {
    enum Refusal: Equatable {
        /// The listening socket is closed: connecting fails with ECONNREFUSED.
        case refuse
        /// Connections are accepted and reset at once.
        case reset
    }

    /// Latency for every command, and per command name (lowercase).
    var latencyAll: UInt64?
    var latencyByCommand: [String: UInt64] = [:]
    /// Reply latency: the command runs at once, its reply (and what follows) goes out later.
    var replyLatencyAll: UInt64?
    var replyLatencyByCommand: [String: UInt64] = [:]
    /// Commands swallowed without a reply: all, or by name.
    var stallAll = false
    var stallCommands: Set<String> = []
    /// Commands answered with an error instead of running.
    var errorReplies: [String: String] = [:]
    /// Close each connection after this many more replies (or halfway through the next one).
    var drop: (afterReplies: Int, midReply: Bool)?
    /// Replace the reply after this many replies with these bytes.
    var garbage: (bytes: Bytes, afterReplies: Int)?
    var refusal: Refusal?
    /// Cluster replies for the next keyed commands (of one slot, or any), each for a count.
    var clusterReplies: [ClusterReplyFault] = []

    var hasCommandFaults: Bool {
        latencyAll != nil || !latencyByCommand.isEmpty || stallAll || !stallCommands.isEmpty
            || !errorReplies.isEmpty || drop != nil || replyLatencyAll != nil || !replyLatencyByCommand.isEmpty
    }

    var hasReplyFaults: Bool { drop != nil || garbage != nil }
}

/// An injected cluster error for the next `remaining` keyed commands (of `slot`, or any).
struct ClusterReplyFault {
    enum Reply: Hashable {
        case tryAgain
        case clusterDown
        case moved(host: String, port: Int)
    }

    var reply: Reply
    var slot: Int?
    var remaining: Int
}

extension Engine {
    /// Applies latency, stalls, scripted errors and zero-reply drops before a command runs.
    /// Returns true when the command was handled (held back, swallowed or answered).
    func applyCommandFaults(_ c: Client, _ args: Arguments, afterDelay: Bool = false) -> Bool {
        let name = ASCII.lowercased(args[0])
        if faults.stallAll || faults.stallCommands.contains(name) {
            statistics.faultsApplied += 1
            return true
        }
        if let drop = faults.drop, !drop.midReply, c.repliesSinceFault >= drop.afterReplies {
            statistics.faultsApplied += 1
            scheduleClose(c)
            return true
        }
        if let latency = faults.replyLatencyByCommand[name] ?? faults.replyLatencyAll, latency > 0 {
            // The command runs now; the client's output waits, so its reply arrives late.
            statistics.faultsApplied += 1
            let until = Clock.monotonicNanoseconds() + latency
            if until > c.outputHeldUntil {
                c.outputHeldUntil = until
                timers.schedule(at: until, .releaseOutput(client: c.id))
            }
        }
        if !afterDelay, let latency = faults.latencyByCommand[name] ?? faults.latencyAll, latency > 0 {
            statistics.faultsApplied += 1
            c.delayed = args
            c.delayGeneration += 1
            timers.schedule(
                at: Clock.monotonicNanoseconds() + latency,
                .resumeDelayed(client: c.id, generation: c.delayGeneration))
            return true
        }
        if let message = faults.errorReplies[name] {
            statistics.faultsApplied += 1
            let start = c.out.buffer.count
            c.addError(message)
            if faults.hasReplyFaults { applyReplyFaults(c, replyStart: start) }
            return true
        }
        return false
    }

    /// Counts a reply and applies drop and garbage faults to it.
    func applyReplyFaults(_ c: Client, replyStart: Int) {
        guard c.out.buffer.count > replyStart else { return }
        c.repliesSinceFault += 1
        if let garbage = faults.garbage, c.repliesSinceFault == garbage.afterReplies + 1 {
            statistics.faultsApplied += 1
            c.out.buffer.removeSubrange(replyStart...)
            c.out.buffer.append(contentsOf: garbage.bytes)
        }
        if let drop = faults.drop {
            if drop.midReply {
                if c.repliesSinceFault == drop.afterReplies + 1 {
                    statistics.faultsApplied += 1
                    let length = c.out.buffer.count - replyStart
                    c.out.buffer.removeSubrange((replyStart + max(1, length / 2))...)
                    c.closeAfterReply = true
                }
            } else if c.repliesSinceFault >= drop.afterReplies {
                statistics.faultsApplied += 1
                c.closeAfterReply = true
            }
        }
    }

    /// Starts counting replies afresh on every connection (a drop or garbage fault was set).
    func resetReplyCounters() {
        for c in clientList { c.repliesSinceFault = 0 }
    }

    /// Closes every client connection now. Returns how many there were.
    func killAllClients() -> Int {
        let all = clientList
        for c in all { closeClient(c) }
        return all.count
    }

    /// Applies a refusal fault, or clears it (nil), closing or reopening the TCP listener.
    /// Connections still in the listener's backlog are reset when it closes.
    func setRefusal(_ refusal: FaultState.Refusal?) {
        faults.refusal = refusal
        if refusal == .refuse {
            for listener in listeners { Glibc.close(listener) }
            listeners = []
        } else if listeners.isEmpty {
            reopenListener()
        }
    }
}
