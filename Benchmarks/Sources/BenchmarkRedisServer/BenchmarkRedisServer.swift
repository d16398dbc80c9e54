import Glibc

/// A `redis-server` child process on a free loopback port, for benchmarks that need one. It is
/// killed when the benchmark process exits (atexit), whatever happens.
public enum BenchmarkRedisServer {
    nonisolated(unsafe) private static var child: pid_t = 0
    nonisolated(unsafe) private static var startedPort: Int?

    /// The port of a running server, starting one on first use; `nil` when `redis-server` is not
    /// on PATH (the benchmarks that need it are then skipped).
    public static func port() -> Int? {
        if let startedPort { return startedPort }
        guard let path = find("redis-server") else { return nil }
        let port = freePort()
        var arguments = [
            path, "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--logfile", "",
        ]
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) }
        argv.append(nil)
        defer { for pointer in argv { free(pointer) } }
        arguments.removeAll()
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        defer { posix_spawn_file_actions_destroy(&actions) }
        guard posix_spawn(&child, path, &actions, nil, argv, environ) == 0 else { return nil }
        atexit { if BenchmarkRedisServer.child > 0 { kill(BenchmarkRedisServer.child, SIGKILL) } }
        for _ in 0..<200 {
            if answers(port) {
                startedPort = port
                return port
            }
            usleep(20_000)
        }
        return nil
    }

    private static func find(_ name: String) -> String? {
        let path = getenv("PATH").map { String(cString: $0) } ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") where access("\(directory)/\(name)", X_OK) == 0 {
            return "\(directory)/\(name)"
        }
        return nil
    }

    private static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var size = socklen_t(MemoryLayout<sockaddr_in>.size)
        withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                _ = bind(fd, sa, size)
                _ = getsockname(fd, sa, &size)
            }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    private static func answers(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }
}
