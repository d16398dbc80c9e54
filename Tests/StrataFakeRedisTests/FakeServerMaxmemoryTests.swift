import Glibc
import StrataFakeRedis
import StrataRESP
import StrataServerTestSupport
import Testing

extension FakeRedisTestSuites {
    /// `maxmemory` between "nothing fits" and "no limit", where a real redis-server's outcome
    /// depends on its allocator: the fake's approximate memory (Engine+Maxmemory) must stay
    /// within the limit as writes go on, evict by the policy, tell subscribers and tracking
    /// clients, and refuse writes under noeviction. Fake only.
    @Suite("Fake server: maxmemory")
    struct FakeServerMaxmemoryTests {
        func withServer(_ body: (FakeRedisServer, RESPTestConnection) throws -> Void) throws {
            let server = try FakeRedisServer.start(.init())
            defer { server.stop() }
            let c = try RESPTestConnection(port: server.port)
            defer { c.close() }
            try body(server, c)
        }

        func info(_ c: RESPTestConnection, _ field: String) throws -> Int {
            let bytes: [UInt8]
            switch try c.command("INFO", "all") {
            case .bulkString(let b), .verbatimString(_, let b): bytes = b.array
            default: return -1
            }
            let text = String(decoding: bytes, as: UTF8.self)
            for line in text.split(whereSeparator: \.isNewline) where line.hasPrefix("\(field):") {
                return Int(line.dropFirst(field.count + 1)) ?? -1
            }
            return -1
        }

        /// A limit some keys above what is used now.
        func limitAbove(_ c: RESPTestConnection, bytes: Int) throws -> Int {
            let used = try info(c, "used_memory")
            #expect(used > 0)
            let limit = used + bytes
            #expect(try c.command("CONFIG", "SET", "maxmemory", String(limit)) == .simpleString("OK"))
            return limit
        }

        /// allkeys-lru: writes go on past the limit, used memory stays under it, the keys read
        /// recently survive and the others are evicted, each with an `evicted` event.
        @Test func allkeysLRUKeepsTheRecentlyReadKeys() throws {
            try withServer { server, c in
                #expect(try c.command("CONFIG", "SET", "maxmemory-policy", "allkeys-lru") == .simpleString("OK"))
                #expect(try c.command("CONFIG", "SET", "notify-keyspace-events", "Ee") == .simpleString("OK"))
                let subscriber = try RESPTestConnection(port: server.port)
                defer { subscriber.close() }
                _ = try subscriber.command("SUBSCRIBE", "__keyevent@0__:evicted")
                let value = String(repeating: "x", count: 1000)
                let limit = try limitAbove(c, bytes: 20 * 1100)
                for i in 0..<10 { #expect(try c.command("SET", "hot\(i)", value) == .simpleString("OK")) }
                for i in 0..<100 {
                    // A millisecond apart, so the hot keys' reads are the most recent.
                    usleep(1000)
                    for j in 0..<10 { _ = try c.command("GET", "hot\(j)") }
                    #expect(try c.command("SET", "cold\(i)", value) == .simpleString("OK"))
                    #expect(try info(c, "used_memory") <= limit)
                }
                let evicted = try info(c, "evicted_keys")
                #expect(evicted > 80)
                for j in 0..<10 { #expect(try c.command("EXISTS", "hot\(j)") == .integer(1)) }
                #expect(try c.command("EXISTS", "cold0") == .integer(0))
                #expect(try c.command("EXISTS", "cold99") == .integer(1))
                var events = 0
                while events < evicted {
                    guard case .array(let message) = try subscriber.readReply().value, message.count == 3 else { break }
                    #expect(message[2] != .bulkString(Array("hot0".utf8)))
                    events += 1
                }
                #expect(events == evicted)
            }
        }

        /// volatile-lru: only keys with an expiry go; once none is left, writes are refused.
        @Test func volatilePolicyEvictsOnlyVolatileKeysThenRefuses() throws {
            try withServer { _, c in
                #expect(try c.command("CONFIG", "SET", "maxmemory-policy", "volatile-lru") == .simpleString("OK"))
                let value = String(repeating: "x", count: 1000)
                _ = try limitAbove(c, bytes: 10 * 1100)
                for i in 0..<5 { #expect(try c.command("SET", "keep\(i)", value) == .simpleString("OK")) }
                for i in 0..<20 {
                    #expect(try c.command("SET", "v\(i)", value, "EX", "1000") == .simpleString("OK"))
                }
                #expect(try info(c, "evicted_keys") > 10)
                #expect(try c.command("EXISTS", "v0") == .integer(0))
                #expect(try c.command("EXISTS", "v19") == .integer(1))
                var written = 0
                while case .simpleString = try c.command("SET", "p\(written)", value) { written += 1 }
                #expect(try c.command("SET", "one-more", "x") == .simpleError(Self.oom))
                #expect(try c.command("EXISTS", "v19") == .integer(0))
                for i in 0..<5 { #expect(try c.command("EXISTS", "keep\(i)") == .integer(1)) }
                for i in 0..<written { #expect(try c.command("EXISTS", "p\(i)") == .integer(1)) }
            }
        }

        static let oom = "OOM command not allowed when used memory > 'maxmemory'."

        /// noeviction: writes that would grow memory are refused once it is full, deletes work,
        /// and room made by a delete takes writes again.
        @Test func noevictionRefusesWritesUntilRoomIsMade() throws {
            try withServer { _, c in
                let value = String(repeating: "x", count: 1000)
                _ = try limitAbove(c, bytes: 5 * 1100)
                var stored = 0
                while case .simpleString = try c.command("SET", "k\(stored)", value) { stored += 1 }
                #expect(stored >= 4 && stored <= 6)
                #expect(try c.command("RPUSH", "l", "x") != .integer(1))
                #expect(try c.command("GET", "k0") == .bulkString(Array(value.utf8)))
                #expect(try c.command("DEL", "k0", "k1") == .integer(2))
                #expect(try c.command("SET", "again", value) == .simpleString("OK"))
                #expect(try info(c, "evicted_keys") == 0)
            }
        }

        /// Growing a collection in place counts: RPUSHes that fill memory evict the least
        /// recently used key, and a tracking client that read it is told before its next reply.
        @Test func inPlaceGrowthEvictsAndTrackingClientsHearOfIt() throws {
            try withServer { server, c in
                #expect(try c.command("HELLO", "3") != .null)
                #expect(try c.command("CONFIG", "SET", "maxmemory-policy", "allkeys-lru") == .simpleString("OK"))
                #expect(try c.command("SET", "tracked", "v") == .simpleString("OK"))
                #expect(try c.command("CLIENT", "TRACKING", "ON") == .simpleString("OK"))
                #expect(try c.command("GET", "tracked") == .bulkString(Array("v".utf8)))
                usleep(2000)
                _ = try limitAbove(c, bytes: 200 * 40)
                let writer = try RESPTestConnection(port: server.port)
                defer { writer.close() }
                for i in 0..<400 { _ = try writer.command("RPUSH", "list", "element\(i)") }
                #expect(try info(writer, "evicted_keys") >= 1)
                let invalidation = try c.readReply().value
                #expect(
                    invalidation
                        == .push([.bulkString(Array("invalidate".utf8)), .array([.bulkString(Array("tracked".utf8))])]))
                #expect(try c.command("EXISTS", "tracked") == .integer(0))
            }
        }
    }
}
