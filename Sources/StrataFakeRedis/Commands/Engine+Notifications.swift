// Keyspace notifications (`notify-keyspace-events`): `__keyspace@<db>__:<key>` carries the
// event name and `__keyevent@<db>__:<event>` the key, as Redis 7.0's notify.c publishes them.
//
// Redis calls notifyKeyspaceEvent next to signalModifiedKey in every command. The fake derives
// the events at its signalModifiedKey instead, from the running command, its arguments, which
// signal of the command this is (LMOVE and RENAME change two keys) and whether the key still
// exists (a list emptied by LPOP adds `del`). Expired keys say `expired`; blocked pops that are
// served say `lpop`/`rpop`. A key added to a database says `new` at once (the databases'
// keyAdded hook, set only while the `n` class is on), as Redis' dbAdd does. Evicted keys say
// `evicted` (Engine+Maxmemory).

/// What the keyspace notifications need to know about the running command.
struct NotificationContext {
    var arguments: Arguments?
    /// How many keys the running command has signalled so far.
    var signals = 0
    /// Set while an expired key is deleted, which publishes `expired` itself.
    var suppressed = false
}

extension Engine {
    /// Called by ``call(_:_:_:)`` before a command runs, when notifications are on.
    func beginNotifications(_ args: Arguments) {
        notification.arguments = args
        notification.signals = 0
    }

    /// Turns the `new` events on or off with the configured classes (after CONFIG SET).
    func updateNewKeyEvents() {
        let flags = config.keyspaceEvents
        let on = flags.contains(.new) && !flags.isDisjoint(with: [.keyspace, .keyevent])
        for db in databases {
            db.keyAdded = on ? { [unowned self] id, key in self.notifyKeyspaceEvent(.new, "new", key, db: id) } : nil
        }
    }

    /// Publishes one event for a key to the channels the configured classes ask for.
    func notifyKeyspaceEvent(_ type: KeyspaceEvents, _ event: String, _ key: Bytes, db: Int) {
        let flags = config.keyspaceEvents
        guard flags.contains(type) || type.isEmpty, flags.contains(.keyspace) || flags.contains(.keyevent) else {
            return
        }
        let eventBytes = Array(event.utf8)
        if flags.contains(.keyspace) {
            _ = publish(Array("__keyspace@\(db)__:".utf8) + key, eventBytes)
        }
        if flags.contains(.keyevent) {
            _ = publish(Array("__keyevent@\(db)__:".utf8) + eventBytes, key)
        }
    }

    /// The events a signalled key stands for, published (see the file comment).
    func notifyForSignal(_ db: Int, _ key: Bytes) {
        guard !notification.suppressed, let c = currentClient, let args = notification.arguments else { return }
        let index = notification.signals
        notification.signals += 1
        let exists = databases[db].slot(key) != nil
        for (type, event) in derivedEvents(c.lastCommand, args, key, index: index, db: db, clientDB: c.db, exists) {
            notifyKeyspaceEvent(type, event, key, db: db)
        }
    }

    private func derivedEvents(
        _ command: String, _ args: Arguments, _ key: Bytes, index: Int, db: Int, clientDB: Int, _ exists: Bool
    ) -> [(KeyspaceEvents, String)] {
        let del: (KeyspaceEvents, String) = (.generic, "del")
        /// An event on a collection, and `del` when the command emptied it.
        func collection(_ type: KeyspaceEvents, _ event: String) -> [(KeyspaceEvents, String)] {
            exists ? [(type, event)] : [(type, event), del]
        }
        /// A *STORE command: its event, or `del` when the result was empty.
        func stored(_ type: KeyspaceEvents, _ event: String) -> [(KeyspaceEvents, String)] {
            exists ? [(type, event)] : [del]
        }
        func hasOption(_ names: [StaticString], from: Int) -> Bool {
            (from..<args.count).contains { j in names.contains { args.is(j, $0) } }
        }
        switch command {
        case "set":
            let expires = hasOption(["ex", "px", "exat", "pxat"], from: 3)
            return expires ? [(.string, "set"), (.generic, "expire")] : [(.string, "set")]
        case "setex", "psetex": return [(.string, "set"), (.generic, "expire")]
        case "setnx", "getset", "mset", "msetnx": return [(.string, "set")]
        case "append", "setrange", "incrbyfloat", "setbit": return [(.string, command)]
        case "bitfield": return [(.string, "setbit")]
        case "incr", "decr", "incrby", "decrby": return [(.string, "incrby")]
        case "bitop": return exists ? [(.string, "set")] : [del]
        case "getdel", "del", "unlink": return [del]
        case "getex":
            return !exists ? [del] : hasOption(["persist"], from: 2) ? [(.generic, "persist")] : [(.generic, "expire")]
        case "expire", "pexpire", "expireat", "pexpireat": return exists ? [(.generic, "expire")] : [del]
        case "persist": return [(.generic, "persist")]
        case "rename", "renamenx": return [(.generic, index == 0 ? "rename_from" : "rename_to")]
        case "move": return [(.generic, db == clientDB ? "move_from" : "move_to")]
        case "copy": return [(.generic, "copy_to")]
        case "restore": return exists ? [(.generic, "restore")] : [del]
        case "lpush", "rpush", "lpushx", "rpushx", "linsert", "lset", "lrem", "ltrim", "lpop", "rpop":
            return collection(.list, command)
        case "blpop": return collection(.list, "lpop")
        case "brpop": return collection(.list, "rpop")
        case "lmpop", "blmpop":
            let at = command == "lmpop" ? 1 : 2
            let numkeys = Numbers.parseInteger(args[at]) ?? 0
            return collection(.list, args.is(at + numkeys + 1, "left") ? "lpop" : "rpop")
        case "zmpop", "bzmpop":
            let at = command == "zmpop" ? 1 : 2
            let numkeys = Numbers.parseInteger(args[at]) ?? 0
            return collection(.zset, args.is(at + numkeys + 1, "min") ? "zpopmin" : "zpopmax")
        case "bzpopmin", "bzpopmax": return collection(.zset, command == "bzpopmin" ? "zpopmin" : "zpopmax")
        case "lmove", "rpoplpush", "blmove", "brpoplpush":
            let fromLeft = (command == "lmove" || command == "blmove") && args.is(3, "left")
            let toLeft = command == "rpoplpush" || command == "brpoplpush" || args.is(4, "left")
            // The destination is signalled first (the push), then the source (the pop).
            if index == 0 && !(key == args[1] && key != args[2]) { return [(.list, toLeft ? "lpush" : "rpush")] }
            return collection(.list, fromLeft ? "lpop" : "rpop")
        case "hset", "hmset", "hsetnx": return [(.hash, "hset")]
        case "hincrby", "hincrbyfloat": return [(.hash, command)]
        case "hdel": return collection(.hash, "hdel")
        case "sadd": return [(.set, "sadd")]
        case "srem", "spop": return collection(.set, command)
        case "smove": return key == args[1] ? collection(.set, "srem") : [(.set, "sadd")]
        case "sinterstore", "sunionstore", "sdiffstore": return stored(.set, command)
        case "zunionstore", "zinterstore", "zdiffstore", "zrangestore": return stored(.zset, command)
        case "zadd":
            // The options come before the first score.
            var j = 2
            var incr = false
            while j < args.count, ["nx", "xx", "gt", "lt", "ch", "incr"].contains(where: { args.is(j, $0) }) {
                if args.is(j, "incr") { incr = true }
                j += 1
            }
            return [(.zset, incr ? "zincr" : "zadd")]
        case "zincrby": return [(.zset, "zincr")]
        case "geoadd": return [(.zset, "zadd")]
        case "zrem", "zremrangebyscore", "zremrangebyrank", "zremrangebylex", "zpopmin", "zpopmax":
            return collection(.zset, command)
        case "sort": return stored(.list, "sortstore")
        default: return []
        }
    }
}
