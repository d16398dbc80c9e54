import Glibc
import StrataServerTestSupport
import Testing

extension FakeRedisTestSuites {
    /// The launcher the client's contract suite uses: both kinds start, answer, die on kill, and
    /// come back on the same port.
    @Suite("TestRedisServer")
    struct TestRedisServerTests {
        static var kinds: [TestRedisServer.Kind] {
            TestRedisServer.realServerUnavailable == nil || TestRedisServer.realServerRequired
                ? [.fake, .real] : [.fake]
        }

        @Test(arguments: kinds)
        func killAndRestartOnTheSamePort(_ kind: TestRedisServer.Kind) throws {
            let server = try TestRedisServer.start(kind)
            defer { server.stop() }
            #expect((server.fake != nil) == (kind == .fake))
            let c = try RESPTestConnection(port: server.port)
            #expect(try c.command("SET", "k", "v") == .simpleString("OK"))
            server.kill()
            #expect(!server.isRunning)
            // A client sees the connection end.
            #expect(throws: RESPTestConnection.Failure.self) { try c.command("GET", "k") }
            #expect(throws: RESPTestConnection.Failure.self) { _ = try RESPTestConnection(port: server.port) }
            try server.restart()
            #expect(server.isRunning)
            let again = try RESPTestConnection(port: server.port)
            #expect(try again.command("GET", "k").isNull)
            #expect(try again.command("DEBUG", "SLEEP", "0") == .simpleString("OK"))
        }

        @Test(arguments: kinds)
        func passwordsAndUsers(_ kind: TestRedisServer.Kind) throws {
            let server = try TestRedisServer.start(kind, options: .init(password: "pw", users: ["bob": "bpw"]))
            defer { server.stop() }
            let c = try RESPTestConnection(port: server.port)
            #expect(try c.command("GET", "k") == .simpleError("NOAUTH Authentication required."))
            #expect(try c.command("AUTH", "bob", "bpw") == .simpleString("OK"))
            #expect(try c.command("ACL", "WHOAMI") == "bob")
        }

        @Test func aMissingRealServerIsReported() {
            if TestRedisServer.realServerUnavailable == nil {
                #expect(ChildProcess.find("redis-server") != nil)
            } else {
                #expect(throws: TestSupportError.self) { try TestRedisServer.start(.real) }
            }
        }
    }
}
