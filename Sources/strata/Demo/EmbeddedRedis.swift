/// The Redis server the demo uses: a given URL, or the embedded fake server.
struct EmbeddedRedis {
    let url: String
    let description: String
    let stop: @Sendable () -> Void

    static func start(url: String?) async throws -> EmbeddedRedis {
        if let url { return EmbeddedRedis(url: url, description: url, stop: {}) }
        throw UsageError(message: "the embedded fake server is not available in this build; pass --url redis://...")
    }
}
