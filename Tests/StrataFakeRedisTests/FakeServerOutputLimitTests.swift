import StrataFakeRedis
import StrataRESP
import StrataServerTestSupport
import Testing

extension FakeRedisTestSuites {
    /// Replies that would grow far beyond the request and the keyspace: Redis streams them
    /// (a normal client has no output limit there), the fake closes the client before building
    /// them, as Redis does at a `client-output-buffer-limit` hard limit, and keeps serving
    /// everyone else. Fake only: a real redis-server would try to send them.
    @Suite("Fake server: output limits")
    struct FakeServerOutputLimitTests {
        /// A fake whose clients may have at most `limit` bytes of replies pending.
        func withServer(outputLimit limit: Int = 1 << 20, _ body: (FakeRedisServer) throws -> Void) throws {
            let server = try FakeRedisServer.start(.init(outputBufferLimitBytes: limit))
            defer { server.stop() }
            try body(server)
        }

        /// Sends `command` on a fresh connection, expects the server to close it without a reply,
        /// and checks that another client is still served.
        func expectClosedWithoutReply(_ server: FakeRedisServer, _ command: [String]) throws {
            let before = server.statistics().outputLimitDisconnections
            let c = try RESPTestConnection(port: server.port)
            defer { c.close() }
            try c.send(command)
            #expect(try c.readUntilClosed() == [], "\(command) was answered")
            #expect(server.statistics().outputLimitDisconnections == before + 1)
            let other = try RESPTestConnection(port: server.port)
            defer { other.close() }
            #expect(try other.command("PING") == .simpleString("PONG"))
        }

        @Test(arguments: ["-1000000000000", "-9223372036854775807", "-200000"])
        func srandmemberWithAHugeNegativeCountClosesTheClient(count: String) throws {
            try withServer { server in
                let setup = try RESPTestConnection(port: server.port)
                #expect(try setup.command("SADD", "s", "a", "b", "c") == .integer(3))
                try expectClosedWithoutReply(server, ["SRANDMEMBER", "s", count])
                #expect(try setup.command("SCARD", "s") == .integer(3))
            }
        }

        @Test(arguments: [
            ["-1000000000000"], ["-9223372036854775807"], ["-4611686018427387903", "WITHVALUES"],
            ["-100000", "WITHVALUES"],
        ])
        func hrandfieldWithAHugeNegativeCountClosesTheClient(arguments: [String]) throws {
            try withServer { server in
                let setup = try RESPTestConnection(port: server.port)
                #expect(try setup.command("HSET", "h", "f", "v") == .integer(1))
                try expectClosedWithoutReply(server, ["HRANDFIELD", "h"] + arguments)
            }
        }

        @Test func aNegativeCountThatFitsIsAnswered() throws {
            try withServer { server in
                let c = try RESPTestConnection(port: server.port)
                #expect(try c.command("SADD", "s", "a") == .integer(1))
                #expect(try c.command("HSET", "h", "f", "v") == .integer(1))
                // 10,000 picks of "a" take 70,000 bytes: well within 1 MiB.
                let picks = try c.command("SRANDMEMBER", "s", "-10000")
                #expect(picks == .array(Array(repeating: .bulkString(Array("a".utf8)), count: 10000)))
                let pairs = try c.command("HRANDFIELD", "h", "-3", "WITHVALUES")
                #expect(pairs == .array(Array(repeating: ["f", "v"], count: 3).flatMap { $0 }))
            }
        }

        @Test func mgetNamingABigValueManyTimesClosesTheClientWhileBuildingTheReply() throws {
            try withServer { server in
                let setup = try RESPTestConnection(port: server.port)
                let big = String(repeating: "x", count: 64 * 1024)
                #expect(try setup.command("SET", "big", big) == .simpleString("OK"))
                #expect(try setup.command("HSET", "h", "f", big) == .integer(1))
                // 64 KiB named 64 times is 4 MiB of reply from a request of a few hundred bytes.
                try expectClosedWithoutReply(server, ["MGET"] + Array(repeating: "big", count: 64))
                try expectClosedWithoutReply(server, ["HMGET", "h"] + Array(repeating: "f", count: 64))
                // Within the limit, the same requests are answered.
                let few = try setup.command("MGET", "big", "big", "missing")
                #expect(few == .array([.bulkString(Array(big.utf8)), .bulkString(Array(big.utf8)), .nullBulkString]))
            }
        }

        /// Commands whose reply is checked as it grows: run through the engine harness, which
        /// sees how much output a client had when it was dropped. Checked only after the
        /// command, each would have built its whole reply (megabytes, or far more) first.
        @Test(arguments: [
            ["MGET"] + Array(repeating: "big", count: 64),
            ["HMGET", "h"] + Array(repeating: "f", count: 64),
            ["SRANDMEMBER", "s", "-20000"],
            ["HRANDFIELD", "h100", "-20000"],
            ["HRANDFIELD", "h100", "-10000", "WITHVALUES"],
        ])
        func aGrowingReplyIsDroppedWithinOneElementOfTheLimit(command: [String]) throws {
            let limit = 1 << 20
            let harness = try FakeRedisEngineHarness(outputBufferLimitBytes: limit)
            let setup = try harness.connect()
            let big = String(repeating: "x", count: 64 * 1024)
            let member = String(repeating: "m", count: 100)
            _ = harness.run(["SET", "big", big], as: setup)
            _ = harness.run(["HSET", "h", "f", big], as: setup)
            _ = harness.run(["SADD", "s", member], as: setup)
            _ = harness.run(["HSET", "h100", member, member], as: setup)
            let c = try harness.connect()
            #expect(harness.run(command, as: c) == [])
            #expect(!harness.isConnected(c))
            #expect(harness.largestDroppedOutput > limit)
            #expect(harness.largestDroppedOutput <= limit + big.utf8.count + 64)
            #expect(harness.run(["PING"], as: setup) == Array("+PONG\r\n".utf8))
        }

        @Test func aTransactionIsDroppedWithinOneReplyOfTheLimit() throws {
            let limit = 1 << 20
            let harness = try FakeRedisEngineHarness(outputBufferLimitBytes: limit)
            let c = try harness.connect()
            let value = String(repeating: "x", count: 256 * 1024)
            _ = harness.run(["SET", "big", value], as: c)
            _ = harness.run(["MULTI"], as: c)
            for _ in 0..<64 { _ = harness.run(["GET", "big"], as: c) }
            #expect(harness.run(["EXEC"], as: c) == [])
            #expect(harness.largestDroppedOutput <= limit + value.utf8.count + 64)
        }

        @Test func setrangeAndAppendObeyTheConfiguredMaximumBulkLength() throws {
            let server = try FakeRedisServer.start(.init(maxBulkLength: 1 << 20))
            defer { server.stop() }
            let c = try RESPTestConnection(port: server.port)
            let tooLong = RESPValue.simpleError("ERR string exceeds maximum allowed size (proto-max-bulk-len)")
            #expect(try c.command("SETRANGE", "k", "1048576", "x") == tooLong)
            #expect(try c.command("SETRANGE", "k", "1048575", "x") == .integer(1 << 20))
            #expect(try c.command("APPEND", "k", "y") == tooLong)
            #expect(try c.command("STRLEN", "k") == .integer(1 << 20))
        }

        @Test func aTransactionWhoseRepliesPassTheLimitRunsToTheEndAndClosesTheClient() throws {
            try withServer { server in
                let c = try RESPTestConnection(port: server.port)
                #expect(try c.command("SET", "big", String(repeating: "x", count: 256 * 1024)) == .simpleString("OK"))
                #expect(try c.command("MULTI") == .simpleString("OK"))
                for _ in 0..<8 { #expect(try c.command("GET", "big") == .simpleString("QUEUED")) }
                #expect(try c.command("SET", "after", "1") == .simpleString("QUEUED"))
                try c.send(["EXEC"])
                #expect(try c.readUntilClosed() == [])
                let other = try RESPTestConnection(port: server.port)
                #expect(try other.command("GET", "after") == .bulkString(Array("1".utf8)))
                #expect(server.statistics().outputLimitDisconnections == 1)
            }
        }
    }
}
