import StrataFakeRedis
import StrataRESP
import StrataRedis
import StrataServerTestSupport
import Testing

/// The client under faults only the fake server can inject on demand: slow and stalled replies,
/// dropped connections, garbage on the wire, refused connections, error replies, a server that
/// does not know HELLO. Each test checks the error a caller sees and that the client recovers.
@Suite("Injected faults", .blockingIO)
struct RedisInjectedFaultTests {
    /// Runs `body` with a fresh fake server (stopped afterwards) and a client with a short timeout.
    func withFaultyServer(
        commandTimeout: Duration = .milliseconds(250),
        _ body: (FakeRedisServer, RedisClient) async throws -> Void
    ) async throws {
        try await withTestRedisServer(.fake) { server in
            try await withClient(server, configure: { $0.commandTimeout = commandTimeout }) { client in
                try await body(server.fake!, client)
            }
        }
    }

    @Test func aSlowReplyTimesOutItsCallerAloneAndTheConnectionStays() async throws {
        try await withFaultyServer { fake, client in
            try await client.set("k", "v")
            let before = client._sharedConnectionIDs
            fake.inject(.latency(.seconds(1), commands: ["GET"]))
            let error = await #expect(throws: RedisClientError.self) { try await client.get("k") }
            #expect(error?.code == .timeout)
            #expect(error?.message.contains("within the command timeout") == true)
            // The connection is not closed: a patient caller behind the slow reply gets its own.
            let pong = try await RedisClient.withCommandTimeout(.seconds(10)) { try await client.send("PING") }
            #expect(pong == .simpleString("PONG"))
            fake.clearFaults()
            #expect(try await client.getString("k") == "v")
            #expect(client._sharedConnectionIDs == before)
        }
    }

    @Test func aStalledServerFailsEachCallerAtItsOwnTimeoutThenTheStallLimitClosesTheConnection() async throws {
        try await withTestRedisServer(.fake) { server in
            let fake = server.fake!
            try await withClient(
                server,
                configure: {
                    $0.commandTimeout = .milliseconds(100)
                    $0.stallTimeout = .milliseconds(1500)
                }
            ) { client in
                try await client.set("k", "v")
                let before = client._sharedConnectionIDs
                // The fake reads the GETs and never answers: a dead server behind a live socket.
                fake.inject(.stall(commands: ["GET"]))
                let stalled = ContinuousClock.now
                let errors = await withTaskGroup(of: RedisClientError?.self) { group in
                    for _ in 0..<20 {
                        group.addTask {
                            do {
                                _ = try await client.get("k")
                                return nil
                            } catch {
                                return error as? RedisClientError
                            }
                        }
                    }
                    var errors: [RedisClientError?] = []
                    for await error in group { errors.append(error) }
                    return errors
                }
                // Nobody hangs and nobody gets a wrong reply: each caller gave up at its own timeout.
                #expect(errors.count == 20)
                #expect(errors.allSatisfy { $0?.code == .timeout }, "\(errors)")
                // Timeouts alone close nothing (unless a busy machine made the callers outlast the
                // stall limit, which then closes the connection rightly).
                let connection = client._sharedConnectionIDs
                if ContinuousClock.now - stalled < .milliseconds(1200) { #expect(connection == before) }
                // Silent past the stall limit with replies owed: the connection is given up on.
                #expect(await eventually { client._sharedConnectionIDs.isEmpty })
                fake.clearFaults()
                #expect(try await client.getString("k") == "v")
                #expect(client._sharedConnectionIDs != before)
            }
        }
    }

    @Test func tooManyAbandonedRepliesCloseTheConnection() async throws {
        try await withTestRedisServer(.fake) { server in
            let fake = server.fake!
            try await withClient(
                server,
                configure: {
                    $0.commandTimeout = .milliseconds(50)
                    $0.stallTimeout = nil
                    $0.maximumAbandonedReplies = 10
                }
            ) { client in
                try await client.set("k", "v")
                let before = client._sharedConnectionIDs
                fake.inject(.stall(commands: ["GET"]))  // never answered: every GET is abandoned
                for _ in 0..<10 {
                    await #expect(throws: RedisClientError.self) { try await client.get("k") }
                }
                // Ten replies owed to nobody: still within the bound.
                #expect(client._sharedConnectionIDs == before)
                await #expect(throws: RedisClientError.self) { try await client.get("k") }
                // The eleventh: the connection is given up on.
                #expect(await eventually { client._sharedConnectionIDs != before })
                fake.clearFaults()
                #expect(try await client.getString("k") == "v")
            }
        }
    }

    @Test func aDroppedConnectionIsAClearErrorAndTheNextCommandReconnects() async throws {
        try await withFaultyServer { fake, client in
            try await client.set("k", "v")
            fake.inject(.dropConnection(afterReplies: 0))
            // SET is not retried on another connection: the caller learns the connection closed.
            let error = await #expect(throws: RedisClientError.self) { try await client.set("k", "w") }
            #expect(error?.code == .connectionClosed || error?.code == .connectionFailed)
            fake.clearFaults()
            #expect(await eventually { (try? await client.getString("k")) != nil })
            let accepted = fake.statistics().connectionsAccepted
            #expect(accepted >= 2)
        }
    }

    @Test func aConnectionDroppedHalfwayThroughAReplyLosesNoOtherReply() async throws {
        try await withFaultyServer { fake, client in
            try await client.set("big", String(repeating: "x", count: 100_000))
            fake.inject(.dropMidReply(afterReplies: 0))
            let error = await #expect(throws: RedisClientError.self) { try await client.get("big") }
            #expect(error?.code == .connectionClosed || error?.code == .connectionFailed)
            fake.clearFaults()
            #expect(await eventually { (try? await client.getString("big"))?.count == 100_000 })
        }
    }

    @Test func garbageOnTheWireIsAProtocolErrorAndTheConnectionIsReplaced() async throws {
        try await withFaultyServer { fake, client in
            try await client.set("k", "v")
            fake.inject(.garbage(Array("%%not-resp\r\n".utf8), afterReplies: 0))
            let error = await #expect(throws: RedisClientError.self) { try await client.get("k") }
            #expect(error?.code == .protocolError)
            fake.clearFaults()
            // The corrupt connection is never reused: the next command gets a clean one.
            #expect(await eventually { (try? await client.getString("k")) == "v" })
            for i in 0..<20 {
                try await client.set("k\(i)", i)
                #expect(try await client.getString("k\(i)") == String(i))
            }
        }
    }

    @Test(arguments: [false, true])
    func refusedOrResetConnectionsFailFastThenTheClientConnects(_ reset: Bool) async throws {
        try await withTestRedisServer(.fake) { server in
            let fake = server.fake!
            fake.inject(reset ? .resetConnections : .refuseConnections)
            try await withClient(server, configure: { $0.connectTimeout = .seconds(1) }) { client in
                let started = ContinuousClock.now
                let error = await #expect(throws: RedisClientError.self) { try await client.get("k") }
                #expect(error?.code == .connectionFailed || error?.code == .connectionClosed)
                #expect(ContinuousClock.now - started < .seconds(5))
                fake.clearFaults()
                #expect(await eventually { (try? await client.set("k", "v")) != nil })
            }
        }
    }

    @Test func anErrorReplyIsAServerErrorAndTheConnectionStaysInUse() async throws {
        try await withFaultyServer { fake, client in
            try await client.set("k", "v")
            fake.inject(.errorReply("BUSY Redis is busy running a script", commands: ["GET"]))
            let error = await #expect(throws: RedisServerError.self) { try await client.get("k") }
            #expect(error?.code == "BUSY")
            let accepted = fake.statistics().connectionsAccepted
            #expect(try await client.send("PING") == .simpleString("PONG"))
            fake.clearFaults()
            #expect(try await client.getString("k") == "v")
            // An error reply is an answer, not a broken connection: no reconnect happened.
            #expect(fake.statistics().connectionsAccepted == accepted)
        }
    }

    @Test func aServerWithoutHelloGetsRESP2() async throws {
        try await withTestRedisServer(.fake) { server in
            let fake = server.fake!
            fake.inject(.errorReply("ERR unknown command 'HELLO', with args beginning with: '3'", commands: ["HELLO"]))
            try await withClient(server, protocolVersion: .resp3PreferringFallback) { client in
                try await client.set("k", "v")
                #expect(try await client.getString("k") == "v")
                let version = try await client.withConnection { $0.protocolVersion }
                #expect(version == .resp2)
            }
            // Asking for RESP3 only is refused with a clear error, not a silent downgrade.
            try await withClient(server, protocolVersion: .resp3) { client in
                let error = await #expect(throws: (any Error).self) { try await client.get("k") }
                #expect(error is RedisClientError || error is RedisServerError, "\(String(describing: error))")
            }
        }
    }

    @Test func aPausedServerTimesOutThenResumes() async throws {
        try await withFaultyServer { fake, client in
            try await client.set("k", "v")
            fake.pause()
            let error = await #expect(throws: RedisClientError.self) { try await client.get("k") }
            #expect(error?.code == .timeout || error?.code == .connectionFailed)
            fake.resume()
            #expect(await eventually { (try? await client.getString("k")) == "v" })
        }
    }

    @Test func everyConnectionKilledAtOnce() async throws {
        try await withFaultyServer(commandTimeout: .seconds(5)) { fake, client in
            try await client.set("k", "v")
            #expect(fake.killAllConnections() >= 1)
            #expect(await eventually { (try? await client.getString("k")) == "v" })
        }
    }
}
