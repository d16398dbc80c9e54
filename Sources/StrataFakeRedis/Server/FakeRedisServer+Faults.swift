// The fault-injection API. Each call takes effect on the loop before it returns, so a test
// can inject a fault, send a command, and know the fault applies to it.

extension FakeRedisServer {
    /// A fault to inject with ``FakeRedisServer/inject(_:)``; active until
    /// ``FakeRedisServer/clearFaults()``. Command names are case-insensitive.
    ///
    /// ```swift
    /// server.inject(.latency(.milliseconds(200), commands: ["GET"]))   // slow GETs
    /// server.inject(.dropConnection(afterReplies: 2))                  // close after 2 more replies
    /// server.inject(.errorReply("LOADING Redis is loading the dataset in memory", commands: ["GET"]))
    /// ```
    public struct Fault: Sendable, Hashable, CustomStringConvertible {
        enum Kind: Hashable {
            case latency(nanoseconds: UInt64, commands: Set<String>?)
            case drop(afterReplies: Int, midReply: Bool)
            case garbage(bytes: [UInt8], afterReplies: Int)
            case stall(commands: Set<String>?)
            case refuse(reset: Bool)
            case errorReply(message: String, commands: Set<String>)
            case replyLatency(nanoseconds: UInt64, commands: Set<String>?)
            case clusterReply(ClusterReplyFault.Reply, slot: Int?, count: Int)
        }

        let kind: Kind

        /// Every command (or only the named ones) is answered `latency` later. Other clients
        /// are served meanwhile; a client's later commands wait their turn, as on a slow server.
        public static func latency(_ latency: Duration, commands: [String]? = nil) -> Fault {
            let (seconds, attoseconds) = latency.components
            let nanoseconds = UInt64(max(0, seconds)) * 1_000_000_000 + UInt64(max(0, attoseconds) / 1_000_000_000)
            return Fault(kind: .latency(nanoseconds: nanoseconds, commands: commands.map(Self.names)))
        }

        /// Every command (or only the named ones) runs at once, but its reply, and everything the
        /// connection is sent after it, goes out `latency` later: a slow network, not a slow
        /// server. Pushes to other connections (invalidations) are not held, so a reply can
        /// arrive after news that it is already stale.
        public static func replyLatency(_ latency: Duration, commands: [String]? = nil) -> Fault {
            let (seconds, attoseconds) = latency.components
            let nanoseconds = UInt64(max(0, seconds)) * 1_000_000_000 + UInt64(max(0, attoseconds) / 1_000_000_000)
            return Fault(kind: .replyLatency(nanoseconds: nanoseconds, commands: commands.map(Self.names)))
        }

        /// Each connection is closed after sending `afterReplies` more replies; with 0 the next
        /// command gets no reply: the connection closes instead.
        public static func dropConnection(afterReplies: Int = 0) -> Fault {
            Fault(kind: .drop(afterReplies: max(0, afterReplies), midReply: false))
        }

        /// Each connection sends `afterReplies` more replies whole, then half of the next one,
        /// and closes.
        public static func dropMidReply(afterReplies: Int = 0) -> Fault {
            Fault(kind: .drop(afterReplies: max(0, afterReplies), midReply: true))
        }

        /// After `afterReplies` more replies, each connection sends `bytes` in place of the next
        /// reply (the command still runs); later replies are normal.
        public static func garbage(_ bytes: [UInt8] = Array("%%garbage\r\n".utf8), afterReplies: Int = 0) -> Fault {
            Fault(kind: .garbage(bytes: bytes, afterReplies: max(0, afterReplies)))
        }

        /// Every command (or only the named ones) is read and swallowed: never run, never
        /// answered. The connection stays open.
        public static func stall(commands: [String]? = nil) -> Fault {
            Fault(kind: .stall(commands: commands.map(Self.names)))
        }

        /// New connections are refused: the listening socket closes, so connecting fails with
        /// ECONNREFUSED (connections not yet accepted are reset; Unix socket connections are
        /// reset). ``FakeRedisServer/clearFaults()`` listens again on the same port. Accepted
        /// connections stay.
        public static var refuseConnections: Fault { Fault(kind: .refuse(reset: false)) }

        /// New connections are accepted and reset at once (the client sees ECONNRESET or EOF).
        public static var resetConnections: Fault { Fault(kind: .refuse(reset: true)) }

        /// The named commands are answered with `message` (such as `LOADING ...` or
        /// `ERR injected`), without running.
        public static func errorReply(_ message: String, commands: [String]) -> Fault {
            Fault(kind: .errorReply(message: message, commands: Self.names(commands)))
        }

        /// The next `count` keyed commands (of `slot`, or any) are answered
        /// `-TRYAGAIN Multiple keys request during rehashing of slot` without running, as during
        /// a slot migration. Keyless commands (PING, CLUSTER SHARDS) are not counted.
        public static func tryAgain(keyedCommands count: Int = 1, slot: Int? = nil) -> Fault {
            Fault(kind: .clusterReply(.tryAgain, slot: slot, count: max(1, count)))
        }

        /// The next `count` keyed commands (of `slot`, or any) are answered
        /// `-CLUSTERDOWN The cluster is down` without running, as during a failover.
        public static func clusterDown(keyedCommands count: Int = 1, slot: Int? = nil) -> Fault {
            Fault(kind: .clusterReply(.clusterDown, slot: slot, count: max(1, count)))
        }

        /// The next `count` keyed commands (of `slot`, or any) are answered
        /// `-MOVED <slot> <host>:<port>` without running, whatever the slot map says.
        public static func moved(to host: String, port: Int, keyedCommands count: Int = 1, slot: Int? = nil) -> Fault {
            Fault(kind: .clusterReply(.moved(host: host, port: port), slot: slot, count: max(1, count)))
        }

        private static func names(_ commands: [String]) -> Set<String> {
            Set(commands.map { $0.lowercased() })
        }

        public var description: String {
            switch kind {
            case .latency(let ns, let commands):
                return "latency \(ns / 1_000_000) ms for \(commands.map { "\($0.sorted())" } ?? "all")"
            case .drop(let n, let mid): return mid ? "drop mid-reply after \(n) replies" : "drop after \(n) replies"
            case .garbage(let bytes, let n): return "garbage (\(bytes.count) bytes) after \(n) replies"
            case .stall(let commands): return "stall \(commands.map { "\($0.sorted())" } ?? "all")"
            case .refuse(let reset): return reset ? "reset new connections" : "refuse new connections"
            case .errorReply(let message, let commands): return "error '\(message)' for \(commands.sorted())"
            case .replyLatency(let ns, let commands):
                return "reply latency \(ns / 1_000_000) ms \(commands.map { "\($0.sorted())" } ?? "all")"
            case .clusterReply(let reply, let slot, let count):
                let what: String
                switch reply {
                case .tryAgain: what = "TRYAGAIN"
                case .clusterDown: what = "CLUSTERDOWN"
                case .moved(let host, let port): what = "MOVED to \(host):\(port)"
                }
                return "\(what) for the next \(count) keyed commands\(slot.map { " of slot \($0)" } ?? "")"
            }
        }
    }

    /// Injects a fault. Faults of different kinds combine; a second fault of the same kind
    /// replaces the first (latency and errors combine per command).
    public func inject(_ fault: Fault) {
        perform { engine in
            switch fault.kind {
            case .latency(let ns, let commands):
                if let commands {
                    for name in commands { engine.faults.latencyByCommand[name] = ns }
                } else {
                    engine.faults.latencyAll = ns
                }
            case .drop(let n, let mid):
                engine.faults.drop = (n, mid)
                engine.resetReplyCounters()
            case .garbage(let bytes, let n):
                engine.faults.garbage = (bytes, n)
                engine.resetReplyCounters()
            case .stall(let commands):
                if let commands {
                    engine.faults.stallCommands.formUnion(commands)
                } else {
                    engine.faults.stallAll = true
                }
            case .refuse(let reset):
                engine.setRefusal(reset ? .reset : .refuse)
            case .errorReply(let message, let commands):
                for name in commands { engine.faults.errorReplies[name] = message }
            case .replyLatency(let ns, let commands):
                if let commands {
                    for name in commands { engine.faults.replyLatencyByCommand[name] = ns }
                } else {
                    engine.faults.replyLatencyAll = ns
                }
            case .clusterReply(let reply, let slot, let count):
                engine.faults.clusterReplies.append(ClusterReplyFault(reply: reply, slot: slot, remaining: count))
                engine.updateKeyRouting()
            }
        }
    }

    /// Removes every fault; a refused listener listens again on the same port.
    public func clearFaults() {
        perform { engine in
            let refusal = engine.faults.refusal
            engine.faults = FaultState()
            engine.updateKeyRouting()
            if refusal != nil { engine.setRefusal(nil) }
        }
    }

    /// The faults in force.
    public var activeFaults: [Fault] {
        perform { engine -> [Fault] in
            var faults: [Fault] = []
            let f = engine.faults
            if let ns = f.latencyAll { faults.append(Fault(kind: .latency(nanoseconds: ns, commands: nil))) }
            for (name, ns) in f.latencyByCommand.sorted(by: { $0.key < $1.key }) {
                faults.append(Fault(kind: .latency(nanoseconds: ns, commands: [name])))
            }
            if let drop = f.drop { faults.append(Fault(kind: .drop(afterReplies: drop.0, midReply: drop.1))) }
            if let g = f.garbage { faults.append(Fault(kind: .garbage(bytes: g.0, afterReplies: g.1))) }
            if f.stallAll { faults.append(Fault(kind: .stall(commands: nil))) }
            if !f.stallCommands.isEmpty { faults.append(Fault(kind: .stall(commands: f.stallCommands))) }
            if let r = f.refusal { faults.append(Fault(kind: .refuse(reset: r == .reset))) }
            for (name, message) in f.errorReplies.sorted(by: { $0.key < $1.key }) {
                faults.append(Fault(kind: .errorReply(message: message, commands: [name])))
            }
            if let ns = f.replyLatencyAll { faults.append(Fault(kind: .replyLatency(nanoseconds: ns, commands: nil))) }
            for (name, ns) in f.replyLatencyByCommand.sorted(by: { $0.key < $1.key }) {
                faults.append(Fault(kind: .replyLatency(nanoseconds: ns, commands: [name])))
            }
            for fault in f.clusterReplies {
                faults.append(Fault(kind: .clusterReply(fault.reply, slot: fault.slot, count: fault.remaining)))
            }
            return faults
        } ?? []
    }

    /// Closes every client connection at once, as a server crash or `CLIENT KILL` would.
    /// Returns how many were closed. The server keeps listening.
    @discardableResult
    public func killAllConnections() -> Int {
        perform { $0.killAllClients() } ?? 0
    }

    /// Writes `bytes` to every connection now, unasked: garbage, or a push message a test
    /// crafted.
    public func sendToAllConnections(_ bytes: [UInt8]) {
        perform { engine in
            for c in engine.clientList where !c.closing {
                c.addRaw(bytes)
                engine.queueWrite(c)
            }
        }
    }

    /// Freezes the server, as SIGSTOP would: no accepting, reading, replying or expiring until
    /// ``resume()``. Connections stay open; the kernel queues what clients send.
    public func pause() {
        perform { $0.paused = true }
    }

    /// Ends a ``pause()``; everything queued meanwhile is served.
    public func resume() {
        perform { $0.paused = false }
    }

    /// Moves the server's clock forward (or back, with a negative duration): expiry, TTL and
    /// TIME see the shifted time, so tests of expiry need not sleep. Keys whose time has come
    /// expire when touched or sampled, as in Redis.
    public func advanceClock(by duration: Duration) {
        let (seconds, attoseconds) = duration.components
        let milliseconds = Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000)
        perform { $0.clockOffset += milliseconds }
    }

    /// Empties every database, as FLUSHALL does.
    public func flushAll() {
        perform { engine in
            engine.commandTime = engine.now()
            engine.flush(database: nil)
        }
    }
}
