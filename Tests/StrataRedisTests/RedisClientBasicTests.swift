import StrataRESP
import StrataRedis
import StrataServerTestSupport
import Synchronization
import Testing

/// A flag one task sets and others poll.
final class ManagedAtomicFlag: Sendable {
    private let flag = Atomic<Bool>(false)
    var isSet: Bool { flag.load(ordering: .acquiring) }
    func set() { flag.store(true, ordering: .releasing) }
}

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
            let done = ManagedAtomicFlag()
            try await withThrowingTaskGroup(of: Void.self) { group in
                // A misbehaving caller keeps sending every command shape the shared connections
                // refuse, for as long as the others run: none may reach the wire.
                group.addTask {
                    var round = 0
                    while !done.isSet {
                        let shape = SharedConnectionSafetyTests.refused[
                            round % SharedConnectionSafetyTests.refused.count]
                        do {
                            _ = try await client.send(command: shape.arguments)
                            throw TestSupportError("\(shape.testDescription) was sent on a shared connection")
                        } catch let error as RedisClientError where error.code == .unsupported {}
                        round += 1
                        // One round of every shape per millisecond: a steady nuisance, not a CPU hog.
                        if round % SharedConnectionSafetyTests.refused.count == 0 {
                            try await Task.sleep(for: .milliseconds(1))
                        }
                    }
                }
                var workers: [Task<Void, any Error>] = []
                for task in 0..<100 {
                    workers.append(
                        Task {
                            for i in 0..<1000 {
                                let key = "k:\(task):\(i % 10)"
                                let value = "v:\(task):\(i)"
                                try await client.set(key, value)
                                let read = try await client.getString(key)
                                guard read == value else {
                                    throw TestSupportError("task \(task) wrote \(value) but read \(read ?? "nil")")
                                }
                            }
                        })
                }
                group.addTask {
                    defer { done.set() }
                    for worker in workers { try await worker.value }
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
