// Redis servers for the tests: the embedded fake, or a real `redis-server` from PATH on a free
// port, stopped even when a test fails. (A trimmed copy of the root's StrataServerTestSupport
// launcher, which is not a product of the Strata package.)
import Dispatch
import Foundation
import StrataFakeRedis

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Which Redis the app runs against.
enum RedisBackend: String, CaseIterable, Sendable, CustomStringConvertible {
    case fake
    case real

    var description: String { rawValue }

    /// `redis-server` on PATH, or nil.
    static var redisServerPath: String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/redis-server"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }

    /// `STRATA_REQUIRE_REDIS=1`: the real-server tests run (and fail) even without redis-server.
    static var realServerRequired: Bool {
        ProcessInfo.processInfo.environment["STRATA_REQUIRE_REDIS"] == "1"
    }

    /// Whether the real-server tests run.
    static var realServerEnabled: Bool { redisServerPath != nil || realServerRequired }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A running Redis server of either kind on 127.0.0.1.
final class TestRedis: @unchecked Sendable {
    let port: Int
    private let fake: FakeRedisServer?
    private let process: Process?
    private let exited: DispatchSemaphore?
    private let directory: String?
    private var stopped = false
    private let lock = NSLock()

    private init(
        port: Int, fake: FakeRedisServer?, process: Process?, exited: DispatchSemaphore?, directory: String?
    ) {
        self.port = port
        self.fake = fake
        self.process = process
        self.exited = exited
        self.directory = directory
    }

    deinit { stop() }

    var url: String { "redis://127.0.0.1:\(port)" }

    /// Starts a server and waits (bounded) until it accepts connections.
    static func start(_ backend: RedisBackend) throws -> TestRedis {
        switch backend {
        case .fake:
            let server = try FakeRedisServer.start()
            return TestRedis(port: server.port, fake: server, process: nil, exited: nil, directory: nil)
        case .real:
            guard let path = RedisBackend.redisServerPath else {
                throw TestFailure("redis-server is not on PATH (STRATA_REQUIRE_REDIS=1)")
            }
            let directory = FileManager.default.temporaryDirectory
                .appendingPathComponent("strata-examples-redis-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            var lastError: any Error = TestFailure("no attempt")
            // A free port can be taken between probing and binding: a few attempts.
            for _ in 0..<5 {
                let port = try freePort()
                let process = Process()
                process.executableURL = URL(fileURLWithPath: path)
                process.arguments = [
                    "--port", "\(port)", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                    "--dir", directory, "--logfile", "\(directory)/redis.log",
                ]
                process.standardOutput = FileHandle.nullDevice
                process.standardError = FileHandle.nullDevice
                let exited = DispatchSemaphore(value: 0)
                process.terminationHandler = { _ in exited.signal() }
                try process.run()
                let server = TestRedis(
                    port: port, fake: nil, process: process, exited: exited, directory: directory)
                if waitUntilAccepting(port: port, process: process, timeout: .seconds(10)) { return server }
                server.stop()
                lastError = TestFailure("redis-server did not start on port \(port)")
            }
            try? FileManager.default.removeItem(atPath: directory)
            throw lastError
        }
    }

    /// Stops the server: the fake at once; a real one with SIGKILL, waiting (bounded) for its exit.
    func stop() {
        let first = lock.withLock { () -> Bool in
            defer { stopped = true }
            return !stopped
        }
        guard first else { return }
        fake?.stop()
        if let process, let exited {
            // Its data is throwaway: SIGKILL at once (SIGTERM took 5 s to be seen exiting here).
            kill(process.processIdentifier, SIGKILL)
            _ = exited.wait(timeout: .now() + 5)
        }
        if let directory { try? FileManager.default.removeItem(atPath: directory) }
    }

    /// A free loopback TCP port (bound to port 0, then released).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket failed: errno \(errno)") }
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
        guard bound == 0 else { throw TestFailure("bind failed: errno \(errno)") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else { throw TestFailure("getsockname failed: errno \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Whether a TCP connection to the port succeeds before `timeout` (false if the process exits).
    private static func waitUntilAccepting(port: Int, process: Process, timeout: Duration) -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline && process.isRunning {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { return false }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            close(fd)
            if connected == 0 { return true }
            usleep(20_000)
        }
        return false
    }
}
