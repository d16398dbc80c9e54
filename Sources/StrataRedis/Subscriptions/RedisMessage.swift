/// A message received on a subscribed channel.
public struct RedisMessage: Sendable, Hashable {
    /// The channel it was published on.
    public var channel: [UInt8]
    /// The pattern that matched the channel, for pattern subscriptions.
    public var pattern: [UInt8]?
    /// The message body.
    public var payload: [UInt8]

    /// Creates a message.
    public init(channel: [UInt8], pattern: [UInt8]? = nil, payload: [UInt8]) {
        self.channel = channel
        self.pattern = pattern
        self.payload = payload
    }

    /// The channel as UTF-8 text.
    public var channelName: String { String(decoding: channel, as: UTF8.self) }
    /// The body as UTF-8 text.
    public var text: String { String(decoding: payload, as: UTF8.self) }
}

/// The messages of a subscription, as an async sequence.
///
/// The sequence ends with a thrown ``RedisClientError`` (code `subscriptionLost`) when the
/// subscription's connection is lost, because messages may have been missed: subscribe again to
/// continue. Leaving the loop (or dropping the sequence) unsubscribes. At most `bufferSize`
/// undelivered messages are kept: a consumer that falls further behind loses its subscription the
/// same way (`subscriptionLost`), never a message silently.
public struct RedisSubscription: AsyncSequence, Sendable {
    public typealias Element = RedisMessage

    let stream: AsyncThrowingStream<RedisMessage, any Error>

    public func makeAsyncIterator() -> AsyncThrowingStream<RedisMessage, any Error>.Iterator {
        stream.makeAsyncIterator()
    }
}
