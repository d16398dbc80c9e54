import Glibc
import StrataSync

/// A real `redis-server` started for one test on a free loopback port, and stopped even when the
/// test fails.
public final class RedisServerProcess: Sendable {
    /// Whether `redis-server` is on PATH.
    public static let executable: String? = {
        let path = String(cString: getenv("PATH") ?? strdup("/usr/bin:/bin"))
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/redis-server"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }()

    /// Whether tests that need a real server must run (and fail without one): `STRATA_REQUIRE_REDIS=1`.
    public static let isRequired: Bool = getenv("STRATA_REQUIRE_REDIS").map { String(cString: $0) == "1" } ?? false

    /// Whether real-server tests run: a server is available, or one is required.
    public static let isEnabled: Bool = executable != nil || isRequired

    public let port: Int
    let extraArguments: [String]
    /// Its working directory, which names this test process (see ``ServerDirectory``).
    let directory: String
    private let pid = StrataMutex<pid_t>(0)

    private init(port: Int, extraArguments: [String]) throws {
        self.port = port
        self.extraArguments = extraArguments
        directory = try ServerDirectory.make()
    }

    /// Starts a server and waits until it answers PING.
    public static func start(arguments: [String] = [], port: Int? = nil) async throws -> RedisServerProcess {
        guard executable != nil else {
            throw TestFailure("redis-server is not on PATH; install it (apt-get install -y redis-server)")
        }
        var lastError: (any Error)?
        for _ in 0..<5 {
            let server = try RedisServerProcess(port: port ?? freePort(), extraArguments: arguments)
            do {
                try await server.launch()
                return server
            } catch {
                lastError = error
                server.kill()
                if port != nil { break }
            }
        }
        throw lastError ?? TestFailure("redis-server did not start")
    }

    /// Starts a server, runs `body`, and stops the server whatever happens.
    public static func with<T>(
        arguments: [String] = [],
        _ body: (RedisServerProcess) async throws -> T
    ) async throws -> T {
        let server = try await start(arguments: arguments)
        defer { server.kill() }
        return try await body(server)
    }

    public var url: String { "redis://127.0.0.1:\(port)" }

    private func launch() async throws {
        var arguments = [
            Self.executable!, "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
            "--daemonize", "no", "--protected-mode", "no", "--loglevel", "warning", "--logfile", "", "--dir", directory,
        ]
        arguments += extraArguments
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) }
        argv.append(nil)
        defer { for pointer in argv { free(pointer) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var child: pid_t = 0
        let status = posix_spawn(&child, Self.executable!, &actions, nil, argv, environ)
        guard status == 0 else { throw TestFailure("posix_spawn redis-server failed: \(status)") }
        pid.withLock { $0 = child }
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            if Self.answersPing(port: port) { return }
            var exitStatus: Int32 = 0
            if waitpid(child, &exitStatus, WNOHANG) == child {
                pid.withLock { $0 = 0 }
                throw TestFailure("redis-server exited during startup (status \(exitStatus))")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw TestFailure("redis-server did not answer PING within 10 s")
    }

    /// Stops the server at once (SIGKILL), as a crash would.
    public func kill() {
        let child = pid.withLock { pid in
            defer { pid = 0 }
            return pid
        }
        guard child > 0 else { return }
        Glibc.kill(child, SIGKILL)
        var status: Int32 = 0
        waitpid(child, &status, 0)
    }

    /// Starts the server again on the same port (after ``kill()``).
    public func restart() async throws {
        kill()
        try await launch()
    }

    deinit {
        kill()
        ServerDirectory.remove(directory)
    }

    /// A loopback port nobody listens on right now.
    public static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var size = socklen_t(MemoryLayout<sockaddr_in>.size)
        withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                _ = bind(fd, sa, size)
                _ = getsockname(fd, sa, &size)
            }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Sends PING over a blocking socket and checks for +PONG (or an auth error, which also means up).
    public static func answersPing(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
        guard connected else { return false }
        var timeout = timeval(tv_sec: 1, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let ping = Array("PING\r\n".utf8)
        guard write(fd, ping, ping.count) == ping.count else { return false }
        var buffer = [UInt8](repeating: 0, count: 64)
        let n = read(fd, &buffer, buffer.count)
        return n > 0 && (buffer[0] == UInt8(ascii: "+") || buffer[0] == UInt8(ascii: "-"))
    }
}

/// A failure in test setup, with a message.
public struct TestFailure: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
