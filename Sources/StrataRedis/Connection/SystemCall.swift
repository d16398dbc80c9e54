import Glibc

/// The one wrapper for system calls: retries `EINTR`, reports `EAGAIN` as "would block" (`nil`),
/// and throws the `errno` of any other failure.
enum SystemCall {
    /// A failed system call: which one and its `errno`.
    struct Failure: Error, CustomStringConvertible {
        var call: String
        var errno: Int32
        var description: String { "\(call): \(String(cString: strerror(errno))) (errno \(errno))" }
    }

    /// Runs `body` until it does not fail with `EINTR`. Returns `nil` for `EAGAIN`/`EWOULDBLOCK`.
    @inline(__always)
    static func run<T: BinaryInteger>(_ call: String, _ body: () -> T) throws(Failure) -> T? {
        while true {
            let result = body()
            if result >= 0 { return result }
            let code = Glibc.errno
            if code == EINTR { continue }
            if code == EAGAIN || code == EWOULDBLOCK { return nil }
            throw Failure(call: call, errno: code)
        }
    }

    /// `close(2)`, ignoring errors (there is nothing useful to do about them).
    static func close(_ fd: Int32) {
        _ = Glibc.close(fd)
    }
}
