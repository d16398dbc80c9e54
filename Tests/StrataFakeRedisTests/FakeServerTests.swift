import Glibc
import StrataFakeRedis
import StrataRESP
import StrataServerTestSupport
import Testing

extension FakeRedisTestSuites {
    /// The fake's own behaviour: lifecycle, sockets, expiry with a movable clock, counters,
    /// limits, concurrency. (Redis semantics are in the differential suite.)
    @Suite("Fake server")
    struct FakeServerTests {
        func withServer(
            _ configuration: FakeRedisServer.Configuration = .init(), _ body: (FakeRedisServer) throws -> Void
        )
            throws
        {
            let server = try FakeRedisServer.start(configuration)
            defer { server.stop() }
            try body(server)
        }

        // MARK: Lifecycle

        @Test func startsOnAFreeLoopbackPortAndStopsCleanly() throws {
            let server = try FakeRedisServer.start()
            #expect(server.host == "127.0.0.1")
            #expect(server.port > 0)
            #expect(server.isRunning)
            let c = try RESPTestConnection(port: server.port)
            #expect(try c.command("PING") == .simpleString("PONG"))
            server.stop()
            #expect(!server.isRunning)
            // Every connection was closed, and the port no longer listens.
            #expect(try c.readUntilClosed() == [])
            #expect(throws: RESPTestConnection.Failure.system("connect", errno: ECONNREFUSED)) {
                _ = try RESPTestConnection(port: server.port)
            }
            server.stop()  // a second stop is harmless
            #expect(server.statistics().connections.isEmpty)
            server.inject(.stall())  // so are control calls after stop
        }

        @Test func concurrentStopsAllWaitForTheLoop() async throws {
            let server = try FakeRedisServer.start()
            let c = try RESPTestConnection(port: server.port)
            #expect(try c.command("PING") == .simpleString("PONG"))
            await withTaskGroup(of: Bool.self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        server.stop()
                        return server.isRunning
                    }
                }
                for await running in group { #expect(!running) }
            }
            #expect(try c.readUntilClosed() == [])
        }

        @Test func listensOnSeveralAddresses() throws {
            try withServer(.init(host: "127.0.0.1", additionalBindAddresses: ["::1"])) {
                (server: FakeRedisServer) throws in
                #expect(try RESPTestConnection(port: server.port).command("SET", "k", "v") == .simpleString("OK"))
                // The IPv6 loopback, on the same port, reaches the same data.
                let fd = socket(AF_INET6, Int32(SOCK_STREAM.rawValue), 0)
                defer { close(fd) }
                var address = sockaddr_in6()
                address.sin6_family = sa_family_t(AF_INET6)
                address.sin6_port = UInt16(server.port).bigEndian
                address.sin6_addr = in6addr_loopback
                let connected = withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size))
                    }
                }
                #expect(connected == 0)
                let request = Array("GET k\r\n".utf8)
                #expect(write(fd, request, request.count) == request.count)
                var reply = [UInt8](repeating: 0, count: 16)
                #expect(read(fd, &reply, reply.count) == 7)
                #expect(Array(reply.prefix(7)) == Array("$1\r\nv\r\n".utf8))
                // A refusal closes both, and clearing it listens on both again.
                server.inject(.refuseConnections)
                #expect(throws: RESPTestConnection.Failure.self) { _ = try RESPTestConnection(port: server.port) }
                server.clearFaults()
                #expect(try RESPTestConnection(port: server.port).command("GET", "k") == "v")
            }
        }

        @Test func aTakenPortIsAClearError() throws {
            try withServer { server in
                #expect {
                    _ = try FakeRedisServer.start(.init(port: server.port))
                } throws: { error in
                    (error as? FakeRedisServerError)?.code == .bindFailed
                }
            }
        }

        @Test func releasingTheHandleStopsTheServer() throws {
            var port = 0
            do {
                let server = try FakeRedisServer.start()
                port = server.port
            }
            #expect(throws: RESPTestConnection.Failure.system("connect", errno: ECONNREFUSED)) {
                _ = try RESPTestConnection(port: port)
            }
        }

        @Test func servesAUnixSocketAndRemovesItOnStop() throws {
            let path = "/tmp/strata-fake-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).sock"
            try withServer(.init(unixSocketPath: path)) { server in
                let c = try RESPTestConnection(unixSocket: path)
                #expect(try c.command("SET", "k", "v") == .simpleString("OK"))
                #expect(try RESPTestConnection(port: server.port).command("GET", "k") == "v")
                let info = try c.command("CLIENT", "INFO")
                #expect(String(decoding: try info.asBytes(), as: UTF8.self).contains("flags=U"))
                server.stop()
                #expect(access(path, F_OK) != 0)
            }
        }

        @Test func requirePasswordAndUsers() throws {
            try withServer(.init(password: "secret", users: ["alice": "pw"])) { server in
                let c = try RESPTestConnection(port: server.port)
                #expect(try c.command("GET", "k") == .simpleError("NOAUTH Authentication required."))
                #expect(try c.command("AUTH", "alice", "pw") == .simpleString("OK"))
                #expect(try c.command("ACL", "WHOAMI") == "alice")
                // Arguments beyond the pre-authentication limits are fine now.
                let many = ["MSET"] + (0..<20).flatMap { ["k\($0)", "v"] }
                try c.send(many)
                #expect(try c.readReply().value == .simpleString("OK"))
            }
        }

        // MARK: Expiry

        @Test func expiryFollowsTheMovableClock() throws {
            try withServer { server in
                let c = try RESPTestConnection(port: server.port)
                #expect(try c.command("SET", "k", "v", "EX", "100") == .simpleString("OK"))
                #expect(try c.command("TTL", "k") == .integer(100))
                server.advanceClock(by: .seconds(60))
                #expect(try c.command("TTL", "k") == .integer(40))
                server.advanceClock(by: .seconds(41))
                #expect(try c.command("GET", "k").isNull)
                #expect(try c.command("EXISTS", "k") == .integer(0))
            }
        }

        @Test func activeExpiryDeletesKeysNobodyReads() throws {
            try withServer { server in
                let c = try RESPTestConnection(port: server.port)
                for i in 0..<200 { try c.send(["SET", "k\(i)", "v", "PX", "50000"]) }
                for _ in 0..<200 { _ = try c.readReply() }
                #expect(try c.command("SET", "keep", "v") == .simpleString("OK"))
                server.advanceClock(by: .seconds(60))
                // No command touches the keys: the sampling cycle (ten times a second) frees them.
                try waitUntil(timeout: .seconds(20), "active expiry") { server.statistics().expiredKeys == 200 }
                #expect(try c.command("DBSIZE") == .integer(1))
            }
        }

        // MARK: Counters

        @Test func pipelinedCommandsArriveInFewReadsAndLeaveInFewWrites() throws {
            try withServer { server in
                let c = try RESPTestConnection(port: server.port)
                #expect(try c.command("CLIENT", "SETNAME", "pipeliner") == .simpleString("OK"))
                var encoder = RESPEncoder()
                for i in 0..<100 { encoder.writeCommand("SET", "k\(i)", "v") }
                try c.send(bytes: encoder.buffer)
                for _ in 0..<100 { #expect(try c.readReply().value == .simpleString("OK")) }
                let stats = try #require(server.statistics().connections.first { $0.name == "pipeliner" })
                #expect(stats.commandsProcessed == 101)
                #expect(stats.maxCommandsPerRead > 1)
                #expect(stats.readCalls < 50)
                #expect(stats.writeCalls < 50)
                #expect(stats.protocolVersion == 2)
                let id = try c.command("CLIENT", "ID")
                #expect(server.connectionStatistics(id: try id.asInt())?.name == "pipeliner")
            }
        }

        // MARK: Limits

        @Test func queryBufferLimitClosesTheConnection() throws {
            try withServer(.init(maxQueryBufferBytes: 64 * 1024)) { server in
                let c = try RESPTestConnection(port: server.port)
                // A bulk string announced at 1 MiB, sent in part: the buffered part passes the limit.
                try c.send(
                    bytes: Array("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1048576\r\n".utf8)
                        + [UInt8](repeating: 0x78, count: 200_000))
                #expect(try c.readUntilClosed() == [])
            }
        }

        @Test func outputBufferLimitDisconnectsASubscriberThatDoesNotRead() throws {
            try withServer(.init(pubSubOutputBufferLimitBytes: 256 * 1024)) { server in
                let subscriber = try RESPTestConnection(port: server.port)
                #expect(try subscriber.command("SUBSCRIBE", "ch") == .array(["subscribe", "ch", 1]))
                let publisher = try RESPTestConnection(port: server.port)
                let message = String(repeating: "m", count: 1024 * 1024)
                // The subscriber never reads: once the socket buffers fill, its output passes the limit.
                var receivers = 1
                for _ in 0..<200 where receivers == 1 {
                    receivers = try publisher.command("PUBLISH", "ch", message).asInt()
                }
                #expect(receivers == 0)
            }
        }

        @Test func largeAndBinaryValues() throws {
            try withServer { server in
                let c = try RESPTestConnection(port: server.port)
                let big = (0..<(3 * 1024 * 1024)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
                try c.send(binary: [Array("SET".utf8), Array("big".utf8), big])
                #expect(try c.readReply().value == .simpleString("OK"))
                try c.send(["GET", "big"])
                #expect(try c.readReply().value == .bulkString(big))
                #expect(try c.command("STRLEN", "big") == .integer(big.count))
            }
        }

        @Test func evalIsAnUnknownCommand() throws {
            try withServer { server in
                let c = try RESPTestConnection(port: server.port)
                #expect(
                    try c.command("EVAL", "return 1", "0")
                        == .simpleError("ERR unknown command 'EVAL', with args beginning with: 'return 1' '0' "))
            }
        }

        // MARK: Concurrency

        @Test func manyClientsAtOnce() async throws {
            let server = try FakeRedisServer.start()
            defer { server.stop() }
            let port = server.port
            try await withThrowingTaskGroup(of: Void.self) { group in
                for client in 0..<16 {
                    group.addTask {
                        let c = try RESPTestConnection(port: port)
                        for i in 0..<200 {
                            let key = "c\(client):\(i)"
                            #expect(try c.command("SET", key, "\(i)") == .simpleString("OK"))
                            #expect(try c.command("GET", key) == .bulkString("\(i)"))
                        }
                        #expect(try c.command("INCRBY", "total", "200") != .null)
                    }
                }
                // Meanwhile the control API is used from other threads.
                for _ in 0..<4 {
                    group.addTask {
                        for _ in 0..<50 {
                            _ = server.statistics()
                            server.inject(.errorReply("ERR injected", commands: ["NOTACOMMAND"]))
                            server.clearFaults()
                        }
                    }
                }
                try await group.waitForAll()
            }
            #expect(try RESPTestConnection(port: port).command("GET", "total") == "3200")
            #expect(server.statistics().connectionsAccepted >= 17)
        }

        @Test func brokenTrackingRedirectIsReportedInRESP3() throws {
            try withServer { server in
                let tracker = try RESPTestConnection(port: server.port)
                let target = try RESPTestConnection(port: server.port)
                let targetID = try target.command("CLIENT", "ID").asInt()
                _ = try tracker.command("HELLO", "3")
                #expect(
                    try tracker.command("CLIENT", "TRACKING", "ON", "REDIRECT", "\(targetID)") == .simpleString("OK"))
                #expect(try tracker.command("GET", "k").isNull)
                target.close()
                try waitUntil { server.statistics().connections.count == 1 }
                try tracker.send(["SET", "k", "v"])
                // As in Redis 7.0: the reply, then the push (the client's own change).
                #expect(try tracker.readReply().value == .simpleString("OK"))
                #expect(try tracker.readReply().value == .push(["tracking-redir-broken", .integer(targetID)]))
                let info = try tracker.command("CLIENT", "TRACKINGINFO")
                #expect(String(describing: info).contains("broken_redirect"))
            }
        }

        @Test func blockedClientIsServedByAPushFromAnotherClient() throws {
            try withServer { server in
                let waiter = try RESPTestConnection(port: server.port)
                let pusher = try RESPTestConnection(port: server.port)
                try waiter.send(["BLPOP", "queue", "0"])
                try waitUntil { server.statistics().commandsProcessed >= 1 }
                #expect(try pusher.command("RPUSH", "queue", "job") == .integer(1))
                #expect(try waiter.readReply().value == .array(["queue", "job"]))
                #expect(try pusher.command("LLEN", "queue") == .integer(0))
            }
        }
    }
}
