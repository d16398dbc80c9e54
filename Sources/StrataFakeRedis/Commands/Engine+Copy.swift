// COPY, SWAPDB (Redis 7.0 db.c) and COMMAND HELP.

extension Engine {
    /// COPY source destination [DB index] [REPLACE].
    func copyCommand(_ c: Client, _ args: Arguments) {
        var replace = false
        var target = c.db
        var j = 3
        while j < args.count {
            if args.is(j, "replace") {
                replace = true
            } else if args.is(j, "db") && j + 1 < args.count {
                guard let n = databaseIndex(c, args[j + 1]) else { return }
                target = n
                j += 1
            } else {
                return c.addSyntaxError()
            }
            j += 1
        }
        guard target >= 0 && target < databases.count else { return c.addError("ERR DB index is out of range") }
        let source = database(c)
        let destination = databases[target]
        destination.now = commandTime
        let key = args[1]
        let newKey = args[2]
        if target == c.db && key == newKey {
            return c.addError("ERR source and destination objects are the same")
        }
        guard let slot = lookup(source, key) else { return c.addInteger(0) }
        let entry = source.entry(at: slot)
        if let existing = lookupForWrite(destination, newKey) {
            guard replace else { return c.addInteger(0) }
            destination.delete(at: existing)
        }
        let newSlot = destination.add(newKey, entry.value.copy())
        let encoding = source.bookkeeping(at: slot).stringEncoding
        destination.modifyBookkeeping(at: newSlot) { $0.stringEncoding = encoding }
        if entry.expireAt != 0 { destination.setExpiry(at: newSlot, entry.expireAt) }
        switch entry.value {
        case .list, .sortedSet, .stream: signalKeyAsReady(target, newKey)
        default: break
        }
        signalModifiedKey(target, newKey)
        c.addInteger(1)
    }

    /// SWAPDB index index: the two databases trade contents; watchers of keys in either are
    /// dirtied and clients blocked on a key that now holds a list are served.
    func swapdbCommand(_ c: Client, _ args: Arguments) {
        guard let first = Numbers.parseInteger(args[1]), first >= Int(Int32.min), first <= Int(Int32.max) else {
            return c.addError("ERR invalid first DB index")
        }
        guard let second = Numbers.parseInteger(args[2]), second >= Int(Int32.min), second <= Int(Int32.max)
        else {
            return c.addError("ERR invalid second DB index")
        }
        guard first >= 0, first < databases.count, second >= 0, second < databases.count else {
            return c.addError("ERR DB index is out of range")
        }
        if first != second {
            touchAllWatchedKeys(in: first)
            touchAllWatchedKeys(in: second)
            databases[first].swapContents(with: databases[second])
            touchAllWatchedKeys(in: first)
            touchAllWatchedKeys(in: second)
            for dk in blockedOn.keys where dk.db == first || dk.db == second {
                signalDeletedStreamKey(dk.db, dk.key)
                guard let slot = databases[dk.db].slot(dk.key) else { continue }
                switch databases[dk.db].value(at: slot) {
                case .list, .sortedSet, .stream: signalKeyAsReady(dk.db, dk.key)
                default: break
                }
            }
        }
        c.addOK()
    }

    func commandHelpCommand(_ c: Client, _ args: Arguments) {
        addHelp(
            c, "COMMAND",
            [
                "(no subcommand)",
                "    Return details about all Redis commands.",
                "COUNT",
                "    Return the total number of commands in this Redis server.",
                "LIST",
                "    Return a list of all commands in this Redis server.",
                "INFO [<command-name> ...]",
                "    Return details about multiple Redis commands.",
                "    If no command names are given, documentation details for all",
                "    commands are returned.",
                "DOCS [<command-name> ...]",
                "    Return documentation details about multiple Redis commands.",
                "    If no command names are given, documentation details for all",
                "    commands are returned.",
                "GETKEYS <full-command>",
                "    Return the keys from a full Redis command.",
                "GETKEYSANDFLAGS <full-command>",
                "    Return the keys and the access flags from a full Redis command.",
            ])
    }
}
