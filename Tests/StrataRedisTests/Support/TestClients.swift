import StrataRESP
import StrataRedis
import StrataServerTestSupport
import Testing

/// Creates a client for `server` speaking `protocolVersion`, runs `body`, and shuts the client down
/// whatever happens.
@discardableResult
func withClient<T>(
    _ server: TestRedisServer,
    protocolVersion: RedisConfiguration.ProtocolVersion = .resp3PreferringFallback,
    configure: (inout RedisConfiguration) -> Void = { _ in },
    _ body: (RedisClient) async throws -> T
) async throws -> T {
    var configuration = RedisConfiguration(host: "127.0.0.1", port: server.port)
    configuration.protocolVersion = protocolVersion
    configuration.commandTimeout = .seconds(10)
    configuration.connectTimeout = .seconds(20)  // generous: the whole suite shares two cores
    configure(&configuration)
    let client = try RedisClient(configuration: configuration)
    do {
        let result = try await body(client)
        await client.shutdown(gracePeriod: .seconds(1))
        return result
    } catch {
        await client.shutdown(gracePeriod: .seconds(1))
        throw error
    }
}

/// Polls `condition` every few milliseconds until it holds or `timeout` passes. Returns whether it held.
func eventually(timeout: Duration = .seconds(5), _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(5))
    }
    return try await condition()
}

/// The protocol versions every contract test runs with.
let protocolVersions: [RedisConfiguration.ProtocolVersion] = [.resp2, .resp3]

extension RedisConfiguration.ProtocolVersion: CustomTestStringConvertible {
    public var testDescription: String {
        switch self {
        case .resp2: return "RESP2"
        case .resp3: return "RESP3"
        case .resp3PreferringFallback: return "RESP3 with fallback"
        }
    }
}
