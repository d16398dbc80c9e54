import StrataFakeRedis
import StrataServerTestSupport
import Testing

extension FakeRedisTestSuites {
    /// Real third-party clients against the fake: redis-cli (commands on stdin, as typed, in RESP2
    /// and RESP3) must print what it prints against a real redis-server, and redis-benchmark must
    /// run every default test. Skipped with a note when the tools are missing.
    @Suite("Third-party clients")
    struct ThirdPartyClientTests {
        static let session = """
            SET greeting "hello world"
            GET greeting
            APPEND greeting !
            INCR counter
            INCRBY counter 41
            INCR greeting
            LPUSH list a b c
            LRANGE list 0 -1
            HSET user:1 name ada lang swift
            HGETALL user:1
            ZADD board 10 ada 20 bob
            ZRANGE board 0 -1 WITHSCORES
            ZSCORE board bob
            SADD tags x
            SISMEMBER tags x
            EXISTS greeting missing
            TYPE list
            NOSUCHCOMMAND arg
            GET
            SET k v EX 100
            TTL k
            MULTI
            INCR counter
            EXEC
            HELLO 3
            HGETALL user:1
            DEL greeting list user:1 board tags counter k

            """

        @Test(arguments: [["-2"], ["-3"], ["--no-raw"], ["--raw"], ["--json"]])
        func redisCliPrintsTheSameAsAgainstRedis(_ flags: [String]) throws {
            guard let cli = ChildProcess.find("redis-cli") else {
                if TestRedisServer.realServerRequired { Issue.record("redis-cli is not on PATH") }
                print("note: redis-cli is not on PATH; skipped")
                return
            }
            let fake = try TestRedisServer.start(.fake)
            defer { fake.stop() }
            let fakeOutput = try ChildProcess.run(cli, ["-p", "\(fake.port)"] + flags, input: Array(Self.session.utf8))
            #expect(fakeOutput.status == 0)
            #expect(fakeOutput.stdout.contains("hello world"))
            guard TestRedisServer.realServerUnavailable == nil else {
                print("note: redis-server is not on PATH; redis-cli output not compared")
                return
            }
            let real = try TestRedisServer.start(.real)
            defer { real.stop() }
            let realOutput = try ChildProcess.run(cli, ["-p", "\(real.port)"] + flags, input: Array(Self.session.utf8))
            // HELLO prints the connection's ID: mask it.
            #expect(Self.maskID(fakeOutput.stdout) == Self.maskID(realOutput.stdout))
            #expect(fakeOutput.stderr == realOutput.stderr)
        }

        /// HELLO's `id` field, as each output format prints it (`id 5`, `"id" => (integer) 5`,
        /// `"id":5`), with the number masked.
        static func maskID(_ text: String) -> String {
            text.replacing(/(id"?(?: => \(integer\)|:|) ?)\d+/) { match in "\(match.output.1)N" }
        }

        @Test func redisBenchmarkRunsEveryDefaultTest() throws {
            guard let benchmark = ChildProcess.find("redis-benchmark") else {
                if TestRedisServer.realServerRequired { Issue.record("redis-benchmark is not on PATH") }
                print("note: redis-benchmark is not on PATH; skipped")
                return
            }
            let server = try FakeRedisServer.start()
            defer { server.stop() }
            let result = try ChildProcess.run(
                benchmark, ["-p", "\(server.port)", "-q", "-n", "10000"], timeout: .seconds(300))
            #expect(result.status == 0)
            let output = result.stdout.replacing("\r", with: "\n")
            for test in [
                "PING_INLINE", "PING_MBULK", "SET", "GET", "INCR", "LPUSH", "RPUSH", "LPOP", "RPOP", "SADD", "HSET",
                "SPOP", "ZADD", "ZPOPMIN", "LRANGE_100", "LRANGE_600", "MSET",
            ] {
                #expect(output.contains("\(test)") && output.contains("requests per second"), "no result for \(test)")
            }
            #expect(!output.lowercased().contains("error"))
            #expect(!result.stderr.contains("WARNING: Could not fetch server CONFIG"))
        }
    }
}
