/// What kind of command this is, for the checks Redis makes before running it.
struct CommandFlags: OptionSet {
    let rawValue: UInt32
    /// Changes data.
    static let write = CommandFlags(rawValue: 1 << 0)
    /// Reads data: CLIENT TRACKING remembers its keys.
    static let readonly = CommandFlags(rawValue: 1 << 1)
    /// Runs before authentication (AUTH, HELLO).
    static let noAuth = CommandFlags(rawValue: 1 << 2)
    /// Allowed in RESP2 subscribed mode.
    static let pubsubContext = CommandFlags(rawValue: 1 << 3)
    /// Runs at once inside MULTI instead of being queued (EXEC, DISCARD, MULTI, WATCH, RESET).
    static let noQueue = CommandFlags(rawValue: 1 << 4)
    /// May block (BLPOP, BRPOP).
    static let blocking = CommandFlags(rawValue: 1 << 5)
    /// Administrative or connection-level, for COMMAND's flag list.
    static let admin = CommandFlags(rawValue: 1 << 6)
    static let fast = CommandFlags(rawValue: 1 << 7)
    /// Writes, but looks its source keys up for reading, as Redis 7.0's lookupKeyRead in GETDEL,
    /// COPY, SORT, PFMERGE, the *STORE commands, BITOP, XREADGROUP...: a miss counts and says
    /// `keymiss`.
    static let readsSources = CommandFlags(rawValue: 1 << 8)
    /// May grow memory: refused with the OOM error when maxmemory is reached and nothing can be
    /// evicted (Redis' `denyoom`).
    static let denyOOM = CommandFlags(rawValue: 1 << 9)
}

/// One command as the dispatcher sees it: name, arity (negative: at least), flags, where its
/// keys are, and what runs it. Container commands (CLIENT, CONFIG, ...) have subcommands with
/// their own arity, named `container|sub` in errors, as in Redis 7.
final class CommandSpec {
    typealias Handler = (Engine, Client, Arguments) -> Void

    let name: String
    let fullName: String
    let arity: Int
    let flags: CommandFlags
    let firstKey: Int
    let lastKey: Int
    let keyStep: Int
    let handler: Handler?
    @exclusivity(unchecked) private(set) var subcommands: [String: CommandSpec] = [:]

    // MARK: Statistics (INFO commandstats and latencystats)
    // Updated after every command by the engine's thread alone, and no access overlaps another:
    // without the dynamic exclusivity checks, which cost more than the updates.
    /// Completed calls, their total time in microseconds, calls refused before running (arity,
    /// authentication, ...), and calls that replied with an error.
    @exclusivity(unchecked) var calls = 0
    @exclusivity(unchecked) var microseconds = 0
    @exclusivity(unchecked) var rejectedCalls = 0
    @exclusivity(unchecked) var failedCalls = 0
    /// The calls' durations, allocated on the first call.
    @exclusivity(unchecked) var latency: LatencyHistogram?

    /// Forgets the statistics (CONFIG RESETSTAT).
    func resetStatistics() {
        calls = 0
        microseconds = 0
        rejectedCalls = 0
        failedCalls = 0
        latency = nil
    }

    init(
        _ name: String,
        arity: Int,
        _ flags: CommandFlags = [],
        keys: (Int, Int, Int) = (0, 0, 0),
        container: String? = nil,
        _ handler: Handler?
    ) {
        self.name = name
        self.fullName = container.map { "\($0)|\(name)" } ?? name
        self.arity = arity
        self.flags = flags
        (firstKey, lastKey, keyStep) = keys
        self.handler = handler
    }

    /// A container command with subcommands.
    convenience init(
        container name: String, arity: Int = -2, _ flags: CommandFlags = [], subcommands: [CommandSpec],
        whenAlone handler: Handler? = nil
    ) {
        self.init(name, arity: arity, flags, handler)
        for sub in subcommands { self.subcommands[sub.name] = sub }
    }

    var isContainer: Bool { !subcommands.isEmpty }

    func subcommand(_ bytes: Bytes) -> CommandSpec? {
        guard bytes.count <= 32 else { return nil }
        return subcommands[ASCII.lowercased(bytes)]
    }

    /// Whether `argc` arguments (the name included) satisfy the arity.
    @inline(__always)
    func acceptsArgumentCount(_ argc: Int) -> Bool {
        arity >= 0 ? argc == arity : argc >= -arity
    }

    /// The positions of the key arguments in a command line of `argc` arguments.
    func keyPositions(argc: Int) -> StrideTo<Int> {
        guard firstKey > 0 else { return stride(from: 0, to: 0, by: 1) }
        let last = lastKey < 0 ? argc + lastKey : min(lastKey, argc - 1)
        return stride(from: firstKey, to: last + 1, by: max(1, keyStep))
    }
}

/// Commands by name, looked up case-insensitively straight from the request bytes (no
/// allocation): open addressing over an FNV-1a hash of the lowercased name.
struct CommandTable {
    private var slots: [(name: Bytes, spec: CommandSpec)?]
    private let mask: Int
    private(set) var all: [CommandSpec] = []

    init(_ specs: [CommandSpec]) {
        var size = 16
        while size < specs.count * 4 { size *= 2 }
        slots = Array(repeating: nil, count: size)
        mask = size - 1
        for spec in specs {
            let name = Array(spec.name.utf8)
            var i = Self.hash(name) & mask
            while slots[i] != nil { i = (i + 1) & mask }
            slots[i] = (name, spec)
            all.append(spec)
        }
    }

    @inline(__always)
    private static func hash(_ bytes: Bytes) -> Int {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes {
            h ^= UInt64(ASCII.lower(b))
            h = h &* 0x100_0000_01b3
        }
        return Int(truncatingIfNeeded: h)
    }

    /// The command named by `bytes`, ignoring ASCII case.
    @inline(__always)
    func lookup(_ bytes: Bytes) -> CommandSpec? {
        guard bytes.count <= 32 else { return nil }
        var i = Self.hash(bytes) & mask
        while let slot = slots[i] {
            if slot.name.count == bytes.count {
                var equal = true
                for j in 0..<bytes.count where ASCII.lower(bytes[j]) != slot.name[j] {
                    equal = false
                    break
                }
                if equal { return slot.spec }
            }
            i = (i + 1) & mask
        }
        return nil
    }
}
