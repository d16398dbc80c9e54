import StrataRESP
import StrataRedis
import StrataServerTestSupport
import Testing

@Suite("Client basics", .blockingIO)
struct RedisClientBasicTests {
    @Test(arguments: TestRedisServer.kindsToTest)
    func setAndGet(_ kind: TestRedisServer.Kind) async throws {
        try await withTestRedisServer(kind) { server in
            let client = try RedisClient(url: server.url)
            defer { Task { await client.shutdown() } }
            #expect(try await client.set("greeting", "hello"))
            #expect(try await client.getString("greeting") == "hello")
            #expect(try await client.get("missing") == nil)
            #expect(try await client.set("greeting", "again", condition: .ifNotExists) == false)
            let binary: [UInt8] = [0, 255, 13, 10, 36]
            try await client.set("binary", binary)
            #expect(try await client.get("binary") == binary)
            #expect(try await client.incr("counter") == 1)
            #expect(try await client.incr("counter", by: 10) == 11)
            let error = await #expect(throws: RedisServerError.self) { try await client.incr("greeting") }
            #expect(error?.message == "ERR value is not an integer or out of range")
            #expect(error?.code == "ERR")
        }
    }

    @Test(arguments: TestRedisServer.kindsToTest)
    func concurrentCallersGetTheirOwnReplies(_ kind: TestRedisServer.Kind) async throws {
        try await withTestRedisServer(kind) { server in
            let client = try RedisClient(url: server.url)
            defer { Task { await client.shutdown() } }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for task in 0..<100 {
                    group.addTask {
                        for i in 0..<1000 {
                            let key = "k:\(task):\(i % 10)"
                            let value = "v:\(task):\(i)"
                            try await client.set(key, value)
                            let read = try await client.getString(key)
                            guard read == value else {
                                throw TestSupportError("task \(task) wrote \(value) but read \(read ?? "nil")")
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
            let counters = client._writeCounters
            #expect(counters.commands >= 200_000)
            // Automatic pipelining: concurrent commands share writes.
            #expect(counters.writes < counters.commands)
        }
    }
}
