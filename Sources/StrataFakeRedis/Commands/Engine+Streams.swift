// Streams (Redis 7.0 t_stream.c): XADD, XLEN, XRANGE, XREVRANGE, XDEL, XTRIM, XSETID, XREAD and
// the blocking side of XREAD and XREADGROUP. Consumer groups are in Engine+StreamGroups.swift.
// Replies, argument checks and their order, and error texts follow Redis 7.0.

extension Engine {
    func findStream(_ db: Database, _ key: Bytes) -> Found<StreamValue> {
        guard let slot = lookup(db, key) else { return .missing }
        if case .stream(let s) = db.value(at: slot) { return .found(slot, s) }
        return .wrongType
    }

    // MARK: IDs

    static let invalidStreamID = "ERR Invalid stream ID specified as stream command argument"

    /// Redis' string2ull: string2ll when it can, else strtoull over the whole string.
    private static func parseUnsigned(_ bytes: Bytes) -> UInt64? {
        if let v = Numbers.parseInteger(bytes) { return v < 0 ? nil : UInt64(v) }
        var i = 0
        while i < bytes.count && Numbers.isSpace(bytes[i]) { i += 1 }
        var negative = false
        if i < bytes.count && (bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-")) {
            negative = bytes[i] == UInt8(ascii: "-")
            i += 1
        }
        guard i < bytes.count else { return nil }
        var value: UInt64 = 0
        while i < bytes.count {
            let digit = bytes[i] &- UInt8(ascii: "0")
            guard digit < 10 else { return nil }
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(UInt64(digit))
            guard !o1, !o2 else { return nil }
            value = s
            i += 1
        }
        return negative ? 0 &- value : value
    }

    /// A stream ID argument (streamGenericParseIDOrReply): `-`, `+` (not when `strict`), `ms`
    /// (the sequence is `missingSeq`), `ms-seq`, or with `allowAutoSequence` `ms-*` (then
    /// `seqGiven` is false). Replies the error and returns nil when `c` is given.
    func parseStreamID(
        _ c: Client?, _ bytes: Bytes, missingSeq: UInt64 = 0, strict: Bool = false, allowAutoSequence: Bool = false
    ) -> (id: StreamID, seqGiven: Bool)? {
        func invalid() -> (id: StreamID, seqGiven: Bool)? {
            c?.addError(Self.invalidStreamID)
            return nil
        }
        guard bytes.count <= 127 else { return invalid() }
        if bytes.count == 1 && (bytes[0] == UInt8(ascii: "-") || bytes[0] == UInt8(ascii: "+")) {
            if strict { return invalid() }
            return (bytes[0] == UInt8(ascii: "-") ? .zero : .max, true)
        }
        // C strings stop at a NUL byte.
        let text = bytes.prefix { $0 != 0 }
        guard let dash = text.firstIndex(of: UInt8(ascii: "-")) else {
            guard let ms = Self.parseUnsigned(Array(text)) else { return invalid() }
            return (StreamID(ms: ms, seq: missingSeq), true)
        }
        guard let ms = Self.parseUnsigned(Array(text[..<dash])) else { return invalid() }
        let rest = Array(text[(dash + 1)...])
        if allowAutoSequence && rest == [UInt8(ascii: "*")] { return (StreamID(ms: ms, seq: 0), false) }
        guard let seq = Self.parseUnsigned(rest) else { return invalid() }
        return (StreamID(ms: ms, seq: seq), true)
    }

    /// A strict ID (no `-` or `+`).
    func parseStrictStreamID(_ c: Client?, _ bytes: Bytes) -> StreamID? {
        parseStreamID(c, bytes, strict: true)?.id
    }

    /// An interval bound: an ID, or `(` and a strict ID for an exclusive bound.
    func parseIntervalID(_ c: Client, _ bytes: Bytes, missingSeq: UInt64) -> (id: StreamID, exclusive: Bool)? {
        if bytes.count > 1 && bytes[0] == UInt8(ascii: "(") {
            guard let id = parseStreamID(c, Array(bytes.dropFirst()), missingSeq: missingSeq, strict: true) else {
                return nil
            }
            return (id.id, true)
        }
        guard let id = parseStreamID(c, bytes, missingSeq: missingSeq) else { return nil }
        return (id.id, false)
    }

    /// A range's start: inclusive, after `(` the next ID; nil after an error reply.
    func parseRangeStart(_ c: Client, _ bytes: Bytes) -> StreamID? {
        guard let (id, exclusive) = parseIntervalID(c, bytes, missingSeq: 0) else { return nil }
        if !exclusive { return id }
        guard let next = id.next else {
            c.addError("ERR invalid start ID for the interval")
            return nil
        }
        return next
    }

    /// A range's end: inclusive, after `(` the previous ID; nil after an error reply.
    func parseRangeEnd(_ c: Client, _ bytes: Bytes) -> StreamID? {
        guard let (id, exclusive) = parseIntervalID(c, bytes, missingSeq: .max) else { return nil }
        if !exclusive { return id }
        guard let previous = id.previous else {
            c.addError("ERR invalid end ID for the interval")
            return nil
        }
        return previous
    }

    // MARK: Replies

    func addStreamID(_ c: Client, _ id: StreamID) { c.addBulk(id.bytes) }

    /// `[id, [field, value, ...]]`.
    func addStreamEntry(_ c: Client, _ entry: StreamEntry) {
        c.addArrayHeader(2)
        addStreamID(c, entry.id)
        c.addBulkArray(entry.fields)
    }

    func addStreamEntries(_ c: Client, _ entries: [StreamEntry]) {
        c.addArrayHeader(entries.count)
        for e in entries { addStreamEntry(c, e) }
    }

    // MARK: Change notification

    /// A write to a stream: WATCH and tracking, and the keyspace event.
    func streamModified(_ db: Database, _ key: Bytes, _ event: String) {
        signalModifiedKey(db.id, key)
        notifyKeyspaceEvent(.stream, event, key, db: db.id)
    }

    // MARK: XADD and XTRIM arguments

    /// XADD's and XTRIM's options (streamParseAddOrTrimArgsOrReply).
    struct StreamAddTrimArguments {
        var trim: StreamValue.Trim?
        var approximate = false
        var limit = 0
        var noMakeStream = false
        var id: StreamID?
        var seqGiven = true
        /// Where parsing stopped: XADD's ID argument.
        var index = 0
    }

    func parseAddOrTrim(_ c: Client, _ args: Arguments, xadd: Bool) -> StreamAddTrimArguments? {
        var parsed = StreamAddTrimArguments()
        var limitGiven = false
        var i = 2
        while i < args.count {
            let more = args.count - 1 - i
            let opt = args[i]
            if xadd && opt == [UInt8(ascii: "*")] {
                break
            } else if (args.is(i, "maxlen") || args.is(i, "minid")) && more > 0 {
                let isMaxLength = args.is(i, "maxlen")
                if parsed.trim != nil {
                    c.addError("ERR syntax error, MAXLEN and MINID options at the same time are not compatible")
                    return nil
                }
                parsed.approximate = false
                let next = args[i + 1]
                if more >= 2 && next == [UInt8(ascii: "~")] {
                    parsed.approximate = true
                    i += 1
                } else if more >= 2 && next == [UInt8(ascii: "=")] {
                    i += 1
                }
                if isMaxLength {
                    guard let n = Numbers.parseInteger(args[i + 1]) else {
                        c.addNotInteger()
                        return nil
                    }
                    guard n >= 0 else {
                        c.addError("ERR The MAXLEN argument must be >= 0.")
                        return nil
                    }
                    parsed.trim = .maxLength(n)
                } else {
                    guard let id = parseStrictStreamID(c, args[i + 1]) else { return nil }
                    parsed.trim = .minID(id)
                }
                i += 1
            } else if args.is(i, "limit") && more > 0 {
                guard let n = Numbers.parseInteger(args[i + 1]) else {
                    c.addNotInteger()
                    return nil
                }
                guard n >= 0 else {
                    c.addError("ERR The LIMIT argument must be >= 0.")
                    return nil
                }
                parsed.limit = n
                limitGiven = true
                i += 1
            } else if xadd && args.is(i, "nomkstream") {
                parsed.noMakeStream = true
            } else if xadd {
                guard let (id, seqGiven) = parseStreamID(c, opt, strict: true, allowAutoSequence: true) else {
                    return nil
                }
                parsed.id = id
                parsed.seqGiven = seqGiven
                break
            } else {
                c.addSyntaxError()
                return nil
            }
            i += 1
        }
        parsed.index = i
        if parsed.limit != 0 && parsed.trim == nil {
            c.addError("ERR syntax error, LIMIT cannot be used without specifying a trimming strategy")
            return nil
        }
        if !xadd && parsed.trim == nil {
            c.addError("ERR syntax error, XTRIM must be called with a trimming strategy")
            return nil
        }
        if limitGiven {
            if !parsed.approximate {
                c.addError("ERR syntax error, LIMIT cannot be used without the special ~ option")
                return nil
            }
        } else if parsed.approximate {
            let limit = 100 &* config.streamNodeMaxEntries
            parsed.limit = limit <= 0 || limit > 10000 ? 10000 : limit
        } else {
            parsed.limit = 0
        }
        return parsed
    }

    // MARK: Commands

    func xaddCommand(_ c: Client, _ args: Arguments) {
        guard let parsed = parseAddOrTrim(c, args, xadd: true) else { return }
        let fieldPosition = parsed.index + 1
        let fieldArguments = args.count - fieldPosition
        if fieldArguments < 2 || fieldArguments % 2 == 1 {
            return c.addError("ERR wrong number of arguments for 'xadd' command")
        }
        if let id = parsed.id, parsed.seqGiven, id == .zero {
            return c.addError("ERR The ID specified in XADD must be greater than 0-0")
        }
        let db = database(c)
        let key = args[1]
        let stream: StreamValue
        switch findStream(db, key) {
        case .wrongType: return c.addWrongType()
        case .found(_, let s): stream = s
        case .missing:
            if parsed.noMakeStream { return c.addNull() }
            stream = StreamValue()
            db.add(key, .stream(stream))
        }
        if stream.lastID == .max {
            return c.addError("ERR The stream has exhausted the last possible ID, unable to add more items")
        }
        var id: StreamID
        if let given = parsed.id {
            id = given
            if !parsed.seqGiven && given.ms == stream.lastID.ms {
                // Redis' streamAppendItem fails here without setting errno to EDOM, so its
                // caller takes it for elements too large.
                guard stream.lastID.seq != .max else {
                    return c.addError("ERR Elements are too large to be stored")
                }
                id = StreamID(ms: given.ms, seq: stream.lastID.seq + 1)
            }
        } else {
            // Redis' streamIncrID past a top item in the future (or this millisecond): its
            // sequence plus one, or the next millisecond's 0 after the largest sequence (the
            // largest ID of all was refused above).
            let ms = UInt64(max(0, now()))
            let last = stream.lastID
            if ms > last.ms {
                id = StreamID(ms: ms, seq: 0)
            } else {
                id = last.seq == .max ? StreamID(ms: last.ms + 1, seq: 0) : StreamID(ms: last.ms, seq: last.seq + 1)
            }
        }
        guard id > stream.lastID else {
            return c.addError("ERR The ID specified in XADD is equal or smaller than the target stream top item")
        }
        var fields: [Bytes] = []
        fields.reserveCapacity(fieldArguments)
        for j in fieldPosition..<args.count { fields.append(args[j]) }
        stream.append(
            id, fields, nodeMaxBytes: config.streamNodeMaxBytes, nodeMaxEntries: config.streamNodeMaxEntries)
        addStreamID(c, id)
        streamModified(db, key, "xadd")
        if let trim = parsed.trim,
            stream.trim(trim, approximate: parsed.approximate, limit: parsed.limit) > 0
        {
            notifyKeyspaceEvent(.stream, "xtrim", key, db: db.id)
        }
        signalKeyAsReady(db.id, key)
    }

    func xlenCommand(_ c: Client, _ args: Arguments) {
        switch findStream(database(c), args[1]) {
        case .wrongType: c.addWrongType()
        case .missing: c.addInteger(0)
        case .found(_, let s): c.addInteger(s.length)
        }
    }

    private func xrangeGeneric(_ c: Client, _ args: Arguments, reverse: Bool) {
        guard let start = parseRangeStart(c, args[reverse ? 3 : 2]) else { return }
        guard let end = parseRangeEnd(c, args[reverse ? 2 : 3]) else { return }
        var count = -1
        var j = 4
        while j < args.count {
            guard args.is(j, "count"), j + 1 < args.count else { return c.addSyntaxError() }
            guard let n = Numbers.parseInteger(args[j + 1]) else { return c.addNotInteger() }
            count = max(0, n)
            j += 2
        }
        switch findStream(database(c), args[1]) {
        case .wrongType: c.addWrongType()
        case .missing: c.addRaw(SharedReply.emptyArray)
        case .found(_, let s):
            if count == 0 { return c.addNullArray() }
            addStreamEntries(c, s.range(start, end, count: max(0, count), reverse: reverse))
        }
    }

    func xrangeCommand(_ c: Client, _ args: Arguments) { xrangeGeneric(c, args, reverse: false) }
    func xrevrangeCommand(_ c: Client, _ args: Arguments) { xrangeGeneric(c, args, reverse: true) }

    func xdelCommand(_ c: Client, _ args: Arguments) {
        let db = database(c)
        let stream: StreamValue
        switch findStream(db, args[1]) {
        case .wrongType: return c.addWrongType()
        case .missing: return c.addInteger(0)
        case .found(_, let s): stream = s
        }
        var ids: [StreamID] = []
        for j in 2..<args.count {
            guard let id = parseStrictStreamID(c, args[j]) else { return }
            ids.append(id)
        }
        var deleted = 0
        for id in ids where stream.delete(id) { deleted += 1 }
        if deleted > 0 { streamModified(db, args[1], "xdel") }
        c.addInteger(deleted)
    }

    func xtrimCommand(_ c: Client, _ args: Arguments) {
        guard let parsed = parseAddOrTrim(c, args, xadd: false), let trim = parsed.trim else { return }
        let db = database(c)
        let stream: StreamValue
        switch findStream(db, args[1]) {
        case .wrongType: return c.addWrongType()
        case .missing: return c.addInteger(0)
        case .found(_, let s): stream = s
        }
        let removed = stream.trim(trim, approximate: parsed.approximate, limit: parsed.limit)
        if removed > 0 { streamModified(db, args[1], "xtrim") }
        c.addInteger(removed)
    }

    func xsetidCommand(_ c: Client, _ args: Arguments) {
        guard let id = parseStrictStreamID(c, args[2]) else { return }
        var entriesAdded = -1
        var maxDeleted = StreamID.zero
        var i = 3
        while i < args.count {
            let more = args.count - 1 - i
            if args.is(i, "entriesadded") && more > 0 {
                guard let n = Numbers.parseInteger(args[i + 1]) else { return c.addNotInteger() }
                guard n >= 0 else { return c.addError("ERR entries_added must be positive") }
                entriesAdded = n
            } else if args.is(i, "maxdeletedid") && more > 0 {
                guard let m = parseStrictStreamID(c, args[i + 1]) else { return }
                guard id >= m else {
                    return c.addError(
                        "ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id")
                }
                maxDeleted = m
            } else {
                return c.addSyntaxError()
            }
            i += 2
        }
        let db = database(c)
        let stream: StreamValue
        switch findStream(db, args[1]) {
        case .wrongType: return c.addWrongType()
        case .missing: return c.addError("ERR no such key")
        case .found(_, let s): stream = s
        }
        guard id >= stream.maxDeletedID else {
            return c.addError("ERR The ID specified in XSETID is smaller than current max_deleted_entry_id")
        }
        if stream.length > 0 {
            guard id >= stream.lastValidID else {
                return c.addError("ERR The ID specified in XSETID is smaller than the target stream top item")
            }
            if entriesAdded != -1 && stream.length > entriesAdded {
                return c.addError(
                    "ERR The entries_added specified in XSETID is smaller than the target stream length")
            }
        }
        stream.lastID = id
        if entriesAdded != -1 { stream.entriesAdded = entriesAdded }
        if maxDeleted != .zero { stream.maxDeletedID = maxDeleted }
        c.addOK()
        streamModified(db, args[1], "xsetid")
    }

    // MARK: XREAD and XREADGROUP

    func xreadCommand(_ c: Client, _ args: Arguments) { xreadGeneric(c, args, group: false) }
    func xreadgroupCommand(_ c: Client, _ args: Arguments) { xreadGeneric(c, args, group: true) }

    private func xreadGeneric(_ c: Client, _ args: Arguments, group isGroup: Bool) {
        var timeout = -1
        var count = 0
        var streamsAt = 0
        var streamCount = 0
        var groupName: Bytes?
        var consumerName = Bytes()
        var noAck = false
        var i = 1
        while i < args.count {
            let more = args.count - i - 1
            if args.is(i, "block") && more > 0 {
                i += 1
                guard let n = Numbers.parseInteger(args[i]) else {
                    return c.addError("ERR timeout is not an integer or out of range")
                }
                guard n >= 0 else { return c.addError("ERR timeout is negative") }
                if n == 0 {
                    timeout = 0
                } else {
                    let (deadline, overflow) = n.addingReportingOverflow(commandTime)
                    timeout = overflow ? 0 : deadline
                }
            } else if args.is(i, "count") && more > 0 {
                i += 1
                guard let n = Numbers.parseInteger(args[i]) else { return c.addNotInteger() }
                count = max(0, n)
            } else if args.is(i, "streams") && more > 0 {
                streamsAt = i + 1
                streamCount = args.count - streamsAt
                if streamCount % 2 != 0 {
                    let name = isGroup ? "XREADGROUP" : "XREAD"
                    let symbol = isGroup ? ">" : "$"
                    return c.addError(
                        "ERR Unbalanced \(name) list of streams: for each stream key an ID or '\(symbol)' must be specified."
                    )
                }
                streamCount /= 2
                break
            } else if args.is(i, "group") && more >= 2 {
                guard isGroup else {
                    return c.addError("ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.")
                }
                groupName = args[i + 1]
                consumerName = args[i + 2]
                i += 2
            } else if args.is(i, "noack") {
                guard isGroup else {
                    return c.addError("ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.")
                }
                noAck = true
            } else {
                return c.addSyntaxError()
            }
            i += 1
        }
        if streamsAt == 0 { return c.addSyntaxError() }
        if isGroup && groupName == nil { return c.addError("ERR Missing GROUP option for XREADGROUP") }

        let db = database(c)
        var ids: [StreamID] = []
        var groups: [StreamGroup] = []
        for k in 0..<streamCount {
            let key = args[streamsAt + k]
            let idArgument = args[streamsAt + streamCount + k]
            var stream: StreamValue?
            switch findStream(db, key) {
            case .wrongType: return c.addWrongType()
            case .missing: break
            case .found(_, let s): stream = s
            }
            if let groupName {
                guard let g = stream?.groups[groupName] else {
                    return c.addError(
                        "NOGROUP No such key '\(String(decoding: key, as: UTF8.self))' or consumer group '\(String(decoding: groupName, as: UTF8.self))' in XREADGROUP with GROUP option"
                    )
                }
                groups.append(g)
            }
            if idArgument == [UInt8(ascii: "$")] {
                if isGroup {
                    return c.addError(
                        "ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set."
                    )
                }
                ids.append(stream?.lastID ?? .zero)
                continue
            }
            if idArgument == [UInt8(ascii: ">")] {
                guard isGroup else {
                    return c.addError(
                        "ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option."
                    )
                }
                ids.append(.max)
                continue
            }
            guard let id = parseStrictStreamID(c, idArgument) else { return }
            ids.append(id)
        }

        // Serve at once what can be served.
        var served: [(key: Bytes, stream: StreamValue, after: StreamID, group: StreamGroup?, history: Bool)] = []
        for k in 0..<streamCount {
            let key = args[streamsAt + k]
            guard case .found(_, let stream) = findStream(db, key) else { continue }
            var after = ids[k]
            var now = false
            var history = false
            if isGroup {
                let g = groups[k]
                if after != .max {
                    now = true
                    history = true
                } else if stream.length > 0 && stream.lastValidID > g.lastID {
                    now = true
                    after = g.lastID
                }
            } else if stream.length > 0 && stream.lastValidID > after {
                now = true
            }
            // Redis 7.0 creates the consumer (and refreshes its seen time) only when it serves it.
            if now && isGroup { consumer(groups[k], consumerName, db: db, key: key, create: true) }
            if now { served.append((key, stream, after, isGroup ? groups[k] : nil, history)) }
        }
        if !served.isEmpty {
            if c.resp3 { c.addMapHeader(served.count) } else { c.addArrayHeader(served.count) }
            for s in served {
                if !c.resp3 { c.addArrayHeader(2) }
                c.addBulk(s.key)
                let start = s.after.next ?? .max
                if let g = s.group {
                    let consumer = g.consumers[consumerName]!
                    if s.history {
                        replyConsumerHistory(c, s.stream, g, consumer, from: start, count: count)
                    } else {
                        replyGroupRead(c, s.stream, g, consumer, from: start, count: count, noAck: noAck)
                    }
                } else {
                    addStreamEntries(c, s.stream.range(start, .max, count: count))
                }
            }
            return
        }
        if timeout != -1 {
            if c.denyBlocking { return c.addNullArray() }
            var byKey: [Bytes: StreamID] = [:]
            for k in 0..<streamCount where byKey[args[streamsAt + k]] == nil { byKey[args[streamsAt + k]] = ids[k] }
            let keys = (0..<streamCount).map { args[streamsAt + $0] }
            let readGroup = groupName.map { StreamReadGroup(name: $0, consumer: consumerName, noAck: noAck) }
            block(
                c, keys: keys, operation: .streamRead(ids: byKey, count: count == 0 ? 1000 : count, group: readGroup),
                deadline: timeout)
            return
        }
        c.addNullArray()
    }

    /// New entries for a group's consumer (`>`): the group's last ID advances, and unless NOACK
    /// each entry becomes pending for the consumer (taken from another consumer if needed).
    func replyGroupRead(
        _ c: Client, _ stream: StreamValue, _ group: StreamGroup, _ consumer: StreamConsumer, from start: StreamID,
        count: Int, noAck: Bool
    ) {
        let entries = stream.range(start, .max, count: count)
        c.addArrayHeader(entries.count)
        for e in entries {
            stream.groupDelivered(group, e.id)
            addStreamEntry(c, e)
            if noAck { continue }
            if let nack = group.nacks[e.id] {
                nack.consumer?.removePending(e.id)
                nack.consumer = consumer
                nack.deliveryTime = commandTime
                nack.deliveryCount = 1
            } else {
                group.addNACK(e.id, StreamNACK(deliveryTime: commandTime, deliveryCount: 1, consumer: consumer))
            }
            consumer.addPending(e.id)
        }
    }

    /// A consumer's pending entries from `start` (its history): deleted ones as `[id, nil]`;
    /// the others count one more delivery.
    func replyConsumerHistory(
        _ c: Client, _ stream: StreamValue, _ group: StreamGroup, _ consumer: StreamConsumer, from start: StreamID,
        count: Int
    ) {
        var ids = consumer.pending[SortedIDs.lowerBound(consumer.pending, start)...]
        if count > 0 { ids = ids.prefix(count) }
        c.addArrayHeader(ids.count)
        for id in ids {
            if let e = stream.entry(id) {
                addStreamEntry(c, e)
                if let nack = group.nacks[id] {
                    nack.deliveryTime = commandTime
                    nack.deliveryCount += 1
                }
            } else {
                c.addArrayHeader(2)
                addStreamID(c, id)
                c.addNullArray()
            }
        }
    }

    /// Serves a client blocked in XREAD or XREADGROUP on `key` if it has new entries; false
    /// when it keeps waiting.
    func serveBlockedStream(
        _ c: Client, _ stream: StreamValue, _ db: Database, _ key: Bytes, ids: [Bytes: StreamID], count: Int,
        group readGroup: StreamReadGroup?
    ) -> Bool {
        var after = ids[key] ?? .zero
        var group: StreamGroup?
        if let readGroup {
            guard let g = stream.groups[readGroup.name] else {
                unblock(
                    c, reply: false, error: "NOGROUP the consumer group this client was blocked on no longer exists")
                return true
            }
            group = g
            after = g.lastID
        }
        guard stream.lastID > after else { return false }
        unblock(c, reply: false)
        if c.resp3 {
            c.addMapHeader(1)
        } else {
            c.addArrayHeader(1)
            c.addArrayHeader(2)
        }
        c.addBulk(key)
        let start = after.next ?? .max
        if let group, let readGroup {
            let consumer = consumer(group, readGroup.consumer, db: db, key: key, create: true)!
            replyGroupRead(c, stream, group, consumer, from: start, count: count, noAck: readGroup.noAck)
        } else {
            addStreamEntries(c, stream.range(start, .max, count: count))
        }
        return true
    }
}
