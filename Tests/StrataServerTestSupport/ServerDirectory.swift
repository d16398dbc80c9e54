import Glibc

/// The working directory of a `redis-server` a test starts: `/tmp/strata-redis-OWNER-XXXXXX`,
/// where OWNER is the test process's ID.
///
/// A test stops its server even when it fails, but a test process that is itself killed (a
/// timeout, Ctrl-C twice, `kill -9`) cannot. Its servers keep running and holding ports and
/// memory. Because the directory names its owner, the next test process finds them, through
/// `/proc/PID/cwd`, and stops the ones whose owner is gone.
public enum ServerDirectory {
    /// What every server directory's path starts with.
    public static let prefix = "/tmp/strata-redis-"

    /// Makes a fresh directory for one server; the first call also reaps orphaned servers.
    static func make() throws(TestSupportError) -> String {
        _ = orphansReaped
        var template = Array("\(prefix)\(getpid())-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw TestSupportError("mkdtemp failed: errno \(errno)") }
        return String(decoding: UnsafeRawBufferPointer(start: made, count: strlen(made)), as: UTF8.self)
    }

    /// Removes a server's directory and the log it may have written there.
    static func remove(_ directory: String) {
        _ = unlink(directory + "/redis.log")
        _ = rmdir(directory)
    }

    /// How many orphaned servers this process stopped (once, before its first server starts).
    public static let orphansReaped: Int = reapOrphans()

    /// Kills every process whose working directory is a server directory of a test process that
    /// no longer exists, then removes such directories.
    @discardableResult
    public static func reapOrphans() -> Int {
        var reaped = 0
        for pid in numberedEntries(of: "/proc") {
            guard let cwd = workingDirectory(of: pid_t(pid)), let owner = owner(of: cwd), !isAlive(owner) else {
                continue
            }
            if Glibc.kill(pid_t(pid), SIGKILL) == 0 { reaped += 1 }
        }
        for name in entries(of: "/tmp") {
            let path = "/tmp/" + name
            if let owner = owner(of: path), !isAlive(owner) { remove(path) }
        }
        return reaped
    }

    /// The test process that owns `path`, if it is a server directory.
    static func owner(of path: String) -> pid_t? {
        guard path.hasPrefix(prefix) else { return nil }
        let rest = path.dropFirst(prefix.count)
        guard let dash = rest.firstIndex(of: "-") else { return nil }
        return pid_t(rest[..<dash])
    }

    static func isAlive(_ pid: pid_t) -> Bool {
        Glibc.kill(pid, 0) == 0 || errno != ESRCH
    }

    /// The working directory of process `pid`, if it can be read.
    public static func workingDirectory(of pid: pid_t) -> String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        let length = readlink("/proc/\(pid)/cwd", &buffer, buffer.count - 1)
        guard length > 0 else { return nil }
        return String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private static func entries(of directory: String) -> [String] {
        guard let stream = opendir(directory) else { return [] }
        defer { closedir(stream) }
        var names: [String] = []
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            names.append(name)
        }
        return names
    }

    private static func numberedEntries(of directory: String) -> [Int] {
        entries(of: directory).compactMap { Int($0) }
    }
}
