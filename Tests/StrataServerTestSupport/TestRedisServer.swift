import Glibc
import StrataFakeRedis
import StrataSync

/// A Redis server for a test: the fake (in process) or a real `redis-server` (a child
/// process), on a free loopback port, with the same handle for both, so one test body can
/// run against either.
///
/// ```swift
/// let server = try TestRedisServer.start(.real)   // or .fake
/// defer { server.stop() }
/// let connection = try RESPTestConnection(port: server.port)
/// server.kill()        // SIGKILL (real) or an abrupt stop (fake): clients see the drop
/// try server.restart() // the same port, empty data
/// ```
///
/// A real server needs `redis-server` on PATH: ``realServerUnavailable`` says why it cannot
/// start, and ``realServerRequired`` (`STRATA_REQUIRE_REDIS=1`) says whether a test should fail
/// rather than skip then. ``stop()`` also runs when the handle is released, so a failing test
/// does not leak a server.
public final class TestRedisServer: Sendable {
    /// Which server.
    public enum Kind: String, Sendable, CaseIterable, CustomStringConvertible {
        /// StrataFakeRedis, in this process.
        case fake
        /// `redis-server` from PATH, as a child process.
        case real

        public var description: String { rawValue }
    }

    /// How to set the server up; both kinds honour every option.
    public struct Options: Sendable {
        /// `requirepass`.
        public var password: String?
        /// ACL users: name to password, with every permission.
        public var users: [String: String]
        /// A Unix socket path to listen on as well.
        public var unixSocketPath: String?
        /// Extra `redis-server` arguments (real only), such as `["--hz", "100"]`.
        public var extraRealArguments: [String]

        /// Creates options.
        public init(
            password: String? = nil, users: [String: String] = [:], unixSocketPath: String? = nil,
            extraRealArguments: [String] = []
        ) {
            self.password = password
            self.users = users
            self.unixSocketPath = unixSocketPath
            self.extraRealArguments = extraRealArguments
        }
    }

    /// Fake or real.
    public let kind: Kind
    /// Always loopback.
    public let host = "127.0.0.1"
    /// The port; it stays the same across ``restart()``.
    public let port: Int
    /// What it was started with.
    public let options: Options

    private enum Running {
        case fake(FakeRedisServer)
        case real(ChildProcess)
        case stopped
    }

    private let state: StrataMutex<Running>
    private let directory: String

    private init(kind: Kind, port: Int, options: Options, running: Running, directory: String) {
        self.kind = kind
        self.port = port
        self.options = options
        self.state = StrataMutex(running)
        self.directory = directory
    }

    deinit {
        stop()
        if kind == .real { ServerDirectory.remove(directory) }
    }

    /// Why a real server cannot start here (nil: it can).
    public static var realServerUnavailable: String? {
        ChildProcess.find("redis-server") == nil ? "redis-server is not on PATH" : nil
    }

    /// Whether tests must run against a real server (`STRATA_REQUIRE_REDIS=1`), failing when it
    /// is missing instead of skipping.
    public static var realServerRequired: Bool {
        ChildProcess.environment("STRATA_REQUIRE_REDIS") == "1"
    }

    /// Starts a server of `kind` on a free loopback port and waits until it answers PING.
    public static func start(_ kind: Kind, options: Options = Options()) throws(TestSupportError) -> TestRedisServer {
        switch kind {
        case .fake:
            let server = try startFake(port: 0, options: options)
            return TestRedisServer(
                kind: .fake, port: server.port, options: options, running: .fake(server), directory: "")
        case .real:
            guard let path = ChildProcess.find("redis-server") else {
                throw TestSupportError("redis-server is not on PATH")
            }
            let directory = try ServerDirectory.make()
            // A free port can be taken between probing and binding; try a few.
            var lastError = TestSupportError("no attempt")
            for _ in 0..<5 {
                let port = try freePort()
                do throws(TestSupportError) {
                    let process = try startReal(path: path, port: port, options: options, directory: directory)
                    return TestRedisServer(
                        kind: .real, port: port, options: options, running: .real(process), directory: directory)
                } catch {
                    lastError = error
                }
            }
            ServerDirectory.remove(directory)
            throw lastError
        }
    }

    /// The fake's control API (fault injection, counters); nil for a real server or when stopped.
    public var fake: FakeRedisServer? {
        state.withLock { running -> FakeRedisServer? in
            if case .fake(let server) = running { return server }
            return nil
        }
    }

    /// Whether the server is up.
    public var isRunning: Bool {
        state.withLock { running -> Bool in
            if case .stopped = running { return false }
            return true
        }
    }

    /// Marks the server stopped and returns what was running.
    private func markStopped() -> Running {
        state.withLock { running -> Running in
            defer { running = .stopped }
            return running
        }
    }

    /// Stops the server gracefully (SIGTERM for a real one, bounded by a SIGKILL).
    public func stop() {
        let previous = markStopped()
        switch previous {
        case .fake(let server): server.stop()
        case .real(let process):
            process.signal(SIGTERM)
            if (try? process.wait(timeout: .seconds(10))) == nil { process.signal(SIGKILL) }
        case .stopped: break
        }
    }

    /// Kills the server abruptly: SIGKILL for a real one; the fake stops at once (every
    /// connection closed, the port no longer listening), which a client sees the same way.
    public func kill() {
        let previous = markStopped()
        switch previous {
        case .fake(let server): server.stop()
        case .real(let process):
            process.signal(SIGKILL)
            _ = try? process.wait(timeout: .seconds(10))
        case .stopped: break
        }
    }

    /// Starts the server again on the same port, with no data (after ``stop()`` or ``kill()``).
    public func restart() throws(TestSupportError) {
        stop()
        let deadline = ContinuousClock.now + .seconds(10)
        while true {
            do throws(TestSupportError) {
                let running: Running
                switch kind {
                case .fake: running = .fake(try Self.startFake(port: port, options: options))
                case .real:
                    guard let path = ChildProcess.find("redis-server") else {
                        throw TestSupportError("redis-server is not on PATH")
                    }
                    running = .real(try Self.startReal(path: path, port: port, options: options, directory: directory))
                }
                state.withLock { $0 = running }
                return
            } catch {
                // The old socket may linger for a moment; retry within the deadline.
                if ContinuousClock.now > deadline { throw error }
                usleep(50_000)
            }
        }
    }

    // MARK: Starting

    private static func startFake(port: Int, options: Options) throws(TestSupportError) -> FakeRedisServer {
        do {
            return try FakeRedisServer.start(
                FakeRedisServer.Configuration(
                    port: port, unixSocketPath: options.unixSocketPath, password: options.password, users: options.users
                ))
        } catch {
            throw TestSupportError("the fake server did not start: \(error)")
        }
    }

    private static func startReal(
        path: String, port: Int, options: Options, directory: String
    ) throws(TestSupportError) -> ChildProcess {
        var arguments = [
            "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no",
            "--dir", directory, "--enable-debug-command", "yes", "--logfile", directory + "/redis.log",
        ]
        if let password = options.password { arguments += ["--requirepass", password] }
        if let socket = options.unixSocketPath { arguments += ["--unixsocket", socket, "--unixsocketperm", "700"] }
        for (user, password) in options.users.sorted(by: { $0.key < $1.key }) {
            arguments += ["--user", user, "on", ">\(password)", "~*", "&*", "+@all"]
        }
        arguments += options.extraRealArguments
        let process = try ChildProcess(path: path, arguments: arguments, pipeStdout: false, pipeStderr: true)
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            if process.hasExited {
                let result = try? process.wait(timeout: .seconds(1))
                throw TestSupportError(
                    "redis-server exited on port \(port): \(result?.stderr ?? "") \(readLog(directory))")
            }
            if let connection = try? RESPTestConnection(port: port, timeout: .seconds(1)),
                (try? connection.command("PING")) != nil  // NOAUTH also proves it is up
            {
                // Unless another server answers there: ours then exits (checked above).
                let answering = connection.serverProcessID(password: options.password)
                if answering == nil || answering == Int(process.pid) { return process }
            }
            usleep(10_000)
        }
        process.signal(SIGKILL)
        _ = try? process.wait(timeout: .seconds(5))
        throw TestSupportError("redis-server did not answer on port \(port) within 10 s")
    }

    private static func readLog(_ directory: String) -> String {
        guard let file = fopen(directory + "/redis.log", "r") else { return "" }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = fread(&buffer, 1, buffer.count, file)
            if n <= 0 { break }
            bytes += buffer[0..<n]
        }
        return String(decoding: bytes.suffix(2000), as: UTF8.self)
    }

    /// A port nothing listens on right now (bind port 0, read it, close).
    public static func freePort() throws(TestSupportError) -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestSupportError("socket failed: errno \(errno)") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0 else { throw TestSupportError("bind failed: errno \(errno)") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else { throw TestSupportError("getsockname failed: errno \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// Runs `body` with a server of `kind`, stopping it afterwards even when `body` throws.
public func withTestRedisServer<R>(
    _ kind: TestRedisServer.Kind, options: TestRedisServer.Options = .init(),
    _ body: (TestRedisServer) async throws -> R
) async throws -> R {
    let server = try TestRedisServer.start(kind, options: options)
    defer { server.stop() }
    return try await body(server)
}

extension TestRedisServer {
    /// The server kinds a contract test runs against: always the fake; the real one too when
    /// `redis-server` is on PATH or `STRATA_REQUIRE_REDIS=1` (then its absence fails the test).
    /// Without it, a note says the real-server runs were skipped.
    public static let kindsToTest: [Kind] = {
        if realServerUnavailable == nil || realServerRequired { return [.fake, .real] }
        print("note: \(realServerUnavailable!); contract tests run against the fake server only")
        return [.fake]
    }()

    /// `redis://127.0.0.1:PORT`.
    public var url: String { "redis://\(host):\(port)" }
}
