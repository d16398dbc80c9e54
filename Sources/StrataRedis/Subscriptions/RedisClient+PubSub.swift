import StrataRESP

/// Publish/subscribe.
extension RedisClient {
    /// `SUBSCRIBE channel...`: the messages published on these channels from now on. Returns once
    /// the server confirmed the subscription, so nothing published afterwards is missed.
    ///
    /// ```swift
    /// let subscription = try await client.subscribe(to: ["news"])
    /// for try await message in subscription { print(message.text) }
    /// ```
    public func subscribe(to channels: [String], bufferSize: Int = 1024) async throws -> RedisSubscription {
        try await subscriptions.subscribe(
            channels: channels.map { Array($0.utf8) }, patterns: [], bufferSize: bufferSize)
    }

    /// `PSUBSCRIBE pattern...`: the messages of every channel matching the patterns.
    public func subscribe(toPatterns patterns: [String], bufferSize: Int = 1024) async throws -> RedisSubscription {
        try await subscriptions.subscribe(
            channels: [], patterns: patterns.map { Array($0.utf8) }, bufferSize: bufferSize)
    }
}
