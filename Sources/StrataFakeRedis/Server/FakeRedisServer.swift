import Dispatch
import Glibc
import StrataRESP
import StrataSync
import Synchronization

/// A Redis server on real loopback sockets, for tests and demos: RESP2 and RESP3, inline
/// commands, pipelining, expiry, pub/sub, transactions, client tracking and AUTH, with Redis'
/// error texts, and fault injection on the side.
///
/// ```swift
/// let server = try FakeRedisServer.start()          // 127.0.0.1, a free port
/// defer { server.stop() }
/// // connect any Redis client to server.host:server.port
/// server.inject(.latency(.milliseconds(50), commands: ["GET"]))
/// server.clearFaults()
/// print(server.statistics().connections.map(\.maxCommandsPerRead))
/// ```
///
/// Like Redis, the server is one event-loop thread that owns every socket and all data, so the
/// data path takes no locks. This handle is thread-safe: its methods post a job to the loop and
/// wait for it (the loop answers them even while paused or in DEBUG SLEEP). Every fault is
/// scoped to this instance, so tests with servers of their own can run in parallel. ``stop()``
/// closes every connection and joins the thread; it also runs when the handle is released.
public final class FakeRedisServer: Sendable {
    /// The address clients connect to (the configured host, such as `127.0.0.1`).
    public let host: String
    /// The TCP port the server listens on (the free port it was given when configured with 0).
    public let port: Int
    /// The Unix domain socket it also listens on, if configured.
    public let unixSocketPath: String?
    /// The configuration it was started with.
    public let configuration: Configuration

    private let mailbox: Mailbox
    private let thread: StrataMutex<pthread_t?>

    /// Starts a server: binds its sockets (so the port is known and taken when this returns)
    /// and starts its event-loop thread.
    ///
    /// - Throws: ``FakeRedisServerError`` when a socket cannot be opened or bound, or the
    ///   configuration is invalid.
    public init(configuration: Configuration = Configuration()) throws(FakeRedisServerError) {
        guard configuration.databases >= 1 else {
            throw FakeRedisServerError(.invalidConfiguration, "databases must be at least 1")
        }
        guard (0...65535).contains(configuration.port) else {
            throw FakeRedisServerError(.invalidConfiguration, "port \(configuration.port) is not in 0...65535")
        }
        let mailbox: Mailbox
        do {
            mailbox = try Mailbox()
        } catch {
            throw FakeRedisServerError(.systemCallFailed, error.description)
        }
        var listeners: [Int32] = []
        var boundPort = configuration.port
        var unixListener: Int32 = -1
        do throws(SystemCallError) {
            // Every address on the same port: the first may pick it (port 0), the others follow.
            for host in configuration.bindAddresses {
                let (fd, port) = try Socket.listenTCP(host: host, port: boundPort)
                listeners.append(fd)
                boundPort = port
            }
            if let path = configuration.unixSocketPath {
                unixListener = try Socket.listenUnix(path: path)
            }
        } catch {
            for fd in listeners { close(fd) }
            mailbox.closePipe()
            throw FakeRedisServerError(.bindFailed, error.description)
        }

        var settings = ServerSettings()
        settings.databases = configuration.databases
        settings.password = configuration.password
        settings.users = configuration.users
        settings.version = configuration.version
        settings.maxQueryBuffer = configuration.maxQueryBufferBytes
        settings.outputLimitNormal = configuration.outputBufferLimitBytes
        settings.outputLimitPubSub = configuration.pubSubOutputBufferLimitBytes
        settings.activeExpiry = configuration.activeExpiry
        settings.tcpHosts = configuration.bindAddresses
        settings.tcpPort = boundPort
        settings.unixSocketPath = configuration.unixSocketPath
        settings.parserLimits.maxBulkLength = configuration.maxBulkLength

        self.host = configuration.host
        self.port = boundPort
        self.unixSocketPath = configuration.unixSocketPath
        self.configuration = configuration
        self.mailbox = mailbox

        let engine = Engine(settings: settings, listeners: listeners, unixListener: unixListener, mailbox: mailbox)
        let context = Unmanaged.passRetained(LoopContext(engine)).toOpaque()
        var handle = pthread_t()
        let status = pthread_create(
            &handle, nil,
            { raw in
                let context = Unmanaged<LoopContext>.fromOpaque(raw!).takeRetainedValue()
                context.engine.run()
                return nil
            }, context)
        guard status == 0 else {
            Unmanaged<LoopContext>.fromOpaque(context).release()
            for fd in listeners { close(fd) }
            if unixListener >= 0 { close(unixListener) }
            mailbox.closePipe()
            throw FakeRedisServerError(.systemCallFailed, "pthread_create failed: \(status)")
        }
        self.thread = StrataMutex(handle)
    }

    /// Starts a server; see ``init(configuration:)``.
    public static func start(_ configuration: Configuration = Configuration()) throws(FakeRedisServerError)
        -> FakeRedisServer
    {
        try FakeRedisServer(configuration: configuration)
    }

    deinit {
        stop()
    }

    /// Whether the event loop still runs (until ``stop()``).
    public var isRunning: Bool { thread.withLock { $0 != nil } }

    /// Stops the server: closes every connection and the listening sockets, removes the Unix
    /// socket file, and joins the loop thread. Safe to call more than once and from several
    /// threads at once; every call returns after the loop thread has ended.
    public func stop() {
        // Held while joining, so a concurrent stop() also returns only once the loop is gone.
        thread.withLock { handle in
            guard let running = handle else { return }
            _ = mailbox.post(Mailbox.Job(run: { engine in engine.running = false }, cancel: {}))
            pthread_join(running, nil)
            mailbox.closePipe()
            handle = nil
        }
    }

    /// Runs `body` on the loop thread and returns its result; nil once the server has stopped.
    @discardableResult
    func perform<T: Sendable>(_ body: @escaping @Sendable (Engine) -> T) -> T? {
        let result = ResultBox<T>()
        let done = DispatchSemaphore(value: 0)
        let posted = mailbox.post(
            Mailbox.Job(
                run: { engine in
                    result.set(body(engine))
                    done.signal()
                },
                cancel: { done.signal() }))
        guard posted else { return nil }
        // The loop answers jobs even while paused; a minute without an answer is a bug.
        if done.wait(timeout: .now() + .seconds(60)) == .timedOut {
            fatalError("FakeRedisServer: the event loop did not answer a control request within 60 s")
        }
        return result.value
    }
}

/// Carries the engine to its thread.
private final class LoopContext {
    let engine: Engine
    init(_ engine: Engine) { self.engine = engine }
}

/// A result handed from the loop thread to a waiting caller.
private final class ResultBox<T: Sendable>: Sendable {
    private let storage = StrataMutex<T?>(nil)
    func set(_ value: T) { storage.withLock { $0 = value } }
    var value: T? { storage.withLock { $0 } }
}

extension FakeRedisServer {
    /// How a ``FakeRedisServer`` is set up. The defaults follow Redis, except the port: 0
    /// asks for a free one.
    public struct Configuration: Sendable, Hashable {
        /// The address to listen on. Loopback by default.
        public var host: String
        /// More addresses to listen on, on the same port (Redis' `bind 127.0.0.1 ::1`).
        public var additionalBindAddresses: [String]
        /// The TCP port; 0 picks a free port (see ``FakeRedisServer/port``).
        public var port: Int
        /// A Unix domain socket to listen on as well.
        public var unixSocketPath: String?
        /// The default user's password (Redis' `requirepass`); nil: no authentication.
        public var password: String?
        /// More users for `AUTH user password` and `HELLO 3 AUTH user password`: name to password.
        public var users: [String: String]
        /// The number of databases for SELECT.
        public var databases: Int
        /// The version HELLO and INFO report.
        public var version: String
        /// A client whose unprocessed input grows past this is disconnected
        /// (Redis' `client-query-buffer-limit`, 1 GiB).
        public var maxQueryBufferBytes: Int
        /// The longest bulk string a command may carry (Redis' `proto-max-bulk-len`, 512 MiB).
        public var maxBulkLength: Int
        /// A client whose unsent replies grow past this is disconnected. Redis sets no limit
        /// for normal clients; the fake caps them at 512 MiB so a client that never reads
        /// cannot exhaust memory.
        public var outputBufferLimitBytes: Int
        /// The same for subscribed clients (Redis' `client-output-buffer-limit pubsub`, 32 MiB).
        public var pubSubOutputBufferLimitBytes: Int
        /// Whether the active expiry cycle runs (keys still expire when touched).
        public var activeExpiry: Bool

        /// Creates a configuration.
        public init(
            host: String = "127.0.0.1",
            additionalBindAddresses: [String] = [],
            port: Int = 0,
            unixSocketPath: String? = nil,
            password: String? = nil,
            users: [String: String] = [:],
            databases: Int = 16,
            version: String = "7.0.15",
            maxQueryBufferBytes: Int = 1024 * 1024 * 1024,
            maxBulkLength: Int = 512 * 1024 * 1024,
            outputBufferLimitBytes: Int = 512 * 1024 * 1024,
            pubSubOutputBufferLimitBytes: Int = 32 * 1024 * 1024,
            activeExpiry: Bool = true
        ) {
            self.host = host
            self.additionalBindAddresses = additionalBindAddresses
            self.port = port
            self.unixSocketPath = unixSocketPath
            self.password = password
            self.users = users
            self.databases = databases
            self.version = version
            self.maxQueryBufferBytes = maxQueryBufferBytes
            self.maxBulkLength = maxBulkLength
            self.outputBufferLimitBytes = outputBufferLimitBytes
            self.pubSubOutputBufferLimitBytes = pubSubOutputBufferLimitBytes
            self.activeExpiry = activeExpiry
        }

        /// Every address the server listens on: ``host``, then ``additionalBindAddresses``.
        public var bindAddresses: [String] { [host] + additionalBindAddresses }
    }
}

/// A ``FakeRedisServer`` could not start.
public struct FakeRedisServerError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        fileprivate enum Base: String, Hashable, Sendable {
            case bindFailed = "cannot listen"
            case systemCallFailed = "system call failed"
            case invalidConfiguration = "invalid configuration"
        }
        fileprivate let base: Base

        /// A listening socket could not be opened or bound (port taken, bad address).
        public static let bindFailed = Code(base: .bindFailed)
        /// A system call failed (out of file descriptors, say).
        public static let systemCallFailed = Code(base: .systemCallFailed)
        /// The configuration asks for something impossible.
        public static let invalidConfiguration = Code(base: .invalidConfiguration)

        public var description: String { base.rawValue }
    }

    /// What went wrong.
    public var code: Code
    /// Details for people, such as the system error.
    public var message: String

    init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }
}
