import Glibc
import StrataFakeRedis
import StrataServerTestSupport
import StrataSync
import Testing

extension FakeRedisTestSuites {
    /// `strata server`: its options, and running until a signal.
    @Suite("strata server")
    struct StandaloneTests {
        @Test(
            arguments: [
                ([], FakeRedisServerOptions()),
                (["--port", "6380"], FakeRedisServerOptions(port: 6380)),
                (["--port=0"], FakeRedisServerOptions(port: 0)),
                (["--bind", "::1", "--port", "1"], FakeRedisServerOptions(host: "::1", port: 1)),
                (
                    ["--bind", "127.0.0.1", "::1", "--port", "1"],
                    FakeRedisServerOptions(host: "127.0.0.1", additionalBindAddresses: ["::1"], port: 1)
                ),
                (["--bind=::1", "--port", "1"], FakeRedisServerOptions(host: "::1", port: 1)),
                (["--requirepass", "s3cret"], FakeRedisServerOptions(password: "s3cret")),
                (["--requirepass="], FakeRedisServerOptions()),
                (["--unixsocket", "/tmp/r.sock"], FakeRedisServerOptions(unixSocketPath: "/tmp/r.sock")),
                (["-h"], FakeRedisServerOptions(showHelp: true)),
                (["--port", "7000", "--help"], FakeRedisServerOptions(port: 7000, showHelp: true)),
            ] as [([String], FakeRedisServerOptions)])
        func parsesOptions(_ arguments: [String], _ expected: FakeRedisServerOptions) throws {
            #expect(try FakeRedisServerOptions(arguments: arguments) == expected)
        }

        @Test(
            arguments: [
                (["--port"], "option '--port' needs a value"),
                (["--port", "abc"], "invalid port 'abc': expected a number from 0 to 65535"),
                (["--port", "70000"], "invalid port '70000': expected a number from 0 to 65535"),
                (["--port=-1"], "invalid port '-1': expected a number from 0 to 65535"),
                (["--foo"], "unknown option '--foo'"),
                (["--foo=1"], "unknown option '--foo'"),
                (["6379"], "unexpected argument '6379'"),
                (["-p", "6379"], "unexpected argument '-p'"),
                (["--bind="], "option '--bind' needs an address"),
                (["--unixsocket", ""], "option '--unixsocket' needs a path"),
            ])
        func rejectsBadOptions(_ arguments: [String], _ message: String) {
            #expect(throws: FakeRedisServerOptions.ParseError.self) { try FakeRedisServerOptions(arguments: arguments) }
            do {
                _ = try FakeRedisServerOptions(arguments: arguments)
            } catch {
                #expect(error.message == message)
            }
        }

        @Test func optionsBecomeAConfiguration() throws {
            let options = try FakeRedisServerOptions(arguments: [
                "--port", "0", "--requirepass", "pw", "--unixsocket", "/tmp/x",
            ])
            #expect(options.configuration.port == 0)
            #expect(options.configuration.password == "pw")
            #expect(options.configuration.unixSocketPath == "/tmp/x")
            #expect(options.configuration.host == "127.0.0.1")
            #expect(FakeRedisServerOptions.usage.contains("--requirepass"))
        }

        @Test func mainReportsHelpAndBadArguments() {
            #expect(FakeRedisServer.main(arguments: ["--help"]) == 0)
            #expect(FakeRedisServer.main(arguments: ["--nope"]) == 64)
        }

        /// `run` in process: it prints where it listens, serves, and returns once asked to stop.
        @Test func runServesUntilStopped() throws {
            let lines = StrataMutex<[String]>([])
            let finished = StrataMutex<Bool>(false)
            // `run` blocks its thread until stopped: give it a thread of its own, not a task.
            let thread = try TestThread {
                do {
                    try FakeRedisServer.run(FakeRedisServerOptions(port: 0)) { line in
                        lines.withLock { $0.append(line) }
                    }
                } catch {
                    lines.withLock { $0.append("error: \(error)") }
                }
                finished.withLock { $0 = true }
            }
            try waitUntil { lines.withLock { $0.contains { $0.hasPrefix("Ready") } } }
            let first = try #require(lines.withLock { $0.first })
            let port = try #require(Int(first.split(separator: ":").last ?? ""))
            #expect(first.contains("listening on 127.0.0.1:\(port)"))
            #expect(try RESPTestConnection(port: port).command("PING") == .simpleString("PONG"))
            let connected = try RESPTestConnection(port: port)
            #expect(try connected.command("SET", "k", "v") == .simpleString("OK"))
            FakeRedisServer.requestStandaloneStop()
            thread.join()
            #expect(finished.withLock { $0 })
            #expect(lines.withLock { $0.last } == "Stopped")
            #expect(try connected.readUntilClosed() == [])
        }

        /// The runner process, as `strata server` runs: real SIGTERM and SIGINT stop it cleanly.
        @Test(arguments: [SIGTERM, SIGINT])
        func runnerStopsCleanlyOnSignal(_ signal: Int32) throws {
            guard let runner = Self.runnerPath else {
                print("note: FakeRedisServerRunner not built next to the tests; skipped")
                return
            }
            let port = try TestRedisServer.freePort()
            let socketPath = "/tmp/strata-runner-\(getpid())-\(signal).sock"
            let process = try ChildProcess(
                path: runner, arguments: ["--port", "\(port)", "--requirepass", "pw", "--unixsocket", socketPath])
            let banner = try process.readStdout(until: "Ready", timeout: .seconds(30))
            #expect(banner.contains("listening on 127.0.0.1:\(port)"))
            #expect(banner.contains("unix socket \(socketPath)"))
            let c = try RESPTestConnection(port: port)
            #expect(try c.command("PING") == .simpleError("NOAUTH Authentication required."))
            #expect(try c.command("AUTH", "pw") == .simpleString("OK"))
            #expect(try RESPTestConnection(unixSocket: socketPath).command("AUTH", "pw") == .simpleString("OK"))
            process.signal(signal)
            let result = try process.wait(timeout: .seconds(30))
            #expect(result.status == 0)
            #expect(result.stdout.contains("Stopped"))
            #expect(try c.readUntilClosed() == [])
            #expect(access(socketPath, F_OK) != 0)
        }

        @Test func runnerRejectsBadArguments() throws {
            guard let runner = Self.runnerPath else { return }
            let result = try ChildProcess.run(runner, ["--port", "nope"], timeout: .seconds(30))
            #expect(result.status == 64)
            #expect(result.stderr.contains("invalid port 'nope'"))
            #expect(result.stderr.contains("Usage: strata server"))
        }

        /// The runner is built into the same directory as the test bundle.
        static var runnerPath: String? {
            var buffer = [CChar](repeating: 0, count: 4096)
            let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
            guard n > 0 else { return nil }
            let exe = String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            guard let slash = exe.lastIndex(of: "/") else { return nil }
            let path = String(exe[..<slash]) + "/FakeRedisServerRunner"
            return access(path, X_OK) == 0 ? path : nil
        }
    }
}
