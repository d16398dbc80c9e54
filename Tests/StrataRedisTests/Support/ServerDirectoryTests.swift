import Glibc
import StrataServerTestSupport
import Testing

/// The test servers' safety net: servers left behind by a killed test process are stopped.
/// Serialized, and after this process's own first reaping, so that no other reaper takes the
/// stand-in orphan first.
@Suite("Orphaned test servers", .serialized)
struct ServerDirectoryTests {
    @Test func aProcessWorkingInADeadOwnersDirectoryIsKilled() throws {
        _ = ServerDirectory.orphansReaped
        // An owner that has exited, so its process ID is free.
        let owner = try ChildProcess(path: "/bin/true", arguments: [], pipeStdout: false, pipeStderr: false)
        _ = try owner.wait(timeout: .seconds(10))
        let directory = ServerDirectory.prefix + "\(owner.pid)-test\(getpid())"
        try #require(mkdir(directory, 0o700) == 0)
        defer { _ = rmdir(directory) }
        // Stands in for its redis-server: a process whose working directory is that directory.
        let orphan = try ChildProcess(
            path: "/bin/sh", arguments: ["-c", "cd '\(directory)' && exec sleep 30"], pipeStdout: false,
            pipeStderr: false)
        defer {
            orphan.signal(SIGKILL)
            _ = try? orphan.wait(timeout: .seconds(5))
        }
        let deadline = ContinuousClock.now + .seconds(10)
        while workingDirectory(of: orphan.pid) != directory && ContinuousClock.now < deadline {
            usleep(5_000)
        }
        try #require(workingDirectory(of: orphan.pid) == directory)

        #expect(ServerDirectory.reapOrphans() >= 1)
        let result = try orphan.wait(timeout: .seconds(10))
        #expect(result.status == 128 + SIGKILL)
        #expect(access(directory, F_OK) != 0, "the directory is removed")
    }

    @Test func aLiveOwnersServerIsLeftAlone() throws {
        _ = ServerDirectory.orphansReaped
        let directory = ServerDirectory.prefix + "\(getpid())-live"
        try #require(mkdir(directory, 0o700) == 0)
        defer { _ = rmdir(directory) }
        let server = try ChildProcess(
            path: "/bin/sh", arguments: ["-c", "cd '\(directory)' && exec sleep 30"], pipeStdout: false,
            pipeStderr: false)
        defer {
            server.signal(SIGKILL)
            _ = try? server.wait(timeout: .seconds(5))
        }
        let deadline = ContinuousClock.now + .seconds(10)
        while workingDirectory(of: server.pid) != directory && ContinuousClock.now < deadline {
            usleep(5_000)
        }
        ServerDirectory.reapOrphans()
        #expect(!server.hasExited)
        #expect(access(directory, F_OK) == 0)
    }

    private func workingDirectory(of pid: pid_t) -> String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        let length = readlink("/proc/\(pid)/cwd", &buffer, buffer.count - 1)
        guard length > 0 else { return nil }
        return String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
