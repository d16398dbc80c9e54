// Sharded pub/sub (Redis 7.0 pubsub.c): SSUBSCRIBE, SUNSUBSCRIBE, SPUBLISH, PUBSUB SHARDCHANNELS
// and SHARDNUMSUB. On one server the shard channels are a namespace of their own: SPUBLISH
// reaches SSUBSCRIBE clients only (no patterns), messages say `smessage`, and the counts in the
// replies count sharded channels alone. Any subscription puts a RESP2 client in subscribed mode.

extension Engine {
    private func addShardSubscriptionReply(_ c: Client, _ kind: String, _ channel: Bytes?) {
        c.addPushHeader(3)
        c.addBulk(kind)
        if let channel { c.addBulk(channel) } else { c.addNull() }
        c.addInteger(c.shardChannels.count)
    }

    func ssubscribeCommand(_ c: Client, _ args: Arguments) {
        for j in 1..<args.count {
            let channel = args[j]
            if c.shardChannels.find(channel) == nil {
                c.shardChannels.insert(channel, ())
                shardChannelSubscribers[channel, default: []].append(c)
            }
            addShardSubscriptionReply(c, "ssubscribe", channel)
        }
    }

    @discardableResult
    func sunsubscribe(_ c: Client, _ channel: Bytes, notify: Bool) -> Bool {
        let removed = c.shardChannels.remove(channel) != nil
        if removed, var clients = shardChannelSubscribers[channel] {
            clients.removeAll { $0 === c }
            shardChannelSubscribers[channel] = clients.isEmpty ? nil : clients
        }
        if notify { addShardSubscriptionReply(c, "sunsubscribe", channel) }
        return removed
    }

    /// Leaves every sharded channel; with `notify`, one reply each (or one null reply).
    func sunsubscribeAll(_ c: Client, notify: Bool) {
        let channels = c.shardChannels.entries.map(\.key)
        for channel in channels { sunsubscribe(c, channel, notify: notify) }
        if notify && channels.isEmpty { addShardSubscriptionReply(c, "sunsubscribe", nil) }
    }

    func sunsubscribeCommand(_ c: Client, _ args: Arguments) {
        if args.count == 1 {
            sunsubscribeAll(c, notify: true)
        } else {
            for j in 1..<args.count { sunsubscribe(c, args[j], notify: true) }
        }
    }

    func spublishCommand(_ c: Client, _ args: Arguments) {
        var receivers = 0
        for subscriber in shardChannelSubscribers[args[1]] ?? [] where !subscriber.closing {
            subscriber.addPushHeader(3)
            subscriber.addBulk("smessage")
            subscriber.addBulk(args[1])
            subscriber.addBulk(args[2])
            afterPush(subscriber)
            receivers += 1
        }
        c.addInteger(receivers)
    }

    func pubsubShardchannelsCommand(_ c: Client, _ args: Arguments) {
        guard args.count <= 3 else {
            return c.addError(
                "ERR unknown subcommand or wrong number of arguments for '\(args.string(1))'. Try PUBSUB HELP.")
        }
        let pattern = args.count == 3 ? args[2] : nil
        let channels = shardChannelSubscribers.keys.filter { pattern == nil || Glob.matches(pattern!, $0) }
        c.addBulkArray(channels.sorted { $0.lexicographicallyPrecedes($1) })
    }

    func pubsubShardnumsubCommand(_ c: Client, _ args: Arguments) {
        c.addArrayHeader((args.count - 2) * 2)
        for j in 2..<args.count {
            c.addBulk(args[j])
            c.addInteger(shardChannelSubscribers[args[j]]?.count ?? 0)
        }
    }
}
