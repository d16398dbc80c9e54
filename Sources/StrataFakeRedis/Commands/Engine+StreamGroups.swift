// Stream consumer groups (Redis 7.0 t_stream.c): XGROUP, XACK, XPENDING, XCLAIM, XAUTOCLAIM and
// XINFO. XREADGROUP shares XREAD's code (Engine+Streams.swift).

extension Engine {
    private static func text(_ bytes: Bytes) -> String { String(decoding: bytes, as: UTF8.self) }

    /// A group's consumer, its seen time refreshed; created (with its keyspace event) when
    /// missing and `create` is set.
    @discardableResult
    func consumer(_ group: StreamGroup, _ name: Bytes, db: Database, key: Bytes, create: Bool) -> StreamConsumer? {
        if let existing = group.consumers[name] {
            existing.seenTime = commandTime
            return existing
        }
        guard create else { return nil }
        let created = StreamConsumer(name: name, seenTime: commandTime)
        group.consumers[name] = created
        notifyKeyspaceEvent(.stream, "xgroup-createconsumer", key, db: db.id)
        return created
    }

    private func noGroupForKey(_ c: Client, _ key: Bytes, _ group: Bytes) {
        c.addError("NOGROUP No such key '\(Self.text(key))' or consumer group '\(Self.text(group))'")
    }

    // MARK: XGROUP

    /// The stream XGROUP works on, and the group when the subcommand needs one; nil after an
    /// error reply.
    private func xgroupTarget(_ c: Client, _ args: Arguments, needsGroup: Bool, makeStream: Bool = false)
        -> (db: Database, stream: StreamValue?, group: StreamGroup?)?
    {
        let db = database(c)
        var stream: StreamValue?
        switch findStream(db, args[2]) {
        case .wrongType:
            c.addWrongType()
            return nil
        case .missing: break
        case .found(_, let s): stream = s
        }
        guard let stream else {
            if makeStream { return (db, nil, nil) }
            c.addError(
                "ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically."
            )
            return nil
        }
        let group = stream.groups[args[3]]
        if needsGroup && group == nil {
            c.addError("NOGROUP No such consumer group '\(Self.text(args[3]))' for key name '\(Self.text(args[2]))'")
            return nil
        }
        return (db, stream, group)
    }

    private func subcommandSyntaxError(_ c: Client, _ args: Arguments, _ command: String) {
        c.addError(
            "ERR unknown subcommand or wrong number of arguments for '\(args.string(1))'. Try \(command) HELP.")
    }

    /// ENTRIESREAD's value: >= 0 or -1; nil after an error reply.
    private func entriesReadArgument(_ c: Client, _ bytes: Bytes) -> Int? {
        guard let n = Numbers.parseInteger(bytes) else {
            c.addNotInteger()
            return nil
        }
        guard n >= 0 || n == -1 else {
            c.addError("ERR value for ENTRIESREAD must be positive or -1")
            return nil
        }
        return n
    }

    func xgroupCreateCommand(_ c: Client, _ args: Arguments) {
        var makeStream = false
        var entriesRead = -1
        var i = 5
        while i < args.count {
            if args.is(i, "mkstream") {
                makeStream = true
                i += 1
            } else if args.is(i, "entriesread") && i + 1 < args.count {
                guard let n = entriesReadArgument(c, args[i + 1]) else { return }
                entriesRead = n
                i += 2
            } else {
                return subcommandSyntaxError(c, args, "XGROUP")
            }
        }
        guard let (db, existing, _) = xgroupTarget(c, args, needsGroup: false, makeStream: makeStream) else { return }
        if args.count > 8 { return subcommandSyntaxError(c, args, "XGROUP") }
        let id: StreamID
        if args[4] == [UInt8(ascii: "$")] {
            id = existing?.lastID ?? .zero
        } else {
            guard let parsed = parseStrictStreamID(c, args[4]) else { return }
            id = parsed
        }
        let stream: StreamValue
        if let existing {
            stream = existing
        } else {
            stream = StreamValue()
            db.add(args[2], .stream(stream))
            signalModifiedKey(db.id, args[2])
        }
        guard stream.groups[args[3]] == nil else {
            return c.addError("BUSYGROUP Consumer Group name already exists")
        }
        stream.groups[args[3]] = StreamGroup(name: args[3], lastID: id, entriesRead: entriesRead)
        c.addOK()
        notifyKeyspaceEvent(.stream, "xgroup-create", args[2], db: db.id)
    }

    func xgroupSetidCommand(_ c: Client, _ args: Arguments) {
        guard let (db, stream, group) = xgroupTarget(c, args, needsGroup: true), let stream, let group else { return }
        guard args.count == 5 || args.count == 7 else { return subcommandSyntaxError(c, args, "XGROUP") }
        let id: StreamID
        if args[4] == [UInt8(ascii: "$")] {
            id = stream.lastID
        } else {
            guard let parsed = parseStreamID(c, args[4]) else { return }
            id = parsed.id
        }
        var entriesRead = -1
        if args.count == 7 {
            guard args.is(5, "entriesread") else { return subcommandSyntaxError(c, args, "XGROUP") }
            guard let n = entriesReadArgument(c, args[6]) else { return }
            entriesRead = n
        }
        group.lastID = id
        group.entriesRead = entriesRead
        c.addOK()
        notifyKeyspaceEvent(.stream, "xgroup-setid", args[2], db: db.id)
    }

    func xgroupDestroyCommand(_ c: Client, _ args: Arguments) {
        guard let (db, stream, group) = xgroupTarget(c, args, needsGroup: false), let stream else { return }
        guard group != nil else { return c.addInteger(0) }
        stream.groups[args[3]] = nil
        c.addInteger(1)
        notifyKeyspaceEvent(.stream, "xgroup-destroy", args[2], db: db.id)
        // Clients blocked in XREADGROUP on it get a NOGROUP error.
        signalKeyAsReady(db.id, args[2])
    }

    func xgroupCreateconsumerCommand(_ c: Client, _ args: Arguments) {
        guard let (db, _, group) = xgroupTarget(c, args, needsGroup: true), let group else { return }
        if group.consumers[args[4]] != nil { return c.addInteger(0) }
        consumer(group, args[4], db: db, key: args[2], create: true)
        c.addInteger(1)
    }

    func xgroupDelconsumerCommand(_ c: Client, _ args: Arguments) {
        guard let (db, _, group) = xgroupTarget(c, args, needsGroup: true), let group else { return }
        guard let consumer = group.consumers.removeValue(forKey: args[4]) else { return c.addInteger(0) }
        let pending = consumer.pending
        for id in pending { group.removeNACK(id) }
        c.addInteger(pending.count)
        notifyKeyspaceEvent(.stream, "xgroup-delconsumer", args[2], db: db.id)
    }

    func xgroupHelpCommand(_ c: Client, _ args: Arguments) {
        addHelp(
            c, "XGROUP",
            [
                "CREATE <key> <groupname> <id|$> [option]",
                "    Create a new consumer group. Options are:",
                "    * MKSTREAM",
                "      Create the empty stream if it does not exist.",
                "    * ENTRIESREAD entries_read",
                "      Set the group's entries_read counter (internal use).",
                "CREATECONSUMER <key> <groupname> <consumer>",
                "    Create a new consumer in the specified group.",
                "DELCONSUMER <key> <groupname> <consumer>",
                "    Remove the specified consumer.",
                "DESTROY <key> <groupname>",
                "    Remove the specified group.",
                "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
                "    Set the current group ID and entries_read counter.",
            ])
    }

    // MARK: XACK

    func xackCommand(_ c: Client, _ args: Arguments) {
        var group: StreamGroup?
        switch findStream(database(c), args[1]) {
        case .wrongType: return c.addWrongType()
        case .missing: break
        case .found(_, let s): group = s.groups[args[2]]
        }
        guard let group else { return c.addInteger(0) }
        var ids: [StreamID] = []
        for j in 3..<args.count {
            guard let id = parseStrictStreamID(c, args[j]) else { return }
            ids.append(id)
        }
        var acknowledged = 0
        for id in ids where group.nacks[id] != nil {
            group.removeNACK(id)
            acknowledged += 1
        }
        c.addInteger(acknowledged)
    }

    // MARK: XPENDING

    func xpendingCommand(_ c: Client, _ args: Arguments) {
        let summary = args.count == 3
        if args.count != 3 && (args.count < 6 || args.count > 9) { return c.addSyntaxError() }
        var start = StreamID.zero
        var end = StreamID.max
        var count = 0
        var minIdle = 0
        var consumerName: Bytes?
        if args.count >= 6 {
            var at = 3
            if args.is(3, "idle") {
                guard let n = Numbers.parseInteger(args[4]) else { return c.addNotInteger() }
                minIdle = n
                if args.count < 8 { return c.addSyntaxError() }
                at += 2
            }
            guard let n = Numbers.parseInteger(args[at + 2]) else { return c.addNotInteger() }
            count = max(0, n)
            guard let s = parseRangeStart(c, args[at]) else { return }
            guard let e = parseRangeEnd(c, args[at + 1]) else { return }
            start = s
            end = e
            if at + 3 < args.count { consumerName = args[at + 3] }
        }
        let stream: StreamValue
        switch findStream(database(c), args[1]) {
        case .wrongType: return c.addWrongType()
        case .missing: return noGroupForKey(c, args[1], args[2])
        case .found(_, let s): stream = s
        }
        guard let group = stream.groups[args[2]] else { return noGroupForKey(c, args[1], args[2]) }
        if summary {
            c.addArrayHeader(4)
            c.addInteger(group.pendingIDs.count)
            guard let first = group.pendingIDs.first, let last = group.pendingIDs.last else {
                c.addNull()
                c.addNull()
                c.addNullArray()
                return
            }
            addStreamID(c, first)
            addStreamID(c, last)
            let owners = group.sortedConsumers.filter { !$0.pending.isEmpty }
            c.addArrayHeader(owners.count)
            for o in owners {
                c.addArrayHeader(2)
                c.addBulk(o.name)
                c.addBulk(Numbers.bytes(o.pending.count))
            }
            return
        }
        var ids: ArraySlice<StreamID>
        if let consumerName {
            guard let consumer = group.consumers[consumerName] else { return c.addRaw(SharedReply.emptyArray) }
            ids = consumer.pending[...]
        } else {
            ids = group.pendingIDs[...]
        }
        ids = ids[(ids.startIndex + SortedIDs.lowerBound(Array(ids), start))...]
        var rows: [(StreamID, StreamNACK)] = []
        for id in ids {
            if count == 0 || id > end { break }
            let nack = group.nacks[id]!
            if minIdle != 0 && commandTime - nack.deliveryTime < minIdle { continue }
            rows.append((id, nack))
            count -= 1
        }
        c.addArrayHeader(rows.count)
        for (id, nack) in rows {
            c.addArrayHeader(4)
            addStreamID(c, id)
            c.addBulk(nack.consumer?.name ?? [])
            c.addInteger(max(0, commandTime - nack.deliveryTime))
            c.addInteger(nack.deliveryCount)
        }
    }

    // MARK: XCLAIM and XAUTOCLAIM

    /// Moves a pending entry to `consumer`, with a delivery time and count.
    private func claim(_ group: StreamGroup, _ id: StreamID, _ nack: StreamNACK, to consumer: StreamConsumer) {
        if nack.consumer !== consumer {
            nack.consumer?.removePending(id)
            nack.consumer = consumer
            consumer.addPending(id)
        }
    }

    func xclaimCommand(_ c: Client, _ args: Arguments) {
        let db = database(c)
        let stream: StreamValue
        switch findStream(db, args[1]) {
        case .wrongType: return c.addWrongType()
        case .missing: return noGroupForKey(c, args[1], args[2])
        case .found(_, let s): stream = s
        }
        guard let group = stream.groups[args[2]] else { return noGroupForKey(c, args[1], args[2]) }
        guard let minIdleValue = Numbers.parseInteger(args[4]) else {
            return c.addError("ERR Invalid min-idle-time argument for XCLAIM")
        }
        let minIdle = max(0, minIdleValue)
        var ids: [StreamID] = []
        var j = 5
        while j < args.count, let id = parseStrictStreamID(nil, args[j]) {
            ids.append(id)
            j += 1
        }
        let now = commandTime
        var deliveryTime = -1
        var retryCount = -1
        var force = false
        var justID = false
        var lastID: StreamID?
        while j < args.count {
            let more = args.count - 1 - j
            if args.is(j, "force") {
                force = true
            } else if args.is(j, "justid") {
                justID = true
            } else if args.is(j, "idle") && more > 0 {
                j += 1
                guard let n = Numbers.parseInteger(args[j]) else {
                    return c.addError("ERR Invalid IDLE option argument for XCLAIM")
                }
                deliveryTime = now &- n
            } else if args.is(j, "time") && more > 0 {
                j += 1
                guard let n = Numbers.parseInteger(args[j]) else {
                    return c.addError("ERR Invalid TIME option argument for XCLAIM")
                }
                deliveryTime = n
            } else if args.is(j, "retrycount") && more > 0 {
                j += 1
                guard let n = Numbers.parseInteger(args[j]) else {
                    return c.addError("ERR Invalid RETRYCOUNT option argument for XCLAIM")
                }
                retryCount = n
            } else if args.is(j, "lastid") && more > 0 {
                j += 1
                guard let id = parseStrictStreamID(c, args[j]) else { return }
                lastID = id
            } else {
                return c.addError("ERR Unrecognized XCLAIM option '\(args.string(j))'")
            }
            j += 1
        }
        if let lastID, lastID > group.lastID { group.lastID = lastID }
        if deliveryTime != -1 {
            if deliveryTime < 0 || deliveryTime > now { deliveryTime = now }
        } else {
            deliveryTime = now
        }
        var claimer: StreamConsumer?
        var replies: [(StreamID, StreamEntry?)] = []
        for id in ids {
            var nack = group.nacks[id]
            guard let entry = stream.entry(id) else {
                if nack != nil { group.removeNACK(id) }
                continue
            }
            if force && nack == nil {
                let created = StreamNACK(deliveryTime: now, deliveryCount: 0, consumer: nil)
                group.addNACK(id, created)
                nack = created
            }
            guard let nack else { continue }
            if nack.consumer != nil && minIdle != 0 && now - nack.deliveryTime < minIdle { continue }
            if claimer == nil { claimer = consumer(group, args[3], db: db, key: args[1], create: true) }
            claim(group, id, nack, to: claimer!)
            nack.deliveryTime = deliveryTime
            if retryCount >= 0 {
                nack.deliveryCount = retryCount
            } else if !justID {
                nack.deliveryCount += 1
            }
            replies.append((id, entry))
        }
        c.addArrayHeader(replies.count)
        for (id, entry) in replies {
            if justID {
                addStreamID(c, id)
            } else if let entry {
                addStreamEntry(c, entry)
            } else {
                c.addNull()
            }
        }
    }

    func xautoclaimCommand(_ c: Client, _ args: Arguments) {
        guard let minIdleValue = Numbers.parseInteger(args[4]) else {
            return c.addError("ERR Invalid min-idle-time argument for XAUTOCLAIM")
        }
        let minIdle = max(0, minIdleValue)
        guard let start = parseRangeStart(c, args[5]) else { return }
        var count = 100
        var justID = false
        var j = 6
        while j < args.count {
            let more = args.count - 1 - j
            if args.is(j, "count") && more > 0 {
                let maxCount = Int.max / 16
                guard let n = Numbers.parseInteger(args[j + 1]), n >= 1, n <= maxCount else {
                    return c.addError("ERR COUNT must be > 0")
                }
                count = n
                j += 1
            } else if args.is(j, "justid") {
                justID = true
            } else {
                return c.addSyntaxError()
            }
            j += 1
        }
        let db = database(c)
        let stream: StreamValue
        switch findStream(db, args[1]) {
        case .wrongType: return c.addWrongType()
        case .missing: return noGroupForKey(c, args[1], args[2])
        case .found(_, let s): stream = s
        }
        guard let group = stream.groups[args[2]] else { return noGroupForKey(c, args[1], args[2]) }
        var attempts = count * 10
        let now = commandTime
        var claimer: StreamConsumer?
        var claimed: [(StreamID, StreamEntry)] = []
        var deleted: [StreamID] = []
        var index = SortedIDs.lowerBound(group.pendingIDs, start)
        while attempts > 0 && count > 0 && index < group.pendingIDs.count {
            attempts -= 1
            let id = group.pendingIDs[index]
            guard let entry = stream.entry(id) else {
                group.removeNACK(id)
                deleted.append(id)
                count -= 1
                continue
            }
            index += 1
            let nack = group.nacks[id]!
            if minIdle != 0 && now - nack.deliveryTime < minIdle { continue }
            if claimer == nil { claimer = consumer(group, args[3], db: db, key: args[1], create: true) }
            claim(group, id, nack, to: claimer!)
            nack.deliveryTime = now
            if !justID { nack.deliveryCount += 1 }
            claimed.append((id, entry))
            count -= 1
        }
        c.addArrayHeader(3)
        addStreamID(c, index < group.pendingIDs.count ? group.pendingIDs[index] : .zero)
        c.addArrayHeader(claimed.count)
        for (id, entry) in claimed {
            if justID { addStreamID(c, id) } else { addStreamEntry(c, entry) }
        }
        c.addArrayHeader(deleted.count)
        for id in deleted { addStreamID(c, id) }
    }

    // MARK: XINFO

    /// XINFO's stream; nil after an error reply (`ERR no such key` when missing).
    private func xinfoStream(_ c: Client, _ key: Bytes) -> StreamValue? {
        switch findStream(database(c), key) {
        case .wrongType:
            c.addWrongType()
            return nil
        case .missing:
            c.addError("ERR no such key")
            return nil
        case .found(_, let s): return s
        }
    }

    private func addLag(_ c: Client, _ stream: StreamValue, _ group: StreamGroup) {
        if let lag = stream.lag(group) { c.addInteger(lag) } else { c.addNull() }
    }

    private func addEntriesRead(_ c: Client, _ group: StreamGroup) {
        if group.entriesRead != -1 { c.addInteger(group.entriesRead) } else { c.addNull() }
    }

    func xinfoConsumersCommand(_ c: Client, _ args: Arguments) {
        guard let stream = xinfoStream(c, args[2]) else { return }
        guard let group = stream.groups[args[3]] else {
            return c.addError(
                "NOGROUP No such consumer group '\(Self.text(args[3]))' for key name '\(Self.text(args[2]))'")
        }
        let consumers = group.sortedConsumers
        let now = self.now()
        c.addArrayHeader(consumers.count)
        for consumer in consumers {
            c.addMapHeader(3)
            c.addBulk("name")
            c.addBulk(consumer.name)
            c.addBulk("pending")
            c.addInteger(consumer.pending.count)
            c.addBulk("idle")
            c.addInteger(max(0, now - consumer.seenTime))
        }
    }

    func xinfoGroupsCommand(_ c: Client, _ args: Arguments) {
        guard let stream = xinfoStream(c, args[2]) else { return }
        let groups = stream.sortedGroups
        c.addArrayHeader(groups.count)
        for group in groups {
            c.addMapHeader(6)
            c.addBulk("name")
            c.addBulk(group.name)
            c.addBulk("consumers")
            c.addInteger(group.consumers.count)
            c.addBulk("pending")
            c.addInteger(group.pendingIDs.count)
            c.addBulk("last-delivered-id")
            addStreamID(c, group.lastID)
            c.addBulk("entries-read")
            addEntriesRead(c, group)
            c.addBulk("lag")
            addLag(c, stream, group)
        }
    }

    func xinfoStreamCommand(_ c: Client, _ args: Arguments) {
        guard let stream = xinfoStream(c, args[2]) else { return }
        var full = false
        var count = 10
        let options = args.count - 3
        if options > 0 {
            guard options == 1 || options == 3, args.is(3, "full") else {
                return subcommandSyntaxError(c, args, "XINFO")
            }
            full = true
            if options == 3 {
                guard args.is(4, "count") else { return subcommandSyntaxError(c, args, "XINFO") }
                guard let n = Numbers.parseInteger(args[5]) else { return c.addNotInteger() }
                count = n < 0 ? 10 : n
            }
        }
        c.addMapHeader(full ? 9 : 10)
        c.addBulk("length")
        c.addInteger(stream.length)
        c.addBulk("radix-tree-keys")
        c.addInteger(stream.nodes.count)
        c.addBulk("radix-tree-nodes")
        c.addInteger(stream.radixTreeNodes)
        c.addBulk("last-generated-id")
        addStreamID(c, stream.lastID)
        c.addBulk("max-deleted-entry-id")
        addStreamID(c, stream.maxDeletedID)
        c.addBulk("entries-added")
        c.addInteger(stream.entriesAdded)
        c.addBulk("recorded-first-entry-id")
        addStreamID(c, stream.firstID)
        if !full {
            c.addBulk("groups")
            c.addInteger(stream.groups.count)
            c.addBulk("first-entry")
            if let e = stream.firstEntry { addStreamEntry(c, e) } else { c.addNull() }
            c.addBulk("last-entry")
            if let e = stream.lastEntry { addStreamEntry(c, e) } else { c.addNull() }
            return
        }
        c.addBulk("entries")
        addStreamEntries(c, stream.range(.zero, .max, count: count))
        c.addBulk("groups")
        let groups = stream.sortedGroups
        c.addArrayHeader(groups.count)
        for group in groups {
            c.addMapHeader(7)
            c.addBulk("name")
            c.addBulk(group.name)
            c.addBulk("last-delivered-id")
            addStreamID(c, group.lastID)
            c.addBulk("entries-read")
            addEntriesRead(c, group)
            c.addBulk("lag")
            addLag(c, stream, group)
            c.addBulk("pel-count")
            c.addInteger(group.pendingIDs.count)
            c.addBulk("pending")
            let pending = count > 0 ? Array(group.pendingIDs.prefix(count)) : group.pendingIDs
            c.addArrayHeader(pending.count)
            for id in pending {
                let nack = group.nacks[id]!
                c.addArrayHeader(4)
                addStreamID(c, id)
                c.addBulk(nack.consumer?.name ?? [])
                c.addInteger(nack.deliveryTime)
                c.addInteger(nack.deliveryCount)
            }
            c.addBulk("consumers")
            let consumers = group.sortedConsumers
            c.addArrayHeader(consumers.count)
            for consumer in consumers {
                c.addMapHeader(4)
                c.addBulk("name")
                c.addBulk(consumer.name)
                c.addBulk("seen-time")
                c.addInteger(consumer.seenTime)
                c.addBulk("pel-count")
                c.addInteger(consumer.pending.count)
                c.addBulk("pending")
                let own = count > 0 ? Array(consumer.pending.prefix(count)) : consumer.pending
                c.addArrayHeader(own.count)
                for id in own {
                    let nack = group.nacks[id]!
                    c.addArrayHeader(3)
                    addStreamID(c, id)
                    c.addInteger(nack.deliveryTime)
                    c.addInteger(nack.deliveryCount)
                }
            }
        }
    }

    func xinfoHelpCommand(_ c: Client, _ args: Arguments) {
        addHelp(
            c, "XINFO",
            [
                "CONSUMERS <key> <groupname>",
                "    Show consumers of <groupname>.",
                "GROUPS <key>",
                "    Show the stream consumer groups.",
                "STREAM <key> [FULL [COUNT <count>]",
                "    Show information about the stream.",
            ])
    }
}
