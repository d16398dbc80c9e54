// MULTI, EXEC, DISCARD, WATCH, UNWATCH (Redis 7.0 multi.c). Queued-command errors (unknown
// command, arity, NOAUTH...) flag the transaction so EXEC answers EXECABORT; a touched WATCHed
// key makes EXEC answer a null array.

extension Engine {
    func multiCommand(_ c: Client, _ args: Arguments) {
        if c.inMulti { return c.addError("ERR MULTI calls can not be nested") }
        c.inMulti = true
        c.addOK()
    }

    func discardTransaction(_ c: Client) {
        c.queued.removeAll()
        c.inMulti = false
        c.dirtyExec = false
        c.dirtyCAS = false
        unwatchAll(c)
    }

    func discardCommand(_ c: Client, _ args: Arguments) {
        guard c.inMulti else { return c.addError("ERR DISCARD without MULTI") }
        discardTransaction(c)
        c.addOK()
    }

    func execCommand(_ c: Client, _ args: Arguments) {
        guard c.inMulti else { return c.addError("ERR EXEC without MULTI") }
        // A key watched while live that has expired since counts as touched.
        for w in c.watched where !w.expiredWhenWatched && isLogicallyExpired(databases[w.db], w.key) {
            c.dirtyCAS = true
        }
        if c.dirtyExec || c.dirtyCAS {
            if c.dirtyExec {
                c.addError("EXECABORT Transaction discarded because of previous errors.")
            } else {
                c.addNullArray()
            }
            discardTransaction(c)
            return
        }
        let queued = c.queued
        unwatchAll(c)
        c.queued.removeAll()
        c.inMulti = false
        c.denyBlocking = true
        let replyStart = c.out.buffer.count
        c.addArrayHeader(queued.count)
        for args in queued {
            guard var spec = commands.lookup(args[0]) else { continue }
            if spec.isContainer, args.count >= 2, let sub = spec.subcommand(args[1]) { spec = sub }
            commandTime = now()
            call(c, spec, args)
            // The transaction runs to its end, but a reply past the output limit is dropped as
            // it grows (and the client closed), not collected whole.
            _ = replyPassedLimit(c, since: replyStart)
        }
        c.denyBlocking = false
        discardTransaction(c)
    }

    func watchCommand(_ c: Client, _ args: Arguments) {
        if c.inMulti { return c.addError("ERR WATCH inside MULTI is not allowed") }
        // A client already flagged dirty need not watch more keys.
        if c.dirtyCAS { return c.addOK() }
        for j in 1..<args.count {
            let key = args[j]
            if c.watched.contains(where: { $0.db == c.db && $0.key == key }) { continue }
            let expired = isLogicallyExpired(databases[c.db], key)
            c.watched.append(WatchedKey(db: c.db, key: key, expiredWhenWatched: expired))
            watchers[DatabaseKey(db: c.db, key: key), default: []].append(c)
        }
        c.addOK()
    }

    func unwatchCommand(_ c: Client, _ args: Arguments) {
        unwatchAll(c)
        c.dirtyCAS = false
        c.addOK()
    }

    func unwatchAll(_ c: Client) {
        for w in c.watched {
            let dk = DatabaseKey(db: w.db, key: w.key)
            guard var clients = watchers[dk] else { continue }
            clients.removeAll { $0 === c }
            watchers[dk] = clients.isEmpty ? nil : clients
        }
        c.watched.removeAll()
    }
}
