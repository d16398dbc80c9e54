import Glibc
import StrataServerTestSupport
import Testing

/// The test servers' safety net: servers left behind by a killed test process are stopped.
/// Serialized, and after this process's own first reaping, so that no other reaper takes the
/// stand-in orphan first.
@Suite("Orphaned test servers", .serialized)
struct ServerDirectoryTests {
    @Test func aProcessWorkingInADeadOwnersDirectoryIsKilled() throws {
        // An owner that has exited, so its process ID is free.
        let owner = try ChildProcess(path: "/bin/true", arguments: [], pipeStdout: false, pipeStderr: false)
        _ = try owner.wait(timeout: .seconds(10))
        let directory = ServerDirectory.prefix + "\(owner.pid)-test\(getpid())"
        try withStandIn(in: directory) { orphan in
            #expect(ServerDirectory.reapOrphans() >= 1)
            let result = try orphan.wait(timeout: .seconds(10))
            #expect(result.status == 128 + SIGKILL)
            #expect(access(directory, F_OK) != 0, "the directory is removed")
        }
    }

    @Test func aLiveOwnersServerIsLeftAlone() throws {
        let directory = ServerDirectory.prefix + "\(getpid())-live"
        try withStandIn(in: directory) { server in
            ServerDirectory.reapOrphans()
            #expect(!server.hasExited)
            #expect(access(directory, F_OK) == 0)
        }
    }

    /// Runs `body` with a stand-in for a redis-server: a process whose working directory is
    /// `directory` (made here). Stops it and removes the directory afterwards.
    private func withStandIn(in directory: String, _ body: (ChildProcess) throws -> Void) throws {
        _ = ServerDirectory.orphansReaped
        try #require(mkdir(directory, 0o700) == 0)
        defer { _ = rmdir(directory) }
        let process = try ChildProcess(
            path: "/bin/sh", arguments: ["-c", "cd '\(directory)' && exec sleep 30"], pipeStdout: false,
            pipeStderr: false)
        defer {
            process.signal(SIGKILL)
            _ = try? process.wait(timeout: .seconds(5))
        }
        let deadline = ContinuousClock.now + .seconds(10)
        while ServerDirectory.workingDirectory(of: process.pid) != directory && ContinuousClock.now < deadline {
            usleep(5_000)
        }
        try #require(ServerDirectory.workingDirectory(of: process.pid) == directory)
        try body(process)
    }
}
