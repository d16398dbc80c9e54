import StrataFakeRedis
import StrataServerTestSupport
import Testing

extension FakeRedisTestSuites {
    /// The README's StrataFakeRedis example (the code between the markers is the README's).
    @Suite("README: StrataFakeRedis")
    struct FakeRedisReadmeExampleTests {
        @Test func example() throws {
            // README: begin fake
            let server = try FakeRedisServer.start()  // 127.0.0.1, a free port
            defer { server.stop() }  // closes every connection, joins the thread
            // point any Redis client at server.host:server.port

            server.inject(.latency(.milliseconds(200), commands: ["GET"]))
            server.inject(.dropConnection(afterReplies: 3))  // or .dropMidReply(afterReplies:)
            server.inject(.errorReply("LOADING Redis is loading the dataset in memory", commands: ["GET"]))
            server.inject(.stall(commands: ["GET"]))  // read, never answered
            server.inject(.garbage(Array("%%\r\n".utf8)))  // instead of the next reply
            server.inject(.replyLatency(.milliseconds(50)))  // the command runs now, its reply goes out later
            server.inject(.refuseConnections)  // or .resetConnections
            server.killAllConnections()
            server.pause()
            server.resume()
            server.clearFaults()

            server.advanceClock(by: .seconds(3600))  // expiry without sleeping
            let stats = server.statistics()  // per connection: reads, writes, commands per read
            // README: end fake
            #expect(stats.connections.isEmpty)
            #expect(server.activeFaults.isEmpty)
            #expect(try RESPTestConnection(port: server.port).command("PING") == .simpleString("PONG"))
        }
    }
}
