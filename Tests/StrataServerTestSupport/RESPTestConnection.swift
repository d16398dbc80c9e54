import Glibc
import StrataRESP

/// A minimal, blocking RESP client for tests: send commands or raw bytes, read replies as
/// values together with their exact bytes, and see EOF and resets. Every read is bounded by a
/// timeout. Not thread-safe: one test owns it.
///
/// ```swift
/// let connection = try RESPTestConnection(port: server.port)
/// try connection.command("SET", "k", "v")            // .simpleString("OK")
/// try connection.send(["GET", "k"])
/// let (value, bytes) = try connection.readReply()    // "v", Array("$1\r\nv\r\n".utf8)
/// ```
public final class RESPTestConnection {
    /// What went wrong on a test connection.
    public enum Failure: Error, CustomStringConvertible, Equatable {
        /// No (complete) reply within the timeout.
        case timedOut
        /// The server closed the connection (EOF, or a reset with its errno).
        case closed(errno: Int32)
        /// The reply bytes are not valid RESP.
        case malformed(String)
        /// A system call failed.
        case system(String, errno: Int32)

        public var description: String {
            switch self {
            case .timedOut: return "timed out waiting for a reply"
            case .closed(let e): return e == 0 ? "connection closed by the server" : "connection reset (errno \(e))"
            case .malformed(let detail): return "malformed reply: \(detail)"
            case .system(let call, let e): return "\(call) failed: errno \(e)"
            }
        }
    }

    private var fd: Int32
    private var parser = RESPParser()
    /// Bytes read but not yet returned as part of a reply.
    private var pending: [UInt8] = []
    /// Stream offset of the end of the last reply returned.
    private var consumed = 0
    /// How long a read waits for a reply.
    public var timeout: Duration

    /// Connects over TCP to `host:port`.
    public init(host: String = "127.0.0.1", port: Int, timeout: Duration = .seconds(5)) throws(Failure) {
        self.timeout = timeout
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw .system("socket", errno: errno) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr(host)
        let ok = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard ok == 0 else {
            let e = errno
            // deinit runs for a class whose init throws after its properties are set: mark the
            // descriptor closed here, or deinit would close the number again, and by then it may
            // belong to another connection of this process.
            close()
            throw .system("connect", errno: e)
        }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    /// Connects to a Unix domain socket.
    public init(unixSocket path: String, timeout: Duration = .seconds(5)) throws(Failure) {
        self.timeout = timeout
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw .system("socket", errno: errno) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes.prefix(raw.count - 1))
            raw[min(bytes.count, raw.count - 1)] = 0
        }
        let ok = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard ok == 0 else {
            let e = errno
            // deinit runs for a class whose init throws after its properties are set: mark the
            // descriptor closed here, or deinit would close the number again, and by then it may
            // belong to another connection of this process.
            close()
            throw .system("connect", errno: e)
        }
    }

    deinit { close() }

    /// Closes the connection.
    public func close() {
        if fd >= 0 {
            Glibc.close(fd)
            fd = -1
        }
    }

    // MARK: Sending

    /// Sends one command as an array of bulk strings.
    public func send(_ arguments: [String]) throws(Failure) {
        var encoder = RESPEncoder()
        encoder.writeCommand(arguments)
        try send(bytes: encoder.buffer)
    }

    /// Sends one command whose arguments are bytes.
    public func send(binary arguments: [[UInt8]]) throws(Failure) {
        var encoder = RESPEncoder()
        encoder.writeCommand(arguments)
        try send(bytes: encoder.buffer)
    }

    /// Sends raw bytes (inline commands, pipelines, garbage).
    public func send(bytes: [UInt8]) throws(Failure) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes {
                Glibc.send(fd, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw .closed(errno: errno)
            }
            offset += n
        }
    }

    // MARK: Receiving

    /// Reads one reply: the value and its exact bytes.
    public func readReply() throws(Failure) -> (value: RESPValue, bytes: [UInt8]) {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let reply = try nextBuffered() { return reply }
            try fill(until: deadline)
        }
    }

    /// Sends a command and reads its reply.
    @discardableResult
    public func command(_ arguments: String...) throws(Failure) -> RESPValue {
        try send(arguments)
        return try readReply().value
    }

    /// The process ID of the server that answers, from `INFO server` (after `AUTH password` when
    /// given), or `nil` when it does not say (an error reply, a closed connection).
    ///
    /// A launcher checks it against its child's: when the port it picked was taken meanwhile, its
    /// own server fails to bind and exits, but another one answers PING there first.
    public func serverProcessID(password: String? = nil) -> Int? {
        if let password, (try? command("AUTH", password))?.errorMessage != nil { return nil }
        guard let info = try? command("INFO", "server").asString() else { return nil }
        for line in info.split(whereSeparator: \.isNewline) where line.hasPrefix("process_id:") {
            return Int(line.dropFirst("process_id:".count))
        }
        return nil
    }

    /// Sends a command and reads its reply's bytes.
    public func commandBytes(_ arguments: [String]) throws(Failure) -> [UInt8] {
        try send(arguments)
        return try readReply().bytes
    }

    /// Reads whatever arrives within `window` (no parsing): for garbage and partial replies.
    public func readAvailable(for window: Duration) throws(Failure) -> [UInt8] {
        var collected = pending
        pending.removeAll()
        parser = RESPParser()
        consumed = 0
        let deadline = ContinuousClock.now + window
        while ContinuousClock.now < deadline {
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ms = Int32(max(1, (deadline - ContinuousClock.now).milliseconds))
            guard poll(&p, 1, ms) > 0 else { continue }
            var buffer = [UInt8](repeating: 0, count: 65536)
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { break }
            collected += buffer[0..<n]
        }
        return collected
    }

    /// Waits until the server closes the connection; returns the bytes that came first.
    /// Throws ``Failure/timedOut`` if it stays open.
    public func readUntilClosed(timeout: Duration? = nil) throws(Failure) -> [UInt8] {
        var collected = pending
        pending.removeAll()
        parser = RESPParser()
        consumed = 0
        let deadline = ContinuousClock.now + (timeout ?? self.timeout)
        while true {
            let remaining = deadline - ContinuousClock.now
            guard remaining > .zero else { throw .timedOut }
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&p, 1, Int32(max(1, remaining.milliseconds))) > 0 else { continue }
            var buffer = [UInt8](repeating: 0, count: 65536)
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { return collected }
            collected += buffer[0..<n]
        }
    }

    private func nextBuffered() throws(Failure) -> (value: RESPValue, bytes: [UInt8])? {
        guard !pending.isEmpty else { return nil }
        do {
            guard let value = try parser.next() else { return nil }
            let after = parser.totalBytesAppended - parser.bufferedByteCount
            let length = after - consumed
            consumed = after
            let bytes = Array(pending.prefix(length))
            pending.removeFirst(length)
            return (value, bytes)
        } catch {
            throw .malformed("\(error)")
        }
    }

    private func fill(until deadline: ContinuousClock.Instant) throws(Failure) {
        while true {
            let remaining = deadline - ContinuousClock.now
            guard remaining > .zero else { throw .timedOut }
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&p, 1, Int32(max(1, remaining.milliseconds)))
            if ready < 0 && errno == EINTR { continue }
            guard ready > 0 else { continue }
            var buffer = [UInt8](repeating: 0, count: 65536)
            let n = recv(fd, &buffer, buffer.count, 0)
            if n > 0 {
                pending += buffer[0..<n]
                parser.append(contentsOf: buffer[0..<n])
                return
            }
            throw .closed(errno: n == 0 ? 0 : errno)
        }
    }
}
