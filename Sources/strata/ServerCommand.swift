import StrataFakeRedis

/// `strata server`: the fake Redis server, standalone, until Ctrl-C.
struct ServerCommand: Subcommand {
    static let name = "server"
    static let summary = "run StrataFakeRedis standalone (redis-cli and redis-benchmark work against it)"
    static var usage: String { FakeRedisServerOptions.usage }

    let options: FakeRedisServerOptions

    init(arguments: [String]) throws(UsageError) {
        do {
            options = try FakeRedisServerOptions(arguments: arguments)
        } catch {
            throw UsageError(message: error.message)
        }
    }

    func run() async -> Int32 {
        do {
            try FakeRedisServer.run(options)
            return 0
        } catch {
            printError("strata server: \(error)")
            return 1
        }
    }
}
