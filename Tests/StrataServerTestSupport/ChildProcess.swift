import Glibc

/// A child process started with posix_spawn, with optional pipes for its standard streams.
///
/// Test support for starting `redis-server`, `redis-cli`, `redis-benchmark` and the fake
/// server's runner; every wait is bounded.
public final class ChildProcess: @unchecked Sendable {
    /// The process ID.
    public let pid: pid_t
    /// The write end of the child's stdin, if piped.
    private var stdinWriter: Int32
    /// The read ends of the child's stdout and stderr, if piped.
    private var stdoutReader: Int32
    private var stderrReader: Int32
    private var exitStatus: Int32?

    /// What a finished process left behind.
    public struct Result: Sendable {
        /// The exit code, or 128 + signal number if a signal ended it.
        public var status: Int32
        /// Everything the process wrote to stdout (if piped).
        public var stdout: String
        /// Everything the process wrote to stderr (if piped).
        public var stderr: String
    }

    /// Starts `path` with `arguments` (not including argv[0]). Streams not piped go to
    /// /dev/null. The environment is empty except for `PATH` and `HOME`.
    public init(
        path: String, arguments: [String], pipeStdin: Bool = false, pipeStdout: Bool = true,
        pipeStderr: Bool = true
    ) throws(TestSupportError) {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var toClose: [Int32] = []
        func makePipe() throws(TestSupportError) -> (Int32, Int32) {
            var fds: [Int32] = [-1, -1]
            guard pipe(&fds) == 0 else { throw TestSupportError("pipe failed: errno \(errno)") }
            return (fds[0], fds[1])
        }
        var stdinWriter: Int32 = -1
        var stdoutReader: Int32 = -1
        var stderrReader: Int32 = -1
        if pipeStdin {
            let (r, w) = try makePipe()
            posix_spawn_file_actions_adddup2(&actions, r, 0)
            posix_spawn_file_actions_addclose(&actions, w)
            toClose.append(r)
            stdinWriter = w
        } else {
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        }
        for (fd, wanted) in [(Int32(1), pipeStdout), (Int32(2), pipeStderr)] {
            if wanted {
                let (r, w) = try makePipe()
                posix_spawn_file_actions_adddup2(&actions, w, fd)
                posix_spawn_file_actions_addclose(&actions, r)
                toClose.append(w)
                if fd == 1 { stdoutReader = r } else { stderrReader = r }
            } else {
                posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", O_WRONLY, 0)
            }
        }
        for fd in [stdinWriter, stdoutReader, stderrReader] where fd >= 0 {
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        let environment = [
            "PATH=\(Self.environment("PATH") ?? "/usr/bin:/bin")", "HOME=\(Self.environment("HOME") ?? "/tmp")",
        ]
        let envp = environment.map { strdup($0) } + [nil]
        defer {
            for p in argv { free(p) }
            for p in envp { free(p) }
        }
        // The child must not inherit a blocked signal mask or ignored signals from the test
        // runner's thread, or SIGTERM would never reach it.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var pid: pid_t = 0
        let status = posix_spawn(&pid, path, &actions, &attributes, argv, envp)
        for fd in toClose { close(fd) }
        guard status == 0 else {
            for fd in [stdinWriter, stdoutReader, stderrReader] where fd >= 0 { close(fd) }
            throw TestSupportError("cannot start \(path): posix_spawn error \(status)")
        }
        self.pid = pid
        self.stdinWriter = stdinWriter
        self.stdoutReader = stdoutReader
        self.stderrReader = stderrReader
    }

    deinit {
        if exitStatus == nil {
            Glibc.kill(pid, SIGKILL)
            _ = try? wait(timeout: .seconds(5))
        }
        for fd in [stdinWriter, stdoutReader, stderrReader] where fd >= 0 { close(fd) }
    }

    /// The value of an environment variable.
    public static func environment(_ name: String) -> String? {
        guard let value = getenv(name) else { return nil }
        return String(decoding: UnsafeRawBufferPointer(start: value, count: strlen(value)), as: UTF8.self)
    }

    /// The full path of an executable found on PATH, or nil.
    public static func find(_ name: String) -> String? {
        for directory in (environment("PATH") ?? "/usr/bin:/bin").split(separator: ":") {
            let candidate = "\(directory)/\(name)"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }

    /// Writes to the child's stdin and closes it.
    public func writeStdinAndClose(_ bytes: [UInt8]) {
        guard stdinWriter >= 0 else { return }
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { write(stdinWriter, $0.baseAddress! + offset, bytes.count - offset) }
            if n <= 0 { break }
            offset += n
        }
        close(stdinWriter)
        stdinWriter = -1
    }

    /// Reads stdout until a line containing `text` arrives; returns everything read so far.
    public func readStdout(until text: String, timeout: Duration) throws(TestSupportError) -> String {
        var collected: [UInt8] = []
        let deadline = ContinuousClock.now + timeout
        while !String(decoding: collected, as: UTF8.self).contains(text) {
            let remaining = deadline - ContinuousClock.now
            guard remaining > .zero else {
                throw TestSupportError(
                    "timed out waiting for '\(text)'; got: \(String(decoding: collected, as: UTF8.self))")
            }
            var fd = pollfd(fd: stdoutReader, events: Int16(POLLIN), revents: 0)
            let ms = Int32(max(1, min(1000, remaining.milliseconds)))
            guard poll(&fd, 1, ms) >= 0 else { continue }
            if fd.revents != 0 {
                var buffer = [UInt8](repeating: 0, count: 4096)
                let n = read(stdoutReader, &buffer, buffer.count)
                if n <= 0 {
                    throw TestSupportError(
                        "stdout closed before '\(text)': \(String(decoding: collected, as: UTF8.self))")
                }
                collected += buffer[0..<n]
            }
        }
        return String(decoding: collected, as: UTF8.self)
    }

    /// Sends a signal, unless the process has already been waited for (its ID may be reused).
    public func signal(_ signal: Int32) {
        guard exitStatus == nil else { return }
        Glibc.kill(pid, signal)
    }

    /// Waits for the process to end, collecting what is left of its output. Throws (after
    /// killing it) when it does not end in time.
    @discardableResult
    public func wait(timeout: Duration) throws(TestSupportError) -> Result {
        var out: [UInt8] = []
        var err: [UInt8] = []
        let deadline = ContinuousClock.now + timeout
        var open = [stdoutReader, stderrReader].filter { $0 >= 0 }
        while exitStatus == nil || !open.isEmpty {
            if exitStatus == nil {
                var status: Int32 = 0
                let r = waitpid(pid, &status, WNOHANG)
                if r == pid {
                    let signalled = status & 0x7f
                    exitStatus = signalled == 0 ? (status >> 8) & 0xff : 128 + signalled
                }
            }
            if !open.isEmpty {
                var fds = open.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
                _ = poll(&fds, nfds_t(fds.count), 20)
                for p in fds where p.revents != 0 {
                    var buffer = [UInt8](repeating: 0, count: 65536)
                    let n = read(p.fd, &buffer, buffer.count)
                    if n > 0 {
                        if p.fd == stdoutReader { out += buffer[0..<n] } else { err += buffer[0..<n] }
                    } else {
                        open.removeAll { $0 == p.fd }
                    }
                }
            } else if exitStatus == nil {
                usleep(2000)
            }
            if ContinuousClock.now > deadline {
                if exitStatus == nil {
                    Glibc.kill(pid, SIGKILL)
                    var status: Int32 = 0
                    waitpid(pid, &status, 0)
                    exitStatus = 128 + SIGKILL
                }
                throw TestSupportError(
                    "process \(pid) did not finish within \(timeout); stdout: \(String(decoding: out, as: UTF8.self)) stderr: \(String(decoding: err, as: UTF8.self))"
                )
            }
        }
        return Result(
            status: exitStatus ?? -1, stdout: String(decoding: out, as: UTF8.self),
            stderr: String(decoding: err, as: UTF8.self))
    }

    /// Whether the process has ended (reaping it if so).
    public var hasExited: Bool {
        if exitStatus != nil { return true }
        var status: Int32 = 0
        if waitpid(pid, &status, WNOHANG) == pid {
            let signalled = status & 0x7f
            exitStatus = signalled == 0 ? (status >> 8) & 0xff : 128 + signalled
            return true
        }
        return false
    }

    /// Runs a program to completion with `input` on stdin.
    public static func run(
        _ path: String, _ arguments: [String], input: [UInt8] = [], timeout: Duration = .seconds(60)
    ) throws(TestSupportError) -> Result {
        let process = try ChildProcess(path: path, arguments: arguments, pipeStdin: true)
        process.writeStdinAndClose(input)
        return try process.wait(timeout: timeout)
    }
}

/// A failure of the test support itself (a server that would not start, a timeout).
public struct TestSupportError: Error, CustomStringConvertible, Sendable {
    public var description: String
    /// Creates an error with a message.
    public init(_ description: String) { self.description = description }
}

extension Duration {
    /// Whole milliseconds, rounded down.
    var milliseconds: Int {
        let (seconds, attoseconds) = components
        return Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000)
    }
}
