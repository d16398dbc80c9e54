import Glibc
import StrataFakeRedis
import StrataRESP
import StrataServerTestSupport
import Testing

extension FakeRedisTestSuites {
    /// What a client sees under each fault, through the raw test connection. Every fault takes
    /// effect before `inject` returns, so no test waits for it to "settle".
    @Suite("Fault injection")
    struct FaultInjectionTests {
        /// Runs `body` with a fresh fake server that is stopped afterwards, even on failure.
        func withServer(_ body: (FakeRedisServer) throws -> Void) throws {
            let server = try FakeRedisServer.start()
            defer { server.stop() }
            try body(server)
        }

        @Test func latencyDelaysOnlyTheChosenCommands() throws {
            try withServer { server in
                server.inject(.latency(.milliseconds(300), commands: ["get"]))
                let slow = try RESPTestConnection(port: server.port)
                let other = try RESPTestConnection(port: server.port)
                let started = ContinuousClock.now
                try slow.send(["GET", "k"])
                // Other clients and other commands are served while the GET waits.
                #expect(try other.command("SET", "k", "v") == .simpleString("OK"))
                #expect(try other.command("PING") == .simpleString("PONG"))
                let (value, _) = try slow.readReply()
                #expect(ContinuousClock.now - started >= .milliseconds(300))
                // The GET ran when its delay ended, after the SET.
                #expect(value == "v")
                server.clearFaults()
                #expect(try slow.command("GET", "k") == "v")
            }
        }

        @Test func replyLatencyRunsTheCommandAtOnceAndAnswersLate() throws {
            try withServer { server in
                let slow = try RESPTestConnection(port: server.port)
                let other = try RESPTestConnection(port: server.port)
                #expect(try slow.command("SET", "k", "old") == .simpleString("OK"))
                server.inject(.replyLatency(.milliseconds(300), commands: ["get"]))
                let started = ContinuousClock.now
                try slow.send(bytes: Array("GET k\r\nPING\r\n".utf8))
                #expect(try slow.readAvailable(for: .milliseconds(50)).isEmpty)
                // The GET already ran: a later SET does not change its reply.
                #expect(try other.command("SET", "k", "new") == .simpleString("OK"))
                #expect(try slow.readReply().value == "old")
                #expect(ContinuousClock.now - started >= .milliseconds(300))
                // What follows on the connection waits behind the reply, in order.
                #expect(try slow.readReply().value == .simpleString("PONG"))
                server.clearFaults()
                #expect(try slow.command("GET", "k") == "new")
            }
        }

        @Test func latencyForAllCommandsKeepsPipelineOrder() throws {
            try withServer { server in
                server.inject(.latency(.milliseconds(20)))
                let c = try RESPTestConnection(port: server.port)
                let started = ContinuousClock.now
                try c.send(bytes: Array("INCR n\r\nINCR n\r\nINCR n\r\n".utf8))
                for expected in 1...3 { #expect(try c.readReply().value == .integer(expected)) }
                #expect(ContinuousClock.now - started >= .milliseconds(60))
            }
        }

        @Test func faultsCombine() throws {
            try withServer { server in
                server.inject(.latency(.milliseconds(100), commands: ["GET"]))
                server.inject(.errorReply("ERR injected", commands: ["GET"]))
                let c = try RESPTestConnection(port: server.port)
                let started = ContinuousClock.now
                #expect(try c.command("GET", "k") == .simpleError("ERR injected"))
                #expect(ContinuousClock.now - started >= .milliseconds(100))
            }
        }

        @Test func dropAfterReplies() throws {
            try withServer { server in
                server.inject(.dropConnection(afterReplies: 2))
                let c = try RESPTestConnection(port: server.port)
                try c.send(bytes: Array("PING\r\nPING\r\nPING\r\n".utf8))
                let bytes = try c.readUntilClosed()
                #expect(bytes == Array("+PONG\r\n+PONG\r\n".utf8))
                // The fault applies to every connection, new ones included, until cleared.
                let again = try RESPTestConnection(port: server.port)
                try again.send(["SET", "a", "1"])
                #expect(try again.readReply().value == .simpleString("OK"))
                try again.send(["GET", "a"])
                #expect(try again.readReply().value == "1")
                // The server closes after the second reply (a reset, if the PING arrived first).
                #expect {
                    try again.command("PING")
                } throws: { error in
                    if case .closed = error as? RESPTestConnection.Failure { return true }
                    return false
                }
                server.clearFaults()
                let fine = try RESPTestConnection(port: server.port)
                for _ in 0..<5 { #expect(try fine.command("PING") == .simpleString("PONG")) }
            }
        }

        @Test func dropBeforeAnyReply() throws {
            try withServer { server in
                let c = try RESPTestConnection(port: server.port)
                #expect(try c.command("SET", "k", "v") == .simpleString("OK"))
                server.inject(.dropConnection())
                try c.send(["GET", "k"])
                #expect(try c.readUntilClosed() == [])
            }
        }

        @Test func dropMidReplySendsHalfAReply() throws {
            try withServer { server in
                let c = try RESPTestConnection(port: server.port)
                let value = String(repeating: "x", count: 1000)
                #expect(try c.command("SET", "big", value) == .simpleString("OK"))
                server.inject(.dropMidReply(afterReplies: 1))
                try c.send(bytes: Array("PING\r\nGET big\r\nPING\r\n".utf8))
                let bytes = try c.readUntilClosed()
                let full = Array("+PONG\r\n$1000\r\n\(value)\r\n".utf8)
                #expect(bytes.count > 7 && bytes.count < full.count)
                #expect(Array(full.prefix(bytes.count)) == bytes)
                // A client parsing this sees a reply that never completes.
                var parser = RESPParser()
                parser.append(contentsOf: bytes)
                #expect(try parser.next() == .simpleString("PONG"))
                #expect(try parser.next() == nil)
            }
        }

        @Test func garbageReplacesOneReply() throws {
            try withServer { server in
                server.inject(.garbage(Array("%%not-resp\r\n".utf8), afterReplies: 1))
                let c = try RESPTestConnection(port: server.port)
                #expect(try c.command("SET", "k", "v") == .simpleString("OK"))
                try c.send(["GET", "k"])
                #expect(try c.readAvailable(for: .milliseconds(300)) == Array("%%not-resp\r\n".utf8))
                // The command ran; later replies are normal.
                #expect(try c.command("GET", "k") == "v")
            }
        }

        @Test func unsolicitedBytesReachEveryConnection() throws {
            try withServer { server in
                let a = try RESPTestConnection(port: server.port)
                let b = try RESPTestConnection(port: server.port)
                #expect(try a.command("PING") == .simpleString("PONG"))
                #expect(try b.command("PING") == .simpleString("PONG"))
                server.sendToAllConnections(Array(">2\r\n$10\r\ninvalidate\r\n_\r\n".utf8))
                #expect(try a.readReply().value == .push(["invalidate", .null]))
                #expect(try b.readReply().value == .push(["invalidate", .null]))
            }
        }

        @Test func stallSwallowsCommands() throws {
            try withServer { server in
                server.inject(.stall(commands: ["GET"]))
                let c = try RESPTestConnection(port: server.port)
                try c.send(bytes: Array("GET k\r\nPING\r\n".utf8))
                // The GET is never answered: the first reply is the PING's.
                #expect(try c.readReply().value == .simpleString("PONG"))
                server.clearFaults()
                server.inject(.stall())
                try c.send(["PING"])
                c.timeout = .milliseconds(300)
                #expect(throws: RESPTestConnection.Failure.timedOut) { try c.readReply() }
                #expect(server.statistics().faultsApplied == 2)
            }
        }

        @Test func refusedConnectionsAndRecovery() throws {
            try withServer { server in
                let existing = try RESPTestConnection(port: server.port)
                // Accepted before the fault (a connection still in the backlog would be reset).
                #expect(try existing.command("PING") == .simpleString("PONG"))
                server.inject(.refuseConnections)
                #expect(throws: RESPTestConnection.Failure.system("connect", errno: ECONNREFUSED)) {
                    _ = try RESPTestConnection(port: server.port)
                }
                // Connections made before keep working.
                #expect(try existing.command("PING") == .simpleString("PONG"))
                server.clearFaults()
                let fresh = try RESPTestConnection(port: server.port)
                #expect(try fresh.command("PING") == .simpleString("PONG"))
            }
        }

        @Test func resetConnections() throws {
            try withServer { server in
                server.inject(.resetConnections)
                let c = try RESPTestConnection(port: server.port)
                do {
                    _ = try c.command("PING")
                    Issue.record("a reset connection answered")
                } catch let failure as RESPTestConnection.Failure {
                    if case .closed = failure {} else { Issue.record("unexpected \(failure)") }
                }
                #expect(server.statistics().connectionsRejected >= 1)
                server.clearFaults()
                #expect(try RESPTestConnection(port: server.port).command("PING") == .simpleString("PONG"))
            }
        }

        @Test func scriptedErrorReplies() throws {
            try withServer { server in
                server.inject(.errorReply("LOADING Redis is loading the dataset in memory", commands: ["get", "MGET"]))
                let c = try RESPTestConnection(port: server.port)
                #expect(try c.command("SET", "k", "v") == .simpleString("OK"))
                #expect(try c.command("GET", "k") == .simpleError("LOADING Redis is loading the dataset in memory"))
                #expect(try c.command("mget", "k") == .simpleError("LOADING Redis is loading the dataset in memory"))
                #expect(server.activeFaults.count == 2)
                server.clearFaults()
                #expect(server.activeFaults.isEmpty)
                #expect(try c.command("GET", "k") == "v")
            }
        }

        @Test func killAllConnections() throws {
            try withServer { server in
                let a = try RESPTestConnection(port: server.port)
                let b = try RESPTestConnection(port: server.port)
                #expect(try a.command("PING") == .simpleString("PONG"))
                #expect(try b.command("PING") == .simpleString("PONG"))
                #expect(server.killAllConnections() == 2)
                #expect(try a.readUntilClosed() == [])
                #expect(try b.readUntilClosed() == [])
                #expect(try RESPTestConnection(port: server.port).command("PING") == .simpleString("PONG"))
            }
        }

        @Test func pauseAndResume() throws {
            try withServer { server in
                let c = try RESPTestConnection(port: server.port)
                #expect(try c.command("PING") == .simpleString("PONG"))
                server.pause()
                try c.send(["SET", "k", "v"])
                #expect(try c.readAvailable(for: .milliseconds(200)) == [])
                // The control API still answers while paused.
                #expect(server.statistics().connections.count == 1)
                server.resume()
                #expect(try c.readReply().value == .simpleString("OK"))
                #expect(try c.command("GET", "k") == "v")
            }
        }

        @Test func faultsAreScopedToOneServer() throws {
            let first = try FakeRedisServer.start()
            defer { first.stop() }
            let second = try FakeRedisServer.start()
            defer { second.stop() }
            first.inject(.errorReply("ERR injected", commands: ["PING"]))
            #expect(try RESPTestConnection(port: first.port).command("PING") == .simpleError("ERR injected"))
            #expect(try RESPTestConnection(port: second.port).command("PING") == .simpleString("PONG"))
        }

        @Test func debugSleepFreezesEveryClient() throws {
            try withServer { server in
                let sleeper = try RESPTestConnection(port: server.port)
                let other = try RESPTestConnection(port: server.port)
                let started = ContinuousClock.now
                try sleeper.send(["DEBUG", "SLEEP", "0.3"])
                // The control API answers during the sleep: wait until the server has run it.
                try waitUntil { server.statistics().commandsProcessed >= 1 }
                try other.send(["PING"])
                #expect(try other.readReply().value == .simpleString("PONG"))
                #expect(ContinuousClock.now - started >= .milliseconds(300))
                #expect(try sleeper.readReply().value == .simpleString("OK"))
                // Commands pipelined behind a DEBUG SLEEP run when it ends.
                try sleeper.send(bytes: Array("DEBUG SLEEP 0.05\r\nPING\r\n".utf8))
                #expect(try sleeper.readReply().value == .simpleString("OK"))
                #expect(try sleeper.readReply().value == .simpleString("PONG"))
            }
        }
    }
}
