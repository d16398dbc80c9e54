import Glibc
import StrataRESP

/// Drives the engine's command path on the calling thread, without the event loop or
/// listening sockets: for the engine fuzzer (`fuzz/FuzzFakeEngine.swift`) and tests that
/// replay its findings.
///
/// Each client is one end of a Unix socket pair, so replies leave through the same write path
/// as on a real connection and closing a client works as it does in the server; the harness
/// reads the other end. Not thread-safe: one harness belongs to one thread.
///
/// ```swift
/// let harness = try FakeRedisEngineHarness(outputBufferLimitBytes: 1 << 20)
/// let client = try harness.connect()
/// let reply = harness.run(["SET", "k", "v"], as: client)  // Array("+OK\r\n".utf8)
/// ```
package final class FakeRedisEngineHarness {
    let engine: Engine
    private let mailbox: Mailbox
    /// The harness's end of each client's socket pair, by client ID.
    private var peers: [Int: Int32] = [:]
    private var scratch = [UInt8](repeating: 0, count: 64 * 1024)

    /// An engine with the given limits (the server's defaults otherwise).
    package init(
        databases: Int = 16,
        maxBulkLength: Int = 512 * 1024 * 1024,
        outputBufferLimitBytes: Int = 512 * 1024 * 1024,
        pubSubOutputBufferLimitBytes: Int = 32 * 1024 * 1024
    ) throws(FakeRedisServerError) {
        do throws(SystemCallError) {
            mailbox = try Mailbox()
        } catch {
            throw FakeRedisServerError(.systemCallFailed, error.description)
        }
        var settings = ServerSettings()
        settings.databases = databases
        settings.parserLimits.maxBulkLength = maxBulkLength
        settings.outputLimitNormal = outputBufferLimitBytes
        settings.outputLimitPubSub = pubSubOutputBufferLimitBytes
        engine = Engine(settings: settings, listeners: [], unixListener: -1, mailbox: mailbox)
    }

    deinit {
        for c in engine.clientList { close(c.fd) }
        for fd in peers.values { close(fd) }
        mailbox.closePipe()
    }

    /// Opens a connection, as an accepted socket would; returns its client ID.
    package func connect() throws(FakeRedisServerError) -> Int {
        var fds: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds) == 0 else {
            throw FakeRedisServerError(.systemCallFailed, "socketpair failed: errno \(errno)")
        }
        for fd in fds { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
        let c = Client(
            id: engine.nextClientID, fd: fds[0], address: "harness:\(engine.nextClientID)",
            localAddress: "harness:0", isUnixSocket: true, now: engine.now(), authenticated: engine.defaultUserIsOpen)
        c.parser.limits = engine.settings.parserLimits
        engine.nextClientID += 1
        c.listIndex = engine.clientList.count
        engine.clientList.append(c)
        engine.clientsByID[c.id] = c
        peers[c.id] = fds[1]
        return c.id
    }

    /// Whether client `id` is still connected.
    package func isConnected(_ id: Int) -> Bool {
        engine.clientsByID[id].map { !$0.closing } ?? false
    }

    /// Whether client `id` waits in a blocking command.
    package func isBlocked(_ id: Int) -> Bool {
        engine.clientsByID[id]?.blocked != nil
    }

    /// Runs one command as client `id`, then what the loop does before it sleeps (resume
    /// unblocked clients, close, write), and returns every byte client `id` received meanwhile.
    /// A client blocked in BLPOP first times out, as if its timer had fired. A DEBUG SLEEP
    /// ends at once. Nothing is run for a client that is gone.
    package func run(_ arguments: [[UInt8]], as id: Int) -> [UInt8] {
        guard let c = engine.clientsByID[id], !c.closing, !arguments.isEmpty else { return [] }
        if c.blocked != nil { engine.unblock(c, reply: true) }
        engine.execute(c, Arguments(bytes: arguments))
        engine.queueWrite(c)
        engine.frozenUntil = 0
        return settle(collecting: id)
    }

    /// Runs a command given as strings.
    package func run(_ arguments: [String], as id: Int) -> [UInt8] {
        run(arguments.map { Array($0.utf8) }, as: id)
    }

    /// The bytes waiting in any client's output buffer: what the limits must keep bounded.
    package var largestOutputBuffer: Int {
        engine.clientList.map(\.out.buffer.count).max() ?? 0
    }

    /// The most output any client had pending when it was closed over its output limit: a
    /// reply that is checked as it grows stops within one element of the limit.
    package var largestDroppedOutput: Int { engine.statistics.largestDroppedOutput }

    /// Writes every pending reply, draining the socket pairs until nothing is left to write;
    /// returns what client `id` got.
    private func settle(collecting id: Int) -> [UInt8] {
        var collected: [UInt8] = []
        while true {
            engine.beforeSleep()
            var blocked = false
            for c in engine.clientList where c.writeBlocked && !c.closing {
                blocked = true
                collected += drain(c.id, keep: c.id == id)
                engine.writeToClient(c)
            }
            if !blocked { break }
        }
        for (peerID, fd) in peers {
            if engine.clientsByID[peerID] == nil {
                collected += drain(peerID, keep: peerID == id)
                close(fd)
                peers.removeValue(forKey: peerID)
            } else {
                collected += drain(peerID, keep: peerID == id)
            }
        }
        return collected
    }

    /// Reads everything waiting on client `id`'s socket; returns it when `keep`.
    private func drain(_ id: Int, keep: Bool) -> [UInt8] {
        guard let fd = peers[id] else { return [] }
        var bytes: [UInt8] = []
        while true {
            let n = scratch.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { return bytes }
            if keep { bytes.append(contentsOf: scratch[0..<n]) }
        }
    }
}

extension FakeRedisEngineHarness {
    /// Where the command table disagrees with Redis 7.0.15's COMMAND INFO (CommandMetadata), one
    /// line each: a served command or subcommand without metadata, metadata for one not served,
    /// or a different arity, key positions or modelled flag. SSUBSCRIBE and SUNSUBSCRIBE's key
    /// positions are left out (see Engine+CommandTable.swift). For a test that holds the table
    /// to Redis.
    package static func commandTableDisagreements() -> [String] {
        let modelled: [(CommandFlags, String)] = [
            (.write, "write"), (.readonly, "readonly"), (.denyOOM, "denyoom"), (.admin, "admin"),
            (.noAuth, "no_auth"), (.blocking, "blocking"), (.fast, "fast"),
        ]
        let specs = Engine.commandSpecs.flatMap { [$0] + $0.subcommands.values.sorted { $0.name < $1.name } }
        var problems: [String] = []
        for spec in specs {
            guard let entry = CommandMetadata.entries[spec.fullName], case .array(let fields) = entry.info else {
                problems.append("\(spec.fullName): no metadata")
                continue
            }
            if case .integer(let arity) = fields[1], arity != spec.arity {
                problems.append("\(spec.fullName): arity \(spec.arity), Redis \(arity)")
            }
            if case .integer(let first) = fields[3], case .integer(let last) = fields[4],
                case .integer(let step) = fields[5], (first, last, step) != (spec.firstKey, spec.lastKey, spec.keyStep),
                spec.fullName != "ssubscribe" && spec.fullName != "sunsubscribe"
            {
                problems.append(
                    "\(spec.fullName): keys (\(spec.firstKey), \(spec.lastKey), \(spec.keyStep)), Redis (\(first), \(last), \(step))"
                )
            }
            let table = modelled.filter { spec.flags.contains($0.0) }.map(\.1)
            let redis = modelled.map(\.1).filter(entry.flags.contains)
            if table != redis { problems.append("\(spec.fullName): flags \(table), Redis \(redis)") }
        }
        let served = Set(specs.map(\.fullName))
        for name in CommandMetadata.entries.keys.sorted() where !served.contains(name) {
            problems.append("\(name): metadata for a command the fake does not serve")
        }
        return problems
    }
}
