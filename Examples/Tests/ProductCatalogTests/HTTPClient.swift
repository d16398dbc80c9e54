// A minimal HTTP/1.1 client over a plain socket, for the tests: one request per connection
// (`Connection: close`), read until the server closes. Blocking I/O runs on a Dispatch thread, not
// on the Swift concurrency pool, with a receive timeout so no test waits forever.
import Dispatch
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Runs blocking work (sockets, process start and stop) on a Dispatch thread: the Swift
/// concurrency pool has one thread per core (2 here), and the app and the cache need them.
func offThePool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(with: Result { try work() }) }
    }
}

/// An HTTP response as the tests read it.
struct HTTPTestResponse: Sendable {
    /// The status code, such as 200 or 304.
    var status: Int
    /// Header fields in order, names as sent.
    var headers: [(name: String, value: String)]
    /// The body.
    var body: [UInt8]

    /// The first value of header `name` (case-insensitive).
    func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    /// The body as UTF-8 text.
    var text: String { String(decoding: body, as: UTF8.self) }
}

/// Talks to an app on 127.0.0.1:`port`.
struct HTTPTestClient: Sendable {
    let port: Int

    /// Sends one request and reads the whole response (bounded by `timeout` per read).
    func request(
        _ method: String, _ path: String, headers: [String: String] = [:], body: String? = nil,
        timeout: Duration = .seconds(10)
    ) async throws -> HTTPTestResponse {
        let port = port
        return try await offThePool {
            try Self.exchange(port: port, method: method, path: path, headers: headers, body: body, timeout: timeout)
        }
    }

    func get(_ path: String, headers: [String: String] = [:]) async throws -> HTTPTestResponse {
        try await request("GET", path, headers: headers)
    }

    func post(_ path: String, json: String) async throws -> HTTPTestResponse {
        try await request("POST", path, headers: ["Content-Type": "application/json"], body: json)
    }

    private static func exchange(
        port: Int, method: String, path: String, headers: [String: String], body: String?, timeout: Duration
    ) throws -> HTTPTestResponse {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket failed: errno \(errno)") }
        defer { close(fd) }
        var time = timeval(tv_sec: Int(timeout.components.seconds), tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { throw TestFailure("connect to port \(port) failed: errno \(errno)") }

        let payload = Array((body ?? "").utf8)
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) { head += "\(name): \(value)\r\n" }
        if body != nil || method == "POST" { head += "Content-Length: \(payload.count)\r\n" }
        let request = Array((head + "\r\n").utf8) + payload
        var sent = 0
        while sent < request.count {
            let written = request[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
            guard written > 0 else { throw TestFailure("send failed: errno \(errno)") }
            sent += written
        }

        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count == 0 { break }
            guard count > 0 else { throw TestFailure("recv failed (or timed out): errno \(errno)") }
            received += buffer[0..<count]
            if let response = try parse(received, method: method) { return response }
        }
        guard let response = try parse(received, method: method) else {
            throw TestFailure("the connection closed after \(received.count) bytes, mid-response")
        }
        return response
    }

    /// The response in `bytes` once complete (`nil`: more to read).
    private static func parse(_ bytes: [UInt8], method: String) throws -> HTTPTestResponse? {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard let end = bytes.indices.dropLast(3).first(where: { Array(bytes[$0..<$0 + 4]) == separator }) else {
            return nil
        }
        let lines = String(decoding: bytes[..<end], as: UTF8.self).components(separatedBy: "\r\n")
        let statusParts = lines[0].split(separator: " ", maxSplits: 2)
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else {
            throw TestFailure("bad status line: \(lines[0])")
        }
        var headers: [(name: String, value: String)] = []
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers.append(
                (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
        let response = HTTPTestResponse(status: status, headers: headers, body: Array(bytes[(end + 4)...]))
        // No body for 304 and HEAD; otherwise Content-Length when given (chunked is not needed here).
        if status == 304 || status == 204 || method == "HEAD" {
            return HTTPTestResponse(status: status, headers: headers, body: [])
        }
        if let length = response.header("Content-Length").flatMap(Int.init) {
            return response.body.count >= length
                ? HTTPTestResponse(status: status, headers: headers, body: Array(response.body.prefix(length))) : nil
        }
        return nil  // read until the server closes
    }
}
