// Pub/sub (Redis 7.0 pubsub.c). Subscription replies and messages are push messages in
// RESP3 and arrays in RESP2, where a subscribed client may only (un)subscribe, PING, QUIT and
// RESET (enforced in dispatch).

extension Engine {
    /// `subscribe`/`unsubscribe`/... with a channel (nil: none) and the client's count.
    private func addSubscriptionReply(_ c: Client, _ kind: String, _ channel: Bytes?) {
        c.addPushHeader(3)
        c.addBulk(kind)
        if let channel { c.addBulk(channel) } else { c.addNull() }
        // SUBSCRIBE and PSUBSCRIBE count channels and patterns; sharded channels apart.
        c.addInteger(c.channels.count + c.patterns.count)
    }

    func subscribeCommand(_ c: Client, _ args: Arguments) {
        for j in 1..<args.count {
            let channel = args[j]
            if c.channels.find(channel) == nil {
                c.channels.insert(channel, ())
                channelSubscribers[channel, default: []].append(c)
            }
            addSubscriptionReply(c, "subscribe", channel)
        }
    }

    func psubscribeCommand(_ c: Client, _ args: Arguments) {
        for j in 1..<args.count {
            let pattern = args[j]
            if !c.patterns.contains(pattern) {
                c.patterns.append(pattern)
                patternSubscribers.append((pattern, c))
            }
            addSubscriptionReply(c, "psubscribe", pattern)
        }
    }

    /// Removes one channel subscription; returns whether there was one.
    @discardableResult
    private func unsubscribe(_ c: Client, _ channel: Bytes, notify: Bool) -> Bool {
        let removed = c.channels.remove(channel) != nil
        if removed, var clients = channelSubscribers[channel] {
            clients.removeAll { $0 === c }
            channelSubscribers[channel] = clients.isEmpty ? nil : clients
        }
        if notify { addSubscriptionReply(c, "unsubscribe", channel) }
        return removed
    }

    @discardableResult
    private func punsubscribe(_ c: Client, _ pattern: Bytes, notify: Bool) -> Bool {
        let removed = c.patterns.contains(pattern)
        if removed {
            c.patterns.removeAll { $0 == pattern }
            patternSubscribers.removeAll { $0.client === c && $0.pattern == pattern }
        }
        if notify { addSubscriptionReply(c, "punsubscribe", pattern) }
        return removed
    }

    /// Unsubscribes from every channel; with `notify`, one reply each (or one null reply).
    func unsubscribeAll(_ c: Client, notify: Bool) {
        let channels = c.channels.entries.map(\.key)
        for channel in channels { unsubscribe(c, channel, notify: notify) }
        if notify && channels.isEmpty { addSubscriptionReply(c, "unsubscribe", nil) }
    }

    func punsubscribeAll(_ c: Client, notify: Bool) {
        let patterns = c.patterns
        for pattern in patterns { punsubscribe(c, pattern, notify: notify) }
        if notify && patterns.isEmpty { addSubscriptionReply(c, "punsubscribe", nil) }
    }

    func unsubscribeCommand(_ c: Client, _ args: Arguments) {
        if args.count == 1 {
            unsubscribeAll(c, notify: true)
        } else {
            for j in 1..<args.count { unsubscribe(c, args[j], notify: true) }
        }
    }

    func punsubscribeCommand(_ c: Client, _ args: Arguments) {
        if args.count == 1 {
            punsubscribeAll(c, notify: true)
        } else {
            for j in 1..<args.count { punsubscribe(c, args[j], notify: true) }
        }
    }

    /// Delivers a message; returns the number of clients that received it.
    @discardableResult
    func publish(_ channel: Bytes, _ message: Bytes) -> Int {
        var receivers = 0
        if let clients = channelSubscribers[channel] {
            for c in clients where !c.closing {
                c.addPushHeader(3)
                c.addBulk("message")
                c.addBulk(channel)
                c.addBulk(message)
                afterPush(c)
                receivers += 1
            }
        }
        for (pattern, c) in patternSubscribers where !c.closing && Glob.matches(pattern, channel) {
            c.addPushHeader(4)
            c.addBulk("pmessage")
            c.addBulk(pattern)
            c.addBulk(channel)
            c.addBulk(message)
            afterPush(c)
            receivers += 1
        }
        return receivers
    }

    /// A message was added to a client's output outside its own command: write it soon, and
    /// enforce the output buffer limit.
    func afterPush(_ c: Client) {
        queueWrite(c)
        if c.pendingOutput > outputLimit(c) { closeForOutputLimit(c, droppingFrom: c.out.buffer.count) }
    }

    func publishCommand(_ c: Client, _ args: Arguments) {
        c.addInteger(publish(args[1], args[2]))
    }

    func pubsubChannelsCommand(_ c: Client, _ args: Arguments) {
        guard args.count <= 3 else {
            return c.addError(
                "ERR unknown subcommand or wrong number of arguments for '\(args.string(1))'. Try PUBSUB HELP.")
        }
        let pattern = args.count == 3 ? args[2] : nil
        let channels = channelSubscribers.keys.filter { pattern == nil || Glob.matches(pattern!, $0) }
        c.addBulkArray(channels.sorted { $0.lexicographicallyPrecedes($1) })
    }

    func pubsubNumsubCommand(_ c: Client, _ args: Arguments) {
        c.addArrayHeader((args.count - 2) * 2)
        for j in 2..<args.count {
            c.addBulk(args[j])
            c.addInteger(channelSubscribers[args[j]]?.count ?? 0)
        }
    }

    func pubsubNumpatCommand(_ c: Client, _ args: Arguments) {
        var distinct = Set<Bytes>()
        for (pattern, _) in patternSubscribers { distinct.insert(pattern) }
        c.addInteger(distinct.count)
    }

    func pubsubHelpCommand(_ c: Client, _ args: Arguments) {
        addHelp(
            c, "PUBSUB",
            [
                "CHANNELS [<pattern>]",
                "    Return the currently active channels matching a <pattern> (default: '*').",
                "NUMPAT",
                "    Return number of subscriptions to patterns.",
                "NUMSUB [<channel> ...]",
                "    Return the number of subscribers for the specified channels, excluding",
                "    pattern subscriptions(default: no channels).",
                "SHARDCHANNELS [<pattern>]",
                "    Return the currently active shard level channels matching a <pattern> (default: '*').",
                "SHARDNUMSUB [<shardchannel> ...]",
                "    Return the number of subscribers for the specified shard level channel(s)",
            ])
    }
}
