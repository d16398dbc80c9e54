import StrataFakeRedis
import StrataRESP
import StrataServerTestSupport
import Testing

extension FakeRedisTestSuites {
    /// Every input the engine fuzzer (fuzz/FuzzFakeEngine.swift) found to crash the fake, as the
    /// commands it decoded to. Each runs twice: through the engine harness, as the fuzzer ran it,
    /// and over a socket to a fake server, which must answer (or close only that client) and
    /// go on serving. The inputs themselves are seeds in fuzz/corpus-engine/ (`found-*`).
    @Suite("Fake engine: fuzzer findings")
    struct FakeEngineFuzzRegressionTests {
        /// Runs `commands` through the harness and on one connection to a fake server, returning
        /// the server's replies; after them the server must still answer PING.
        func replay(_ commands: [[String]], outputLimit: Int = 1 << 20) throws -> [RESPValue] {
            let harness = try FakeRedisEngineHarness(outputBufferLimitBytes: outputLimit)
            let client = try harness.connect()
            for command in commands { _ = harness.run(command, as: client) }
            #expect(harness.largestOutputBuffer <= outputLimit)

            let server = try FakeRedisServer.start(.init(outputBufferLimitBytes: outputLimit))
            defer { server.stop() }
            let c = try RESPTestConnection(port: server.port)
            var replies: [RESPValue] = []
            for command in commands {
                try c.send(command)
                replies.append(try c.readReply().value)
            }
            let other = try RESPTestConnection(port: server.port)
            #expect(try other.command("PING") == .simpleString("PONG"))
            return replies
        }

        // crash-0a98f4da, crash-2a832e09, crash-381ba93a, crash-459c187a, crash-4e21ad11,
        // crash-5b9a2665, crash-86ea6fec, crash-8c0977e5, crash-9730c72d, crash-af1b7532,
        // crash-c0532467, crash-e0b89f3d: a timeout whose milliseconds do not fit an Int
        // trapped in the conversion (Float80 to Int).
        @Test(arguments: [
            "-1e308", "-4611686018427387904", "-288230376151711744", "-4611686018427387903", "-inf", "-1e4000",
            "-9223372036854775809", "-9223372036854775807",
        ])
        func blockingPopWithATimeoutBeyondInt64(timeout: String) throws {
            let replies = try replay([["BLPOP", "missing", timeout], ["BRPOP", "a", "b", timeout]])
            #expect(replies == [.simpleError("ERR timeout is negative"), .simpleError("ERR timeout is negative")])
        }

        // crash-1a50b84e (inside MULTI), crash-6e7aee90: SRANDMEMBER with count -10^12 built an
        // array of 10^12 members before replying.
        @Test func srandmemberWithCountMinusOneTrillion() throws {
            let harness = try FakeRedisEngineHarness(outputBufferLimitBytes: 1 << 20)
            let client = try harness.connect()
            #expect(harness.run(["SADD", "set", "a", "b"], as: client) == Array(":2\r\n".utf8))
            #expect(harness.run(["SRANDMEMBER", "set", "-1000000000000"], as: client) == [])
            #expect(!harness.isConnected(client))
            let again = try harness.connect()
            #expect(harness.run(["MULTI"], as: again) == Array("+OK\r\n".utf8))
            #expect(harness.run(["SRANDMEMBER", "set", "-1000000000000"], as: again) == Array("+QUEUED\r\n".utf8))
            #expect(harness.run(["EXEC"], as: again) == [])
            #expect(!harness.isConnected(again))
            #expect(harness.largestOutputBuffer <= 1 << 20)
            let third = try harness.connect()
            #expect(harness.run(["SCARD", "set"], as: third) == Array(":2\r\n".utf8))
        }
    }
}
