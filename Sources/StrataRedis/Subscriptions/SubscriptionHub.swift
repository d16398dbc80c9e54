import StrataRESP
import StrataSync
import Synchronization

/// The client's pub/sub connection: one dedicated connection carries every subscription of the
/// client, each channel subscribed once however many ``RedisSubscription``s listen to it.
final class SubscriptionHub: Sendable {
    private typealias Continuation = AsyncThrowingStream<RedisMessage, any Error>.Continuation

    private struct Subscriber {
        var channels: Set<[UInt8]>
        var patterns: Set<[UInt8]>
        /// Whether `channels` are shard channels (`SSUBSCRIBE`, Redis Cluster).
        var sharded = false
        var continuation: Continuation
    }

    private struct State {
        var connection: RedisConnection?
        var opening: Task<RedisConnection, any Error>?
        var subscribers: [UInt64: Subscriber] = [:]
        var nextID: UInt64 = 0
        var channelRefs: [[UInt8]: Int] = [:]
        var patternRefs: [[UInt8]: Int] = [:]
        var shardRefs: [[UInt8]: Int] = [:]
        /// Callers waiting for the server to confirm a subscription, by kind and name.
        var confirmations: [ConfirmationKey: [ConfirmationWaiter]] = [:]
        var lastHeard = ContinuousClock.now
        var pingSentAt: ContinuousClock.Instant?
    }

    private struct ConfirmationKey: Hashable {
        var pattern: Bool
        var name: [UInt8]
        var sharded = false
    }

    private let configuration: RedisConfiguration
    private let loop: RedisEventLoop
    private let state = StrataMutex(State())
    /// Held while a change of subscriptions is counted and written, so the server sees
    /// `SUBSCRIBE` and `UNSUBSCRIBE` of one channel in the order the counts changed. (Separate
    /// from `state`: a failed write closes the connection, whose handler takes `state`.)
    private let wireOrder = StrataMutex(())

    init(configuration: RedisConfiguration, loop: RedisEventLoop) {
        self.configuration = configuration
        self.loop = loop
    }

    /// Subscribes to channels (or patterns) and returns once the server confirmed every one.
    /// `sharded`: the channels are shard channels (`SSUBSCRIBE`); such a subscription ends with
    /// `subscriptionLost` when the server drops it because the channel's slot moved.
    func subscribe(
        channels: [[UInt8]], patterns: [[UInt8]], sharded: Bool = false, bufferSize: Int
    ) async throws -> RedisSubscription {
        let connection = try await ensureConnection()
        let (stream, continuation) = AsyncThrowingStream<RedisMessage, any Error>.makeStream(
            bufferingPolicy: .bufferingNewest(max(1, bufferSize)))
        let subscription = wireOrder.withLock { _ -> (UInt64, ConfirmationWaiter?, Result<Void, RedisClientError>) in
            let (id, newChannels, newPatterns) = state.withLock { s -> (UInt64, [[UInt8]], [[UInt8]]) in
                s.nextID += 1
                s.subscribers[s.nextID] = Subscriber(
                    channels: Set(channels), patterns: Set(patterns), sharded: sharded, continuation: continuation)
                var newChannels: [[UInt8]] = []
                var newPatterns: [[UInt8]] = []
                for channel in Set(channels) {
                    if sharded {
                        s.shardRefs[channel, default: 0] += 1
                        if s.shardRefs[channel] == 1 { newChannels.append(channel) }
                        continue
                    }
                    s.channelRefs[channel, default: 0] += 1
                    if s.channelRefs[channel] == 1 { newChannels.append(channel) }
                }
                for pattern in Set(patterns) {
                    s.patternRefs[pattern, default: 0] += 1
                    if s.patternRefs[pattern] == 1 { newPatterns.append(pattern) }
                }
                return (s.nextID, newChannels, newPatterns)
            }
            let keys =
                newChannels.map { ConfirmationKey(pattern: false, name: $0, sharded: sharded) }
                + newPatterns.map { ConfirmationKey(pattern: true, name: $0) }
            guard !keys.isEmpty else { return (id, nil, .success(())) }
            let waiter = ConfirmationWaiter(count: keys.count)
            // Registered before the command leaves, so no confirmation can be missed.
            state.withLock { s in
                for key in keys { s.confirmations[key, default: []].append(waiter) }
            }
            do throws(RedisClientError) {
                if !newChannels.isEmpty {
                    try connection.sendWithoutReply {
                        $0.writeCommand(prepending: sharded ? "SSUBSCRIBE" : "SUBSCRIBE", newChannels)
                    }
                }
                if !newPatterns.isEmpty {
                    try connection.sendWithoutReply { $0.writeCommand(prepending: "PSUBSCRIBE", newPatterns) }
                }
                return (id, waiter, .success(()))
            } catch {
                return (id, waiter, .failure(error))
            }
        }
        let (id, waiter, sent) = subscription
        continuation.onTermination = { [weak self] _ in self?.unsubscribe(id) }
        do {
            try sent.get()
            if let waiter { try await confirm(waiter) }
        } catch {
            continuation.finish(throwing: error)
            throw error
        }
        return RedisSubscription(stream: stream)
    }

    /// Waits (bounded by the command timeout) for the server to confirm every subscription.
    private func confirm(_ waiter: ConfirmationWaiter) async throws {
        let timeout = configuration.commandTimeout ?? .seconds(30)
        let timer = Task {
            try await Task.sleep(for: timeout)
            waiter.fail(RedisClientError(.timeout, "the server did not confirm the subscription within \(timeout)"))
        }
        defer { timer.cancel() }
        try await waiter.wait()
    }

    private func unsubscribe(_ id: UInt64) {
        wireOrder.withLock { _ in
            let (connection, channels, patterns, sharded) = state.withLock {
                s -> (RedisConnection?, [[UInt8]], [[UInt8]], Bool) in
                guard let subscriber = s.subscribers.removeValue(forKey: id) else { return (nil, [], [], false) }
                var channels: [[UInt8]] = []
                var patterns: [[UInt8]] = []
                if subscriber.sharded {
                    for channel in subscriber.channels {
                        s.shardRefs[channel, default: 1] -= 1
                        if s.shardRefs[channel] == 0 {
                            s.shardRefs.removeValue(forKey: channel)
                            channels.append(channel)
                        }
                    }
                    return (s.connection, channels, [], true)
                }
                for channel in subscriber.channels {
                    s.channelRefs[channel, default: 1] -= 1
                    if s.channelRefs[channel] == 0 {
                        s.channelRefs.removeValue(forKey: channel)
                        channels.append(channel)
                    }
                }
                for pattern in subscriber.patterns {
                    s.patternRefs[pattern, default: 1] -= 1
                    if s.patternRefs[pattern] == 0 {
                        s.patternRefs.removeValue(forKey: pattern)
                        patterns.append(pattern)
                    }
                }
                return (s.connection, channels, patterns, false)
            }
            guard let connection else { return }
            if !channels.isEmpty {
                try? connection.sendWithoutReply {
                    $0.writeCommand(prepending: sharded ? "SUNSUBSCRIBE" : "UNSUBSCRIBE", channels)
                }
            }
            if !patterns.isEmpty {
                try? connection.sendWithoutReply { $0.writeCommand(prepending: "PUNSUBSCRIBE", patterns) }
            }
        }
    }

    private func ensureConnection() async throws -> RedisConnection {
        let task = state.withLock { s -> Task<RedisConnection, any Error> in
            if let connection = s.connection, !connection.isClosed { return Task { connection } }
            if let opening = s.opening { return opening }
            let task = Task { try await self.open() }
            s.opening = task
            return task
        }
        return try await task.value
    }

    private func open() async throws -> RedisConnection {
        do {
            let connection = try await RedisConnection.open(
                configuration, loop: loop,
                closeHandler: { [weak self] error in self?.connectionLost(error) })
            connection.enterMessageMode { [weak self] value in self?.handle(value) }
            state.withLock { s in
                s.connection = connection
                s.opening = nil
                s.lastHeard = .now
            }
            return connection
        } catch {
            state.withLock { $0.opening = nil }
            throw error
        }
    }

    /// A value read on the subscriber connection (event loop thread).
    private func handle(_ value: RESPValue) {
        if let message = value.errorMessage {
            // A subscribe command refused (MOVED for a shard channel another node owns, ACL):
            // the callers waiting for confirmations hear of it instead of timing out.
            let waiters = state.withLock { s -> [ConfirmationWaiter] in
                s.lastHeard = .now
                defer { s.confirmations = [:] }
                return s.confirmations.values.flatMap { $0 }
            }
            for waiter in waiters { waiter.fail(RedisServerError(message: message)) }
            return
        }
        guard let parts = try? value.asArray(), let kind = try? parts.first?.asString() else {
            state.withLock { $0.lastHeard = .now }  // a PING reply in RESP3
            return
        }
        switch kind {
        case "message" where parts.count == 3, "smessage" where parts.count == 3:
            guard let channel = try? parts[1].asBytes(), let payload = try? parts[2].asBytes() else { return }
            let sharded = kind == "smessage"
            deliver(RedisMessage(channel: channel, payload: payload)) {
                $0.sharded == sharded && $0.channels.contains(channel)
            }
        case "pmessage" where parts.count == 4:
            guard let pattern = try? parts[1].asBytes(), let channel = try? parts[2].asBytes(),
                let payload = try? parts[3].asBytes()
            else { return }
            deliver(RedisMessage(channel: channel, pattern: pattern, payload: payload)) {
                $0.patterns.contains(pattern)
            }
        case "subscribe", "psubscribe", "ssubscribe":
            guard parts.count >= 2, let name = try? parts[1].asBytes() else { return }
            let key = ConfirmationKey(pattern: kind == "psubscribe", name: name, sharded: kind == "ssubscribe")
            let waiters = state.withLock { s -> [ConfirmationWaiter] in
                s.lastHeard = .now
                return s.confirmations.removeValue(forKey: key) ?? []
            }
            for waiter in waiters { waiter.confirmOne() }
        case "sunsubscribe" where parts.count >= 2:
            // Our own SUNSUBSCRIBE leaves no listener; one the server sent itself (the channel's
            // slot moved to another node) ends the subscriptions still listening.
            guard let channel = try? parts[1].asBytes() else { return }
            dropShardChannel(channel)
        default:
            state.withLock { $0.lastHeard = .now }  // unsubscribe confirmations, pong
        }
    }

    /// The server dropped a shard channel: its subscriptions end with `subscriptionLost`.
    private func dropShardChannel(_ channel: [UInt8]) {
        let ended = state.withLock { s -> [Subscriber] in
            s.lastHeard = .now
            s.shardRefs.removeValue(forKey: channel)
            let ids = s.subscribers.filter { $0.value.sharded && $0.value.channels.contains(channel) }.map(\.key)
            var ended: [Subscriber] = []
            for id in ids {
                guard let subscriber = s.subscribers.removeValue(forKey: id) else { continue }
                for other in subscriber.channels where other != channel {
                    s.shardRefs[other, default: 1] -= 1
                    if s.shardRefs[other] == 0 { s.shardRefs.removeValue(forKey: other) }
                }
                ended.append(subscriber)
            }
            return ended
        }
        let lost = RedisClientError(
            .subscriptionLost,
            "the server ended the subscription to shard channel '\(String(decoding: channel, as: UTF8.self))' "
                + "(its slot moved to another node); subscribe again at the new owner")
        for subscriber in ended { subscriber.continuation.finish(throwing: lost) }
    }

    private func deliver(_ message: RedisMessage, to matches: (Subscriber) -> Bool) {
        let targets = state.withLock { s -> [(UInt64, Continuation)] in
            s.lastHeard = .now
            return s.subscribers.compactMap { id, subscriber in
                matches(subscriber) ? (id, subscriber.continuation) : nil
            }
        }
        for (id, target) in targets {
            if case .dropped = target.yield(message) {
                // The consumer fell `bufferSize` messages behind: a message is lost, so the
                // subscription ends as if its connection had been (a cache flushes what it holds).
                target.finish(
                    throwing: RedisClientError(
                        .subscriptionLost,
                        "the subscriber fell behind and its buffer overflowed; messages were dropped"))
                unsubscribe(id)
            }
        }
    }

    /// The subscriber connection closed: every subscription ends, since messages may be lost.
    private func connectionLost(_ error: RedisClientError) {
        let (subscribers, waiters) = state.withLock { s -> ([Subscriber], [ConfirmationWaiter]) in
            defer {
                s.subscribers = [:]
                s.channelRefs = [:]
                s.patternRefs = [:]
                s.shardRefs = [:]
                s.confirmations = [:]
                s.connection = nil
            }
            return (Array(s.subscribers.values), s.confirmations.values.flatMap { $0 })
        }
        let lost = RedisClientError(
            .subscriptionLost, "the subscription connection was lost (\(error.message)); messages may have been missed")
        for subscriber in subscribers { subscriber.continuation.finish(throwing: lost) }
        for waiter in waiters { waiter.fail(lost) }
    }

    /// Pings a quiet subscriber connection and closes it when the ping goes unanswered, so a silent
    /// link is noticed within about two check intervals.
    func checkHealth(interval: Duration) {
        let action = state.withLock { s -> (RedisConnection, Bool)? in
            guard let connection = s.connection else { return nil }
            let now = ContinuousClock.now
            if let sent = s.pingSentAt, s.lastHeard < sent, now - sent > interval { return (connection, true) }
            if now - s.lastHeard > interval {
                s.pingSentAt = now
                return (connection, false)
            }
            return nil
        }
        guard let (connection, dead) = action else { return }
        if dead {
            connection.close(RedisClientError(.connectionClosed, "the subscription connection did not answer PING"))
        } else {
            try? connection.sendWithoutReply { $0.writeCommand("PING") }
        }
    }

    /// Ends every subscription and closes the connection.
    func shutdown() {
        let connection = state.withLock { $0.connection }
        connection?.close(RedisClientError(.shutdown, "the client was shut down"))
    }
}

/// Waits for a number of subscription confirmations, or fails.
final class ConfirmationWaiter: Sendable {
    private struct State {
        var remaining: Int
        var failure: (any Error)?
        var continuation: CheckedContinuation<Void, any Error>?
    }
    private let state: StrataMutex<State>

    init(count: Int) {
        state = StrataMutex(State(remaining: count))
    }

    func confirmOne() {
        let done = state.withLock { s -> CheckedContinuation<Void, any Error>? in
            s.remaining -= 1
            guard s.remaining == 0 else { return nil }
            defer { s.continuation = nil }
            return s.continuation
        }
        done?.resume()
    }

    func fail(_ error: any Error) {
        let continuation = state.withLock { s -> CheckedContinuation<Void, any Error>? in
            guard s.failure == nil, s.remaining > 0 else { return nil }
            s.failure = error
            defer { s.continuation = nil }
            return s.continuation
        }
        continuation?.resume(throwing: error)
    }

    func wait() async throws {
        try await withCheckedThrowingContinuation { continuation in
            let result = state.withLock { s -> Result<Void, any Error>? in
                if let failure = s.failure { return .failure(failure) }
                if s.remaining <= 0 { return .success(()) }
                s.continuation = continuation
                return nil
            }
            if let result { continuation.resume(with: result) }
        }
    }
}
