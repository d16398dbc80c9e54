import StrataRESP

/// `SPUBLISH channel message`: publishes on a shard channel (Redis 7), which lives in the hash
/// slot of its name; the number of subscribers that received it on that shard.
public struct SPUBLISH<Channel: RESPCommandArgument, Message: RESPCommandArgument>: RedisCommand {
    public var channel: Channel
    public var message: Message
    /// Creates the command.
    public init(_ channel: Channel, _ message: Message) {
        self.channel = channel
        self.message = message
    }
    public var name: String { "SPUBLISH" }
    /// The channel, which routes the command like a key.
    public var keys: [RedisKey] { [RedisKey(channel)] }
    public func encode(into encoder: inout RESPEncoder) { encoder.writeCommand("SPUBLISH", channel, message) }
    public func decode(_ reply: RESPValue) throws(RESPDecodingError) -> Int { try reply.asInt() }
}

extension RedisCommandRunner {
    /// `SPUBLISH channel message`: publishes on a shard channel; on a cluster, at the node that
    /// owns the channel's slot. Returns how many subscribers received it.
    @discardableResult
    public func spublish<Channel: RESPCommandArgument, Message: RESPCommandArgument>(
        _ channel: Channel, _ message: Message
    ) async throws -> Int {
        try await execute(SPUBLISH(channel, message))
    }
}

extension RedisClusterClient {
    /// `SSUBSCRIBE channel...`: the messages published with `SPUBLISH` on these shard channels,
    /// received from the primary that owns their slot. Returns once that node confirmed the
    /// subscription.
    ///
    /// ```swift
    /// let scores = try await cluster.subscribe(toShardChannels: ["{match:9}:scores"])
    /// try await cluster.spublish("{match:9}:scores", "1-0")
    /// for try await message in scores { print(message.text) }
    /// ```
    ///
    /// When the channels' slot moves or their primary fails, the subscription follows: it is made
    /// again at the new owner (after reading the topology), without ending the sequence. Messages
    /// published in between are missed, as sharded pub/sub delivers at most once. Leaving the loop
    /// (or dropping the sequence) unsubscribes.
    ///
    /// - Throws: ``RedisClientError`` with code `crossSlot` when the channels hash to different
    ///   slots (subscribe to each slot separately), or when no node could be subscribed at.
    public func subscribe(toShardChannels channels: [String], bufferSize: Int = 1024) async throws
        -> RedisSubscription
    {
        guard let slot = try RedisClusterSlot.of(keys: channels.map { RedisKey($0) }, command: "SSUBSCRIBE") else {
            throw RedisClientError(.invalidConfiguration, "SSUBSCRIBE needs at least one channel")
        }
        let names = channels.map { Array($0.utf8) }
        let first = try await subscribeAtOwner(slot, names, bufferSize: bufferSize, refresh: false)
        let (stream, continuation) = AsyncThrowingStream<RedisMessage, any Error>.makeStream(
            bufferingPolicy: .bufferingNewest(max(1, bufferSize)))
        // Forwards the messages of the subscription at the current owner and subscribes again when
        // it ends. Cancelled when the caller's sequence terminates (onTermination below) or the
        // client is released; it holds the client weakly.
        let forwarder = Task { [weak self] in
            var current: RedisSubscription? = first
            var failures = 0
            while !Task.isCancelled {
                if let subscription = current {
                    do {
                        for try await message in subscription { continuation.yield(message) }
                    } catch {
                        // The slot moved or the node was lost: subscribe again below.
                    }
                    current = nil
                }
                guard !Task.isCancelled, let client = self else { break }
                do {
                    current = try await client.subscribeAtOwner(slot, names, bufferSize: bufferSize, refresh: true)
                    failures = 0
                } catch {
                    failures += 1
                    let delay = client.configuration.retryBackoff.delay(afterFailures: failures)
                    try? await Task.sleep(for: delay)
                }
            }
            continuation.finish()
        }
        continuation.onTermination = { _ in forwarder.cancel() }
        return RedisSubscription(stream: stream)
    }

    /// Subscribes at the primary that owns `slot` (reading the topology first when `refresh`).
    func subscribeAtOwner(
        _ slot: RedisClusterSlot, _ channels: [[UInt8]], bufferSize: Int, refresh: Bool
    ) async throws -> RedisSubscription {
        let map = refresh ? RedisClusterSlotMap(try await refreshTopology()) : try await currentMap()
        guard let owner = map.primary(for: slot.value) else {
            throw RedisClientError(.connectionFailed, "no node serves \(slot) (the cluster is failing over)")
        }
        return try await nodeClient(owner).subscriptions.subscribe(
            channels: channels, patterns: [], sharded: true, bufferSize: bufferSize)
    }
}

extension RedisClusterClient {
    /// `SUBSCRIBE channel...` at one primary: classic pub/sub messages reach every node of a
    /// cluster, so any one will do (see ``RedisClient/subscribe(to:bufferSize:)``). The sequence
    /// ends with `subscriptionLost` when that node is lost; subscribe again to go on elsewhere.
    public func subscribe(to channels: [String], bufferSize: Int = 1024) async throws -> RedisSubscription {
        try await anyPrimary().subscribe(to: channels, bufferSize: bufferSize)
    }

    /// `PSUBSCRIBE pattern...` at one primary.
    public func subscribe(toPatterns patterns: [String], bufferSize: Int = 1024) async throws -> RedisSubscription {
        try await anyPrimary().subscribe(toPatterns: patterns, bufferSize: bufferSize)
    }

    private func anyPrimary() async throws -> RedisClient {
        guard let node = route(nil, map: try await currentMap()) else {
            throw RedisClientError(.connectionFailed, "the cluster has no primary (it is failing over)")
        }
        return try nodeClient(node)
    }
}
