import Dispatch
import Glibc

/// Opens sockets: TCP (getaddrinfo, IPv4 and IPv6, TCP_NODELAY) and Unix domain sockets,
/// non-blocking and close-on-exec, with a connect timeout.
enum SocketConnector {
    /// Connects without blocking the caller's thread: name resolution and the connect wait run on
    /// a Dispatch queue.
    static func connect(
        to endpoint: RedisConfiguration.Endpoint,
        timeout: Duration
    ) async throws(RedisClientError) -> Int32 {
        let result: Result<Int32, RedisClientError> = await withUnsafeContinuation { continuation in
            DispatchQueue.global().async {
                do throws(RedisClientError) {
                    continuation.resume(returning: .success(try connectBlocking(to: endpoint, timeout: timeout)))
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
        }
        return try result.get()
    }

    static func connectBlocking(
        to endpoint: RedisConfiguration.Endpoint,
        timeout: Duration
    ) throws(RedisClientError) -> Int32 {
        let deadline = ContinuousClock.now + timeout
        switch endpoint {
        case .tcp(let host, let port):
            return try connectTCP(host: host, port: port, deadline: deadline)
        case .unixSocket(let path):
            return try connectUnix(path: path, deadline: deadline)
        }
    }

    private static func connectTCP(host: String, port: Int, deadline: ContinuousClock.Instant) throws(RedisClientError)
        -> Int32
    {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let first = list else {
            let reason = status == 0 ? "no addresses" : String(cString: gai_strerror(status))
            throw RedisClientError(.connectionFailed, "cannot resolve \(host): \(reason)")
        }
        defer { freeaddrinfo(list) }
        var lastError = "no addresses for \(host)"
        var current: UnsafeMutablePointer<addrinfo>? = first
        while let info = current {
            current = info.pointee.ai_next
            let fd = socket(
                info.pointee.ai_family,
                Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else {
                lastError = "socket: \(String(cString: strerror(errno)))"
                continue
            }
            do throws(RedisClientError) {
                try finishConnect(
                    fd: fd, address: info.pointee.ai_addr, length: info.pointee.ai_addrlen, deadline: deadline)
                var one: Int32 = 1
                _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
                _ = setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, socklen_t(MemoryLayout<Int32>.size))
                return fd
            } catch {
                SystemCall.close(fd)
                if error.code == .timeout {
                    throw RedisClientError(.timeout, "connecting to \(host):\(port): \(error.message)")
                }
                lastError = error.message
            }
        }
        throw RedisClientError(.connectionFailed, "cannot connect to \(host):\(port): \(lastError)")
    }

    private static func connectUnix(path: String, deadline: ContinuousClock.Instant) throws(RedisClientError) -> Int32 {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            throw RedisClientError(.invalidConfiguration, "the socket path is too long: \(path)")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let fd = socket(
            AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else {
            throw RedisClientError(.connectionFailed, "socket: \(String(cString: strerror(errno)))")
        }
        do throws(RedisClientError) {
            try withUnsafePointer(to: &address) { pointer throws(RedisClientError) in
                try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa throws(RedisClientError) in
                    try finishConnect(
                        fd: fd, address: sa, length: socklen_t(MemoryLayout<sockaddr_un>.size), deadline: deadline)
                }
            }
            return fd
        } catch {
            SystemCall.close(fd)
            throw RedisClientError(error.code, "cannot connect to unix:\(path): \(error.message)")
        }
    }

    /// A non-blocking connect, waited for with `poll` until the deadline.
    private static func finishConnect(
        fd: Int32,
        address: UnsafePointer<sockaddr>,
        length: socklen_t,
        deadline: ContinuousClock.Instant
    ) throws(RedisClientError) {
        var result: Int32
        repeat { result = Glibc.connect(fd, address, length) } while result < 0 && errno == EINTR
        if result == 0 { return }
        guard errno == EINPROGRESS || errno == EAGAIN else {
            throw RedisClientError(.connectionFailed, String(cString: strerror(errno)))
        }
        while true {
            let remaining = deadline - ContinuousClock.now
            guard remaining > .zero else {
                throw RedisClientError(.timeout, "no connection within the connect timeout")
            }
            var descriptor = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            let milliseconds = Int32(min(remaining.seconds * 1000 + 1, 60_000))
            let ready = poll(&descriptor, 1, milliseconds)
            if ready < 0 && errno == EINTR { continue }
            if ready == 0 { continue }
            var error: Int32 = 0
            var size = socklen_t(MemoryLayout<Int32>.size)
            _ = getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &size)
            if error != 0 { throw RedisClientError(.connectionFailed, String(cString: strerror(error))) }
            return
        }
    }
}
