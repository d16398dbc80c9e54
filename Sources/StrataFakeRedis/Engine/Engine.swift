import Glibc
import StrataRESP

/// The server's single-threaded core, as in Redis: one event loop owns every socket, the
/// keyspace and all per-client state, so the data path takes no locks. Other threads talk to it
/// only through the ``Mailbox``.
final class Engine {
    let settings: ServerSettings
    let commands: CommandTable
    var databases: [Database]

    // MARK: Authentication
    /// The default user's password, or nil when it needs none (Redis' `requirepass`).
    var defaultPassword: String?
    /// ACL users other than `default`, with their passwords and permissions.
    var users: [String: ACLUser]

    // MARK: Clients
    var clientList: [Client] = []
    var clientsByID: [Int: Client] = [:]
    var nextClientID = 1
    /// The client whose command is running, and how deeply calls are nested (EXEC).
    @exclusivity(unchecked) var currentClient: Client?
    /// Whether the running command is read-only, so its lookups count keyspace hits and misses
    /// and publish `keymiss` (Redis' lookupKeyRead; write commands look keys up for writing).
    @exclusivity(unchecked) var readLookups = false
    var executionDepth = 0
    /// Clients to close before the loop sleeps.
    var closeQueue: [Client] = []
    /// Clients with replies to write before the loop sleeps.
    var writeQueue: [Client] = []
    /// Clients unblocked or resumed whose buffered input still waits to be processed.
    var resumeQueue: [Client] = []

    // MARK: Pub/sub
    var channelSubscribers: [Bytes: [Client]] = [:]
    var patternSubscribers: [(pattern: Bytes, client: Client)] = []
    var shardChannelSubscribers: [Bytes: [Client]] = [:]

    // MARK: Transactions
    var watchers: [DatabaseKey: [Client]] = [:]

    // MARK: Tracking
    /// Key to the IDs of the clients that may cache it (default mode; keys of every database).
    var trackingTable: [Bytes: Set<Int>] = [:]
    /// BCAST prefixes: clients and keys changed since the last broadcast, with who changed them.
    var broadcastPrefixes: [Bytes: BroadcastPrefix] = [:]
    var trackingClientCount = 0
    /// Runs of ``trackingLimitUsedSlots(current:)`` in a row that ended over the limit.
    var trackingLimitRuns = 0
    /// Invalidations for the running client, sent after its reply (nil: a flush).
    @exclusivity(unchecked) var pendingSelfInvalidations: [Bytes?] = []

    // MARK: Blocking
    var blockedOn: [DatabaseKey: [Client]] = [:]
    @exclusivity(unchecked) var readyKeys: [DatabaseKey] = []
    var readySet: Set<DatabaseKey> = []
    var blockedClientCount = 0

    // MARK: Loop
    let mailbox: Mailbox
    /// The TCP listening sockets, one per bind address (empty while a refusal fault holds).
    var listeners: [Int32]
    var unixListener: Int32
    var running = true
    var paused = false
    /// DEBUG SLEEP: nothing but the mailbox is served until this monotonic time (ns).
    var frozenUntil: UInt64 = 0
    var timers = TimerHeap()
    let readBuffer: UnsafeMutableRawBufferPointer

    // MARK: Time, randomness, faults, counters
    /// Added to the wall clock (ADVANCE by the control API), in milliseconds.
    var clockOffset = 0
    /// The time of the running command, in Unix milliseconds (Redis' command time snapshot).
    var commandTime = 0
    var rng = SystemRandomNumberGenerator()
    // Read or updated around every command, by this thread alone, with no overlapping access:
    // without the dynamic exclusivity checks (as `config`).
    @exclusivity(unchecked) var faults = FaultState()
    @exclusivity(unchecked) var statistics = EngineStatistics()
    /// Error replies by code (INFO errorstats).
    @exclusivity(unchecked) var errorStatistics: [String: Int] = [:]
    /// SLOWLOG's entries, oldest first, and the ID of the next one.
    @exclusivity(unchecked) var slowlog: [SlowlogEntry] = []
    var nextSlowlogID = 0
    /// Clients in MONITOR mode, in the order they asked.
    @exclusivity(unchecked) var monitors: [Client] = []
    /// CLIENT PAUSE: the pause in force, the clients it holds back, and the last pause's number.
    @exclusivity(unchecked) var pause: ClientPause?
    var pausedClients: [Client] = []
    var pauseGeneration = 0
    var activeExpireEnabled = true
    /// The database the random eviction policies take a key from next (Redis' next_db).
    var evictionDatabase = 0
    /// CONFIG GET/SET's parameters (read on the hot path; no access overlaps another, so without
    /// the dynamic exclusivity check).
    @exclusivity(unchecked) var config: ConfigStore
    /// The running command, for keyspace notifications.
    var notification = NotificationContext()
    /// Cluster mode: this node's view of the slot map (nil: a standalone server).
    @exclusivity(unchecked) var cluster: ClusterState?
    /// Whether commands are checked against the slot map or a cluster fault before running
    /// (``updateKeyRouting()``): the standalone data path's only cluster cost is this branch.
    @exclusivity(unchecked) var routesByKey = false
    let startedAt: Int
    let runID: String

    init(settings: ServerSettings, listeners: [Int32], unixListener: Int32, mailbox: Mailbox) {
        self.settings = settings
        self.listeners = listeners
        self.unixListener = unixListener
        self.mailbox = mailbox
        self.commands = CommandTable(Engine.commandSpecs)
        self.databases = (0..<settings.databases).map(Database.init(id:))
        self.defaultPassword = settings.password
        self.users = settings.users.mapValues(ACLUser.init(password:))
        self.readBuffer = .allocate(byteCount: 64 * 1024, alignment: 16)
        var rng = SystemRandomNumberGenerator()
        self.runID = String((0..<40).map { _ in "0123456789abcdef".randomElement(using: &rng)! })
        self.startedAt = Clock.wallMilliseconds()
        self.activeExpireEnabled = settings.activeExpiry
        self.commandTime = startedAt
        var cwd = [CChar](repeating: 0, count: 4096)
        self.config = ConfigStore(overrides: [
            "port": String(settings.tcpPort), "bind": settings.tcpHosts.joined(separator: " "),
            "databases": String(settings.databases), "unixsocket": settings.unixSocketPath ?? "",
            "proto-max-bulk-len": String(settings.parserLimits.maxBulkLength),
            "client-query-buffer-limit": String(settings.maxQueryBuffer),
            "dir": getcwd(&cwd, cwd.count) != nil
                ? String(decoding: cwd.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : "",
        ])
        installDatabaseHooks()
    }

    deinit {
        readBuffer.deallocate()
    }

    // MARK: Time

    /// Now, in Unix milliseconds, as this server sees it (wall clock plus the test offset).
    @inline(__always)
    func now() -> Int { Clock.wallMilliseconds() &+ clockOffset }

    // MARK: Authentication

    /// Whether a new client starts authenticated: the default user needs no password.
    var defaultUserIsOpen: Bool { defaultPassword == nil }

    /// Checks a username and password the way ACLAuthenticateUser does.
    func authenticate(user: String, password: Bytes) -> Bool {
        let given = String(decoding: password, as: UTF8.self)
        if user == "default" {
            guard let required = defaultPassword else { return true }
            return required == given
        }
        guard let record = users[user], record.enabled else { return false }
        return record.noPass || record.passwords.contains(given)
    }

    /// Marks a client authenticated as `user` and lifts the pre-authentication request limits.
    func markAuthenticated(_ c: Client, as user: String) {
        c.user = user
        c.parser.limits = settings.parserLimits
    }

    // MARK: Keyspace access

    @inline(__always)
    func database(_ c: Client) -> Database {
        let db = databases[c.db]
        db.now = commandTime
        return db
    }

    /// The slot of a live key, deleting it first when it has expired; the access counts for
    /// OBJECT IDLETIME and FREQ, as Redis' lookupKey does, unless `touching` is false (Redis'
    /// LOOKUP_NOTOUCH, which still counts the hit or miss: TTL, TYPE, EXISTS).
    @inline(__always)
    func lookup(_ db: Database, _ key: Bytes, touching: Bool = true) -> Int? {
        guard let slot = lookupWithoutTouching(db, key) else {
            if readLookups { readMiss(db, key) }
            return nil
        }
        if readLookups { statistics.keyspaceHits += 1 }
        if touching { touch(db, slot) }
        return slot
    }

    /// A read-only command found no key: Redis' lookupKeyRead counts a miss and publishes
    /// `keymiss`.
    func readMiss(_ db: Database, _ key: Bytes) {
        statistics.keyspaceMisses += 1
        if config.keyspaceEvents.contains(.keyMiss) { notifyKeyspaceEvent(.keyMiss, "keymiss", key, db: db.id) }
    }

    /// Runs `body` with read lookups on or off (a write command's lookupKeyRead, or a
    /// destination's lookupKeyWrite in a command flagged ``CommandFlags/readsSources``).
    @inline(__always)
    func withReadLookups<T>(_ on: Bool, _ body: () -> T) -> T {
        let outer = readLookups
        readLookups = on
        defer { readLookups = outer }
        return body()
    }

    /// A destination's lookup in a command that reads its sources (Redis' lookupKeyWrite): no
    /// keyspace hit or miss, no `keymiss`.
    @inline(__always)
    func lookupForWrite(_ db: Database, _ key: Bytes) -> Int? {
        withReadLookups(false) { lookup(db, key) }
    }

    /// The slot of a live key, leaving its access time alone (Redis' LOOKUP_NOTOUCH).
    @inline(__always)
    func lookupWithoutTouching(_ db: Database, _ key: Bytes) -> Int? {
        guard let slot = db.slot(key) else { return nil }
        let expireAt = db.expireAt(slot)
        if expireAt != 0 && expireAt <= commandTime {
            deleteExpired(db, slot)
            return nil
        }
        return slot
    }

    /// A write over a key that has expired (Database.set): deleted as expired first, as Redis'
    /// lookupKeyWrite in setKey does.
    func installDatabaseHooks() {
        for db in databases {
            db.expiredOnWrite = { [unowned self] db, slot in self.deleteExpired(db, slot) }
        }
    }

    /// Deletes an expired key and tells watchers and tracking clients, as Redis does.
    func deleteExpired(_ db: Database, _ slot: Int) {
        let key = db.key(at: slot)
        db.delete(at: slot)
        statistics.expiredKeys += 1
        if config.keyspaceEvents.isEmpty {
            signalModifiedKey(db.id, key)
        } else {
            notifyKeyspaceEvent(.expired, "expired", key, db: db.id)
            notification.suppressed = true
            signalModifiedKey(db.id, key)
            notification.suppressed = false
        }
    }

    /// Whether a key exists but is logically expired (used by WATCH).
    func isLogicallyExpired(_ db: Database, _ key: Bytes) -> Bool {
        guard let slot = db.slot(key) else { return false }
        let expireAt = db.expireAt(slot)
        return expireAt != 0 && expireAt <= now()
    }

    /// A key's value of an expected type: `.missing`, `.found`, or `.wrongType`.
    enum Found<T> {
        case missing
        case found(Int, T)
        case wrongType
    }

    func findString(_ db: Database, _ key: Bytes) -> Found<Bytes> {
        guard let slot = lookup(db, key) else { return .missing }
        if case .string(let s) = db.value(at: slot) { return .found(slot, s) }
        return .wrongType
    }

    func findList(_ db: Database, _ key: Bytes) -> Found<ListValue> {
        guard let slot = lookup(db, key) else { return .missing }
        if case .list(let l) = db.value(at: slot) { return .found(slot, l) }
        return .wrongType
    }

    func findHash(_ db: Database, _ key: Bytes) -> Found<HashValue> {
        guard let slot = lookup(db, key) else { return .missing }
        if case .hash(let h) = db.value(at: slot) { return .found(slot, h) }
        return .wrongType
    }

    func findSet(_ db: Database, _ key: Bytes) -> Found<SetValue> {
        guard let slot = lookup(db, key) else { return .missing }
        if case .set(let s) = db.value(at: slot) { return .found(slot, s) }
        return .wrongType
    }

    func findSortedSet(_ db: Database, _ key: Bytes) -> Found<SortedSetValue> {
        guard let slot = lookup(db, key) else { return .missing }
        if case .sortedSet(let z) = db.value(at: slot) { return .found(slot, z) }
        return .wrongType
    }

    /// Deletes a key (if present) and signals the change. Returns whether it existed.
    @discardableResult
    func deleteKey(_ db: Database, _ key: Bytes) -> Bool {
        guard let slot = lookupForWrite(db, key) else { return false }
        db.delete(at: slot)
        signalModifiedKey(db.id, key)
        return true
    }

    /// Redis' getPositiveLongFromObjectOrReply: a count >= 0, or `message` (for a bad number
    /// too) and nil.
    func positiveCount(_ c: Client, _ bytes: Bytes, _ message: String = "ERR value is out of range, must be positive")
        -> Int?
    {
        guard let n = Numbers.parseInteger(bytes), n >= 0 else {
            c.addError(message)
            return nil
        }
        return n
    }

    /// The counts of SRANDMEMBER and HRANDFIELD: any integer whose negation is one too (Redis'
    /// getRangeLongFromObjectOrReply from -LONG_MAX to LONG_MAX), or an error reply and nil.
    func negatableCount(_ c: Client, _ bytes: Bytes) -> Int? {
        guard let n = Numbers.parseInteger(bytes) else {
            c.addNotInteger()
            return nil
        }
        guard n != Int.min else {
            c.addError("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807")
            return nil
        }
        return n
    }

    /// The fewest bytes `count` replies of at least `each` bytes take, saturating at Int.max.
    @inline(__always)
    static func replyBytes(_ count: Int, each: Int) -> Int {
        let (bytes, overflow) = count.multipliedReportingOverflow(by: each)
        return overflow ? Int.max : bytes
    }

    /// The smallest bulk string reply, `$0\r\n\r\n`.
    static let smallestBulkReply = 6

    // MARK: Change notification

    /// What Redis' `signalModifiedKey` does: dirty the WATCHers, invalidate tracking clients.
    @inline(__always)
    func signalModifiedKey(_ db: Int, _ key: Bytes) {
        // maxmemory: the key's size again (a collection may have changed in place).
        let database = databases[db]
        if database.measuring, let slot = database.slot(key) { database.measure(at: slot) }
        if !watchers.isEmpty { touchWatchedKey(db, key) }
        if trackingClientCount > 0 || !trackingTable.isEmpty { trackingInvalidateKey(key) }
        if !config.keyspaceEvents.isEmpty { notifyForSignal(db, key) }
        if !blockedOn.isEmpty { signalDeletedStreamKey(db, key) }
    }

    /// A key a client waits on in XREADGROUP no longer holds a stream (deleted, overwritten,
    /// flushed): make it ready, so the client is answered `UNBLOCKED` (Redis 7.0's
    /// signalDeletedKeyAsReady).
    func signalDeletedStreamKey(_ db: Int, _ key: Bytes) {
        let dk = DatabaseKey(db: db, key: key)
        guard let waiting = blockedOn[dk],
            waiting.contains(where: {
                if case .streamRead(_, _, let group)? = $0.blocked?.operation { return group != nil }
                return false
            })
        else { return }
        if let slot = databases[db].slot(key), case .stream = databases[db].value(at: slot) { return }
        signalKeyAsReady(db, key)
    }

    /// A list got elements: wake clients blocked on it after the command.
    @inline(__always)
    func signalKeyAsReady(_ db: Int, _ key: Bytes) {
        guard !blockedOn.isEmpty else { return }
        let dk = DatabaseKey(db: db, key: key)
        guard blockedOn[dk] != nil, readySet.insert(dk).inserted else { return }
        readyKeys.append(dk)
    }

    /// Marks every client watching the key as dirty.
    func touchWatchedKey(_ db: Int, _ key: Bytes) {
        guard let clients = watchers[DatabaseKey(db: db, key: key)] else { return }
        for c in clients {
            // A key already expired when watched and now deleted is logically unchanged.
            if let w = c.watched.first(where: { $0.db == db && $0.key == key }), w.expiredWhenWatched {
                if databases[db].slot(key) == nil {
                    if let i = c.watched.firstIndex(of: w) { c.watched[i].expiredWhenWatched = false }
                    continue
                }
            }
            c.dirtyCAS = true
        }
    }

    /// FLUSHDB/FLUSHALL: every client watching a key that existed in `db` becomes dirty.
    func touchAllWatchedKeys(in db: Int?) {
        for (dk, clients) in watchers where db == nil || dk.db == db {
            if databases[dk.db].slot(dk.key) != nil {
                for c in clients { c.dirtyCAS = true }
            }
        }
    }
}

/// Settings the engine runs with, fixed at start.
struct ServerSettings: Sendable {
    var databases = 16
    var password: String?
    var users: [String: String] = [:]
    var version = "7.0.15"
    var maxQueryBuffer = 1024 * 1024 * 1024
    var outputLimitNormal = 512 * 1024 * 1024
    var outputLimitPubSub = 32 * 1024 * 1024
    var activeExpiry = true
    var tcpHosts: [String] = []
    var tcpPort = 0
    var unixSocketPath: String?
    var parserLimits = RESPParser.Limits.default
}

/// Server-wide counters (INFO stats and the control API).
struct EngineStatistics {
    var connectionsReceived = 0
    var rejectedConnections = 0
    var commandsProcessed = 0
    var readCalls = 0
    var writeCalls = 0
    var bytesRead = 0
    var bytesWritten = 0
    var expiredKeys = 0
    var evictedKeys = 0
    var keyspaceHits = 0
    var keyspaceMisses = 0
    var errorReplies = 0
    var outputLimitDisconnections = 0
    /// The most output a client had pending when it was closed over its limit: how far past
    /// the limit a reply grew before it was dropped (a test and fuzzer check).
    var largestDroppedOutput = 0
    var queryLimitDisconnections = 0
    var protocolErrors = 0
    var faultsApplied = 0
}

/// A BCAST prefix: its clients and the keys changed since the last broadcast.
final class BroadcastPrefix {
    var clients: [Int: Client] = [:]
    /// Changed keys and the client that changed each first (for NOLOOP).
    var keys: [Bytes: Int] = [:]
}

/// Wall and monotonic clocks.
enum Clock {
    @inline(__always)
    static func wallMilliseconds() -> Int {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return ts.tv_sec * 1000 + ts.tv_nsec / 1_000_000
    }

    @inline(__always)
    static func wallMicroseconds() -> Int {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return ts.tv_sec * 1_000_000 + ts.tv_nsec / 1000
    }

    @inline(__always)
    static func monotonicNanoseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }
}
