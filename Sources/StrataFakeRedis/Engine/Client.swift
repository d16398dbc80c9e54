import StrataRESP

/// One connection and everything Redis keeps per client: the query parser, the output buffer,
/// the protocol version, the selected database, transaction, subscriptions, tracking, blocking
/// state and counters. Confined to the event-loop thread.
final class Client {
    let id: Int
    let fd: Int32
    /// `ip:port` of the peer (or `path:0` for a Unix socket), as CLIENT LIST shows it.
    let address: String
    /// `ip:port` of the local end.
    let localAddress: String
    let isUnixSocket: Bool
    /// When the connection was accepted, in Unix milliseconds.
    let createdAt: Int
    var lastInteraction: Int

    @exclusivity(unchecked) var parser: RESPParser
    /// Replies not yet written; `sent` bytes of it already went out.
    // Touched by every command on the engine's thread alone; no access overlaps another, so
    // without the dynamic exclusivity checks (as `channels` below).
    @exclusivity(unchecked) var out = RESPEncoder(reservingCapacity: 16 * 1024)
    @exclusivity(unchecked) var sent = 0
    /// The position in the loop's list of clients.
    var listIndex = 0
    /// Queued for a write before the loop sleeps.
    var pendingWrite = false
    /// Output is held back until then (monotonic nanoseconds; reply latency fault).
    var outputHeldUntil: UInt64 = 0
    /// The last write would have blocked: wait for POLLOUT.
    var writeBlocked = false

    var resp3 = false
    /// CLIENT NO-EVICT on (shown as flag `e`; the fake never evicts clients).
    var noEvict = false
    /// CLIENT REPLY: whether this client's replies are sent (Redis' CLIENT_REPLY_OFF, _SKIP and
    /// _SKIP_NEXT flags).
    var replyMode = ReplyMode.on
    var db = 0
    var name: Bytes?
    /// The authenticated user, or nil while authentication is required and missing.
    @exclusivity(unchecked) var user: String?
    @exclusivity(unchecked) var lastCommand = "NULL"

    // MARK: Transactions
    var inMulti = false
    var dirtyExec = false
    var dirtyCAS = false
    var queued: [Arguments] = []
    var watched: [WatchedKey] = []
    /// Blocking commands reply at once inside EXEC.
    var denyBlocking = false

    // MARK: Pub/sub
    // Read on every command (subscribed mode, output limit) by the engine's thread alone, and
    // no access overlaps another: without the dynamic exclusivity checks, which cost more than
    // the reads.
    @exclusivity(unchecked) var channels = SlotTable<Void>(keepsInsertionOrder: true)
    @exclusivity(unchecked) var patterns: [Bytes] = []
    /// Sharded channels (SSUBSCRIBE), counted apart in replies.
    @exclusivity(unchecked) var shardChannels = SlotTable<Void>(keepsInsertionOrder: true)
    /// Every subscription: what makes a client a pub/sub client (RESP2 context, output limit).
    var subscriptionCount: Int { channels.count + patterns.count + shardChannels.count }

    // MARK: Tracking
    var tracking: TrackingState?
    /// CLIENT CACHING yes/no was given for the next command.
    var trackingCachingGiven = false
    var trackingBrokenRedirect = false

    // MARK: Blocking, latency, closing
    var blocked: BlockedState?
    /// A command held back by injected latency, and its timer's generation.
    var delayed: Arguments?
    var delayGeneration = 0
    /// Close once the output buffer is written (QUIT, protocol error, CLIENT KILL of itself).
    var closeAfterReply = false
    /// Being closed: no more reading or processing.
    var closing = false

    // MARK: Faults and counters
    /// Replies sent since the connection (or the current drop/garbage fault) began.
    var repliesSinceFault = 0
    @exclusivity(unchecked) var commandsProcessed = 0
    var readCalls = 0
    var writeCalls = 0
    var bytesRead = 0
    var bytesWritten = 0
    var commandsThisRead = 0
    var maxCommandsPerRead = 0
    /// The codes of the error replies sent since the engine last counted them (INFO
    /// errorstats, commandstats' failed_calls).
    @exclusivity(unchecked) var errorCodes: [String] = []
    /// A blocked command, its arguments and how long it ran before blocking: recorded (INFO
    /// commandstats, the slowlog) once it is served or times out.
    @exclusivity(unchecked) var blockedCommand: (spec: CommandSpec, arguments: Arguments, nanoseconds: UInt64)?
    /// MONITOR: every command of other clients is echoed to this one.
    var isMonitor = false
    /// Held back by CLIENT PAUSE (shown as blocked, flag `b`).
    var postponed = false
    /// Cluster mode: ASKING was sent; an importing slot serves the next command (or transaction).
    var asking = false
    /// Cluster mode: READONLY was sent (no effect: the fake cluster has no replicas).
    var readOnly = false

    init(
        id: Int, fd: Int32, address: String, localAddress: String, isUnixSocket: Bool, now: Int,
        authenticated: Bool
    ) {
        self.id = id
        self.fd = fd
        self.address = address
        self.localAddress = localAddress
        self.isUnixSocket = isUnixSocket
        self.createdAt = now
        self.lastInteraction = now
        self.user = authenticated ? "default" : nil
        var limits = RESPParser.Limits.default
        if !authenticated {
            limits.maxAggregateLength = Client.unauthenticatedMaxArguments
            limits.maxBulkLength = Client.unauthenticatedMaxBulk
        }
        parser = RESPParser(mode: .commands, limits: limits)
    }

    /// Redis' limits for a client that has not authenticated yet.
    static let unauthenticatedMaxArguments = 10
    static let unauthenticatedMaxBulk = 16384

    var isAuthenticated: Bool { user != nil }

    /// Bytes waiting to be written.
    var pendingOutput: Int { out.buffer.count - sent }

    /// Whether this client is in RESP2 subscribed mode.
    var inRESP2PubSubContext: Bool { !resp3 && subscriptionCount > 0 }
}

/// A key watched by a client, with whether it was already expired when watched.
struct WatchedKey: Hashable {
    var db: Int
    var key: Bytes
    var expiredWhenWatched: Bool
}

/// A key in a given database: what WATCH and blocking operations are keyed by.
struct DatabaseKey: Hashable {
    var db: Int
    var key: Bytes
}

/// CLIENT TRACKING options of one client.
struct TrackingState {
    var redirect = 0
    var bcast = false
    var optIn = false
    var optOut = false
    var noLoop = false
    var prefixes: [Bytes] = []
}

/// What a blocked client waits to do once one of its keys has elements.
enum BlockedOperation {
    /// BLPOP, BRPOP.
    case pop(front: Bool)
    /// BLMOVE, BRPOPLPUSH.
    case move(destination: Bytes, fromFront: Bool, toFront: Bool)
    /// BLMPOP.
    case multiPop(front: Bool, count: Int)
    /// BZPOPMIN, BZPOPMAX.
    case zpop(max: Bool)
    /// BZMPOP.
    case zmultiPop(max: Bool, count: Int)
    /// XREAD and XREADGROUP: entries after an ID per key (for `>`, the group's last ID when
    /// served), with the group and consumer of XREADGROUP.
    case streamRead(ids: [Bytes: StreamID], count: Int, group: StreamReadGroup?)

    /// Whether it waits for a sorted set rather than a list.
    var wantsSortedSet: Bool {
        switch self {
        case .zpop, .zmultiPop: return true
        default: return false
        }
    }
}

/// The group side of a blocked XREADGROUP.
struct StreamReadGroup {
    var name: Bytes
    var consumer: Bytes
    var noAck: Bool
}

/// A client waiting in a blocking command (BLPOP, BLMOVE, BZPOPMIN...).
struct BlockedState {
    var keys: [Bytes]
    var db: Int
    var operation: BlockedOperation
    /// Unix milliseconds, or 0 to wait forever.
    var deadline: Int
    var generation: Int
}

/// The arguments of one command: bulk strings, as the command-mode parser returns them.
struct Arguments {
    let values: [RESPValue]

    @inline(__always)
    init(_ values: [RESPValue]) { self.values = values }

    init(bytes: [Bytes]) { self.values = bytes.map { .bulkString($0) } }

    var count: Int { values.count }

    @inline(__always)
    subscript(i: Int) -> Bytes {
        if case .bulkString(let bytes) = values[i] { return bytes.array }
        return []
    }

    /// An argument as text (lossy for invalid UTF-8).
    func string(_ i: Int) -> String { String(decoding: self[i], as: UTF8.self) }

    /// Whether argument `i` equals `word`, ignoring ASCII case. `word` must be lowercase.
    @inline(__always)
    func `is`(_ i: Int, _ word: StaticString) -> Bool {
        guard i < values.count, case .bulkString(let bytes) = values[i] else { return false }
        return ASCII.equalsLowercase(bytes.array, word)
    }
}

/// ASCII helpers for case-insensitive command names and options.
enum ASCII {
    @inline(__always)
    static func lower(_ c: UInt8) -> UInt8 {
        c &- UInt8(ascii: "A") < 26 ? c | 0x20 : c
    }

    /// Whether `bytes` equals the lowercase `word`, ignoring ASCII case.
    @inline(__always)
    static func equalsLowercase(_ bytes: Bytes, _ word: StaticString) -> Bool {
        guard bytes.count == word.utf8CodeUnitCount else { return false }
        let p = word.utf8Start
        for i in 0..<bytes.count where lower(bytes[i]) != p[i] { return false }
        return true
    }

    static func lowercased(_ bytes: Bytes) -> String {
        String(decoding: bytes.map(lower), as: UTF8.self)
    }

    static func uppercased(_ text: String) -> String {
        String(decoding: text.utf8.map { $0 &- UInt8(ascii: "a") < 26 ? $0 & ~0x20 : $0 }, as: UTF8.self)
    }
}

/// CLIENT REPLY's modes.
enum ReplyMode {
    case on
    /// No reply until CLIENT REPLY ON.
    case off
    /// Set by CLIENT REPLY SKIP: the next command's reply is dropped.
    case skipNext
    /// The running command's reply is dropped, then replies resume.
    case skip
}
